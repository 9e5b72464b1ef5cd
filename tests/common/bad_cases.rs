//! The bad-input folder: every file a dependencia could send that must not crash poalint,
//! each with the diagnostic it must get. Shared by `tests/bad_inputs.rs` and
//! `tests/determinism.rs`.
#![allow(dead_code)]

use super::bad_gen::*;
use std::path::Path;

/// What the report must say about one generated file.
#[derive(Debug, Clone)]
pub struct Expect {
    pub file: String,
    /// `status` of the file in the JSON report.
    pub status: &'static str,
    /// The one diagnostic of kind `read` or `layout` the file gets.
    pub rule: &'static str,
    /// Texts its message must contain (the cause, in Spanish).
    pub says: Vec<&'static str>,
    /// For files that are still read: the capture sheets found.
    pub sheets: Option<usize>,
}

fn expect(file: &str, status: &'static str, rule: &'static str, says: &[&'static str]) -> Expect {
    Expect {
        file: file.into(),
        status,
        rule,
        says: says.to_vec(),
        sheets: None,
    }
}

fn unreadable(file: &str, says: &[&'static str]) -> Expect {
    expect(file, "unreadable", "archivo-ilegible", says)
}

/// Turns every number and formula result of a sheet's XML into an Excel error value.
pub fn errors_everywhere(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    let mut n = 0;
    while let Some(at) = rest.find("<c ") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        if tag.ends_with('/') || tag.contains(" t=\"") {
            out.push_str(&rest[..=tag_end]);
            rest = &rest[tag_end + 1..];
            continue;
        }
        let close = rest.find("</c>").unwrap();
        let body = &rest[tag_end + 1..close];
        let formula = body
            .find("<f>")
            .map(|f| &body[f..body.find("</f>").unwrap() + 4])
            .unwrap_or("");
        let err = if n % 2 == 0 { "#DIV/0!" } else { "#REF!" };
        n += 1;
        out.push_str(&format!("{tag} t=\"e\">{formula}<v>{err}</v></c>"));
        rest = &rest[close + 4..];
    }
    out.push_str(rest);
    out
}

fn imip_with_sheet(name_in_book: &str, new_name: &str) -> Vec<u8> {
    let from = format!("name=\"{name_in_book}\"");
    let to = format!("name=\"{new_name}\"");
    patched_fixture("064-IMIP-1T2024.xlsx", &move |n, d| {
        if n == "xl/workbook.xml" {
            Some(
                String::from_utf8(d)
                    .unwrap()
                    .replace(&from, &to)
                    .into_bytes(),
            )
        } else {
            Some(d)
        }
    })
}

/// Writes the bad inputs into `dir` (plus nothing else) and returns what each must get.
pub fn write_bad_inputs(dir: &Path) -> Vec<Expect> {
    let mut out = Vec::new();
    let mut put = |name: &str, bytes: &[u8], e: Expect| {
        std::fs::write(dir.join(name), bytes).unwrap();
        assert_eq!(e.file, name);
        out.push(e);
    };

    // Not spreadsheets at all.
    put(
        "vacio.xlsx",
        b"",
        unreadable("vacio.xlsx", &["vacío (0 bytes)"]),
    );
    put(
        "texto.xlsx",
        "CLAVE,META ANUAL,P,A\n1.-,10,5,5\nAcción en educación,3,1,1\n".as_bytes(),
        unreadable(
            "texto.xlsx",
            &["no es una hoja de cálculo", "archivo de texto"],
        ),
    );
    put(
        "documento.xlsx",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
        unreadable("documento.xlsx", &["documento PDF"]),
    );
    put(
        "pagina.xls",
        b"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body><table><tr><td>META ANUAL</td></tr></table></body></html>",
        unreadable("pagina.xls", &["página HTML"]),
    );
    let imip = fixture("064-IMIP-1T2024.xlsx");
    put(
        "truncado.xlsx",
        &imip[..imip.len() / 2],
        unreadable(
            "truncado.xlsx",
            &["truncado o incompleto", "directorio central"],
        ),
    );
    put(
        "comprimido.xlsx",
        &zip_of(&[("notas/léame.txt".into(), b"no es un libro".to_vec())]),
        unreadable("comprimido.xlsx", &["es un ZIP pero no contiene un libro"]),
    );

    // Broken .xlsx parts: the other sheets are still read.
    let missing = patched_fixture("064-IMIP-1T2024.xlsx", &|n, d| {
        (n != "xl/worksheets/sheet2.xml").then_some(d)
    });
    put(
        "falta-hoja.xlsx",
        &missing,
        Expect {
            sheets: Some(4),
            ..expect(
                "falta-hoja.xlsx",
                "ok",
                "hoja-ilegible",
                &["«102»", "no está en el archivo"],
            )
        },
    );
    let malformed = patched_fixture("064-IMIP-1T2024.xlsx", &|n, d| {
        if n == "xl/worksheets/sheet2.xml" {
            let mut d = d[..d.len() * 2 / 3].to_vec();
            d.extend_from_slice(b"<c r=\"Z9\"><v>1</v></row></sheetData>");
            Some(d)
        } else {
            Some(d)
        }
    });
    put(
        "hoja-malformada.xlsx",
        &malformed,
        Expect {
            sheets: Some(4),
            ..expect(
                "hoja-malformada.xlsx",
                "ok",
                "hoja-ilegible",
                &["«102»", "mal formado"],
            )
        },
    );

    // Encrypted: an OLE container with EncryptionInfo / EncryptedPackage streams.
    let (enc, _) = cfb(&[
        ("EncryptionInfo", vec![4, 0, 4, 0, 0x40, 0, 0, 0]),
        ("EncryptedPackage", vec![0x5A; 5000]),
    ]);
    put(
        "protegido.xlsx",
        &enc,
        unreadable("protegido.xlsx", &["protegido con contraseña"]),
    );
    let real =
        Path::new("/work/shared/corpus/public/capturas/01 PRESIDENCIA AVANCE 2T protegido.xlsx");
    if let Ok(bytes) = std::fs::read(real) {
        put(
            "protegido real.xlsx",
            &bytes,
            unreadable("protegido real.xlsx", &["protegido con contraseña"]),
        );
    }

    // .xls with a broken compound document.
    let mut header = cfb(&[("Workbook", vec![0; 4096])]).0;
    header.truncate(600);
    header[44..48].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes()); // FAT sectors
    header[72..76].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes()); // DIFAT sectors
    put(
        "cabecera-600.xls",
        &header,
        unreadable("cabecera-600.xls", &["Excel 97-2003", "incompleto"]),
    );
    let (mut counts, _) = cfb(&[("Workbook", vec![0; 4096])]);
    counts[44..48].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    put(
        "cuentas-infladas.xls",
        &counts,
        unreadable("cuentas-infladas.xls", &["sectores de FAT", "solo tiene"]),
    );
    let (mut difat, _) = cfb(&[("Workbook", vec![0; 4096])]);
    difat[72..76].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    difat[68..72].copy_from_slice(&3u32.to_le_bytes());
    put(
        "difat-inflada.xls",
        &difat,
        unreadable("difat-inflada.xls", &["sectores de DIFAT"]),
    );
    let (mut dirloop, layout) = cfb(&[("Workbook", vec![0; 4096])]);
    set_fat(&mut dirloop, layout.dir_start, layout.dir_start);
    put(
        "directorio-circular.xls",
        &dirloop,
        unreadable(
            "directorio-circular.xls",
            &["sectores del directorio es circular"],
        ),
    );
    let (mut huge_stream, layout) = cfb(&[("Workbook", vec![0; 4096])]);
    let last = layout.starts[0] + 7;
    set_fat(&mut huge_stream, last, layout.starts[0]);
    set_dir_size(&mut huge_stream, &layout, 1, 0xFFFF_FFF0);
    put(
        "flujo-gigante.xls",
        &huge_stream,
        unreadable("flujo-gigante.xls", &["«Workbook»", "más que el archivo"]),
    );
    let xls = fixture("01-PRESIDENCIA-2T2020.xls");
    put(
        "xls-truncado.xls",
        &xls[..xls.len() / 2],
        unreadable(
            "xls-truncado.xls",
            &["truncado o incompleto", "Excel 97-2003"],
        ),
    );
    let (word, _) = cfb(&[("WordDocument", vec![0xEC, 0xA5, 0xC1, 0])]);
    put(
        "documento-word.xls",
        &word,
        unreadable("documento-word.xls", &["documento de Word"]),
    );
    // BIFF records that make calamine allocate: a DIMENSIONS of a million rows × 256
    // columns, cells in A1 and IV65536, a 60,000-character shared string in 20,000 cells.
    let mut cells = dimensions(0, 1_000_000, 0, 256);
    cells.extend(number(0, 0, 1.0));
    put(
        "dimension-enorme.xls",
        &xls_file(&[], &[("Hoja1", cells)]),
        unreadable("dimension-enorme.xls", &["«Hoja1»", "1000000 filas"]),
    );
    let mut cells = number(0, 0, 1.0);
    cells.extend(number(65535, 255, 2.0));
    put(
        "celdas-extremas.xls",
        &xls_file(&[], &[("Hoja1", cells)]),
        unreadable("celdas-extremas.xls", &["«Hoja1»", "16777216 celdas"]),
    );
    let mut cells = Vec::new();
    for r in 0..20_000u16 {
        cells.extend(label_sst(r, 0, 0));
    }
    put(
        "texto-repetido.xls",
        &xls_file(&sst_one_long_string(60_000), &[("Hoja1", cells)]),
        unreadable("texto-repetido.xls", &["texto de las celdas excede"]),
    );

    // Zip bombs: a sheet that inflates to a gigabyte while its headers say 2 KB, and one
    // that honestly says 300 MB.
    let base = unzip(&fixture("58-COTUCO-3T2024.xlsx"));
    let bomb = |declared: u32, total: u64| {
        let entries: Vec<RawEntry> = base
            .iter()
            .map(|(n, d)| {
                if n == "xl/worksheets/sheet1.xml" {
                    let (data, _) = deflate_repeat(b"<row><c><v>1</v></c></row>", total);
                    RawEntry {
                        name: n.clone(),
                        method: 8,
                        data,
                        crc: 0,
                        declared,
                    }
                } else {
                    RawEntry::stored(n, d)
                }
            })
            .collect();
        raw_zip(&entries)
    };
    put(
        "bomba-mentirosa.xlsx",
        &bomb(2048, 1 << 30),
        unreadable(
            "bomba-mentirosa.xlsx",
            &[
                "hoja «DIRECCIÓN GENERAL»",
                "más de los bytes que declara",
                "bomba ZIP",
            ],
        ),
    );
    put(
        "bomba-honesta.xlsx",
        &bomb(300 * 1024 * 1024, 300 * 1024 * 1024),
        unreadable(
            "bomba-honesta.xlsx",
            &["se descomprime a 300 MB", "bomba ZIP"],
        ),
    );
    let mut many = zip_of(&[("xl/workbook.xml".into(), b"<workbook/>".to_vec())]);
    let n = many.len();
    many[n - 12..n - 10].copy_from_slice(&65_000u16.to_le_bytes());
    many[n - 14..n - 12].copy_from_slice(&65_000u16.to_le_bytes());
    put(
        "muchas-entradas.xlsx",
        &many,
        unreadable("muchas-entradas.xlsx", &["65000 entradas"]),
    );

    // Shared strings: a forged uniqueCount (calamine reserves it), and one long string in
    // thousands of cells.
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>META ANUAL</t></si></sst>"#;
    put(
        "unique-count.xlsx",
        &zip_of(&xlsx_parts(
            &[(
                "Hoja1",
                sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#),
            )],
            Some(sst.into()),
        )),
        unreadable(
            "unique-count.xlsx",
            &["sharedStrings.xml", "4000000000 textos"],
        ),
    );
    let long = "x".repeat(1 << 20);
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{long}</t></si></sst>"#
    );
    let rows: String = (1..=3000)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    put(
        "texto-compartido.xlsx",
        &zip_of(&xlsx_parts(&[("Hoja1", sheet_xml(&rows))], Some(sst))),
        unreadable("texto-compartido.xlsx", &["texto de las celdas excede"]),
    );

    // Huge dimension (calamine #693): streamed, so it costs nothing; not a capture.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "dato").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let huge_dim = wb.save_to_buffer().unwrap();
    assert!(
        String::from_utf8_lossy(
            &unzip(&huge_dim)[..]
                .iter()
                .find(|(n, _)| n.ends_with("sheet1.xml"))
                .unwrap()
                .1
        )
        .contains(r#"<dimension ref="A1:XFD1048576"/>"#)
    );
    put(
        "dimension-xfd.xlsx",
        &huge_dim,
        expect(
            "dimension-xfd.xlsx",
            "not_capture",
            "libro-sin-capturas",
            &["ninguna hoja de captura", "Sheet1"],
        ),
    );
    // 100,000 rows of data.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("DATOS").unwrap();
    for r in 0..100_000u32 {
        ws.write_number(r, 0, r as f64).unwrap();
        ws.write_string(r, 1, "registro").unwrap();
    }
    put(
        "cien-mil-filas.xlsx",
        &wb.save_to_buffer().unwrap(),
        expect(
            "cien-mil-filas.xlsx",
            "not_capture",
            "libro-sin-capturas",
            &["ninguna hoja de captura", "DATOS"],
        ),
    );
    // Every sheet empty.
    let mut wb = rust_xlsxwriter::Workbook::new();
    for name in ["Hoja1", "Hoja2", "Hoja3"] {
        wb.add_worksheet().set_name(name).unwrap();
    }
    put(
        "hojas-vacias.xlsx",
        &wb.save_to_buffer().unwrap(),
        expect(
            "hojas-vacias.xlsx",
            "not_capture",
            "libro-sin-capturas",
            &["Hoja1, Hoja2, Hoja3"],
        ),
    );

    // Duplicate sheet names.
    put(
        "nombres-iguales.xlsx",
        &imip_with_sheet("102", "101"),
        Expect {
            sheets: Some(4),
            ..expect(
                "nombres-iguales.xlsx",
                "ok",
                "hoja-ilegible",
                &["«101»", "exactamente el mismo nombre"],
            )
        },
    );
    put(
        "nombres-casi-iguales.xlsx",
        &imip_with_sheet("102", " 101 "),
        Expect {
            sheets: Some(5),
            ..expect(
                "nombres-casi-iguales.xlsx",
                "ok",
                "hoja-ilegible",
                &["« 101 »", "«101»", "mayúsculas, acentos o espacios"],
            )
        },
    );

    let mut a = label(0, 0, "META ANUAL");
    a.extend(number(1, 0, 1.0));
    put(
        "nombres-iguales.xls",
        &xls_file(&[], &[("Hoja1", a.clone()), ("Hoja1", a)]),
        expect(
            "nombres-iguales.xls",
            "not_capture",
            "hoja-ilegible",
            &[
                "«Hoja1»",
                "2 hojas con exactamente el mismo nombre",
                "ninguna se revisó",
            ],
        ),
    );

    // OpenDocument repeated rows and columns.
    let row = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="90" office:value-type="float" office:value="1"/></table:table-row>"#;
    put(
        "filas-repetidas.ods",
        &ods_with(&format!(
            r#"<table:table table:name="Hoja1">{row}</table:table>"#
        )),
        unreadable(
            "filas-repetidas.ods",
            &["«Hoja1»", "filas o columnas repetidas"],
        ),
    );
    let text = "y".repeat(100_000);
    let row = format!(
        r#"<table:table-row table:number-rows-repeated="100000"><table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row>"#
    );
    put(
        "texto-repetido.ods",
        &ods_with(&format!(
            r#"<table:table table:name="Hoja1">{row}</table:table>"#
        )),
        unreadable("texto-repetido.ods", &["«Hoja1»", "texto"]),
    );

    out
}

/// Files that are fine but named or typed oddly: each must be read like the fixture.
pub fn write_odd_names(dir: &Path) -> Vec<(String, usize)> {
    let imip = fixture("064-IMIP-1T2024.xlsx");
    let presidencia = fixture("01-PRESIDENCIA-2T2020.xls");
    let files = [
        ("Avance Físico 2T (versión final) — Año.xlsx", &imip, 5),
        ("MAYUSCULAS.XLSX", &imip, 5),
        ("libro nuevo guardado como.xls", &imip, 5),
        ("PRESIDENCIA copia.xls", &presidencia, 6),
    ];
    files
        .iter()
        .map(|(name, bytes, sheets)| {
            std::fs::write(dir.join(name), bytes).unwrap();
            (name.to_string(), *sheets)
        })
        .collect()
}

/// A capture whose numbers are all Excel errors: one `valor-no-numerico` per cell.
pub fn write_formula_errors(dir: &Path) -> String {
    let name = "errores-de-formula.xlsx";
    let bytes = patched_fixture("064-IMIP-1T2024.xlsx", &|n, d| {
        if n.starts_with("xl/worksheets/sheet") {
            Some(errors_everywhere(&String::from_utf8(d).unwrap()).into_bytes())
        } else {
            Some(d)
        }
    });
    std::fs::write(dir.join(name), bytes).unwrap();
    name.into()
}
