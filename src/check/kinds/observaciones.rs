//! # `observaciones`: deviations that must be explained
//!
//! **What it catches.** A meta whose compliance at the cut-off — achieved to the cut-off /
//! programmed to the cut-off; for percent and level metas, AVANCE / META ANUAL — lies outside
//! the band that needs no explanation (exactly 100 % by default) while OBSERVACIONES is empty.
//! Nothing programmed and nothing achieved needs nothing; something achieved with nothing
//! programmed is over. An explanation written at 100 % is fine.
//!
//! **Why it matters.** The lineamientos require every deviation to be justified; without the
//! text the planning office has to call the dependencia, and the quarterly report waits.
//!
//! **Example.**
//! ```text
//! 401.- Seguimiento al gasto | P 6, 6 | A 3, 4 | FECHA 30-jun | OBSERVACIONES (vacío)
//!   → cumplimiento 7 / 12 = 58 %: explain why it is under
//! ```

use super::sum::{expected_avance, on_scale};
use super::{Finding, SheetCtx, num, pct};
use crate::read::text::fold;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "band")]
    pub band: [f64; 2],
    #[serde(default = "min_chars")]
    pub min_chars: usize,
    #[serde(default)]
    pub not_explanations: Vec<String>,
    /// `not_explanations` folded, on first use.
    #[serde(skip)]
    folded: std::sync::OnceLock<Vec<String>>,
}

fn band() -> [f64; 2] {
    [1.0, 1.0]
}
fn min_chars() -> usize {
    3
}

impl Params {
    /// Whether a text counts as an explanation.
    pub fn explains(&self, text: Option<&str>) -> bool {
        let Some(t) = text else { return false };
        let f = bare(t);
        f.chars().filter(|c| c.is_alphanumeric()).count() >= self.min_chars
            && !self
                .folded
                .get_or_init(|| self.not_explanations.iter().map(|n| bare(n)).collect())
                .contains(&f)
    }
}

/// A text [`fold`]ed, without the punctuation around it: `- Sin observaciones. -` is
/// `SIN OBSERVACIONES`, as the policy's `not_explanations` are compared.
fn bare(t: &str) -> String {
    fold(t)
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// Compliance at the cut-off of one meta: (ratio, achieved, programmed, is-percent), or `None`
/// when there is nothing to explain (nothing programmed, nothing achieved) or it cannot be
/// computed. A ratio of `f64::INFINITY` means achieved without anything programmed.
pub fn compliance(m: &crate::model::Meta, cutoff: u8) -> Option<(f64, f64, f64, bool)> {
    let upto = (cutoff as usize).min(4);
    if m.meta_type.is_cumulative() {
        let prog: f64 = m.programado[..upto]
            .iter()
            .map(|n| n.value().unwrap_or(0.0))
            .sum();
        let ach: f64 = m.alcanzado[..upto]
            .iter()
            .map(|n| n.value().unwrap_or(0.0))
            .sum();
        if prog == 0.0 && ach == 0.0 {
            return None;
        }
        if prog == 0.0 {
            return Some((f64::INFINITY, ach, prog, false));
        }
        Some((ach / prog, ach, prog, false))
    } else {
        let pct_scale = m.meta_anual.quantity.is_percent()
            || matches!(m.meta_type, crate::model::MetaType::PercentUnit);
        let meta = on_scale(m.meta_anual.quantity, pct_scale)?;
        let any_p = m.programado[..upto]
            .iter()
            .any(|n| n.value().is_some_and(|v| v != 0.0));
        let avance = match &m.avance_absoluto {
            Some(a) if a.value().is_some() => on_scale(a.quantity, pct_scale),
            _ => expected_avance(m, cutoff).map(|e| e.shown),
        };
        let achieved = avance.is_some_and(|a| a != 0.0);
        if !any_p && !achieved {
            return None;
        }
        match avance {
            None => Some((0.0, 0.0, meta, pct_scale)),
            Some(_) if meta == 0.0 => None,
            Some(a) => Some((a / meta, a, meta, pct_scale)),
        }
    }
}

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    let Some(cut) = &ctx.cutoff else { return };
    let sheet = ctx.sheet;
    for m in &sheet.metas {
        if m.programado
            .iter()
            .chain(m.alcanzado.iter())
            .any(|n| n.problem.is_some())
        {
            continue;
        }
        let Some((c, ach, prog, is_pct)) = compliance(m, cut.quarter) else {
            continue;
        };
        let (lo, hi) = (p.band[0].min(p.band[1]), p.band[0].max(p.band[1]));
        if c >= lo - 1e-9 && c <= hi + 1e-9 {
            continue;
        }
        if p.explains(m.observaciones.as_ref().map(|o| o.value.as_str())) {
            continue;
        }
        let show = |v: f64| if is_pct { pct(v) } else { num(v) };
        let (cumplimiento, detalle) = if c.is_infinite() {
            (
                "mayor al programado".to_string(),
                format!("se alcanzó {} sin nada programado al corte", show(ach)),
            )
        } else if m.meta_type.is_cumulative() {
            (
                pct(c),
                format!(
                    "{} alcanzado de {} programado al corte",
                    show(ach),
                    show(prog)
                ),
            )
        } else {
            (
                pct(c),
                format!("avance {} de una meta de {}", show(ach), show(prog)),
            )
        };
        let sentido = if c < lo { "por debajo" } else { "por encima" };
        let cell = m.observaciones_cell.or(Some(m.anchor()));
        let mut f = Finding::on(sheet, cell)
            .meta(m.clave_str())
            .arg("cumplimiento", cumplimiento)
            .arg("detalle", detalle)
            .arg("sentido", sentido)
            .arg(
                "observaciones",
                match m.observaciones.as_ref().map(|o| o.value.trim()) {
                    Some(t) if !t.is_empty() => format!("«{t}» no explica la diferencia"),
                    _ => "está vacío".to_string(),
                },
            );
        f.manual = true;
        out.push(f);
    }
}
