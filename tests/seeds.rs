//! The seed fixtures (fixtures/README.md lists their real mistakes): every real mistake is
//! reported at its cell, and the clean traps are not reported at error or warning level.

mod common;
use common::*;
use poalint::check::{Diagnostic, Severity};

fn run() -> Vec<Diagnostic> {
    let files: Vec<_> = [
        "064-IMIP-1T2024.xlsx",
        "51-COPLADEMM-4T2023.xlsx",
        "01-PRESIDENCIA-2T2020.xlsx",
        "01-PRESIDENCIA-2T2020.xls",
        "58-COTUCO-3T2024.xlsx",
        "60-IMACUM-4T2020.xlsx",
        "60-IMACUM-4T2020.ods",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    lint_with(&builtin_policy("default"), &files).diagnostics()
}

fn has(diags: &[Diagnostic], file: &str, sheet: &str, cell: &str, rule: &str) -> bool {
    diags.iter().any(|d| {
        d.file.ends_with(file)
            && d.sheet.as_deref() == Some(sheet)
            && d.cell.map(|c| c.a1()).as_deref() == Some(cell)
            && d.rule == rule
            && d.severity != Severity::Info
    })
}

#[test]
fn every_real_mistake_is_reported() {
    let d = run();
    let expected = [
        // 000: IMIP, 1T 2024
        ("064-IMIP-1T2024.xlsx", "102", "D28", "suma-programado"),
        ("064-IMIP-1T2024.xlsx", "102", "D31", "suma-programado"),
        // The META ANUAL (1) copied into every quarter of a PROYECTO / DOCUMENTO meta.
        ("064-IMIP-1T2024.xlsx", "102", "D32", "suma-programado"),
        ("064-IMIP-1T2024.xlsx", "102", "D33", "suma-programado"),
        ("064-IMIP-1T2024.xlsx", "102", "M31", "acumulado-relativo"),
        (
            "064-IMIP-1T2024.xlsx",
            "102",
            "H28",
            "avance-fuera-de-periodo",
        ),
        (
            "064-IMIP-1T2024.xlsx",
            "202",
            "N34",
            "observaciones-faltantes",
        ),
        ("064-IMIP-1T2024.xlsx", "202", "C12", "nombre-distinto"),
        ("064-IMIP-1T2024.xlsx", "203", "B35", "firmante-mal-escrito"), // KENTERRÍA
        ("064-IMIP-1T2024.xlsx", "102", "E39", "firmante-distinto"),
        // 001: COPLADEMM, 4T 2023
        (
            "51-COPLADEMM-4T2023.xlsx",
            "UE 201",
            "N39",
            "firmante-mal-escrito",
        ), // SANDEZ
        (
            "51-COPLADEMM-4T2023.xlsx",
            "UE 202",
            "N38",
            "firmante-mal-escrito",
        ),
        (
            "51-COPLADEMM-4T2023.xlsx",
            "UE 202",
            "E38",
            "firmante-distinto",
        ),
        (
            "51-COPLADEMM-4T2023.xlsx",
            "UE 203",
            "D24",
            "suma-programado",
        ),
        (
            "51-COPLADEMM-4T2023.xlsx",
            "UE 203",
            "N26",
            "acumulado-relativo",
        ),
        // 002: PRESIDENCIA, 2T 2020 (xlsx and xls)
        (
            "01-PRESIDENCIA-2T2020.xlsx",
            "002 COORD. DE DIRECTORES",
            "F23",
            "suma-programado",
        ),
        (
            "01-PRESIDENCIA-2T2020.xlsx",
            "004 FOMENTO ECONÓMICO",
            "Q24",
            "observaciones-faltantes",
        ),
        (
            "01-PRESIDENCIA-2T2020.xlsx",
            "0046 TRANSPARENCIA",
            "D25",
            "clave-repetida",
        ),
        (
            "01-PRESIDENCIA-2T2020.xlsx",
            "005 COORD. ADMINISTRATIVA",
            "O20",
            "avance-absoluto",
        ),
        (
            "01-PRESIDENCIA-2T2020.xls",
            "0046 TRANSPARENCIA",
            "D25",
            "clave-repetida",
        ),
        (
            "01-PRESIDENCIA-2T2020.xls",
            "005 COORD. ADMINISTRATIVA",
            "F22",
            "suma-programado",
        ),
        // 003: COTUCO, 3T 2024
        (
            "58-COTUCO-3T2024.xlsx",
            "DIRECCIÓN GENERAL",
            "A2",
            "anio-titulo",
        ),
        (
            "58-COTUCO-3T2024.xlsx",
            "GERENCIA DE MERCADOTECNIA",
            "A2",
            "anio-titulo",
        ),
        (
            "58-COTUCO-3T2024.xlsx",
            "GERENCIA DE PROMOCIÓN",
            "M26",
            "avance-fuera-de-periodo",
        ),
        (
            "58-COTUCO-3T2024.xlsx",
            "GERENCIA DE PROMOCIÓN",
            "D27",
            "suma-programado",
        ),
        (
            "58-COTUCO-3T2024.xlsx",
            "GERENCIA DE PROMOCIÓN",
            "O39",
            "rol-duplicado",
        ),
        (
            "58-COTUCO-3T2024.xlsx",
            "GERENCIA DE RELACIONES PÚBLICAS",
            "C15",
            "nombre-distinto",
        ),
        // 004: IMACUM, 4T 2020 (xlsx and ods)
        ("60-IMACUM-4T2020.xlsx", "202", "N24", "avance-absoluto"),
        (
            "60-IMACUM-4T2020.xlsx",
            "203",
            "P27",
            "observaciones-faltantes",
        ),
        (
            "60-IMACUM-4T2020.xlsx",
            "201",
            "F39",
            "firmante-mal-escrito",
        ), // PUGA
        (
            "60-IMACUM-4T2020.xlsx",
            "201",
            "O39",
            "firmante-mal-escrito",
        ), // NOELIA
        ("60-IMACUM-4T2020.ods", "202", "N24", "avance-absoluto"),
        ("60-IMACUM-4T2020.ods", "201", "F39", "firmante-mal-escrito"),
    ];
    let missing: Vec<_> = expected
        .iter()
        .filter(|(f, s, c, r)| !has(&d, f, s, c, r))
        .collect();
    assert!(missing.is_empty(), "not reported: {missing:#?}");
}

#[test]
fn clean_traps_are_not_reported() {
    let d = run();
    let loud = |file: &str, sheet: &str, row: u32, kind: &str| {
        d.iter().any(|x| {
            x.file.ends_with(file)
                && x.sheet.as_deref() == Some(sheet)
                && x.cell.map(|c| c.row1()) == Some(row)
                && (x.kind.as_str() == kind || x.rule == kind)
                && x.severity != Severity::Info
        })
    };
    let traps = [
        // A level meta (P = META in every quarter) does not add up.
        (
            "01-PRESIDENCIA-2T2020.xlsx",
            "005 COORD. ADMINISTRATIVA",
            20,
            "suma-programado",
        ),
        // Rounding: 3/8 = 37.5 % shown as 38 %; 9/8 → 113 %.
        (
            "01-PRESIDENCIA-2T2020.xlsx",
            "002 COORD. DE DIRECTORES",
            24,
            "percent",
        ),
        ("60-IMACUM-4T2020.xlsx", "202", 29, "percent"),
        // A different from P per quarter but on schedule at the cut-off: no OBSERVACIONES needed.
        ("51-COPLADEMM-4T2023.xlsx", "UE 101", 27, "observaciones"),
        ("60-IMACUM-4T2020.xlsx", "101", 25, "observaciones"),
        // Percent metas whose quarters do not add up.
        ("51-COPLADEMM-4T2023.xlsx", "UE 203", 25, "sum"),
        // Zeros after the cut-off are placeholders.
        ("064-IMIP-1T2024.xlsx", "101", 33, "periodo"),
        // A row with only L/A is not a meta.
        ("064-IMIP-1T2024.xlsx", "201", 42, "clave"),
    ];
    let hit: Vec<_> = traps
        .iter()
        .filter(|(f, s, r, k)| loud(f, s, *r, k))
        .collect();
    assert!(hit.is_empty(), "clean rows reported: {hit:#?}");
    // Names that differ only in accents, case or title are never errors or warnings: the two
    // names a signer finding quotes («…» and «…») must differ after that normalisation.
    let quoted = |m: &str| -> Vec<String> {
        m.split('«')
            .skip(1)
            .filter_map(|p| p.split('»').next())
            .map(|s| s.to_string())
            .collect()
    };
    let same: Vec<_> = d
        .iter()
        .filter(|x| x.kind.as_str() == "signers" && x.severity != Severity::Info)
        .filter(|x| {
            let q = quoted(&x.message);
            q.len() == 2
                && poalint::read::text::name_key(&q[0]) == poalint::read::text::name_key(&q[1])
        })
        .collect();
    assert!(same.is_empty(), "{same:#?}");
    // Codes whose names differ only in accents or punctuation.
    let header: Vec<_> = d
        .iter()
        .filter(|x| x.rule == "nombre-distinto")
        .filter(|x| {
            x.message.contains("COMITE")
                || x.message.contains("HISTORICO")
                || x.message.contains("PROGRAMA 010")
        })
        .collect();
    assert!(header.is_empty(), "{header:#?}");
}
