//! Generators of bad inputs for `tests/bad_inputs.rs` and `tests/determinism.rs`: every file
//! is built in memory by the test (zips and deflate streams by hand where the zip crate would
//! refuse to lie, compound documents and BIFF records byte by byte), so nothing large is
//! committed.
#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).expect("fixture")
}

// ---------------------------------------------------------------------------------------
// CRC-32 and raw deflate
// ---------------------------------------------------------------------------------------

pub fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, t) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *t = c;
    }
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc = table[((crc ^ *b as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn new() -> Bits {
        Bits {
            out: Vec::new(),
            acc: 0,
            n: 0,
        }
    }
    /// `count` bits of `v`, least significant first (deflate's header and extra bits).
    fn put(&mut self, v: u32, count: u32) {
        self.acc |= (v as u64) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code, most significant bit first.
    fn huff(&mut self, code: u32, len: u32) {
        let mut rev = 0;
        for i in 0..len {
            rev |= ((code >> i) & 1) << (len - 1 - i);
        }
        self.put(rev, len);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn fixed_literal(bits: &mut Bits, lit: u32) {
    match lit {
        0..=143 => bits.huff(0x30 + lit, 8),
        144..=255 => bits.huff(0x190 + lit - 144, 9),
        256..=279 => bits.huff(lit - 256, 7),
        _ => bits.huff(0xC0 + lit - 280, 8),
    }
}

const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];

/// A raw deflate stream (fixed Huffman codes) that inflates to `pattern` repeated over
/// `total` bytes (at least one pattern): the pattern once as literals, then matches of 258
/// bytes at distance `pattern.len()`, then literals. About 160:1, built in milliseconds even
/// for gigabytes. Returns the stream and the exact inflated length.
pub fn deflate_repeat(pattern: &[u8], total: u64) -> (Vec<u8>, u64) {
    deflate_framed(b"", pattern, total, b"")
}

/// Like [`deflate_repeat`], between a literal `head` and `tail` (`total` counts the repeated
/// part only).
pub fn deflate_framed(head: &[u8], pattern: &[u8], total: u64, tail: &[u8]) -> (Vec<u8>, u64) {
    assert!(!pattern.is_empty() && pattern.len() <= 32_768);
    let mut bits = Bits::new();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // fixed Huffman
    for b in head.iter().chain(pattern) {
        fixed_literal(&mut bits, *b as u32);
    }
    let mut len = pattern.len() as u64;
    let d = pattern.len() as u32;
    let code = DIST_BASE.iter().rposition(|b| *b <= d).unwrap() as u32;
    let extra = if code < 4 { 0 } else { code / 2 - 1 };
    while len + 258 <= total {
        fixed_literal(&mut bits, 285); // length 258
        bits.huff(code, 5);
        if extra > 0 {
            bits.put(d - DIST_BASE[code as usize], extra);
        }
        len += 258;
    }
    while len < total {
        fixed_literal(
            &mut bits,
            pattern[(len % pattern.len() as u64) as usize] as u32,
        );
        len += 1;
    }
    for b in tail {
        fixed_literal(&mut bits, *b as u32);
    }
    fixed_literal(&mut bits, 256);
    (bits.finish(), head.len() as u64 + len + tail.len() as u64)
}

// ---------------------------------------------------------------------------------------
// ZIP files written by hand (sizes may lie) and with the zip crate (honest)
// ---------------------------------------------------------------------------------------

pub struct RawEntry {
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    pub declared: u32,
}

impl RawEntry {
    pub fn stored(name: &str, data: &[u8]) -> RawEntry {
        RawEntry {
            name: name.into(),
            method: 0,
            data: data.to_vec(),
            crc: crc32(data),
            declared: data.len() as u32,
        }
    }
}

pub fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let local = |buf: &mut Vec<u8>, central: bool| {
            buf.extend_from_slice(if central {
                b"PK\x01\x02"
            } else {
                b"PK\x03\x04"
            });
            if central {
                buf.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            buf.extend_from_slice(&20u16.to_le_bytes()); // needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&e.method.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            buf.extend_from_slice(&e.crc.to_le_bytes());
            buf.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&e.declared.to_le_bytes());
            buf.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                buf.extend_from_slice(&0u16.to_le_bytes()); // comment
                buf.extend_from_slice(&0u16.to_le_bytes()); // disk
                buf.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
                buf.extend_from_slice(&0u32.to_le_bytes()); // external attrs
                buf.extend_from_slice(&offset.to_le_bytes());
            }
            buf.extend_from_slice(e.name.as_bytes());
        };
        local(&mut out, false);
        out.extend_from_slice(&e.data);
        local(&mut central, true);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// The (name, content) of every entry of a zip.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

/// Writes entries with the zip crate (deflated, honest sizes).
pub fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Changes (`Some`) or removes (`None`) one zip entry, given its name and content.
pub type Patch<'a> = &'a dyn Fn(&str, Vec<u8>) -> Option<Vec<u8>>;

/// A fixture with some entries changed or removed.
pub fn patched_fixture(name: &str, patch: Patch<'_>) -> Vec<u8> {
    let entries: Vec<(String, Vec<u8>)> = unzip(&fixture(name))
        .into_iter()
        .filter_map(|(n, d)| patch(&n, d).map(|d| (n, d)))
        .collect();
    zip_of(&entries)
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

/// The parts of a minimal .xlsx whose sheets have the given names and sheet XML, with an
/// optional shared-string table.
pub fn xlsx_parts(sheets: &[(&str, String)], shared: Option<String>) -> Vec<(String, Vec<u8>)> {
    let mut wb = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut parts = vec![
        (
            "[Content_Types].xml".to_string(),
            CONTENT_TYPES.as_bytes().to_vec(),
        ),
        ("_rels/.rels".to_string(), ROOT_RELS.as_bytes().to_vec()),
    ];
    for (i, (name, xml)) in sheets.iter().enumerate() {
        let n = i + 1;
        wb.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            xml.as_bytes().to_vec(),
        ));
    }
    if let Some(sst) = shared {
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        parts.push(("xl/sharedStrings.xml".into(), sst.into_bytes()));
    }
    wb.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    parts.push(("xl/workbook.xml".into(), wb.into_bytes()));
    parts.push(("xl/_rels/workbook.xml.rels".into(), rels.into_bytes()));
    parts
}

pub fn sheet_xml(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// A minimal .ods with one `content.xml` body (the `<office:spreadsheet>` children).
pub fn ods_with(tables: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_of(&[
        (
            "mimetype".into(),
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("META-INF/manifest.xml".into(), manifest.as_bytes().to_vec()),
        ("content.xml".into(), content.into_bytes()),
    ])
}

// ---------------------------------------------------------------------------------------
// Compound documents (MS-CFB) and BIFF8 records
// ---------------------------------------------------------------------------------------

pub const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FREESECT: u32 = 0xFFFF_FFFF;
const FATSECT: u32 = 0xFFFF_FFFD;

/// A version-3 compound document (512-byte sectors) with the given streams, each padded to
/// at least 4096 bytes so no mini stream is needed. Returns the bytes and, per stream, its
/// first sector (for tests that break chains). Layout: header, FAT sectors, directory
/// sectors, then the streams in order.
pub fn cfb(streams: &[(&str, Vec<u8>)]) -> (Vec<u8>, CfbLayout) {
    let streams: Vec<(&str, Vec<u8>)> = streams
        .iter()
        .map(|(n, d)| {
            let mut d = d.clone();
            if d.len() < 4096 {
                d.resize(4096, 0);
            }
            (*n, d)
        })
        .collect();
    let dir_entries = streams.len() + 1;
    let dir_sectors = dir_entries.div_ceil(4);
    let data_sectors: usize = streams.iter().map(|(_, d)| d.len().div_ceil(512)).sum();
    let mut fat_sectors = 1;
    while fat_sectors * 128 < fat_sectors + dir_sectors + data_sectors {
        fat_sectors += 1;
    }
    assert!(fat_sectors <= 109);
    let total = fat_sectors + dir_sectors + data_sectors;
    let mut fat = vec![FREESECT; fat_sectors * 128];
    for f in fat.iter_mut().take(fat_sectors) {
        *f = FATSECT;
    }
    let chain = |fat: &mut Vec<u32>, start: usize, n: usize| {
        for i in 0..n {
            fat[start + i] = if i + 1 == n {
                ENDOFCHAIN
            } else {
                (start + i + 1) as u32
            };
        }
    };
    let dir_start = fat_sectors;
    chain(&mut fat, dir_start, dir_sectors);
    let mut starts = Vec::new();
    let mut next = dir_start + dir_sectors;
    for (_, d) in &streams {
        let n = d.len().div_ceil(512);
        chain(&mut fat, next, n);
        starts.push(next as u32);
        next += n;
    }
    // Header.
    let mut out = Vec::with_capacity(512 * (total + 1));
    out.extend_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&0x003Eu16.to_le_bytes());
    out.extend_from_slice(&3u16.to_le_bytes());
    out.extend_from_slice(&0xFFFEu16.to_le_bytes());
    out.extend_from_slice(&9u16.to_le_bytes());
    out.extend_from_slice(&6u16.to_le_bytes());
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&0u32.to_le_bytes()); // directory sectors (v3: 0)
    out.extend_from_slice(&(fat_sectors as u32).to_le_bytes());
    out.extend_from_slice(&(dir_start as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&4096u32.to_le_bytes());
    out.extend_from_slice(&ENDOFCHAIN.to_le_bytes()); // mini FAT start
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&ENDOFCHAIN.to_le_bytes()); // DIFAT start
    out.extend_from_slice(&0u32.to_le_bytes());
    for i in 0..109 {
        let v = if i < fat_sectors { i as u32 } else { FREESECT };
        out.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(out.len(), 512);
    for v in &fat {
        out.extend_from_slice(&v.to_le_bytes());
    }
    // Directory.
    let mut dir = Vec::new();
    let entry =
        |dir: &mut Vec<u8>, name: &str, kind: u8, child: u32, right: u32, start: u32, size: u32| {
            let mut e = [0u8; 128];
            let units: Vec<u16> = name.encode_utf16().collect();
            for (i, u) in units.iter().enumerate() {
                e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
            e[66] = kind;
            e[67] = 1;
            e[68..72].copy_from_slice(&FREESECT.to_le_bytes());
            e[72..76].copy_from_slice(&right.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
            dir.extend_from_slice(&e);
        };
    let first_child = if streams.is_empty() { FREESECT } else { 1 };
    entry(
        &mut dir,
        "Root Entry",
        5,
        first_child,
        FREESECT,
        ENDOFCHAIN,
        0,
    );
    for (i, (name, d)) in streams.iter().enumerate() {
        let right = if i + 1 < streams.len() {
            (i + 2) as u32
        } else {
            FREESECT
        };
        entry(
            &mut dir,
            name,
            2,
            FREESECT,
            right,
            starts[i],
            d.len() as u32,
        );
    }
    dir.resize(dir_sectors * 512, 0);
    out.extend_from_slice(&dir);
    for (_, d) in &streams {
        let mut d = d.clone();
        d.resize(d.len().div_ceil(512) * 512, 0);
        out.extend_from_slice(&d);
    }
    (
        out,
        CfbLayout {
            fat_sectors,
            dir_start: dir_start as u32,
            starts,
        },
    )
}

pub struct CfbLayout {
    pub fat_sectors: usize,
    pub dir_start: u32,
    pub starts: Vec<u32>,
}

/// Sets FAT entry `id` (the FAT is in sectors 0.. right after the header).
pub fn set_fat(bytes: &mut [u8], id: u32, value: u32) {
    let at = 512 + id as usize * 4;
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Sets the size of directory entry `i` (0 = root).
pub fn set_dir_size(bytes: &mut [u8], layout: &CfbLayout, i: usize, size: u32) {
    let at = 512 + layout.dir_start as usize * 512 + i * 128 + 120;
    bytes[at..at + 4].copy_from_slice(&size.to_le_bytes());
}

pub fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= 8224);
    let mut v = typ.to_le_bytes().to_vec();
    v.extend_from_slice(&(data.len() as u16).to_le_bytes());
    v.extend_from_slice(data);
    v
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = vec![0x00, 0x06];
    d.extend_from_slice(&dt.to_le_bytes());
    d.extend_from_slice(&[0; 12]);
    rec(0x0809, &d)
}

pub fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&v.to_le_bytes());
    rec(0x0203, &d)
}

pub fn label(row: u16, col: u16, s: &str) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&(s.len() as u16).to_le_bytes());
    d.push(0);
    d.extend_from_slice(s.as_bytes());
    rec(0x0204, &d)
}

pub fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&isst.to_le_bytes());
    rec(0x00FD, &d)
}

pub fn dimensions(
    first_row: u32,
    last_row_plus1: u32,
    first_col: u16,
    last_col_plus1: u16,
) -> Vec<u8> {
    let mut d = first_row.to_le_bytes().to_vec();
    d.extend_from_slice(&last_row_plus1.to_le_bytes());
    d.extend_from_slice(&first_col.to_le_bytes());
    d.extend_from_slice(&last_col_plus1.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    rec(0x0200, &d)
}

/// An SST record (with CONTINUE records) holding one string of `chars` ASCII letters.
pub fn sst_one_long_string(chars: usize) -> Vec<u8> {
    let mut first = 1u32.to_le_bytes().to_vec();
    first.extend_from_slice(&1u32.to_le_bytes());
    first.extend_from_slice(&(chars as u16).to_le_bytes());
    first.push(0);
    let text = vec![b'x'; chars];
    let room = 8224 - first.len();
    let take = room.min(chars);
    first.extend_from_slice(&text[..take]);
    let mut out = rec(0x00FC, &first);
    let mut rest = &text[take..];
    while !rest.is_empty() {
        let n = rest.len().min(8223);
        let mut d = vec![0u8];
        d.extend_from_slice(&rest[..n]);
        out.extend(rec(0x003C, &d));
        rest = &rest[n..];
    }
    out
}

/// A BIFF8 `Workbook` stream: globals (with `globals_extra` records before the sheets' list)
/// and one substream per sheet with the given cell records.
pub fn biff_workbook(globals_extra: &[u8], sheets: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let boundsheet = |pos: u32, name: &str| {
        let mut d = pos.to_le_bytes().to_vec();
        d.extend_from_slice(&[0, 0, name.len() as u8, 0]);
        d.extend_from_slice(name.as_bytes());
        rec(0x0085, &d)
    };
    let mut globals = bof(0x0005);
    globals.extend(rec(0x0042, &1200u16.to_le_bytes()));
    globals.extend_from_slice(globals_extra);
    let bs_len: usize = sheets.iter().map(|(n, _)| boundsheet(0, n).len()).sum();
    let eof = rec(0x000A, &[]);
    let mut pos = globals.len() + bs_len + eof.len();
    let mut bodies = Vec::new();
    for (name, cells) in sheets {
        globals.extend(boundsheet(pos as u32, name));
        let mut body = bof(0x0010);
        body.extend_from_slice(cells);
        body.extend_from_slice(&eof);
        pos += body.len();
        bodies.push(body);
    }
    globals.extend_from_slice(&eof);
    for b in bodies {
        globals.extend(b);
    }
    globals
}

/// A BIFF8 .xls file with the given sheets.
pub fn xls_file(globals_extra: &[u8], sheets: &[(&str, Vec<u8>)]) -> Vec<u8> {
    cfb(&[("Workbook", biff_workbook(globals_extra, sheets))]).0
}

#[test]
fn deflate_repeat_inflates_to_exactly_the_pattern() {
    let pattern = b"<row><c><v>1</v></c></row>";
    let (raw, len) = deflate_repeat(pattern, 100_000);
    assert_eq!(len, 100_000);
    let zip = raw_zip(&[RawEntry {
        name: "a.xml".into(),
        method: 8,
        data: raw,
        crc: 0,
        declared: len as u32,
    }]);
    let mut z = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = Vec::new();
    // The CRC is not computed (0): read the bytes, ignore the checksum error at the end.
    let _ = z.by_index(0).unwrap().read_to_end(&mut out);
    assert_eq!(out.len(), 100_000);
    assert!(out.chunks(pattern.len()).all(|c| pattern.starts_with(c)));
}
