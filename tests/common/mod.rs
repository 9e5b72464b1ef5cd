//! Test helpers: small TMM-F004 workbooks built in the test, and running poalint on them.
#![allow(dead_code)]

use poalint::check::Diagnostic;
use poalint::check::policy::{self, Effective, Source};
use poalint::check::rules::RuleSet;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use std::path::{Path, PathBuf};

/// One meta row: clave+description, unit, META ANUAL, 4×(P, A), AVANCE, RELATIVO, OBSERVACIONES.
#[derive(Clone, Debug)]
pub struct Row {
    pub desc: String,
    pub unidad: String,
    pub meta: Cell,
    pub p: [Cell; 4],
    pub a: [Cell; 4],
    pub avance: Cell,
    pub relativo: Cell,
    pub obs: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Blank,
    N(f64),
    /// A percent-formatted number (0.25 shown as 25%).
    Pct(f64),
    T(String),
}

pub use Cell::{Blank, N, Pct};

pub fn t(s: &str) -> Cell {
    Cell::T(s.to_string())
}

impl Row {
    /// A cumulative meta: META ANUAL 4, one per quarter, everything consistent at cut-off `q`.
    pub fn ok(desc: &str, q: usize) -> Row {
        let a = [0, 1, 2, 3].map(|i| if i < q { N(1.0) } else { Blank });
        Row {
            desc: desc.to_string(),
            unidad: "INFORME".into(),
            meta: N(4.0),
            p: [N(1.0), N(1.0), N(1.0), N(1.0)],
            a,
            avance: N(q as f64),
            relativo: Pct(q as f64 / 4.0),
            obs: String::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Signer {
    pub accion: &'static str,
    pub nombre: String,
    pub rol: String,
}

pub fn signer(accion: &'static str, nombre: &str, rol: &str) -> Signer {
    Signer {
        accion,
        nombre: nombre.into(),
        rol: rol.into(),
    }
}

/// One capture sheet.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub name: String,
    pub title_year: Option<i32>,
    pub ramo: (String, String),
    pub programa: (String, String),
    pub unidad: (String, String),
    /// FECHA as text, e.g. "FECHA: 30 DE JUNIO DE 2024"; `None` for no FECHA at all.
    pub fecha: Option<String>,
    pub rows: Vec<Row>,
    pub signers: Vec<Signer>,
    /// Label of the description column.
    pub desc_label: String,
    /// Whether the metas table (its header and rows) is written at all.
    pub table: bool,
    /// Label of the UNIDAD EJECUTORA header field.
    pub ue_label: String,
    pub with_avance: bool,
    /// A line under the title, e.g. "PRIMER TRIMESTRE".
    pub subtitle: Option<String>,
}

impl Sheet {
    pub fn new(name: &str, unidad: &str, q: usize) -> Sheet {
        let fechas = [
            "31 DE MARZO DE 2024",
            "30 DE JUNIO DE 2024",
            "30 DE SEPTIEMBRE DE 2024",
            "31 DE DICIEMBRE DE 2024",
        ];
        Sheet {
            name: name.into(),
            title_year: Some(2024),
            ramo: ("12".into(), "DIRECCIÓN DE OBRAS PÚBLICAS".into()),
            programa: ("120".into(), "CONDUCCIÓN DE LA OBRA PÚBLICA".into()),
            unidad: (unidad.into(), format!("UNIDAD {unidad}")),
            fecha: Some(format!("FECHA: {}", fechas[q - 1])),
            rows: vec![Row::ok("100.- COORDINAR LA OBRA PÚBLICA", q)],
            signers: vec![
                signer(
                    "ELABORÓ",
                    "ING. ANA LÓPEZ RUIZ",
                    "RESPONSABLE DE LA UNIDAD EJECUTORA",
                ),
                signer(
                    "REVISÓ",
                    "LIC. JOSÉ LUIS URIAS FÉLIX",
                    "RESPONSABLE DEL PROGRAMA",
                ),
                signer(
                    "AUTORIZÓ",
                    "LIC. JOSÉ LUIS URIAS FÉLIX",
                    "RESPONSABLE DEL RAMO",
                ),
            ],
            desc_label: "METAS Y ACCIONES".into(),
            table: true,
            ue_label: "UNIDAD EJECUTORA:".into(),
            with_avance: true,
            subtitle: None,
        }
    }
}

/// Row (0-based) where metas start in sheets written by [`write_workbook`].
pub const FIRST_META_ROW: u32 = 17;

fn put(ws: &mut Worksheet, r: u32, c: u16, v: &Cell, pct: &Format) {
    match v {
        Cell::Blank => {}
        Cell::N(n) => {
            ws.write_number(r, c, *n).unwrap();
        }
        Cell::Pct(n) => {
            ws.write_number_with_format(r, c, *n, pct).unwrap();
        }
        Cell::T(s) => {
            ws.write_string(r, c, s).unwrap();
        }
    }
}

/// Writes a workbook with the given capture sheets (layout: labels in column A, codes in B,
/// names in C; table header rows 14-16, metas from row 18; signatures two rows below).
pub fn write_workbook(path: &Path, sheets: &[Sheet]) {
    let mut wb = Workbook::new();
    let pct = Format::new().set_num_format("0.00%");
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).unwrap();
        ws.write_string(0, 0, "XXIV AYUNTAMIENTO DE MEXICALI, B.C.")
            .unwrap();
        match s.title_year {
            Some(y) => ws
                .write_string(1, 0, format!("PROGRAMA OPERATIVO ANUAL {y}"))
                .unwrap(),
            None => ws.write_string(1, 0, "PROGRAMA OPERATIVO ANUAL").unwrap(),
        };
        ws.write_string(2, 0, "AVANCE FÍSICO PROGRAMÁTICO").unwrap();
        if let Some(t) = &s.subtitle {
            ws.write_string(3, 0, t).unwrap();
        }
        for (r, (label, (code, name))) in [
            ("RAMO:", &s.ramo),
            ("PROGRAMA:", &s.programa),
            (s.ue_label.as_str(), &s.unidad),
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_string(4 + r as u32, 0, label).unwrap();
            ws.write_string(4 + r as u32, 1, code).unwrap();
            ws.write_string(4 + r as u32, 2, name).unwrap();
        }
        ws.write_string(7, 0, "FINALIDAD:").unwrap();
        ws.write_string(7, 1, "2").unwrap();
        ws.write_string(7, 2, "DESARROLLO SOCIAL").unwrap();
        ws.write_string(8, 0, "LÍNEAS DE ACCIÓN:").unwrap();
        ws.write_string(8, 1, "3.6.4").unwrap();
        ws.write_string(8, 2, "OBRA PÚBLICA DE CALIDAD").unwrap();
        ws.write_string(10, 0, "TMM-F004").unwrap();
        if let Some(f) = &s.fecha {
            ws.write_string(11, 0, f).unwrap();
        }
        if s.table {
            // Table header: rows 14..16 (0-based 13..15)
            let h = 13;
            ws.write_string(h, 0, "L/A").unwrap();
            ws.write_string(h, 1, &s.desc_label).unwrap();
            ws.write_string(h, 2, "UNIDAD DE MEDIDA").unwrap();
            ws.write_string(h, 3, "META ANUAL").unwrap();
            ws.write_string(h, 4, "PERIODO").unwrap();
            for (i, q) in ["Ene-Mar", "Abr-Jun", "Jul-Sep", "Oct-Dic"]
                .iter()
                .enumerate()
            {
                ws.write_string(h + 1, 4 + 2 * i as u16, *q).unwrap();
                ws.write_string(h + 2, 4 + 2 * i as u16, "P").unwrap();
                ws.write_string(h + 2, 5 + 2 * i as u16, "A").unwrap();
            }
            let mut col = 12u16;
            if s.with_avance {
                ws.write_string(h, col, "AVANCE ABSOLUTO").unwrap();
                col += 1;
            }
            ws.write_string(h, col, "ACUMULADO RELATIVO").unwrap();
            ws.write_string(h, col + 1, "OBSERVACIONES").unwrap();
            for (i, row) in s.rows.iter().enumerate() {
                let r = FIRST_META_ROW + i as u32;
                ws.write_string(r, 0, "3.6.4").unwrap();
                ws.write_string(r, 1, &row.desc).unwrap();
                ws.write_string(r, 2, &row.unidad).unwrap();
                put(ws, r, 3, &row.meta, &pct);
                for q in 0..4 {
                    put(ws, r, 4 + 2 * q as u16, &row.p[q], &pct);
                    put(ws, r, 5 + 2 * q as u16, &row.a[q], &pct);
                }
                let mut c = 12u16;
                if s.with_avance {
                    put(ws, r, c, &row.avance, &pct);
                    c += 1;
                }
                put(ws, r, c, &row.relativo, &pct);
                if !row.obs.is_empty() {
                    ws.write_string(r, c + 1, &row.obs).unwrap();
                }
            }
        }
        let sr = FIRST_META_ROW + s.rows.len() as u32 + 2;
        for (i, sg) in s.signers.iter().enumerate() {
            let c = 1 + 5 * i as u16;
            ws.write_string(sr, c, sg.accion).unwrap();
            if !sg.nombre.is_empty() {
                ws.write_string(sr + 3, c, &sg.nombre).unwrap();
            }
            ws.write_string(sr + 4, c, &sg.rol).unwrap();
        }
    }
    wb.save(path).unwrap();
}

pub fn builtin_policy(name: &'static str) -> Effective {
    policy::load(&Source::Builtin(name), &RuleSet::builtin()).unwrap()
}

#[allow(clippy::result_large_err, reason = "loaded once per test")]
pub fn policy_file(path: &Path) -> Result<Effective, policy::PolicyError> {
    policy::load(&Source::File(path.to_path_buf()), &RuleSet::builtin())
}

/// Lints paths with a policy through the library.
pub fn lint_with(policy: &Effective, paths: &[PathBuf]) -> poalint::run::RunResult {
    let opts = poalint::run::Options {
        paths: paths.to_vec(),
        jobs: 1,
        ..Default::default()
    };
    poalint::run::lint(policy, &opts, &|_, _| {}).unwrap()
}

/// Writes `sheets` to a temp workbook and lints it with the default policy.
pub fn lint_sheets(sheets: &[Sheet]) -> (tempfile::TempDir, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("captura.xlsx");
    write_workbook(&p, sheets);
    let r = lint_with(&builtin_policy("default"), &[p]);
    (dir, r.diagnostics())
}

/// Diagnostics of one rule.
pub fn of<'a>(diags: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
    diags.iter().filter(|d| d.rule == rule).collect()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A clean capture with two metas, cut-off at the end of the first quarter of 2024 (a workbook
/// without findings must not get a correcciones file). With `stale_subtitle`, the title says
/// SEGUNDO TRIMESTRE (left over from another quarter's template): only an `info` under the
/// mexicali policy (`trimestre-titulo`).
pub fn write_clean(path: &Path, stale_subtitle: bool) {
    let mut s = Sheet::new("101", "101", 1);
    s.subtitle = Some(
        if stale_subtitle {
            "SEGUNDO TRIMESTRE"
        } else {
            "PRIMER TRIMESTRE"
        }
        .into(),
    );
    s.rows.push(Row::ok("101.- SUPERVISAR LAS OBRAS", 1));
    write_workbook(path, &[s]);
}
