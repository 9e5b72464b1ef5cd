//! # `sum`: cells that must add up
//!
//! **What it catches.** For cumulative metas, the four programmed quarters (P) that do not add
//! up to META ANUAL (`suma-programado`), and an AVANCE ABSOLUTO that is not the sum of what was
//! achieved (A) up to the cut-off quarter given by FECHA (`avance-absoluto`). Level metas —
//! unit PORCENTAJE, META ANUAL written as a percentage, or every quarter programmed at META
//! ANUAL with a unit that names a level (EFICIENCIA, ÍNDICE, TASA…) — do not add up over the year: no sum of P for them, and their AVANCE is the last
//! captured A (the average of the captured ones is accepted too).
//!
//! **Why it matters.** META ANUAL is the authorised commitment and AVANCE ABSOLUTO feeds
//! ACUMULADO RELATIVO and the quarterly report: a quarter left out or a value typed over the
//! formula changes what the ayuntamiento reports.
//!
//! **Example.**
//! ```text
//! 2.2.- PROMOVER EVENTOS | EVENTO | 47 | P 11 A 11 | P 12 A 12 | P 12 | P 12 | AVANCE 12
//! FECHA 30-jun-20 → AVANCE ABSOLUTO should be 11 + 12 = 23   (fix: 23)
//! 205.- ELABORAR PROYECTO | PROYECTO | 1 | P 1 | P 1 | P 1 | P 1
//! → the META ANUAL copied into every quarter: P adds up to 4, not 1 (suma-programado)
//! ```

use super::{Finding, SheetCtx, num};
use crate::check::{Fix, FixValue};
use crate::model::{Meta, Num, Quantity};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parts {
    Programado,
    Alcanzado,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Total {
    MetaAnual,
    AvanceAbsoluto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Through {
    Year,
    Cutoff,
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
    pub parts: Parts,
    pub total: Total,
    pub through: Through,
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    #[serde(default = "default_on")]
    pub on: On,
}

fn default_tolerance() -> f64 {
    1e-6
}
fn default_on() -> On {
    On::Mismatch
}

/// The value of a quantity on the scale of `like` (a percent written as 90 next to 0.9).
pub fn on_scale(q: Quantity, like_percent: bool) -> Option<f64> {
    match q {
        Quantity::Blank => None,
        Quantity::Percent(v) => Some(if like_percent { v } else { v * 100.0 }),
        Quantity::Number(v) => Some(if like_percent && v.abs() > 1.5 {
            v / 100.0
        } else {
            v
        }),
    }
}

/// Values of the cells that count: all four quarters, or those up to the cut-off.
fn quarters(cells: &[Num; 4], upto: usize) -> &[Num] {
    &cells[..upto.min(4)]
}

/// What AVANCE ABSOLUTO should be for a meta at the cut-off. Plain numbers: the text that
/// explains it ([`Expected::detail`]) is only built when a finding is reported.
#[derive(Debug, Clone, Copy)]
pub struct Expected {
    /// Accepted values: the sum; for level metas, the last captured A and their average.
    accepted: [f64; 2],
    n_accepted: usize,
    /// The value shown in messages and written by the fix-up workbook.
    pub shown: f64,
    how: How,
}

/// How an [`Expected`] value was computed, for its detail text.
#[derive(Debug, Clone, Copy)]
enum How {
    /// The A values up to the cut-off, added.
    Sum { vals: [f64; 4], n: usize },
    /// The last captured A of a level meta, on a percentage scale or not.
    Last { pct: bool },
}

impl Expected {
    /// Whether the values are fractions of 1 (a level meta captured as percentages).
    pub fn on_percent_scale(&self) -> bool {
        matches!(self.how, How::Last { pct: true })
    }

    /// The values AVANCE ABSOLUTO may hold.
    pub fn accepted(&self) -> &[f64] {
        &self.accepted[..self.n_accepted]
    }

    /// How the value was computed: `11 + 12`, `último alcanzado 45%`.
    pub fn detail(&self) -> String {
        match self.how {
            How::Sum { vals, n } => vals[..n]
                .iter()
                .map(|v| num(*v))
                .collect::<Vec<_>>()
                .join(" + "),
            How::Last { pct } => {
                let shown = if pct {
                    super::pct(self.shown)
                } else {
                    num(self.shown)
                };
                format!("último alcanzado {shown}")
            }
        }
    }
}

/// What AVANCE ABSOLUTO should be for a meta at the cut-off, or `None` when a level meta has
/// nothing captured.
pub fn expected_avance(m: &Meta, cutoff: u8) -> Option<Expected> {
    let upto = cutoff as usize;
    let a = quarters(&m.alcanzado, upto);
    if m.meta_type.is_cumulative() {
        let mut vals = [0.0; 4];
        for (v, n) in vals.iter_mut().zip(a) {
            *v = n.value().unwrap_or(0.0);
        }
        let n = a.len();
        let sum: f64 = vals[..n].iter().sum();
        Some(Expected {
            accepted: [sum, 0.0],
            n_accepted: 1,
            shown: sum,
            how: How::Sum { vals, n },
        })
    } else {
        let pct = m.meta_anual.quantity.is_percent() || a.iter().any(|n| n.quantity.is_percent());
        // A 0 in a quarter where nothing was programmed is a placeholder, not a level.
        let p = quarters(&m.programado, upto);
        let mut captured = [0.0; 4];
        let mut n = 0;
        for v in a
            .iter()
            .zip(p)
            .filter(|(an, pn)| {
                an.value().is_some_and(|v| v != 0.0) || pn.value().is_some_and(|v| v != 0.0)
            })
            .filter_map(|(an, _)| on_scale(an.quantity, pct))
        {
            captured[n] = v;
            n += 1;
        }
        let last = *captured[..n].last()?;
        let avg = captured[..n].iter().sum::<f64>() / n as f64;
        Some(Expected {
            accepted: [last, avg],
            n_accepted: 2,
            shown: last,
            how: How::Last { pct },
        })
    }
}

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    let sheet = ctx.sheet;
    for m in &sheet.metas {
        match p.total {
            Total::MetaAnual => {
                if !m.meta_type.is_cumulative() || p.on == On::Blank {
                    continue;
                }
                // A blank META ANUAL with quarters programmed is a mismatch too (against 0).
                let blank = m.meta_anual.is_blank() && m.meta_anual.cell.col != u32::MAX;
                let Some(meta) = m.meta_anual.value().or(blank.then_some(0.0)) else {
                    continue;
                };
                let cells = match p.parts {
                    Parts::Programado => &m.programado,
                    Parts::Alcanzado => &m.alcanzado,
                };
                let upto = match p.through {
                    Through::Year => 4,
                    Through::Cutoff => match &ctx.cutoff {
                        Some(c) => c.quarter as usize,
                        None => continue,
                    },
                };
                let parts = quarters(cells, upto);
                if parts.iter().any(|n| n.problem.is_some()) {
                    continue; // reported as valor-no-numerico
                }
                let sum: f64 = parts.iter().map(|n| n.value().unwrap_or(0.0)).sum();
                if (sum - meta).abs() > p.tolerance {
                    let mut f = Finding::on(sheet, Some(m.meta_anual.cell))
                        .meta(m.clave_str())
                        .arg("suma", num(sum))
                        .arg(
                            "meta_anual",
                            if blank {
                                "vacía".to_string()
                            } else {
                                num(meta)
                            },
                        )
                        .arg("diferencia", num(sum - meta));
                    f.manual = true;
                    for n in parts.iter().filter(|n| n.value().is_some()) {
                        f = f.related(n.cell, "programado");
                    }
                    out.push(f);
                }
            }
            Total::AvanceAbsoluto => {
                let Some(avance) = &m.avance_absoluto else {
                    continue;
                };
                let Some(cut) = &ctx.cutoff else { continue };
                if avance.problem.is_some() {
                    continue;
                }
                if quarters(&m.alcanzado, cut.quarter as usize)
                    .iter()
                    .any(|n| n.problem.is_some())
                {
                    continue;
                }
                let Some(expected) = expected_avance(m, cut.quarter) else {
                    continue;
                };
                let shown = expected.shown;
                // On the scale the expected value was computed on: a 0% left in a quarter
                // after the cut-off does not make the quarters before it percentages.
                let pct = expected.on_percent_scale();
                let fix = Some(Fix {
                    cell: avance.cell,
                    value: FixValue::Number(shown),
                });
                // A percentage is right within the rounding it is displayed with.
                let tol = if pct {
                    p.tolerance
                        .max(super::percent::display_tolerance(&avance.raw))
                } else {
                    p.tolerance.max(1e-9)
                };
                match (p.on, on_scale(avance.quantity, pct)) {
                    (On::Mismatch, Some(v))
                        if expected.accepted().iter().all(|a| (a - v).abs() > tol) =>
                    {
                        let shown_s = if pct { super::pct(shown) } else { num(shown) };
                        let v_s = if pct { super::pct(v) } else { num(v) };
                        let mut f = Finding::on(sheet, Some(avance.cell))
                            .meta(m.clave_str())
                            .arg("avance", v_s)
                            .arg("esperado", shown_s)
                            .arg(
                                "detalle",
                                if cut.inferred {
                                    format!("{}; trimestre de corte inferido", expected.detail())
                                } else {
                                    expected.detail()
                                },
                            );
                        f.fix = fix;
                        for n in quarters(&m.alcanzado, cut.quarter as usize) {
                            if n.value().is_some() {
                                f = f.related(n.cell, "alcanzado");
                            }
                        }
                        out.push(f);
                    }
                    (On::Blank, None) => {
                        let any_a = m.alcanzado.iter().any(|n| n.value().is_some());
                        if any_a {
                            let shown_s = if pct { super::pct(shown) } else { num(shown) };
                            let mut f = Finding::on(sheet, Some(avance.cell))
                                .meta(m.clave_str())
                                .arg("esperado", shown_s)
                                .arg("detalle", expected.detail());
                            f.fix = fix;
                            out.push(f);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
