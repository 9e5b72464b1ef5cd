//! # `percent`: ACUMULADO RELATIVO and percentage bounds
//!
//! **What it catches.** An ACUMULADO RELATIVO that is not AVANCE ABSOLUTO / META ANUAL beyond
//! the rounding of the value as displayed (`acumulado-relativo`: 6/26 shown as 23% or 23.08% is
//! right, 26% is not); and, in percent-type metas, a percentage outside its bounds — 0 % to
//! 100 % by default (`porcentaje-fuera-de-rango`).
//!
//! **Why it matters.** ACUMULADO RELATIVO is the figure the planning office consolidates and
//! compares across dependencias; a hand-typed or copied percentage distorts the report. A 120 %
//! in a "percentage of requests attended" is impossible and usually a count typed in the
//! wrong column.
//!
//! **Example.**
//! ```text
//! 202.- Informes de avance | META ANUAL 4 | A: 0, 1, 1 | ACUMULADO RELATIVO 67%
//!   → AVANCE 2 / META 4 = 50%   (fix: 50%)
//! 5.- PORCENTAJE DE EFICIENCIA | META 90% | A Ene-Mar 120%   → outside 0–100 %
//! ```

use super::sum::{expected_avance, on_scale};
use super::{Finding, SheetCtx, num, pct};
use crate::check::{Fix, FixValue};
use crate::model::{CellValue, MetaType, Num, Quantity};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Relativo,
    Bounds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum On {
    Mismatch,
    Blank,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub check: Check,
    #[serde(default = "mismatch")]
    pub on: On,
    #[serde(default = "min_tol")]
    pub min_tolerance: f64,
    #[serde(default)]
    pub min: f64,
    #[serde(default = "one")]
    pub max: f64,
    #[serde(default = "default_cells")]
    pub cells: Vec<String>,
}

fn mismatch() -> On {
    On::Mismatch
}
fn min_tol() -> f64 {
    0.00005
}
fn one() -> f64 {
    1.0
}
fn default_cells() -> Vec<String> {
    ["meta_anual", "programado", "alcanzado", "avance_absoluto"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Half a unit of the last decimal shown, as a fraction: `"23%"` → 0.005, `"23.08%"` → 0.00005.
pub fn display_tolerance(raw: &CellValue) -> f64 {
    let decimals = match raw {
        CellValue::PercentNumber(_, d) => *d as i32,
        CellValue::Text(t) => {
            let t = t.trim().trim_end_matches('%').trim();
            t.rfind('.').map_or(0, |i| (t.len() - i - 1) as i32)
        }
        _ => 0,
    };
    0.5 * 10f64.powi(-decimals) / 100.0
}

fn is_percent_meta(t: MetaType) -> bool {
    matches!(t, MetaType::PercentUnit | MetaType::PercentMeta)
}

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    let sheet = ctx.sheet;
    for m in &sheet.metas {
        match p.check {
            Check::Relativo => {
                let Some(rel) = &m.acumulado_relativo else {
                    continue;
                };
                if rel.problem.is_some() || m.meta_anual.problem.is_some() {
                    continue;
                }
                let pct_meta = !m.meta_type.is_cumulative() && m.meta_anual.quantity.is_percent()
                    || is_percent_meta(m.meta_type);
                let Some(meta) = on_scale(m.meta_anual.quantity, pct_meta) else {
                    continue;
                };
                if meta == 0.0 {
                    continue;
                }
                // Computed once per meta: the cut-off AVANCE (sum, or last captured A).
                let computed = ctx
                    .cutoff
                    .as_ref()
                    .and_then(|c| expected_avance(m, c.quarter));
                // AVANCE as written when the column has it, else computed to the cut-off.
                let (avance, avance_cell) = match &m.avance_absoluto {
                    Some(a) if a.problem.is_none() && a.value().is_some() => {
                        (on_scale(a.quantity, pct_meta), Some(a.cell))
                    }
                    Some(a) if a.problem.is_some() => continue,
                    _ => match &ctx.cutoff {
                        Some(_) => (computed.map(|e| e.shown), None),
                        None => continue,
                    },
                };
                let Some(avance) = avance else { continue };
                let expected = avance / meta;
                // When the written AVANCE is itself a rounded display of the computed one
                // (47% for 47.25%), a relativo computed from the unrounded value is right too.
                let mut accepted = [expected; 3];
                let mut n_accepted = 1;
                if let (Some(a), Some(e)) = (&m.avance_absoluto, &computed) {
                    let tol = display_tolerance(&a.raw).max(1e-9);
                    for alt in e.accepted() {
                        if (alt - avance).abs() <= tol {
                            accepted[n_accepted] = alt / meta;
                            n_accepted += 1;
                        }
                    }
                }
                let accepted = &accepted[..n_accepted];
                let show = |v: f64| if pct_meta { pct(v) } else { num(v) };
                // The value the fix-up workbook writes uses the corrected AVANCE when the written
                // one is itself wrong (reported by avance-absoluto).
                let corrected = match (&m.avance_absoluto, &computed) {
                    (Some(_), Some(e))
                        if accepted.len() == 1
                            && e.accepted().iter().all(|a| (a - avance).abs() > 1e-9) =>
                    {
                        Some(e.shown / meta)
                    }
                    _ => None,
                };
                let fix = Some(Fix {
                    cell: rel.cell,
                    value: FixValue::Number(
                        (corrected.unwrap_or(expected) * 10000.0).round() / 10000.0,
                    ),
                });
                match (p.on, rel.quantity) {
                    (On::Mismatch, Quantity::Percent(v) | Quantity::Number(v)) => {
                        let tol = display_tolerance(&rel.raw) + p.min_tolerance;
                        if accepted.iter().all(|e| (v - e).abs() > tol) {
                            let mut f = Finding::on(sheet, Some(rel.cell))
                                .meta(m.clave_str())
                                .arg("relativo", pct(v))
                                .arg("avance", show(avance))
                                .arg("meta_anual", show(meta))
                                .arg("esperado", pct(expected));
                            f.fix = fix;
                            if let Some(c) = avance_cell {
                                f = f.related(c, "avance absoluto");
                            }
                            f = f.related(m.meta_anual.cell, "meta anual");
                            out.push(f);
                        }
                    }
                    (On::Blank, Quantity::Blank) => {
                        let mut f = Finding::on(sheet, Some(rel.cell))
                            .meta(m.clave_str())
                            .arg("esperado", pct(expected));
                        f.fix = fix;
                        out.push(f);
                    }
                    _ => {}
                }
            }
            Check::Bounds => {
                if !is_percent_meta(m.meta_type) {
                    continue;
                }
                // Column names are only spelled out for a finding.
                let mut check = |n: &Num, column: Column| {
                    let Some(v) = on_scale(n.quantity, true) else {
                        return;
                    };
                    if v < p.min - 1e-9 || v > p.max + 1e-9 {
                        let mut f = Finding::on(sheet, Some(n.cell))
                            .meta(m.clave_str())
                            .arg("valor", pct(v))
                            .arg("columna", column.label())
                            .arg("minimo", pct(p.min))
                            .arg("maximo", pct(p.max));
                        f.manual = true;
                        out.push(f);
                    }
                };
                for c in &p.cells {
                    match c.as_str() {
                        "meta_anual" => check(&m.meta_anual, Column::MetaAnual),
                        "programado" => {
                            for (q, n) in m.programado.iter().enumerate() {
                                check(n, Column::Programado(q));
                            }
                        }
                        "alcanzado" => {
                            for (q, n) in m.alcanzado.iter().enumerate() {
                                check(n, Column::Alcanzado(q));
                            }
                        }
                        "avance_absoluto" => {
                            if let Some(a) = &m.avance_absoluto {
                                check(a, Column::AvanceAbsoluto);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// A column a percentage bound is checked on.
#[derive(Debug, Clone, Copy)]
enum Column {
    MetaAnual,
    Programado(usize),
    Alcanzado(usize),
    AvanceAbsoluto,
}

impl Column {
    fn label(self) -> String {
        match self {
            Column::MetaAnual => "META ANUAL".into(),
            Column::Programado(q) => format!("P de {}", QUARTERS[q]),
            Column::Alcanzado(q) => format!("A de {}", QUARTERS[q]),
            Column::AvanceAbsoluto => "AVANCE ABSOLUTO".into(),
        }
    }
}

pub const QUARTERS: [&str; 4] = ["Ene-Mar", "Abr-Jun", "Jul-Sep", "Oct-Dic"];
