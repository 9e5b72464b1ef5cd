//! # `clave`: every meta has a clave, and no clave is used twice
//!
//! **What it catches.** A meta row without clave — neither in a CLAVE / No. column nor leading
//! the description (`clave-faltante`); the same clave on two metas of one workbook
//! (`clave-repetida`; the scope can be widened to the ramo across files).
//!
//! **Why it matters.** The clave links the meta with the authorised POA and with the other
//! quarters' reports; it is unique within the ramo. Missing or repeated, the consolidated
//! report adds up two different metas as one or loses one.
//!
//! **Example.**
//! ```text
//! UE 004   4.5.-SEGUIMIENTO AL GASTO DE SERVICIOS PERSONALES
//! UE 0046  4.5.-SEGUIMIENTO AL GASTO DE SERVICIOS PERSONALES   ← clave 4.5 repeated
//! ```

use super::{Finding, SheetCtx};
use crate::check::facts::{ClaveFact, Scope, SheetFacts};
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Missing,
    Duplicate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub check: Check,
    #[serde(default = "workbook")]
    pub scope: Scope,
}

fn workbook() -> Scope {
    Scope::Workbook
}

impl Params {
    pub fn group_scope(&self) -> Option<Scope> {
        (self.check == Check::Duplicate).then_some(self.scope)
    }
}

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    if p.check != Check::Missing {
        return;
    }
    for m in &ctx.sheet.metas {
        if m.clave.is_none() {
            let mut f =
                Finding::on(ctx.sheet, Some(m.anchor())).arg("descripcion", m.short_description());
            f.manual = true;
            out.push(f);
        }
    }
}

/// `5.3`, `5.3.` and `05.3` are the same clave.
fn norm(c: &str) -> String {
    let mut out = String::with_capacity(c.len());
    for (i, p) in c.trim().trim_end_matches(['.', '-']).split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        let t = p.trim_start_matches('0');
        out.push_str(if t.is_empty() { "0" } else { t });
    }
    out
}

pub fn check_group(p: &Params, group: &[&SheetFacts], out: &mut Vec<Finding>) {
    if p.check != Check::Duplicate {
        return;
    }
    // Each clave's first use.
    let n: usize = group.iter().map(|f| f.claves.len()).sum();
    let mut seen: HashMap<String, (&SheetFacts, &ClaveFact)> = HashMap::with_capacity(n);
    for f in group {
        for c in &f.claves {
            match seen.entry(norm(&c.clave)) {
                Entry::Vacant(e) => {
                    e.insert((f, c));
                }
                Entry::Occupied(e) => {
                    let (first_sheet, first) = *e.get();
                    let where_ = if first_sheet.file == f.file {
                        format!(
                            "la hoja «{}», celda {} ({})",
                            first_sheet.sheet,
                            first.cell.a1(),
                            first.descripcion
                        )
                    } else {
                        format!(
                            "{} › {} › {} ({})",
                            first_sheet.file,
                            first_sheet.sheet,
                            first.cell.a1(),
                            first.descripcion
                        )
                    };
                    let mut x = Finding {
                        sheet: Some((f.sheet.clone(), f.sheet_index)),
                        cell: Some(c.cell),
                        meta: Some(c.clave.clone()),
                        file: Some(f.file.clone()),
                        ..Default::default()
                    }
                    .arg("clave", c.clave.clone())
                    .arg("otra", where_);
                    x.manual = true;
                    out.push(x);
                }
            }
        }
    }
}
