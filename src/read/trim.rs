//! What calamine is handed of an .xlsx: the package without the parts that calamine parses
//! when it opens a workbook but poalint never uses.
//!
//! That is the theme (`xl/theme/theme1.xml`, about 7 KB of DrawingML in every workbook Excel
//! writes): calamine reads it to resolve the colours of fonts and fills, and poalint reads only
//! values and number formats. Parsing it was about 4 % of `poalint lint` on 1,000 captures
//! (bench/README.md, session 10). calamine uses the default Office colours when a workbook has
//! no theme, so the theme's entry is taken out of the archive's central directory: the zip crate
//! finds parts through that directory only, so calamine never sees the part, and its data stays
//! in the bytes, unreferenced. The file on disk is never touched: this is poalint's copy in
//! memory.
//!
//! Only a plain archive is trimmed: one end-of-central-directory record at the very end, no
//! ZIP64, one disk, the central directory right before the record and every entry in it well
//! formed. Anything else is handed to calamine as it came, and [`super::sniff`] or calamine
//! report what is wrong with it.

use super::sniff::{le16, le32};
use memchr::memmem;

/// End of central directory record: signature, fixed length.
const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: usize = 22;
/// Central directory file header: signature, fixed length.
const ENTRY: &[u8; 4] = b"PK\x01\x02";
const ENTRY_LEN: usize = 46;
/// ZIP64 end of central directory locator, just before the classic record when present.
const ZIP64_LOCATOR: &[u8; 4] = b"PK\x06\x07";

/// Takes the parts poalint does not use (the theme, see `unused`) out of the central directory
/// of an .xlsx in memory. Returns how many entries it took out (0 when the archive is not a
/// plain one, see the module's documentation).
pub fn drop_unused_parts(bytes: &mut Vec<u8>) -> usize {
    let Some(dir) = Directory::find(bytes) else {
        return 0;
    };
    let dropped = dir.entries.iter().filter(|e| e.unused).count();
    if dropped == 0 {
        return 0;
    }
    // Kept entries move towards the start of the directory, never past their old place.
    let mut end = dir.offset;
    for e in dir.entries.iter().filter(|e| !e.unused) {
        bytes.copy_within(e.start..e.start + e.len, end);
        end += e.len;
    }
    let kept = (dir.entries.len() - dropped) as u16;
    let size = (end - dir.offset) as u32;
    bytes.truncate(end);
    bytes.extend_from_slice(EOCD);
    bytes.extend_from_slice(&[0; 4]); // this disk, the directory's disk
    bytes.extend_from_slice(&kept.to_le_bytes()); // entries on this disk
    bytes.extend_from_slice(&kept.to_le_bytes()); // entries in all
    bytes.extend_from_slice(&size.to_le_bytes());
    bytes.extend_from_slice(&(dir.offset as u32).to_le_bytes());
    bytes.extend_from_slice(&[0; 2]); // no comment
    dropped
}

/// Whether calamine would parse the part named `name` and poalint not use it: the theme, which
/// calamine looks for as `<workbook's folder>theme/theme1.xml`, case-insensitively and with `\`
/// read as `/`.
fn unused(name: &[u8]) -> bool {
    const THEME: &[u8] = b"theme/theme1.xml";
    let Some(at) = name.len().checked_sub(THEME.len()) else {
        return false;
    };
    let slash = |b: u8| if b == b'\\' { b'/' } else { b };
    let tail = name[at..].iter().map(|b| slash(b.to_ascii_lowercase()));
    tail.eq(THEME.iter().copied()) && (at == 0 || slash(name[at - 1]) == b'/')
}

/// A plain archive's central directory.
struct Directory {
    /// Where it starts in the file.
    offset: usize,
    entries: Vec<Entry>,
}

/// One central directory entry: where its header sits, how long it is with its name, extra
/// field and comment, and whether its part is dropped.
struct Entry {
    start: usize,
    len: usize,
    unused: bool,
}

impl Directory {
    fn find(bytes: &[u8]) -> Option<Directory> {
        let le16 = |at| le16(bytes, at).map(usize::from);
        let le32 = |at| le32(bytes, at).map(|v| v as usize);
        let last = bytes.len().checked_sub(EOCD_LEN)?;
        let from = last.saturating_sub(u16::MAX as usize);
        let at = from + memmem::rfind(&bytes[from..last + EOCD.len()], EOCD)?;
        // The record ends the file (its comment reaches the last byte), on one disk, without
        // ZIP64 (whose fields read all ones here, with a locator before the record).
        let (disk, dir_disk) = (le16(at + 4)?, le16(at + 6)?);
        let (here, entries) = (le16(at + 8)?, le16(at + 10)?);
        let (size, offset) = (le32(at + 12)?, le32(at + 16)?);
        let plain = at + EOCD_LEN + le16(at + 20)? == bytes.len()
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
            let name_len = le16(p + 28)?;
            let len = ENTRY_LEN + name_len + le16(p + 30)? + le16(p + 32)?;
            if p + len > at {
                return None;
            }
            let name = &bytes[p + ENTRY_LEN..p + ENTRY_LEN + name_len];
            list.push(Entry {
                start: p,
                len,
                unused: unused(name),
            });
            p += len;
        }
        (p == at).then_some(Directory {
            offset,
            entries: list,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{EOCD_LEN, drop_unused_parts, unused};
    use std::io::{Cursor, Read};

    const FIXTURE: &[u8] = include_bytes!("../../fixtures/60-IMACUM-4T2020.xlsx");

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

    #[test]
    fn theme_names() {
        assert!(unused(b"xl/theme/theme1.xml"));
        assert!(unused(b"XL\\Theme\\THEME1.XML"));
        assert!(unused(b"theme/theme1.xml"));
        assert!(!unused(b"xl/theme/theme2.xml"));
        assert!(!unused(b"xl/mytheme/theme1.xml"));
        assert!(!unused(b"xl/theme/theme1.xml.rels"));
        assert!(!unused(b"xl/styles.xml"));
    }

    /// The theme leaves the directory; every other part reads back as it was, and calamine
    /// reads the same cells from the trimmed bytes.
    #[test]
    fn drops_the_theme_and_nothing_else() {
        let before = parts(FIXTURE);
        assert!(before.iter().any(|(n, _)| n == "xl/theme/theme1.xml"));
        let mut bytes = FIXTURE.to_vec();
        assert_eq!(drop_unused_parts(&mut bytes), 1);
        assert!(bytes.len() < FIXTURE.len());
        let after = parts(&bytes);
        let expected: Vec<_> = before
            .into_iter()
            .filter(|(n, _)| n != "xl/theme/theme1.xml")
            .collect();
        assert_eq!(after, expected);
        // Nothing left to drop the second time.
        assert_eq!(drop_unused_parts(&mut bytes.clone()), 0);

        let cells = |bytes: &[u8]| {
            use calamine::Reader;
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
            let mut out = Vec::new();
            for name in wb.sheet_names() {
                let r = wb.worksheet_range(&name).unwrap();
                out.extend(
                    r.used_cells()
                        .map(|(y, x, v)| (name.clone(), y, x, v.clone())),
                );
            }
            out
        };
        let (a, b) = (cells(FIXTURE), cells(&bytes));
        assert!(a.len() > 100);
        assert_eq!(a, b);
    }

    /// A comment after the record goes with the trimmed directory.
    #[test]
    fn trims_an_archive_with_a_comment() {
        let mut bytes = FIXTURE.to_vec();
        let at = bytes.len() - EOCD_LEN;
        bytes[at + 20..at + 22].copy_from_slice(&5u16.to_le_bytes());
        bytes.extend_from_slice(b"hola!");
        assert_eq!(parts(&bytes).len(), 14);
        assert_eq!(drop_unused_parts(&mut bytes), 1);
        assert_eq!(parts(&bytes).len(), 13);
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
            assert_eq!(drop_unused_parts(&mut copy), 0, "{what}");
            assert_eq!(copy, bytes, "{what}");
        }
    }
}
