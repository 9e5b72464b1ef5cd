//! What calamine is handed of an .xlsx: the package without the parts that calamine parses
//! when it opens a workbook but poalint does not need from it.
//!
//! - The theme (`xl/theme/theme1.xml`, about 7 KB of DrawingML in every workbook Excel
//!   writes): calamine reads it to resolve the colours of fonts and fills, which poalint never
//!   uses. Parsing it was about 4 % of `poalint lint` on 1,000 captures (bench/README.md,
//!   session 10); without it calamine uses the default Office colours.
//! - The styles (`xl/styles.xml`): poalint needs only each cell format's number format (a date?
//!   a percentage?), which [`super::styles`] reads from the part for a fraction of what
//!   calamine's full parse costs (another 5 %). The part is taken out only when that read
//!   succeeds; otherwise calamine reads it as before.
//!
//! A part is taken out of the archive's central directory: the zip crate finds parts through
//! that directory only, so calamine never sees it, and its data stays in the bytes,
//! unreferenced. The file on disk is never touched: this is poalint's copy in memory.
//!
//! Only a plain archive is trimmed: one end-of-central-directory record at the very end, no
//! ZIP64, one disk, the central directory right before the record and every entry in it well
//! formed. Anything else is handed to calamine as it came, and [`super::sniff`] or calamine
//! report what is wrong with it.

use super::styles::{self, NumberFormat};
use memchr::memmem;

/// End of central directory record: signature, fixed length.
const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: usize = 22;
/// Central directory file header: signature, fixed length.
const ENTRY: &[u8; 4] = b"PK\x01\x02";
const ENTRY_LEN: usize = 46;
/// Local file header: signature, fixed length.
const LOCAL: &[u8; 4] = b"PK\x03\x04";
const LOCAL_LEN: usize = 30;
/// ZIP64 end of central directory locator, just before the classic record when present.
const ZIP64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
/// The largest styles part poalint inflates itself (real ones weigh a few KB); a bigger one is
/// left to calamine.
const MAX_STYLES: usize = 8 * 1024 * 1024;

/// Takes the parts poalint does not need calamine to read out of the central directory of an
/// .xlsx in memory (see the module's documentation). Returns the number formats of the cell
/// formats when poalint read `xl/styles.xml` itself (and took it out); `None` when calamine is
/// to read the styles (the archive is not a plain one, has no such part or one poalint could
/// not read).
pub fn prepare(bytes: &mut Vec<u8>) -> Option<Vec<NumberFormat>> {
    let dir = Directory::find(bytes)?;
    let formats = match dir
        .entries
        .iter()
        .filter(|e| e.part == Part::Styles)
        .collect::<Vec<_>>()[..]
    {
        [styles] => styles.data(bytes).and_then(|xml| styles::parse(&xml)),
        // Two parts of the same name: which one calamine would read is its business.
        _ => None,
    };
    let taken = formats.is_some();
    dir.remove(bytes, |p| p == Part::Theme || (taken && p == Part::Styles));
    formats
}

/// The parts this module cares about, by name, as calamine finds them: case-insensitively and
/// with `\` read as `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `<workbook's folder>theme/theme1.xml` (any folder: calamine reads no other theme).
    Theme,
    /// `xl/styles.xml`, where every workbook keeps its styles.
    Styles,
    Other,
}

impl Part {
    fn of(name: &[u8]) -> Part {
        const THEME: &[u8] = b"theme/theme1.xml";
        const STYLES: &[u8] = b"xl/styles.xml";
        let slash = |b: u8| if b == b'\\' { b'/' } else { b };
        let is = |tail: &[u8], want: &[u8]| {
            tail.iter()
                .map(|b| slash(b.to_ascii_lowercase()))
                .eq(want.iter().copied())
        };
        if is(name, STYLES) {
            return Part::Styles;
        }
        match name.len().checked_sub(THEME.len()) {
            Some(at) if is(&name[at..], THEME) && (at == 0 || slash(name[at - 1]) == b'/') => {
                Part::Theme
            }
            _ => Part::Other,
        }
    }
}

/// A plain archive's central directory.
struct Directory {
    /// Where it starts in the file.
    offset: usize,
    entries: Vec<Entry>,
}

/// One central directory entry: where its header sits, how long it is with its name, extra
/// field and comment, which part it is, and what it says of the part's data.
struct Entry {
    start: usize,
    len: usize,
    part: Part,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: usize,
    size: usize,
    local: usize,
}

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

impl Directory {
    fn find(bytes: &[u8]) -> Option<Directory> {
        let u16_at = |at| le16(bytes, at).map(usize::from);
        let u32_at = |at| le32(bytes, at).map(|v| v as usize);
        let last = bytes.len().checked_sub(EOCD_LEN)?;
        let from = last.saturating_sub(u16::MAX as usize);
        let at = from + memmem::rfind(&bytes[from..last + EOCD.len()], EOCD)?;
        // The record ends the file (its comment reaches the last byte), on one disk, without
        // ZIP64 (whose fields read all ones here, with a locator before the record).
        let (disk, dir_disk) = (u16_at(at + 4)?, u16_at(at + 6)?);
        let (here, entries) = (u16_at(at + 8)?, u16_at(at + 10)?);
        let (size, offset) = (u32_at(at + 12)?, u32_at(at + 16)?);
        let plain = at + EOCD_LEN + u16_at(at + 20)? == bytes.len()
            && disk == 0
            && dir_disk == 0
            && here == entries
            && entries != u16::MAX as usize
            && size != u32::MAX as usize
            && offset != u32::MAX as usize
            && !(at >= 20 && &bytes[at - 20..at - 16] == ZIP64_LOCATOR)
            && offset.checked_add(size) == Some(at);
        if !plain {
            return None;
        }
        let mut list = Vec::with_capacity(entries);
        let mut p = offset;
        for _ in 0..entries {
            if bytes.get(p..p + ENTRY.len())? != ENTRY {
                return None;
            }
            let name_len = u16_at(p + 28)?;
            let len = ENTRY_LEN + name_len + u16_at(p + 30)? + u16_at(p + 32)?;
            if p + len > at {
                return None;
            }
            list.push(Entry {
                start: p,
                len,
                part: Part::of(&bytes[p + ENTRY_LEN..p + ENTRY_LEN + name_len]),
                flags: le16(bytes, p + 8)?,
                method: le16(bytes, p + 10)?,
                crc: le32(bytes, p + 16)?,
                compressed: u32_at(p + 20)?,
                size: u32_at(p + 24)?,
                local: u32_at(p + 42)?,
            });
            p += len;
        }
        (p == at).then_some(Directory {
            offset,
            entries: list,
        })
    }

    /// Takes the entries of the parts `drop` picks out of the directory and writes the end
    /// record again after the rest. Nothing changes when it picks none.
    fn remove(&self, bytes: &mut Vec<u8>, drop: impl Fn(Part) -> bool) {
        if !self.entries.iter().any(|e| drop(e.part)) {
            return;
        }
        // Kept entries move towards the start of the directory, never past their old place.
        let mut end = self.offset;
        let mut kept: u16 = 0;
        for e in self.entries.iter().filter(|e| !drop(e.part)) {
            bytes.copy_within(e.start..e.start + e.len, end);
            end += e.len;
            kept += 1;
        }
        let size = (end - self.offset) as u32;
        bytes.truncate(end);
        bytes.extend_from_slice(EOCD);
        bytes.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        bytes.extend_from_slice(&kept.to_le_bytes()); // entries on this disk
        bytes.extend_from_slice(&kept.to_le_bytes()); // entries in all
        bytes.extend_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(&(self.offset as u32).to_le_bytes());
        bytes.extend_from_slice(&[0; 2]); // no comment
    }
}

impl Entry {
    /// The part's bytes, inflated and checked against the size and CRC the directory gives;
    /// `None` for anything unusual (encrypted, another compression method, ZIP64 sizes, a
    /// damaged stream, over [`MAX_STYLES`]), which is then left to calamine and the zip crate.
    fn data(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let unusual = self.flags & 1 != 0
            || self.size > MAX_STYLES
            || self.compressed == u32::MAX as usize
            || bytes.get(self.local..self.local + LOCAL.len())? != LOCAL;
        if unusual {
            return None;
        }
        let start = self.local
            + LOCAL_LEN
            + usize::from(le16(bytes, self.local + 26)?)
            + usize::from(le16(bytes, self.local + 28)?);
        let raw = bytes.get(start..start.checked_add(self.compressed)?)?;
        let data = match self.method {
            0 => raw.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(self.size);
                let mut inflate = flate2::Decompress::new(false);
                match inflate.decompress_vec(raw, &mut out, flate2::FlushDecompress::Finish) {
                    Ok(flate2::Status::StreamEnd) => out,
                    _ => return None,
                }
            }
            _ => return None,
        };
        (data.len() == self.size && crc32fast::hash(&data) == self.crc).then_some(data)
    }
}

#[cfg(test)]
mod tests {
    use super::{EOCD_LEN, Part, prepare};
    use std::io::{Cursor, Read};

    const FIXTURE: &[u8] = include_bytes!("../../fixtures/60-IMACUM-4T2020.xlsx");
    const THEME: &str = "xl/theme/theme1.xml";
    const STYLES: &str = "xl/styles.xml";

    /// Every part of an archive, by name, as the zip crate reads it.
    fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a readable archive");
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                (f.name().unwrap().to_string(), data)
            })
            .collect()
    }

    fn without(parts: &[(String, Vec<u8>)], names: &[&str]) -> Vec<(String, Vec<u8>)> {
        let keep = |n: &String| !names.contains(&n.as_str());
        parts.iter().filter(|(n, _)| keep(n)).cloned().collect()
    }

    #[test]
    fn part_names() {
        assert_eq!(Part::of(b"xl/theme/theme1.xml"), Part::Theme);
        assert_eq!(Part::of(b"XL\\Theme\\THEME1.XML"), Part::Theme);
        assert_eq!(Part::of(b"theme/theme1.xml"), Part::Theme);
        assert_eq!(Part::of(b"xl/theme/theme2.xml"), Part::Other);
        assert_eq!(Part::of(b"xl/mytheme/theme1.xml"), Part::Other);
        assert_eq!(Part::of(b"xl/theme/theme1.xml.rels"), Part::Other);
        assert_eq!(Part::of(b"xl/styles.xml"), Part::Styles);
        assert_eq!(Part::of(b"XL\\Styles.XML"), Part::Styles);
        assert_eq!(Part::of(b"other/xl/styles.xml"), Part::Other);
        assert_eq!(Part::of(b"xl/worksheets/sheet1.xml"), Part::Other);
    }

    /// The theme and the styles leave the directory (the styles' number formats are
    /// returned); every other part reads back as it was.
    #[test]
    fn takes_the_theme_and_the_styles_and_nothing_else() {
        let before = parts(FIXTURE);
        let styles_xml = &before.iter().find(|(n, _)| n == STYLES).unwrap().1;
        let mut bytes = FIXTURE.to_vec();
        let formats = prepare(&mut bytes).expect("styles read by poalint");
        assert_eq!(Some(formats), crate::read::styles::parse(styles_xml));
        assert!(bytes.len() < FIXTURE.len());
        assert_eq!(parts(&bytes), without(&before, &[THEME, STYLES]));
        // Nothing left to take the second time.
        let again = bytes.clone();
        assert_eq!(prepare(&mut bytes), None);
        assert_eq!(bytes, again);
    }

    /// Styles poalint cannot read (here, data that does not match its CRC) stay for calamine;
    /// the theme still goes.
    #[test]
    fn leaves_unreadable_styles_to_calamine() {
        let mut bytes = FIXTURE.to_vec();
        let at = bytes.len() - EOCD_LEN;
        let dir = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
        let styles_entry = memchr::memmem::find(&bytes[dir..], STYLES.as_bytes()).unwrap() + dir
            - super::ENTRY_LEN;
        bytes[styles_entry + 16] ^= 0xFF;
        let before = parts_names(&bytes);
        assert_eq!(prepare(&mut bytes), None);
        let after = parts_names(&bytes);
        assert!(after.contains(&STYLES.to_string()));
        assert_eq!(
            after,
            before
                .into_iter()
                .filter(|n| n != THEME)
                .collect::<Vec<_>>()
        );
    }

    fn parts_names(bytes: &[u8]) -> Vec<String> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        zip.file_names().map(|n| n.unwrap().to_string()).collect()
    }

    /// A comment after the record goes with the trimmed directory.
    #[test]
    fn trims_an_archive_with_a_comment() {
        let mut bytes = FIXTURE.to_vec();
        let at = bytes.len() - EOCD_LEN;
        bytes[at + 20..at + 22].copy_from_slice(&5u16.to_le_bytes());
        bytes.extend_from_slice(b"hola!");
        assert_eq!(parts(&bytes).len(), 14);
        assert!(prepare(&mut bytes).is_some());
        assert_eq!(parts(&bytes).len(), 12);
    }

    /// Whatever is not a plain archive is left exactly as it came.
    #[test]
    fn leaves_other_archives_alone() {
        let at = FIXTURE.len() - EOCD_LEN;
        let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
        let mut junk_after = FIXTURE.to_vec();
        junk_after.extend_from_slice(b"junk");
        cases.push(("bytes after the record", junk_after));
        cases.push(("cut", FIXTURE[..FIXTURE.len() - 1].to_vec()));
        let mut bad_offset = FIXTURE.to_vec();
        bad_offset[at + 16] ^= 1;
        cases.push(("directory not before the record", bad_offset));
        let mut zip64 = FIXTURE.to_vec();
        zip64[at + 10..at + 12].copy_from_slice(&[0xFF, 0xFF]);
        cases.push(("ZIP64 count", zip64));
        let mut two_disks = FIXTURE.to_vec();
        two_disks[at + 4] = 1;
        cases.push(("another disk", two_disks));
        let mut bad_entry = FIXTURE.to_vec();
        let dir = u32::from_le_bytes(FIXTURE[at + 16..at + 20].try_into().unwrap()) as usize;
        bad_entry[dir + 2] = b'X';
        cases.push(("damaged entry", bad_entry));
        cases.push(("not a zip", b"hola".to_vec()));
        cases.push(("empty", Vec::new()));
        for (what, bytes) in cases {
            let mut copy = bytes.clone();
            assert_eq!(prepare(&mut copy), None, "{what}");
            assert_eq!(copy, bytes, "{what}");
        }
    }
}
