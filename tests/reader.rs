//! The reader on the seed fixtures: what it reads, value by value for a sample of each seed.

mod common;
use common::fixture;
use poalint::model::*;
use poalint::read::labels::Labels;
use poalint::read::{FileRead, read_path};

fn read(name: &str) -> Workbook {
    match read_path(&fixture(name), name, &Labels::default()) {
        FileRead::Ok { workbook, broken } => {
            assert!(broken.is_empty(), "{broken:?}");
            workbook
        }
        FileRead::Failed(p) => panic!("{name}: {}", p.message()),
    }
}

fn sheet<'a>(wb: &'a Workbook, name: &str) -> &'a CaptureSheet {
    wb.sheets
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
}

fn meta<'a>(s: &'a CaptureSheet, clave: &str) -> &'a Meta {
    s.metas
        .iter()
        .find(|m| m.clave_str() == Some(clave))
        .unwrap_or_else(|| panic!("no meta {clave} in {}", s.name))
}

fn at(n: &Num) -> (String, Option<f64>) {
    (n.cell.a1(), n.value())
}

#[test]
fn imip_text_fecha_no_avance_column_and_header_without_labels() {
    let wb = read("064-IMIP-1T2024.xlsx");
    assert_eq!(wb.format, Format::Xlsx);
    assert_eq!(wb.sheets.len(), 5);
    let s = sheet(&wb, "101");
    // No labels at all: codes read in the form's order, the 4-digit classification skipped.
    assert_eq!(s.header.ramo.code_str(), Some("064"));
    assert_eq!(s.header.programa.code_str(), Some("511"));
    assert_eq!(s.header.unidad_ejecutora.code_str(), Some("101"));
    assert_eq!(
        s.fecha.date,
        Some(Date {
            year: 2024,
            month: 3,
            day: 31
        })
    );
    assert_eq!(s.cutoff(), Some(1));
    assert_eq!(s.title.year.as_ref().map(|y| y.value), Some(2024));
    assert_eq!(s.title.quarter.as_ref().map(|q| q.value), Some(1));
    assert!(s.table.avance_absoluto.is_none());
    let m = meta(s, "100");
    assert_eq!(at(&m.meta_anual), ("D33".into(), Some(10.0)));
    assert_eq!(
        m.programado
            .iter()
            .map(|n| n.value().unwrap_or(-1.0))
            .collect::<Vec<_>>(),
        [2.0, 2.0, 4.0, 2.0]
    );
    assert_eq!(at(&m.alcanzado[0]), ("F33".into(), Some(2.0)));
    // "20.00%" typed as text.
    let rel = m.acumulado_relativo.as_ref().unwrap();
    assert_eq!(rel.quantity, Quantity::Percent(0.2));
    assert_eq!(rel.cell.a1(), "M33");
    // Labels and values in separate blocks (sheet 201).
    let s = sheet(&wb, "201");
    assert_eq!(s.header.ramo.code_str(), Some("064"));
    assert_eq!(s.header.programa.code_str(), Some("642"));
    assert_eq!(s.header.unidad_ejecutora.code_str(), Some("201"));
    // The clave typed in the L/A column ("300.-").
    assert_eq!(meta(s, "300").meta_anual.value(), Some(20.0));
    assert!(s.table.avance_absoluto.is_some());
}

#[test]
fn coplademm_numbers_and_percents_as_text() {
    let wb = read("51-COPLADEMM-4T2023.xlsx");
    assert_eq!(wb.sheets.len(), 7);
    let s = sheet(&wb, "UE 203");
    assert_eq!(s.cutoff(), Some(4));
    let m = meta(s, "600");
    assert_eq!(at(&m.meta_anual), ("D24".into(), Some(7000.0)));
    assert_eq!(m.meta_anual.raw, CellValue::Text("7,000".into()));
    assert_eq!(m.programado[0].value(), Some(1749.0));
    assert_eq!(m.avance_absoluto.as_ref().unwrap().value(), Some(13754.0));
    assert_eq!(m.meta_type, MetaType::Cumulative);
    let p = meta(s, "601");
    assert_eq!(p.meta_type, MetaType::PercentUnit);
    assert_eq!(p.meta_anual.quantity, Quantity::Percent(0.9));
    assert_eq!(p.alcanzado[1].quantity, Quantity::Percent(0.92));
    // Signers: label, then name, then role; titles kept in the name.
    let s = sheet(&wb, "UE 201");
    let ramo: Vec<_> = s
        .firmantes
        .iter()
        .filter(|f| f.role == Role::ResponsableRamo)
        .collect();
    assert_eq!(ramo.len(), 1);
    assert_eq!(
        ramo[0].nombre.as_ref().unwrap().value,
        "DR. AGUSTÍN SANDEZ PÉREZ"
    );
    assert_eq!(
        ramo[0].accion.as_ref().map(|a| a.value.as_str()),
        Some("AUTORIZÓ")
    );
    let sh300 = meta(s, "300");
    assert_eq!(sh300.meta_anual.quantity, Quantity::Percent(0.6));
    assert_eq!(sh300.meta_type, MetaType::PercentUnit);
}

#[test]
fn presidencia_date_cell_claves_in_description_and_role_above_name() {
    for name in ["01-PRESIDENCIA-2T2020.xlsx", "01-PRESIDENCIA-2T2020.xls"] {
        let wb = read(name);
        assert_eq!(wb.sheets.len(), 6, "{name}");
        assert_eq!(wb.metas(), 28, "{name}");
        let s = &wb.sheets[0];
        assert_eq!(
            s.fecha.date,
            Some(Date {
                year: 2020,
                month: 6,
                day: 30
            }),
            "{name}"
        );
        assert_eq!(s.cutoff(), Some(2));
        let claves: Vec<_> = s
            .metas
            .iter()
            .map(|m| m.clave_str().unwrap_or("?").to_string())
            .collect();
        assert_eq!(claves, ["2", "2.1", "2.2", "2.3"], "{name}");
        // The table starts in column C.
        assert_eq!(s.metas[0].linea_accion.as_ref().unwrap().cell.col, 2);
        // Role line above the name.
        let f = &s.firmantes[0];
        assert_eq!(
            f.nombre.as_ref().unwrap().value,
            "LIC. JULIETA ANDREA RAMÍREZ PADILLA"
        );
        assert!(f.rol.cell.row < f.nombre.as_ref().unwrap().cell.row);
        // "UNIDAD RESPONSABLE" for UNIDAD EJECUTORA, and the repeated clave 4.5.
        let t = wb
            .sheets
            .iter()
            .find(|s| s.name.starts_with("0046"))
            .unwrap();
        assert_eq!(t.header.unidad_ejecutora.code_str(), Some("0046"));
        assert!(t.metas.iter().any(|m| m.clave_str() == Some("4.5")));
        // A level meta: every quarter programmed at META ANUAL 90.
        let a = wb
            .sheets
            .iter()
            .find(|s| s.name.starts_with("005"))
            .unwrap();
        assert_eq!(meta(a, "5").meta_type, MetaType::Level);
        assert_eq!(meta(a, "5").alcanzado[1].value(), Some(63.0));
    }
}

#[test]
fn cotuco_title_years_late_achievement_and_split_header_block() {
    let wb = read("58-COTUCO-3T2024.xlsx");
    let s = sheet(&wb, "DIRECCIÓN GENERAL");
    assert_eq!(s.title.year.as_ref().map(|y| y.value), Some(2023));
    assert_eq!(s.fecha.date.map(|d| (d.year, d.quarter())), Some((2024, 3)));
    let s = sheet(&wb, "GERENCIA DE PROMOCIÓN");
    let m = meta(s, "300");
    assert_eq!(at(&m.alcanzado[3]), ("M26".into(), Some(3.0)));
    let s = sheet(&wb, "GERENCIA DE RELACIONES PÚBLICAS");
    assert_eq!(s.header.ramo.code_str(), Some("58"));
    assert_eq!(s.header.programa.code_str(), Some("511"));
    assert_eq!(s.header.unidad_ejecutora.code_str(), Some("202"));
    assert_eq!(s.metas.len(), 6);
}

#[test]
fn imacum_xlsx_and_ods_read_the_same_values() {
    let x = read("60-IMACUM-4T2020.xlsx");
    let o = read("60-IMACUM-4T2020.ods");
    assert_eq!(o.format, Format::Ods);
    assert_eq!(x.sheets.len(), o.sheets.len());
    for (a, b) in x.sheets.iter().zip(&o.sheets) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.metas.len(), b.metas.len());
        for (m, n) in a.metas.iter().zip(&b.metas) {
            assert_eq!(m.clave_str(), n.clave_str());
            assert_eq!(at(&m.meta_anual), at(&n.meta_anual));
            for q in 0..4 {
                assert_eq!(at(&m.programado[q]), at(&n.programado[q]));
                assert_eq!(at(&m.alcanzado[q]), at(&n.alcanzado[q]));
            }
        }
    }
    // The title starts with the ayuntamiento's number (23 AYUNTAMIENTO DE MEXICALI): still
    // the title, with the POA's year, in both formats.
    for wb in [&x, &o] {
        for s in &wb.sheets {
            assert_eq!(
                s.title.year.as_ref().map(|y| y.value),
                Some(2020),
                "{}",
                s.name
            );
            assert!(s.title.lines[0].value.starts_with("23 AYUNTAMIENTO"));
        }
    }
    // The last sheet has the date cell with no FECHA label, right of the header block.
    let s = sheet(&x, "203");
    assert_eq!(
        s.fecha.date,
        Some(Date {
            year: 2020,
            month: 12,
            day: 31
        })
    );
    assert!(s.fecha.label.is_none());
    // Formulas are read through their cached values: AVANCE typed over the formula in 202.
    let m = meta(sheet(&x, "202"), "9");
    assert_eq!(
        m.avance_absoluto.as_ref().map(at),
        Some(("N24".into(), Some(19600.0)))
    );
    // "10.7 Realizar..." keeps its clave although no dash follows it.
    assert!(
        sheet(&x, "203")
            .metas
            .iter()
            .any(|m| m.clave_str() == Some("10.7"))
    );
}

#[test]
fn non_capture_sheets_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("libro.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Instrucciones").unwrap();
    ws.write_string(0, 0, "INSTRUCCIONES PARA EL LLENADO DEL FORMATO TMM")
        .unwrap();
    wb.add_worksheet().set_name("Hoja3").unwrap();
    wb.save(&p).unwrap();
    match read_path(&p, "libro.xlsx", &Labels::default()) {
        FileRead::Ok { workbook, broken } => {
            assert!(workbook.sheets.is_empty());
            assert!(broken.is_empty());
            assert_eq!(workbook.skipped, ["Instrucciones", "Hoja3"]);
        }
        FileRead::Failed(p) => panic!("{}", p.message()),
    }
}
