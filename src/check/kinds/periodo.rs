//! # `periodo`: achievements captured after the cut-off
//!
//! **What it catches.** An achieved value (A) in a quarter after the one FECHA gives
//! (`avance-fuera-de-periodo`). A 0 typed as a placeholder is ignored by default.
//!
//! **Why it matters.** An achievement reported for a quarter that has not ended inflates the
//! progress, and is usually a value typed in the wrong column.
//!
//! **Example.**
//! ```text
//! FECHA 30-sep-24 | 300.- INCREMENTAR LA AFLUENCIA | A Oct-Dic 3   ← after the cut-off
//! ```

use super::percent::QUARTERS;
use super::{Finding, SheetCtx, num};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "yes")]
    pub ignore_zero: bool,
}

fn yes() -> bool {
    true
}

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    let Some(cut) = &ctx.cutoff else { return };
    if cut.inferred {
        return;
    }
    for m in &ctx.sheet.metas {
        for (q, quarter) in QUARTERS.iter().enumerate().skip(cut.quarter as usize) {
            let n = &m.alcanzado[q];
            let Some(v) = n.value() else { continue };
            if p.ignore_zero && v == 0.0 {
                continue;
            }
            let mut f = Finding::on(ctx.sheet, Some(n.cell))
                .meta(m.clave_str())
                .arg("trimestre", *quarter)
                .arg(
                    "valor",
                    if n.quantity.is_percent() {
                        super::pct(v)
                    } else {
                        num(v)
                    },
                )
                .arg("fecha", cut.fecha.clone());
            f.manual = true;
            out.push(f);
        }
    }
}
