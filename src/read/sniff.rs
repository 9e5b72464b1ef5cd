//! Telling what a file really is from its first bytes, not its extension, and refusing the
//! files that would hurt the reader (zip bombs, forged counts, encrypted packages) before
//! calamine sees them.
//!
//! calamine trusts several numbers it reads from a file to size its allocations, and an
//! allocation failure aborts the whole process (it is not a panic `catch_unwind` can stop).
//! Every such number is checked here, against the size of the file or a fixed limit, before
//! calamine opens the file:
//!
//! - **zip** (.xlsx, .ods): entry count (from the end-of-central-directory record, before
//!   the zip crate builds its table), each entry's declared size and the total. The zip
//!   crate refuses to inflate an entry past its declared size (a test below guards that), so
//!   the declared sizes bound what calamine inflates; the parts scanned here are inflated
//!   through a reader bounded by their declared size, and a sheet whose size lies is
//!   reported by [`super::grid`] when calamine reads it.
//! - **.xlsx**: `uniqueCount` of `sharedStrings.xml` (calamine 0.38 reserves that many
//!   strings up front, calamine issue #684) and the real number of `<si>` entries; the
//!   number of elements of `styles.xml` and of sheets in `workbook.xml`.
//! - **.ods**: `content.xml` is scanned and the cells that `table:number-rows-repeated` /
//!   `table:number-columns-repeated` expand to are counted, with the text they copy (and the
//!   spaces of `<text:s text:c="n"/>`): calamine builds each sheet as a dense grid and clones
//!   a repeated cell's text into every copy. The XML must also be well formed: calamine 0.38
//!   loops forever on a `content.xml` that ends before `</table:table>` or
//!   `</office:annotation>`.
//! - **.xls** (compound document, MS-CFB): header sanity (sector size, FAT/DIFAT counts and
//!   the first directory sector against the file size, calamine issue #714), directory and
//!   stream chains without cycles, stream sizes within the file. Then the `Workbook` stream
//!   (BIFF) is scanned: each sheet's DIMENSIONS record (calamine reserves rows × columns
//!   cells for it), the bounding box of its cells (calamine builds a dense grid over it) and
//!   the text that shared-string cells copy.

use crate::model::Format;
use std::io::{Cursor, Read};

/// Why a file cannot be read. Each variant is one clear Spanish diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    ZeroBytes,
    Encrypted,
    NotSpreadsheet(String),
    Truncated(String),
    ZipNotWorkbook,
    TooLarge(String),
    Corrupt(String),
    Io(String),
}

impl ReadProblem {
    /// A short machine-friendly code (`read_zero_byte`, ...), added to the JSON report.
    pub fn code(&self) -> &'static str {
        match self {
            ReadProblem::ZeroBytes => "zero-byte",
            ReadProblem::Encrypted => "encrypted",
            ReadProblem::NotSpreadsheet(_) => "not-a-spreadsheet",
            ReadProblem::Truncated(_) => "truncated",
            ReadProblem::ZipNotWorkbook => "zip-not-workbook",
            ReadProblem::TooLarge(_) => "too-large",
            ReadProblem::Corrupt(_) => "corrupt",
            ReadProblem::Io(_) => "io",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ReadProblem::ZeroBytes => {
                "El archivo está vacío (0 bytes): no contiene ningún libro de Excel".into()
            }
            ReadProblem::Encrypted => {
                "El libro está protegido con contraseña (cifrado): poalint no puede leerlo".into()
            }
            ReadProblem::NotSpreadsheet(what) => {
                format!("El archivo no es una hoja de cálculo: {what}")
            }
            ReadProblem::Truncated(why) => {
                format!("El archivo está truncado o incompleto (copia interrumpida): {why}")
            }
            ReadProblem::ZipNotWorkbook => {
                "El archivo es un ZIP pero no contiene un libro de Excel ni de OpenDocument".into()
            }
            ReadProblem::TooLarge(why) => {
                format!("El archivo excede los límites de lectura: {why}")
            }
            ReadProblem::Corrupt(why) => format!("El libro está dañado y no se puede leer: {why}"),
            ReadProblem::Io(why) => format!("No se pudo leer el archivo: {why}"),
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            ReadProblem::ZeroBytes | ReadProblem::Truncated(_) => {
                "Pida a la dependencia que envíe de nuevo el archivo completo"
            }
            ReadProblem::Encrypted => {
                "Pida a la dependencia el archivo sin contraseña (Archivo › Información › Proteger libro)"
            }
            ReadProblem::NotSpreadsheet(_) | ReadProblem::ZipNotWorkbook => {
                "Pida el libro original en formato .xlsx, .xls u .ods"
            }
            // The path itself (missing, no permission, a folder that cannot be read): nothing
            // to re-save yet.
            ReadProblem::Io(_) => {
                "Compruebe que la ruta exista y que tenga permiso para leerla (y que el archivo no esté bloqueado por otro programa)"
            }
            _ => "Abra el archivo en Excel, guárdelo de nuevo como .xlsx y vuelva a revisarlo",
        }
    }
}

/// Limits on what a workbook may unpack to. A real capture is a few hundred KB.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
pub const MAX_ENTRY_INFLATED: u64 = 256 * 1024 * 1024;
pub const MAX_TOTAL_INFLATED: u64 = 1024 * 1024 * 1024;
/// Strings of an .xlsx shared-string table (`uniqueCount` and real `<si>` entries).
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// Elements of `styles.xml` (Excel itself allows 64,000 cell formats).
pub const MAX_STYLE_ELEMENTS: u64 = 1_000_000;
/// Sheets of a workbook.
pub const MAX_SHEETS: usize = 5_000;
/// Cells of the dense grids calamine builds for .xls and .ods (all sheets together): about
/// 60 bytes each while loading.
pub const MAX_DENSE_CELLS: u64 = 4_000_000;
/// Text that .xls shared-string cells and .ods repeated cells expand to (all sheets).
pub const MAX_EXPANDED_TEXT: u64 = 128 * 1024 * 1024;

const MB: u64 = 1024 * 1024;

/// Decides the format from the bytes and checks the container before calamine opens it.
pub fn sniff(bytes: &[u8]) -> Result<Format, ReadProblem> {
    if bytes.is_empty() {
        return Err(ReadProblem::ZeroBytes);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(&cfb::SIGNATURE) {
        if contains_utf16(bytes, "EncryptedPackage") || contains_utf16(bytes, "EncryptionInfo") {
            return Err(ReadProblem::Encrypted);
        }
        return cfb::sniff_xls(bytes).map(|()| Format::Xls);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(ReadProblem::NotSpreadsheet(
            "es un documento PDF con otra extensión".into(),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ReadProblem::NotSpreadsheet(
            "es un archivo de texto Unicode (por ejemplo «Texto Unicode» exportado de Excel), no un libro de Excel".into(),
        ));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    if head.contains("<html") || head.contains("<!doctype html") || head.contains("<table") {
        return Err(ReadProblem::NotSpreadsheet(
            "es una página HTML guardada con extensión de Excel".into(),
        ));
    }
    if head
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with("<?xml")
    {
        return Err(ReadProblem::NotSpreadsheet(
            "es un archivo XML (posiblemente «Hoja de cálculo XML 2003»), no un libro .xlsx".into(),
        ));
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let printable = sample
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    if printable * 10 >= sample.len() * 9 {
        return Err(ReadProblem::NotSpreadsheet(
            "es un archivo de texto (por ejemplo CSV o TXT), no un libro de Excel".into(),
        ));
    }
    Err(ReadProblem::NotSpreadsheet(
        "su contenido no corresponde a ningún formato de hoja de cálculo conocido".into(),
    ))
}

fn contains_utf16(bytes: &[u8], s: &str) -> bool {
    let pat: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(pat.len()).any(|w| w == pat.as_slice())
}

pub(super) fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

// ---------------------------------------------------------------------------------------
// ZIP containers (.xlsx, .ods)
// ---------------------------------------------------------------------------------------

/// Reads the entry counts every end-of-central-directory record near the end of the file
/// claims (ZIP64 included), before the zip crate sizes its tables from them. The records are
/// looked for within the last 64 KB (the longest comment a record may carry) with a SIMD
/// substring search, and read from the end backwards.
fn eocd_entry_counts(bytes: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    if bytes.len() < 22 {
        return out;
    }
    // A record starts at most 22 bytes before the end, and at most 65,535 bytes (its
    // comment) before that.
    let last = bytes.len() - 22;
    let first = last.saturating_sub(65_535);
    // The signature cannot overlap itself, so the non-overlapping matches are all of them.
    // (The forward search is the vectorised one; there are rarely more than one or two.)
    let found: Vec<usize> = memchr::memmem::find_iter(&bytes[first..last + 4], b"PK\x05\x06")
        .map(|p| first + p)
        .collect();
    for at in found.into_iter().rev() {
        let entries = le16(bytes, at + 10).unwrap_or(0) as u64;
        out.push(entries);
        // ZIP64: the locator sits just before the classic record.
        if at >= 20
            && &bytes[at - 20..at - 16] == b"PK\x06\x07"
            && let Some(off) = le64(bytes, at - 12)
            && let Ok(off) = usize::try_from(off)
            && off.checked_add(56).is_some_and(|e| e <= bytes.len())
            && &bytes[off..off + 4] == b"PK\x06\x06"
        {
            out.push(le64(bytes, off + 32).unwrap_or(0));
        }
    }
    out
}

fn sniff_zip(bytes: &[u8]) -> Result<Format, ReadProblem> {
    let counts = eocd_entry_counts(bytes);
    if counts.is_empty() {
        return Err(ReadProblem::Truncated(
            "falta el directorio central del ZIP (el final del archivo no está)".into(),
        ));
    }
    if let Some(n) = counts.iter().find(|n| **n > MAX_ZIP_ENTRIES as u64) {
        return Err(ReadProblem::TooLarge(format!(
            "el ZIP declara {n} entradas (máximo {MAX_ZIP_ENTRIES})"
        )));
    }
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            return Err(ReadProblem::Truncated(format!(
                "falta el directorio central del ZIP o está dañado ({e})"
            )));
        }
    };
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(ReadProblem::TooLarge(format!(
            "el ZIP tiene {} entradas (máximo {MAX_ZIP_ENTRIES})",
            zip.len()
        )));
    }
    let mut has_workbook = false;
    let mut has_xlsb = false;
    let mut has_ods = false;
    let mut total: u64 = 0;
    // First pass: names and declared sizes only (cheap), so a bomb is refused before any
    // inflating.
    let mut parts: Vec<(usize, String, u64)> = Vec::new();
    for i in 0..zip.len() {
        let entry = match zip.by_index_raw(i) {
            Ok(e) => e,
            Err(e) => {
                return Err(ReadProblem::Corrupt(format!(
                    "la entrada {i} del ZIP es ilegible ({e})"
                )));
            }
        };
        // The name as bytes: a text is made of it only for a message or a part to scan.
        let raw = entry.name_raw();
        let is = |s: &str| raw.eq_ignore_ascii_case(s.as_bytes());
        let ends = |s: &str| {
            raw.len() >= s.len() && raw[raw.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
        };
        let name = || String::from_utf8_lossy(raw).into_owned();
        let workbook = is("xl/workbook.xml");
        has_workbook |= workbook;
        has_xlsb |= is("xl/workbook.bin");
        let content = raw == b"content.xml";
        has_ods |= content;
        let declared = entry.size();
        if declared > MAX_ENTRY_INFLATED {
            return Err(ReadProblem::TooLarge(format!(
                "la entrada «{}» se descomprime a {} MB (máximo {} MB; posible bomba ZIP)",
                name(),
                declared / MB,
                MAX_ENTRY_INFLATED / MB
            )));
        }
        total = total.saturating_add(declared);
        if total > MAX_TOTAL_INFLATED {
            return Err(ReadProblem::TooLarge(format!(
                "el contenido descomprimido excede {} MB (posible bomba ZIP)",
                MAX_TOTAL_INFLATED / MB
            )));
        }
        if entry.encrypted() {
            return Err(ReadProblem::Encrypted);
        }
        // The parts whose counts calamine trusts are inflated and scanned below, when their
        // declared size could hold more than the limits (one element takes at least 4 or 5
        // bytes; the head of sharedStrings.xml is always read for `uniqueCount`). The others
        // (worksheets above all) are only read by calamine, through the zip crate, which
        // refuses to inflate an entry past its declared size: a lying size is reported by
        // `grid` when the sheet is read.
        let scanned = ends("sharedstrings.xml")
            || (ends("styles.xml") && declared > MAX_STYLE_ELEMENTS * 4)
            || (workbook && declared > MAX_SHEETS as u64 * 8)
            || content;
        if scanned {
            parts.push((i, name(), declared));
        }
    }
    let format = if has_workbook {
        Format::Xlsx
    } else if has_ods {
        Format::Ods
    } else if has_xlsb {
        return Err(ReadProblem::NotSpreadsheet(
            "es un libro binario de Excel (.xlsb); guárdelo como .xlsx".into(),
        ));
    } else {
        return Err(ReadProblem::ZipNotWorkbook);
    };
    // Second pass: the parts whose counts calamine trusts are inflated through a reader
    // bounded by their declared size, and scanned.
    for (i, name, declared) in parts {
        let lower = name.to_ascii_lowercase();
        let mut scanner: Box<dyn PartScanner> =
            if format == Format::Xlsx && lower.ends_with("sharedstrings.xml") {
                Box::new(SharedStrings {
                    count: declared > MAX_SHARED_STRINGS * 5,
                    ..Default::default()
                })
            } else if format == Format::Xlsx && lower.ends_with("styles.xml") {
                Box::new(Styles::default())
            } else if format == Format::Xlsx && lower == "xl/workbook.xml" {
                Box::new(SheetList::default())
            } else if format == Format::Ods && name == "content.xml" {
                Box::new(ods::Content::default())
            } else {
                Box::new(NoScan)
            };
        inflate_part(&mut zip, i, &name, scanner.as_mut())?;
        scanner.finish()?;
    }
    Ok(format)
}

/// Inflates one zip entry through a reader bounded by its declared size, feeding a scanner.
fn inflate_part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    name: &str,
    scanner: &mut dyn PartScanner,
) -> Result<(), ReadProblem> {
    let mut entry = match zip.by_index(i) {
        Ok(e) => e,
        Err(e) => {
            let msg = e.to_string();
            if msg.to_lowercase().contains("password") {
                return Err(ReadProblem::Encrypted);
            }
            return Err(ReadProblem::Corrupt(format!(
                "la entrada «{name}» del ZIP es ilegible ({msg})"
            )));
        }
    };
    let declared = entry.size();
    let mut limited = (&mut entry).take(declared.saturating_add(1));
    let mut buf = vec![0u8; scanner.chunk_size()];
    let mut n: u64 = 0;
    while !scanner.done() {
        let k = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) => return Err(zip_read_problem(name, declared, &e)),
        };
        n += k as u64;
        if n > declared {
            return Err(lying_size(name, declared));
        }
        scanner.feed(&buf[..k])?;
    }
    Ok(())
}

fn lying_size(name: &str, declared: u64) -> ReadProblem {
    ReadProblem::TooLarge(format!(
        "la entrada «{name}» se descomprime a más de los {declared} bytes que declara (posible bomba ZIP)"
    ))
}

fn zip_read_problem(name: &str, declared: u64, e: &std::io::Error) -> ReadProblem {
    let msg = e.to_string();
    let low = msg.to_lowercase();
    if low.contains("larger than its declared") {
        lying_size(name, declared)
    } else if low.contains("checksum") {
        ReadProblem::Corrupt(format!(
            "la entrada «{name}» está dañada (su suma de verificación no coincide)"
        ))
    } else if low.contains("eof") || low.contains("unexpected end") {
        ReadProblem::Truncated(format!("la entrada «{name}» está incompleta ({msg})"))
    } else {
        ReadProblem::Corrupt(format!(
            "la entrada «{name}» no se puede descomprimir ({msg})"
        ))
    }
}

/// Bytes inflated at a time for a part read to its end.
const CHUNK: usize = 16 * 1024;

/// Bytes inflated at a time when only the start tag at the head of a part is wanted: the
/// `<sst uniqueCount="...">` tag follows the XML declaration, within the first few hundred
/// bytes, so one small chunk usually settles it.
const HEAD_CHUNK: usize = 512;

/// Something that looks at an XML part while it is inflated.
trait PartScanner {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadProblem>;
    /// How many bytes to inflate at a time.
    fn chunk_size(&self) -> usize {
        CHUNK
    }
    /// Whether the rest of the part is not needed.
    fn done(&self) -> bool {
        false
    }
    fn finish(&mut self) -> Result<(), ReadProblem> {
        Ok(())
    }
}

struct NoScan;
impl PartScanner for NoScan {
    fn feed(&mut self, _: &[u8]) -> Result<(), ReadProblem> {
        Ok(())
    }
}

fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(p) => &name[p + 1..],
        None => name,
    }
}

fn parse_u64(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// `xl/sharedStrings.xml`: calamine reserves `uniqueCount` strings before reading any, then
/// keeps every `<si>`. calamine takes `uniqueCount` from the first `sst` tag only, so a part
/// too small to hold too many `<si>` is read only up to that tag ([`HEAD_CHUNK`] at a time).
#[derive(Default)]
struct SharedStrings {
    xml: xml::Scanner,
    /// Count the `<si>` entries (only when the part is big enough to hold too many).
    count: bool,
    head_seen: bool,
    strings: u64,
    problem: Option<ReadProblem>,
}

impl PartScanner for SharedStrings {
    fn done(&self) -> bool {
        self.head_seen && !self.count
    }

    fn chunk_size(&self) -> usize {
        if self.count { CHUNK } else { HEAD_CHUNK }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadProblem> {
        let (strings, problem, head_seen) =
            (&mut self.strings, &mut self.problem, &mut self.head_seen);
        self.xml.feed(chunk, &mut |ev| {
            if let xml::Event::Start { name, attrs, .. } = ev {
                match local_name(name) {
                    // `count` (references to the table) is not used by calamine.
                    b"sst" => {
                        *head_seen = true;
                        let n = xml::attr(attrs, b"uniqueCount").and_then(parse_u64);
                        if let Some(n) = n.filter(|n| *n > MAX_SHARED_STRINGS) {
                            problem.get_or_insert(ReadProblem::TooLarge(format!(
                                "la tabla de textos compartidos (sharedStrings.xml) declara {n} textos (máximo {MAX_SHARED_STRINGS})"
                            )));
                        }
                    }
                    b"si" => *strings += 1,
                    _ => {}
                }
            }
        });
        if self.problem.is_none() && self.strings > MAX_SHARED_STRINGS {
            self.problem = Some(ReadProblem::TooLarge(format!(
                "la tabla de textos compartidos (sharedStrings.xml) tiene más de {MAX_SHARED_STRINGS} textos"
            )));
        }
        match self.problem.take() {
            Some(p) => Err(p),
            None => Ok(()),
        }
    }
}

/// `xl/styles.xml`: every element becomes a structure in memory.
#[derive(Default)]
struct Styles {
    xml: xml::Scanner,
    elements: u64,
}

impl PartScanner for Styles {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadProblem> {
        let elements = &mut self.elements;
        self.xml.feed(chunk, &mut |ev| {
            if let xml::Event::Start { .. } = ev {
                *elements += 1;
            }
        });
        if self.elements > MAX_STYLE_ELEMENTS {
            return Err(ReadProblem::TooLarge(format!(
                "la hoja de estilos (styles.xml) tiene más de {MAX_STYLE_ELEMENTS} elementos"
            )));
        }
        Ok(())
    }
}

/// `xl/workbook.xml`: the number of sheets.
#[derive(Default)]
struct SheetList {
    xml: xml::Scanner,
    sheets: usize,
}

impl PartScanner for SheetList {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadProblem> {
        let sheets = &mut self.sheets;
        self.xml.feed(chunk, &mut |ev| {
            if let xml::Event::Start { name, .. } = ev
                && local_name(name) == b"sheet"
            {
                *sheets += 1;
            }
        });
        if self.sheets > MAX_SHEETS {
            return Err(ReadProblem::TooLarge(format!(
                "el libro declara más de {MAX_SHEETS} hojas"
            )));
        }
        Ok(())
    }
}

/// A minimal streaming XML tokenizer: start and end tags with their byte offsets, enough to
/// count elements and read a few attributes without building anything. It never allocates
/// more than [`xml::TAG_CAP`] bytes, whatever the input.
mod xml {
    /// Bytes of a tag kept for attribute lookup; longer tags are flagged `truncated`.
    pub const TAG_CAP: usize = 64 * 1024;

    pub enum Event<'a> {
        Start {
            name: &'a [u8],
            attrs: &'a [u8],
            self_closing: bool,
            truncated: bool,
            /// Offset of `<` and one past `>`.
            start: u64,
            end: u64,
        },
        End {
            name: &'a [u8],
            end: u64,
        },
    }

    #[derive(Default, Clone, Copy, PartialEq, Eq)]
    enum State {
        #[default]
        Text,
        /// Just after `<`.
        Open,
        Tag,
        Quote(u8),
        /// `<!` seen; deciding between comment, CDATA and declaration.
        Bang,
        Comment,
        Cdata,
        Decl,
        Pi,
    }

    #[derive(Default)]
    pub struct Scanner {
        state: State,
        pos: u64,
        tag: Vec<u8>,
        truncated: bool,
        tag_start: u64,
        /// Last bytes seen, to spot `-->`, `]]>` and `?>`.
        tail: [u8; 2],
        bang: Vec<u8>,
    }

    impl Scanner {
        pub fn feed(&mut self, chunk: &[u8], f: &mut dyn FnMut(Event<'_>)) {
            for &b in chunk {
                match self.state {
                    State::Text => {
                        if b == b'<' {
                            self.state = State::Open;
                            self.tag_start = self.pos;
                            self.tag.clear();
                            self.truncated = false;
                        }
                    }
                    State::Open => match b {
                        b'!' => {
                            self.state = State::Bang;
                            self.bang.clear();
                        }
                        b'?' => self.state = State::Pi,
                        _ => {
                            self.state = State::Tag;
                            self.push(b);
                            if b == b'>' {
                                self.emit(f);
                            }
                        }
                    },
                    State::Tag => match b {
                        b'"' | b'\'' => {
                            self.push(b);
                            self.state = State::Quote(b);
                        }
                        b'>' => {
                            self.push(b);
                            self.emit(f);
                        }
                        _ => self.push(b),
                    },
                    State::Quote(q) => {
                        self.push(b);
                        if b == q {
                            self.state = State::Tag;
                        }
                    }
                    State::Bang => {
                        self.bang.push(b);
                        if self.bang == b"--" {
                            self.state = State::Comment;
                            self.tail = [0, 0];
                        } else if self.bang == b"[CDATA[" {
                            self.state = State::Cdata;
                            self.tail = [0, 0];
                        } else if b == b'>' {
                            self.state = State::Text;
                        } else if !(b"--".starts_with(&self.bang)
                            || b"[CDATA[".starts_with(&self.bang))
                        {
                            self.state = State::Decl;
                        }
                    }
                    State::Comment => {
                        if b == b'>' && self.tail == *b"--" {
                            self.state = State::Text;
                        }
                        self.tail = [self.tail[1], b];
                    }
                    State::Cdata => {
                        if b == b'>' && self.tail == *b"]]" {
                            self.state = State::Text;
                        }
                        self.tail = [self.tail[1], b];
                    }
                    State::Decl => {
                        if b == b'>' {
                            self.state = State::Text;
                        }
                    }
                    State::Pi => {
                        if b == b'>' && self.tail[1] == b'?' {
                            self.state = State::Text;
                        }
                        self.tail = [self.tail[1], b];
                    }
                }
                self.pos += 1;
            }
        }

        fn push(&mut self, b: u8) {
            if self.tag.len() < TAG_CAP {
                self.tag.push(b);
            } else {
                self.truncated = true;
            }
        }

        fn emit(&mut self, f: &mut dyn FnMut(Event<'_>)) {
            self.state = State::Text;
            let end = self.pos + 1;
            // `self.tag` holds everything after `<`, including the final `>` unless cut.
            let mut body: &[u8] = &self.tag;
            if body.last() == Some(&b'>') {
                body = &body[..body.len() - 1];
            }
            if let Some(rest) = body.strip_prefix(b"/") {
                let name_end = rest
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                f(Event::End {
                    name: &rest[..name_end],
                    end,
                });
                return;
            }
            let self_closing = body.last() == Some(&b'/');
            if self_closing {
                body = &body[..body.len() - 1];
            }
            let name_end = body
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(body.len());
            f(Event::Start {
                name: &body[..name_end],
                attrs: &body[name_end..],
                self_closing,
                truncated: self.truncated,
                start: self.tag_start,
                end,
            });
        }
    }

    /// The raw value of attribute `key` in a tag's attribute text.
    pub fn attr<'a>(attrs: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
        let mut i = 0;
        let n = attrs.len();
        while i < n {
            while i < n && attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            let name_start = i;
            while i < n && attrs[i] != b'=' && !attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            let name = &attrs[name_start..i];
            while i < n && attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= n || attrs[i] != b'=' {
                // Not an attribute (garbage): skip one byte to make progress.
                i += 1;
                continue;
            }
            i += 1;
            while i < n && attrs[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= n {
                return None;
            }
            let q = attrs[i];
            if q != b'"' && q != b'\'' {
                continue;
            }
            i += 1;
            let v_start = i;
            while i < n && attrs[i] != q {
                i += 1;
            }
            let value = &attrs[v_start..i.min(n)];
            i += 1;
            if name == key {
                return Some(value);
            }
        }
        None
    }
}

/// OpenDocument `content.xml`: how many cells calamine's dense grids will hold.
mod ods {
    use super::xml::{self, Event};
    use super::{MAX_DENSE_CELLS, MAX_EXPANDED_TEXT, MB, PartScanner, ReadProblem, parse_u64};

    /// calamine's own caps on repeated rows and columns (`ods.rs`).
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLUMNS: u64 = 16_384;

    #[derive(Default)]
    struct Row {
        start: u64,
        repeat: u64,
        col: u64,
        min_col: Option<u64>,
        extent: u64,
        text: u64,
    }

    struct Cell {
        col: u64,
        repeat: u64,
        start: u64,
        depth: u32,
        /// Spaces that `<text:s text:c="n"/>` inside the cell expands to.
        spaces: u64,
    }

    #[derive(Default)]
    struct Table {
        name: String,
        rows: u64,
        first_row: Option<u64>,
        last_end: u64,
        min_col: u64,
        max_extent: u64,
        text: u64,
        /// Cells calamine pushes before expanding repeated rows (one per column up to the
        /// last non-empty cell of each `<table:table-row>`, even when its repeat is capped).
        raw: u64,
    }

    /// Element nesting kept for the well-formedness check (calamine 0.38 loops forever at
    /// the end of a `content.xml` whose `</table:table>` or `</office:annotation>` is missing).
    const MAX_DEPTH: usize = 10_000;
    /// Bytes of an open element's name kept for that check.
    const NAME_CAP: usize = 256;

    #[derive(Default)]
    pub struct Content {
        xml: xml::Scanner,
        /// Names of the open elements, concatenated, and where each starts.
        open_names: Vec<u8>,
        open: Vec<usize>,
        table: Option<Table>,
        row: Option<Row>,
        cell: Option<Cell>,
        dense: u64,
        text: u64,
        problem: Option<ReadProblem>,
    }

    fn repeat(attrs: &[u8], key: &[u8], truncated: bool, max: u64) -> u64 {
        match xml::attr(attrs, key).and_then(parse_u64) {
            Some(n) => n.min(max),
            // A tag too long to read whole may hide the attribute: assume the worst.
            None if truncated => max,
            None => 1,
        }
    }

    fn has_value(attrs: &[u8]) -> bool {
        [
            &b"office:value-type"[..],
            b"office:value",
            b"office:string-value",
            b"office:date-value",
            b"office:time-value",
            b"office:boolean-value",
            b"table:formula",
        ]
        .iter()
        .any(|k| xml::attr(attrs, k).is_some())
    }

    impl Content {
        fn close_cell(&mut self, col: u64, repeat: u64, nonempty: bool, bytes: u64) {
            let Some(row) = self.row.as_mut() else {
                return;
            };
            if nonempty {
                row.min_col = Some(row.min_col.map_or(col, |m| m.min(col)));
                row.extent = row.extent.max(col + repeat);
                row.text = row.text.saturating_add(repeat.saturating_mul(bytes));
            }
            row.col = (col + repeat).min(MAX_COLUMNS);
        }

        fn close_row(&mut self) {
            let (Some(row), Some(t)) = (self.row.take(), self.table.as_mut()) else {
                return;
            };
            let Some(min_col) = row.min_col else {
                return;
            };
            if t.first_row.is_none() {
                t.first_row = Some(row.start);
                t.min_col = min_col;
            }
            t.min_col = t.min_col.min(min_col);
            t.last_end = t.last_end.max(row.start + row.repeat);
            t.max_extent = t.max_extent.max(row.extent);
            t.text = t.text.saturating_add(row.repeat.saturating_mul(row.text));
            t.raw = t.raw.saturating_add(row.extent);
            self.check();
        }

        fn close_table(&mut self) {
            self.close_row();
            self.check();
            if let Some(t) = self.table.take() {
                self.dense = self.dense.saturating_add(dense(&t));
                self.text = self.text.saturating_add(t.text);
            }
        }

        /// Checks the running totals (with the open table) against the limits.
        fn check(&mut self) {
            if self.problem.is_some() {
                return;
            }
            let (t_dense, t_text, name) = match &self.table {
                Some(t) => (dense(t), t.text, t.name.clone()),
                None => (0, 0, String::new()),
            };
            let cells = self.dense.saturating_add(t_dense);
            let text = self.text.saturating_add(t_text);
            if cells > MAX_DENSE_CELLS {
                self.problem = Some(ReadProblem::TooLarge(format!(
                    "la hoja «{name}» se expande a {} celdas o más por filas o columnas repetidas (máximo {MAX_DENSE_CELLS} en el libro)",
                    cells
                )));
            } else if text > MAX_EXPANDED_TEXT {
                self.problem = Some(ReadProblem::TooLarge(format!(
                    "el texto de la hoja «{name}» se expande a más de {} MB al repetir filas o columnas",
                    MAX_EXPANDED_TEXT / MB
                )));
            }
        }

        /// Tracks the open elements; `false` (and a problem) when the XML is not well formed.
        fn nest(&mut self, ev: &Event<'_>) -> bool {
            match ev {
                Event::Start {
                    name,
                    self_closing: false,
                    ..
                } => {
                    if self.open.len() >= MAX_DEPTH {
                        self.problem.get_or_insert(ReadProblem::Corrupt(format!(
                            "el contenido (content.xml) anida más de {MAX_DEPTH} elementos"
                        )));
                        return false;
                    }
                    self.open.push(self.open_names.len());
                    self.open_names
                        .extend_from_slice(&name[..name.len().min(NAME_CAP)]);
                }
                Event::End { name, .. } => {
                    let Some(at) = self.open.pop() else {
                        self.problem.get_or_insert(ReadProblem::Corrupt(format!(
                            "el contenido (content.xml) no es XML válido: sobra </{}>",
                            String::from_utf8_lossy(name)
                        )));
                        return false;
                    };
                    if self.open_names[at..] != name[..name.len().min(NAME_CAP)] {
                        self.problem.get_or_insert(ReadProblem::Corrupt(format!(
                            "el contenido (content.xml) no es XML válido: se encontró </{}> donde se esperaba </{}>",
                            String::from_utf8_lossy(name),
                            String::from_utf8_lossy(&self.open_names[at..])
                        )));
                        return false;
                    }
                    self.open_names.truncate(at);
                }
                Event::Start { .. } => {}
            }
            true
        }

        fn on_event(&mut self, ev: Event<'_>) {
            if self.problem.is_some() || !self.nest(&ev) {
                return;
            }
            // Inside a cell everything is its content until the cell closes.
            if let Some(cell) = self.cell.as_mut() {
                match ev {
                    Event::Start {
                        name,
                        attrs,
                        self_closing,
                        ..
                    } => {
                        if name == b"text:s" {
                            let n = xml::attr(attrs, b"text:c").and_then(parse_u64).unwrap_or(1);
                            cell.spaces = cell.spaces.saturating_add(n);
                        }
                        if !self_closing {
                            cell.depth += 1;
                        }
                    }
                    Event::End { end, .. } => {
                        cell.depth -= 1;
                        if cell.depth == 0 {
                            let c = self.cell.take().expect("open cell");
                            let bytes = (end - c.start).saturating_add(c.spaces);
                            self.close_cell(c.col, c.repeat, true, bytes);
                        }
                    }
                }
                return;
            }
            match ev {
                Event::Start {
                    name,
                    attrs,
                    self_closing,
                    truncated,
                    start,
                    end,
                } => match name {
                    b"table:table" => {
                        self.close_table();
                        let name = xml::attr(attrs, b"table:name")
                            .map(|n| String::from_utf8_lossy(n).chars().take(80).collect())
                            .unwrap_or_default();
                        if !self_closing {
                            self.table = Some(Table {
                                name,
                                ..Default::default()
                            });
                        }
                    }
                    b"table:table-row" if self.table.is_some() => {
                        self.close_row();
                        let t = self.table.as_mut().expect("open table");
                        let rep = repeat(
                            attrs,
                            b"table:number-rows-repeated",
                            truncated,
                            MAX_ROWS.saturating_sub(t.rows),
                        );
                        let start_row = t.rows;
                        t.rows += rep;
                        if !self_closing {
                            self.row = Some(Row {
                                start: start_row,
                                repeat: rep,
                                ..Default::default()
                            });
                        }
                    }
                    b"table:table-cell" | b"table:covered-table-cell" if self.row.is_some() => {
                        let col = self.row.as_ref().map_or(0, |r| r.col);
                        let rep = repeat(
                            attrs,
                            b"table:number-columns-repeated",
                            truncated,
                            MAX_COLUMNS.saturating_sub(col),
                        );
                        if self_closing {
                            let nonempty = has_value(attrs) || truncated;
                            self.close_cell(col, rep, nonempty, end - start);
                        } else {
                            self.cell = Some(Cell {
                                col,
                                repeat: rep,
                                start,
                                depth: 1,
                                spaces: 0,
                            });
                        }
                    }
                    _ => {}
                },
                Event::End { name, .. } => match name {
                    b"table:table-row" => self.close_row(),
                    b"table:table" => self.close_table(),
                    _ => {}
                },
            }
        }
    }

    /// The dense grid calamine builds for a table (rows from the first to the last non-empty
    /// one, columns from the leftmost to the rightmost non-empty cell), plus the cells it
    /// pushes while reading.
    fn dense(t: &Table) -> u64 {
        let grid = match t.first_row {
            Some(first) => (t.last_end - first)
                .saturating_mul(t.max_extent.saturating_sub(t.min_col))
                .max(1),
            None => 0,
        };
        grid.saturating_add(t.raw)
    }

    impl PartScanner for Content {
        fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadProblem> {
            let mut xml = std::mem::take(&mut self.xml);
            xml.feed(chunk, &mut |ev| self.on_event(ev));
            self.xml = xml;
            match self.problem.take() {
                Some(p) => Err(p),
                None => Ok(()),
            }
        }

        fn finish(&mut self) -> Result<(), ReadProblem> {
            if self.problem.is_none()
                && let Some(at) = self.open.last()
            {
                self.problem = Some(ReadProblem::Corrupt(format!(
                    "el contenido (content.xml) está cortado: <{}> no se cierra",
                    String::from_utf8_lossy(&self.open_names[*at..])
                )));
            }
            self.close_table();
            match self.problem.take() {
                Some(p) => Err(p),
                None => Ok(()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Compound documents (.xls)
// ---------------------------------------------------------------------------------------

/// MS-CFB: the container of Excel 97-2003 workbooks.
mod cfb {
    use super::{ReadProblem, biff, le16, le32, le64};

    pub const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    /// calamine reads streams shorter than this from the mini stream.
    const MINI_CUTOFF: u64 = 4096;

    fn corrupt(why: impl Into<String>) -> ReadProblem {
        ReadProblem::Corrupt(format!(
            "el documento compuesto de Excel 97-2003 es inválido: {}",
            why.into()
        ))
    }

    /// A reference past the end of the file: most likely a copy that was cut.
    fn beyond_end(why: impl Into<String>) -> ReadProblem {
        ReadProblem::Truncated(format!(
            "el documento compuesto de Excel 97-2003 termina antes de lo que indica su estructura: {}",
            why.into()
        ))
    }

    struct Entry {
        name: String,
        kind: u8,
        start: u32,
        size: u64,
    }

    struct Cfb<'a> {
        bytes: &'a [u8],
        sector: usize,
        /// Sectors present in the file (the last one may be partial).
        sectors: u64,
        fat: Vec<u32>,
        entries: Vec<Entry>,
        minifat: Vec<u32>,
        ministream: Vec<u8>,
    }

    impl<'a> Cfb<'a> {
        fn sector_bytes(&self, id: u32) -> &'a [u8] {
            let start = (id as usize + 1) * self.sector;
            let end = (start + self.sector).min(self.bytes.len());
            self.bytes.get(start..end).unwrap_or(&[])
        }

        /// Follows a chain of regular sectors for at most `len` bytes (the whole chain when
        /// `None`): every id inside the file and the FAT, no cycle.
        fn chain(&self, start: u32, len: Option<u64>, what: &str) -> Result<Vec<u32>, ReadProblem> {
            let mut out = Vec::new();
            let mut id = start;
            let mut bytes: u64 = 0;
            while id != ENDOFCHAIN {
                if len.is_some_and(|l| bytes >= l) {
                    break;
                }
                if u64::from(id) >= self.sectors {
                    return Err(beyond_end(format!(
                        "la cadena de sectores {what} apunta fuera del archivo (sector {id} de {})",
                        self.sectors
                    )));
                }
                if id as usize >= self.fat.len() {
                    return Err(corrupt(format!(
                        "la cadena de sectores {what} apunta fuera de la FAT (sector {id})"
                    )));
                }
                if out.len() as u64 >= self.sectors {
                    return Err(corrupt(format!("la cadena de sectores {what} es circular")));
                }
                out.push(id);
                bytes += self.sector as u64;
                id = self.fat[id as usize];
            }
            Ok(out)
        }

        fn read_regular(&self, start: u32, len: u64, what: &str) -> Result<Vec<u8>, ReadProblem> {
            let ids = self.chain(start, Some(len), what)?;
            let mut out = Vec::with_capacity(len.min(self.bytes.len() as u64) as usize);
            for id in ids {
                out.extend_from_slice(self.sector_bytes(id));
            }
            out.truncate(len as usize);
            Ok(out)
        }

        fn read_mini(&self, start: u32, len: u64, what: &str) -> Result<Vec<u8>, ReadProblem> {
            let mut out = Vec::new();
            let mut id = start;
            let mini_sectors = (self.ministream.len() / 64) as u64;
            let mut steps: u64 = 0;
            while id != ENDOFCHAIN && (out.len() as u64) < len {
                if u64::from(id) >= mini_sectors || id as usize >= self.minifat.len() {
                    return Err(corrupt(format!(
                        "la cadena de minisectores {what} apunta fuera del flujo (minisector {id})"
                    )));
                }
                steps += 1;
                if steps > mini_sectors {
                    return Err(corrupt(format!(
                        "la cadena de minisectores {what} es circular"
                    )));
                }
                let s = id as usize * 64;
                out.extend_from_slice(&self.ministream[s..s + 64]);
                id = self.minifat[id as usize];
            }
            out.truncate(len as usize);
            Ok(out)
        }

        /// A stream's bytes, bounded by the file size whatever its directory entry claims.
        fn stream(&self, e: &Entry) -> Result<Vec<u8>, ReadProblem> {
            if e.size > self.bytes.len() as u64 {
                return Err(corrupt(format!(
                    "el flujo «{}» declara {} bytes, más que el archivo completo ({} bytes)",
                    e.name,
                    e.size,
                    self.bytes.len()
                )));
            }
            if e.size < MINI_CUTOFF {
                self.read_mini(e.start, e.size, &format!("del flujo «{}»", e.name))
            } else {
                self.read_regular(e.start, e.size, &format!("del flujo «{}»", e.name))
            }
        }

        fn find(&self, name: &str) -> Option<&Entry> {
            self.entries
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name))
        }
    }

    fn parse(bytes: &[u8]) -> Result<Cfb<'_>, ReadProblem> {
        if bytes.len() < 512 {
            return Err(ReadProblem::Truncated(format!(
                "el documento compuesto de Excel 97-2003 está incompleto ({} bytes)",
                bytes.len()
            )));
        }
        let h = &bytes[..512];
        let shift = le16(h, 30).unwrap_or(0);
        let sector: usize = match shift {
            9 => 512,
            12 => 4096,
            s => return Err(corrupt(format!("tamaño de sector inválido (2^{s})"))),
        };
        if le16(h, 32) != Some(6) {
            return Err(corrupt("tamaño de minisector inválido"));
        }
        if bytes.len() < sector * 2 {
            return Err(ReadProblem::Truncated(
                "el documento compuesto de Excel 97-2003 está incompleto (no tiene ni un sector de datos)"
                    .into(),
            ));
        }
        let sectors = ((bytes.len() - sector) as u64).div_ceil(sector as u64);
        let nfat = u64::from(le32(h, 44).unwrap_or(0));
        let dir_start = le32(h, 48).unwrap_or(0);
        let minifat_start = le32(h, 60).unwrap_or(0);
        let nminifat = u64::from(le32(h, 64).unwrap_or(0));
        let difat_start = le32(h, 68).unwrap_or(0);
        let ndifat = u64::from(le32(h, 72).unwrap_or(0));
        let too_many = |what: &str, n: u64| {
            corrupt(format!(
                "el encabezado declara {n} sectores de {what} pero el archivo solo tiene {sectors}"
            ))
        };
        if nfat > sectors {
            return Err(too_many("FAT", nfat));
        }
        if ndifat > sectors {
            return Err(too_many("DIFAT", ndifat));
        }
        if nminifat > sectors {
            return Err(too_many("mini FAT", nminifat));
        }
        if u64::from(dir_start) >= sectors {
            return Err(beyond_end(format!(
                "el primer sector del directorio ({dir_start}) está fuera del archivo ({sectors} sectores)"
            )));
        }
        // The DIFAT: 109 ids in the header, then a chain of DIFAT sectors.
        let mut difat: Vec<u32> = (0..109).filter_map(|i| le32(h, 76 + i * 4)).collect();
        let mut id = difat_start;
        let mut steps: u64 = 0;
        while id < RESERVED {
            steps += 1;
            if steps > sectors {
                return Err(corrupt("la cadena DIFAT es circular"));
            }
            if u64::from(id) >= sectors {
                return Err(beyond_end(format!(
                    "la cadena DIFAT apunta fuera del archivo (sector {id} de {sectors})"
                )));
            }
            let start = (id as usize + 1) * sector;
            let Some(s) = bytes.get(start..start + sector) else {
                return Err(ReadProblem::Truncated(
                    "el documento compuesto de Excel 97-2003 está incompleto (falta un sector DIFAT)"
                        .into(),
                ));
            };
            let ids: Vec<u32> = s.chunks_exact(4).map(|c| le32(c, 0).unwrap_or(0)).collect();
            let (next, rest) = ids.split_last().expect("a sector has ids");
            difat.extend_from_slice(rest);
            id = *next;
        }
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        if fat_sectors.len() as u64 > sectors {
            return Err(too_many("FAT", fat_sectors.len() as u64));
        }
        let mut fat = Vec::with_capacity(fat_sectors.len() * sector / 4);
        for id in fat_sectors {
            if u64::from(id) >= sectors {
                return Err(beyond_end(format!(
                    "un sector de la FAT ({id}) está fuera del archivo ({sectors} sectores)"
                )));
            }
            let start = (id as usize + 1) * sector;
            let end = (start + sector).min(bytes.len());
            fat.extend(
                bytes[start..end]
                    .chunks_exact(4)
                    .map(|c| le32(c, 0).unwrap_or(0)),
            );
        }
        let mut cfb = Cfb {
            bytes,
            sector,
            sectors,
            fat,
            entries: Vec::new(),
            minifat: Vec::new(),
            ministream: Vec::new(),
        };
        // The directory: calamine reads its whole chain, so it must end.
        let dir = cfb.chain(dir_start, None, "del directorio")?;
        for id in dir {
            for raw in cfb.sector_bytes(id).chunks_exact(128) {
                let name_len = (le16(raw, 64).unwrap_or(0) as usize).min(64);
                let units: Vec<u16> = raw[..name_len]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .take_while(|u| *u != 0)
                    .collect();
                let size = if sector == 512 {
                    u64::from(le32(raw, 120).unwrap_or(0))
                } else {
                    le64(raw, 120).unwrap_or(0)
                };
                cfb.entries.push(Entry {
                    name: String::from_utf16_lossy(&units),
                    kind: raw[66],
                    start: le32(raw, 116).unwrap_or(0),
                    size,
                });
            }
        }
        if cfb.entries.is_empty() {
            return Err(corrupt("el directorio está vacío"));
        }
        // The mini stream lives in the root entry's chain; calamine loads it whole.
        if nminifat > 0 {
            let root_start = cfb.entries[0].start;
            let root_size = cfb.entries[0].size;
            if root_size > bytes.len() as u64 {
                return Err(corrupt(format!(
                    "el flujo raíz declara {root_size} bytes, más que el archivo completo"
                )));
            }
            cfb.ministream = cfb.read_regular(root_start, root_size, "del flujo raíz")?;
            let raw =
                cfb.read_regular(minifat_start, nminifat * sector as u64, "de la mini FAT")?;
            cfb.minifat = raw
                .chunks_exact(4)
                .map(|c| le32(c, 0).unwrap_or(0))
                .collect();
        }
        Ok(cfb)
    }

    /// Checks an .xls before calamine opens it; `Ok` means calamine can load it within the
    /// limits.
    pub fn sniff_xls(bytes: &[u8]) -> Result<(), ReadProblem> {
        workbook_stream(bytes).and_then(|s| biff::scan(&s).map(|_| ()))
    }

    /// The `Workbook` stream of a checked compound document.
    pub fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, ReadProblem> {
        let cfb = parse(bytes)?;
        let has = |n: &str| cfb.entries.iter().any(|e| e.kind != 0 && e.name == n);
        if has("EncryptedPackage") || has("EncryptionInfo") {
            return Err(ReadProblem::Encrypted);
        }
        let Some(wb) = cfb.find("Workbook").or_else(|| cfb.find("Book")) else {
            let what = if has("WordDocument") {
                "es un documento de Word (.doc) con extensión de Excel"
            } else if has("PowerPoint Document") {
                "es una presentación de PowerPoint (.ppt) con extensión de Excel"
            } else {
                "es un documento compuesto de Office que no contiene un libro de Excel"
            };
            return Err(ReadProblem::NotSpreadsheet(what.into()));
        };
        // calamine also reads the summary streams when present.
        for name in ["\u{5}SummaryInformation", "\u{5}DocumentSummaryInformation"] {
            if let Some(e) = cfb.find(name) {
                cfb.stream(e)?;
            }
        }
        let stream = cfb.stream(wb)?;
        Ok(stream)
    }
}

/// The BIFF records of an .xls `Workbook` stream: what calamine will allocate for them.
mod biff {
    use super::{MAX_DENSE_CELLS, MAX_EXPANDED_TEXT, MAX_SHEETS, MB, ReadProblem, le16, le32};

    /// CONTINUE records glued to one record (calamine removes them one by one from the front
    /// of a vector: quadratic).
    const MAX_CONTINUES: usize = 20_000;

    struct Record<'a> {
        typ: u16,
        data: &'a [u8],
        cont: Vec<&'a [u8]>,
        /// Bytes of the record with its CONTINUE records.
        size: usize,
    }

    /// calamine's record iterator: a record and the CONTINUE (0x003C) records after it.
    struct Records<'a> {
        s: &'a [u8],
    }

    impl<'a> Iterator for Records<'a> {
        type Item = Result<Record<'a>, ReadProblem>;
        fn next(&mut self) -> Option<Self::Item> {
            if self.s.is_empty() {
                return None;
            }
            let truncated = || {
                Some(Err(ReadProblem::Truncated(
                    "el flujo del libro de Excel 97-2003 termina a la mitad de un registro".into(),
                )))
            };
            if self.s.len() < 4 {
                return truncated();
            }
            let typ = le16(self.s, 0).unwrap_or(0);
            let len = le16(self.s, 2).unwrap_or(0) as usize;
            if self.s.len() < len + 4 {
                return truncated();
            }
            let data = &self.s[4..4 + len];
            let mut size = len + 4;
            self.s = &self.s[len + 4..];
            let mut cont = Vec::new();
            while self.s.len() > 4 && le16(self.s, 0) == Some(0x003C) {
                let l = le16(self.s, 2).unwrap_or(0) as usize;
                if self.s.len() < l + 4 {
                    return truncated();
                }
                cont.push(&self.s[4..4 + l]);
                size += l + 4;
                self.s = &self.s[l + 4..];
                if cont.len() > MAX_CONTINUES {
                    return Some(Err(ReadProblem::TooLarge(format!(
                        "un registro del libro de Excel 97-2003 tiene más de {MAX_CONTINUES} continuaciones"
                    ))));
                }
            }
            Some(Ok(Record {
                typ,
                data,
                cont,
                size,
            }))
        }
    }

    /// Character counts of the shared-string table (SST), or `None` when it cannot be
    /// followed (calamine then fails on it too).
    fn sst_lengths(r: &Record<'_>) -> Option<Vec<u32>> {
        let mut data = r.data.get(8..)?;
        let mut conts = r.cont.iter();
        let mut out = Vec::new();
        loop {
            if data.is_empty() {
                match conts.next() {
                    Some(c) => data = c,
                    None => break,
                }
                if data.is_empty() {
                    continue;
                }
            }
            if data.len() < 3 {
                return None;
            }
            let cch = le16(data, 0)? as usize;
            let flags = data[2];
            data = &data[3..];
            let mut runs = 0usize;
            let mut ext = 0usize;
            if flags & 0x8 != 0 {
                runs = le16(data, 0)? as usize;
                data = data.get(2..)?;
            }
            if flags & 0x4 != 0 {
                ext = usize::try_from(le32(data, 0)? as i32).ok()?;
                data = data.get(4..)?;
            }
            let mut left = cch;
            let mut wide = flags & 0x1 != 0;
            loop {
                let per = if wide { 2 } else { 1 };
                let take = left.min(data.len() / per);
                data = &data[take * per..];
                left -= take;
                if left == 0 {
                    break;
                }
                data = conts.next()?;
                wide = data.first()? & 0x1 != 0;
                data = &data[1..];
            }
            let mut skip = runs * 4 + ext;
            while skip > 0 {
                if data.is_empty() {
                    data = conts.next()?;
                    continue;
                }
                let l = skip.min(data.len());
                data = &data[l..];
                skip -= l;
            }
            out.push(cch as u32);
        }
        Some(out)
    }

    #[derive(Default)]
    struct Bbox {
        rows: Option<(u32, u32)>,
        cols: Option<(u32, u32)>,
    }

    impl Bbox {
        fn add(&mut self, row: u32, col: u32) {
            self.rows = Some(
                self.rows
                    .map_or((row, row), |(a, b)| (a.min(row), b.max(row))),
            );
            self.cols = Some(
                self.cols
                    .map_or((col, col), |(a, b)| (a.min(col), b.max(col))),
            );
        }
        fn cells(&self) -> u64 {
            match (self.rows, self.cols) {
                (Some((r0, r1)), Some((c0, c1))) => u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1),
                _ => 0,
            }
        }
    }

    /// Scans the globals and every sheet substream the way calamine will read them.
    /// What [`scan`] found (for tests).
    #[derive(Debug)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub struct Stats {
        pub sheets: usize,
        /// Strings of the shared-string table, `None` when it could not be followed.
        pub sst: Option<usize>,
        pub dense: u64,
        pub text: u64,
    }

    pub fn scan(s: &[u8]) -> Result<Stats, ReadProblem> {
        let mut sheets: Vec<(usize, String)> = Vec::new();
        let mut sst: Option<Vec<u32>> = Some(Vec::new());
        let mut biff8 = true;
        for r in (Records { s }) {
            let r = r?;
            match r.typ {
                0x002F if le16(r.data, 0).is_some_and(|v| v != 0) => {
                    return Err(ReadProblem::Encrypted);
                }
                0x0809 => biff8 = le16(r.data, 0).is_none_or(|v| v == 0x0600),
                0x0085 => {
                    let Some(pos) = le32(r.data, 0) else { continue };
                    let name = sheet_name(r.data, biff8)
                        .unwrap_or_else(|| format!("#{}", sheets.len() + 1));
                    sheets.push((pos as usize, name));
                    if sheets.len() > MAX_SHEETS {
                        return Err(ReadProblem::TooLarge(format!(
                            "el libro declara más de {MAX_SHEETS} hojas"
                        )));
                    }
                }
                0x00FC => sst = sst_lengths(&r),
                0x000A => break,
                _ => {}
            }
        }
        let mut dense_total: u64 = 0;
        let mut text_total: u64 = 0;
        let mut scanned: u64 = 0;
        let budget = (s.len() as u64).saturating_mul(16).saturating_add(MB);
        let mut seen = std::collections::HashSet::new();
        for (pos, name) in &sheets {
            if *pos >= s.len() || !seen.insert(*pos) {
                continue;
            }
            let mut bbox = Bbox::default();
            let mut depth = 0usize;
            let mut seen_bof = false;
            for r in (Records { s: &s[*pos..] }) {
                let r = r?;
                scanned += r.size as u64;
                if scanned > budget {
                    return Err(ReadProblem::Corrupt(
                        "las hojas del libro de Excel 97-2003 se superponen en el flujo".into(),
                    ));
                }
                if depth > 0 {
                    match r.typ {
                        0x0809 => depth += 1,
                        0x000A => depth -= 1,
                        _ => {}
                    }
                    continue;
                }
                let pos_of = |d: &[u8]| Some((u32::from(le16(d, 0)?), u32::from(le16(d, 2)?)));
                match r.typ {
                    0x0809 => {
                        if seen_bof {
                            depth += 1;
                        } else {
                            seen_bof = true;
                        }
                    }
                    0x0200 => {
                        let d = r.data;
                        let (rf, rl, cf, cl) = match d.len() {
                            10 => (
                                u32::from(le16(d, 0).unwrap_or(0)),
                                u32::from(le16(d, 2).unwrap_or(0)),
                                u32::from(le16(d, 4).unwrap_or(0)),
                                u32::from(le16(d, 6).unwrap_or(0)),
                            ),
                            14 | 16 => (
                                le32(d, 0).unwrap_or(0),
                                le32(d, 4).unwrap_or(0),
                                u32::from(le16(d, 8).unwrap_or(0)),
                                u32::from(le16(d, 10).unwrap_or(0)),
                            ),
                            _ => continue,
                        };
                        // calamine: columns past 0xFF start at 0; `rows × cols` reserved.
                        let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                        let (end_r, end_c) = if rl >= 1 && cl >= 1 {
                            (rl - 1, cl - 1)
                        } else {
                            (rf, cf)
                        };
                        let rows = u64::from(end_r.wrapping_sub(rf).wrapping_add(1));
                        let cols = u64::from(end_c.wrapping_sub(cf).wrapping_add(1));
                        let n = rows.saturating_mul(cols);
                        if n > MAX_DENSE_CELLS {
                            return Err(ReadProblem::TooLarge(format!(
                                "la hoja «{name}» declara una dimensión de {rows} filas × {cols} columnas (máximo {MAX_DENSE_CELLS} celdas)"
                            )));
                        }
                    }
                    // Number, Label, BoolErr, RK, Formula.
                    0x0203 | 0x0205 | 0x027E | 0x0006 => {
                        if let Some((row, col)) = pos_of(r.data) {
                            bbox.add(row, col);
                        }
                    }
                    0x0204 | 0x00D6 => {
                        if let Some((row, col)) = pos_of(r.data) {
                            bbox.add(row, col);
                        }
                        text_total += r.data.len() as u64 * 3;
                    }
                    0x0207 => text_total += r.data.len() as u64 * 3,
                    // LabelSst: the shared string is copied into the cell.
                    0x00FD => {
                        if let Some((row, col)) = pos_of(r.data) {
                            bbox.add(row, col);
                        }
                        if let (Some(table), Some(i)) = (&sst, le32(r.data, 6)) {
                            let chars = table.get(i as usize).copied().unwrap_or(0);
                            text_total += u64::from(chars) * 3;
                        }
                    }
                    // MulRk: one row, columns first..last.
                    0x00BD => {
                        let d = r.data;
                        if d.len() >= 6 {
                            let row = u32::from(le16(d, 0).unwrap_or(0));
                            let first = u32::from(le16(d, 2).unwrap_or(0));
                            let last = u32::from(le16(d, d.len() - 2).unwrap_or(0));
                            bbox.add(row, first);
                            bbox.add(row, last.max(first));
                        }
                    }
                    0x000A => break,
                    _ => {}
                }
            }
            let cells = bbox.cells();
            dense_total = dense_total.saturating_add(cells);
            if dense_total > MAX_DENSE_CELLS {
                return Err(ReadProblem::TooLarge(format!(
                    "la hoja «{name}» ocupa {cells} celdas entre su primera y su última celda con datos (máximo {MAX_DENSE_CELLS} en el libro)"
                )));
            }
            if text_total > MAX_EXPANDED_TEXT {
                return Err(ReadProblem::TooLarge(format!(
                    "el texto de las celdas excede {} MB (textos compartidos repetidos en demasiadas celdas)",
                    MAX_EXPANDED_TEXT / MB
                )));
            }
        }
        Ok(Stats {
            sheets: sheets.len(),
            sst: sst.as_ref().map(Vec::len),
            dense: dense_total,
            text: text_total,
        })
    }

    fn sheet_name(d: &[u8], biff8: bool) -> Option<String> {
        let cch = *d.get(6)? as usize;
        if biff8 {
            let flags = *d.get(7)?;
            let raw = d.get(8..)?;
            if flags & 1 != 0 {
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .take(cch)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                Some(String::from_utf16_lossy(&units))
            } else {
                Some(raw.iter().take(cch).map(|b| *b as char).collect())
            }
        } else {
            Some(d.get(7..)?.iter().take(cch).map(|b| *b as char).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eocd_records_are_read_from_the_end() {
        let record = |entries: u16| {
            let mut r = b"PK\x05\x06".to_vec();
            r.extend_from_slice(&[0; 6]);
            r.extend_from_slice(&entries.to_le_bytes());
            r.extend_from_slice(&[0; 10]);
            r
        };
        let mut bytes = vec![7u8; 100];
        bytes.extend(record(3));
        bytes.extend(vec![b'P'; 70_000]);
        bytes.extend(record(5));
        bytes.extend(b"xxPK\x05");
        bytes.extend(record(9));
        // The first record is more than 64 KB before the end: out of reach.
        assert_eq!(super::eocd_entry_counts(&bytes), [9, 5]);
        assert!(super::eocd_entry_counts(&record(1)[..21]).is_empty());
        assert_eq!(super::eocd_entry_counts(&record(1)), [1]);
    }

    #[test]
    fn xml_scanner_reads_tags_across_chunks() {
        let doc = br#"<?xml version="1.0"?><!-- <x> --><sst a="1>" uniqueCount='5'><si><t>a<![CDATA[<b>]]></t></si><si/></sst>"#;
        for split in 0..doc.len() {
            let mut s = xml::Scanner::default();
            let mut starts = Vec::new();
            let mut unique = None;
            let mut f = |ev: xml::Event<'_>| {
                if let xml::Event::Start { name, attrs, .. } = ev {
                    starts.push(String::from_utf8_lossy(name).to_string());
                    if name == b"sst" {
                        unique = xml::attr(attrs, b"uniqueCount").and_then(parse_u64);
                    }
                }
            };
            s.feed(&doc[..split], &mut f);
            s.feed(&doc[split..], &mut f);
            assert_eq!(starts, ["sst", "si", "t", "si"], "split at {split}");
            assert_eq!(unique, Some(5));
        }
    }

    /// The BIFF scan follows the real .xls fixture completely (shared strings included), so
    /// its checks are not silently skipped.
    #[test]
    fn biff_scan_reads_the_xls_fixture() {
        let bytes = include_bytes!("../../fixtures/01-PRESIDENCIA-2T2020.xls");
        let stream = cfb::workbook_stream(bytes).unwrap();
        let stats = biff::scan(&stream).unwrap();
        assert_eq!(stats.sheets, 6, "{stats:?}");
        assert!(stats.sst.is_some_and(|n| n > 50), "{stats:?}");
        assert!(stats.dense > 500 && stats.dense < 10_000, "{stats:?}");
        assert!(stats.text > 1000, "{stats:?}");
    }

    /// poalint relies on the zip crate refusing to inflate an entry past its declared size
    /// (a lying zip bomb); this fails if an upgrade drops that.
    #[test]
    fn zip_crate_stops_at_the_declared_size() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        // The lying entry comes first: the patches below change the first headers.
        w.start_file("xl/sharedStrings.xml", opts).unwrap();
        w.write_all(&vec![b'a'; 100_000]).unwrap();
        w.start_file("xl/workbook.xml", opts).unwrap();
        w.write_all(b"<workbook/>").unwrap();
        let mut bytes = w.finish().unwrap().into_inner();
        // Lower the declared size (local header offset 22 and central directory) to 1000.
        let patch = |bytes: &mut Vec<u8>, sig: &[u8], off: usize| {
            let at = bytes.windows(4).position(|w| w == sig).unwrap();
            bytes[at + off..at + off + 4].copy_from_slice(&1000u32.to_le_bytes());
        };
        patch(&mut bytes, b"PK\x03\x04", 22);
        patch(&mut bytes, b"PK\x01\x02", 24);
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let mut out = Vec::new();
        let r = zip.by_index(0).unwrap().read_to_end(&mut out);
        assert!(r.is_err(), "read {} bytes", out.len());
        assert!(out.len() <= 1001);
        let p = sniff(&bytes);
        assert!(
            matches!(&p, Err(ReadProblem::TooLarge(m)) if m.contains("más de los 1000 bytes que declara")),
            "{p:?}"
        );
    }
}
