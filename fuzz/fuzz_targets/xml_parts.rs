//! Structure-aware companion of `reader`: the input's first byte picks an XML part of a real
//! fixture (sheet, shared strings, styles, workbook, .ods content) and the rest replaces it;
//! the zip is rebuilt with honest sizes and checksums, so the mutations reach calamine's XML
//! parsers instead of stopping at poalint's zip checks.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use std::io::{Cursor, Read, Write};

const XLSX: &[u8] = include_bytes!("../../fixtures/064-IMIP-1T2024.xlsx");
const ODS: &[u8] = include_bytes!("../../fixtures/60-IMACUM-4T2020.ods");

/// The parts the first byte chooses from.
pub const PARTS: [(bool, &str); 6] = [
    (false, "xl/worksheets/sheet1.xml"),
    (false, "xl/sharedStrings.xml"),
    (false, "xl/styles.xml"),
    (false, "xl/workbook.xml"),
    (true, "content.xml"),
    (true, "META-INF/manifest.xml"),
];

fn rebuild(base: &[u8], part: &str, content: &[u8]) -> Vec<u8> {
    let mut zin = zip::ZipArchive::new(Cursor::new(base)).expect("fixture");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).expect("entry");
        let name = f.name().expect("name").to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read");
        out.start_file(name.as_str(), stored).expect("start");
        out.write_all(if name == part { content } else { &data })
            .expect("write");
    }
    out.finish().expect("finish").into_inner()
}

libfuzzer_sys::fuzz_target!(
    init: harness::tolerate_caught_calamine_panics(),
    |data: &[u8]| {
        let Some((sel, content)) = data.split_first() else {
            return;
        };
        let (ods, part) = PARTS[*sel as usize % PARTS.len()];
        harness::check(&rebuild(if ods { ODS } else { XLSX }, part, content));
    }
);
