//! # `header`: FECHA, the title's year, and codes with two names
//!
//! **What it catches.** FECHA missing, empty or unreadable (`fecha-faltante`); a title year
//! (`PROGRAMA OPERATIVO ANUAL 2023`) that differs from FECHA's year (`anio-titulo`); the
//! quarter named in the title differing from FECHA's (`trimestre-titulo`, info); and the same
//! RAMO or PROGRAMA code carrying different names on different sheets of a workbook
//! (`nombre-distinto`), ignoring accents, case and punctuation.
//!
//! **Why it matters.** FECHA fixes the quarter every other check is measured against; a title
//! from another year or a programme with another name reveals a sheet copied from an older
//! report or from another programme.
//!
//! **Example.**
//! ```text
//! UE 001  PROGRAMA 010 ADMINISTRACIÓN
//! UE 002  PROGRAMA 010 GESTIÓN Y CONDUCCIÓN DE LA POLÍTICA DEL PRESIDENTE MUNICIPAL  (×3)
//!   → UE 001 names programa 010 differently
//! ```

use super::{Finding, SheetCtx};
use crate::check::facts::{CodeNameFact, Scope, SheetFacts, norm_code};
use crate::read::text::fold;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Fecha,
    TitleYear,
    TitleQuarter,
    CodeNames,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub check: Check,
    #[serde(default = "fields")]
    pub fields: Vec<String>,
    #[serde(default = "workbook")]
    pub scope: Scope,
}

fn fields() -> Vec<String> {
    vec!["ramo".into(), "programa".into()]
}
fn workbook() -> Scope {
    Scope::Workbook
}

impl Params {
    pub fn group_scope(&self) -> Option<Scope> {
        (self.check == Check::CodeNames).then_some(self.scope)
    }
}

const ORDINAL: [&str; 4] = [
    "PRIMER TRIMESTRE",
    "SEGUNDO TRIMESTRE",
    "TERCER TRIMESTRE",
    "CUARTO TRIMESTRE",
];

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    let s = ctx.sheet;
    match p.check {
        Check::Fecha => {
            let f = &s.fecha;
            let (cell, problema) = match (f.label, &f.raw, f.date) {
                (_, _, Some(_)) => return,
                (None, None, None) => (None, "La hoja no tiene FECHA de corte".to_string()),
                (Some(l), None, None) => (
                    Some(l),
                    "La etiqueta FECHA está vacía: falta la fecha de corte".to_string(),
                ),
                (_, Some(raw), None) => (
                    f.cell.or(f.label),
                    format!("La FECHA «{raw}» no se puede leer como fecha de corte"),
                ),
            };
            let mut x = Finding::on(s, cell).arg("problema", problema);
            x.manual = true;
            out.push(x);
        }
        Check::TitleYear => {
            let (Some(y), Some(d)) = (&s.title.year, s.fecha.date) else {
                return;
            };
            if y.value != d.year {
                let mut x = Finding::on(s, Some(y.cell))
                    .arg("anio_titulo", y.value.to_string())
                    .arg("anio_fecha", d.year.to_string());
                if let Some(c) = s.fecha.cell {
                    x = x.related(c, "FECHA");
                }
                x.manual = true;
                out.push(x);
            }
        }
        Check::TitleQuarter => {
            let (Some(q), Some(d)) = (&s.title.quarter, s.fecha.date) else {
                return;
            };
            if q.value != d.quarter() {
                out.push(
                    Finding::on(s, Some(q.cell))
                        .arg("trimestre_titulo", ORDINAL[(q.value as usize - 1).min(3)])
                        .arg(
                            "fecha",
                            s.fecha.raw.clone().unwrap_or_else(|| d.to_string()),
                        )
                        .arg(
                            "trimestre_fecha",
                            ORDINAL[(d.quarter() as usize - 1).min(3)].to_lowercase(),
                        ),
                );
            }
        }
        Check::CodeNames => {}
    }
}

/// A name reduced for comparison: no accents, case or punctuation.
fn name_norm(s: &str) -> String {
    fold(s)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn check_group(p: &Params, group: &[&SheetFacts], out: &mut Vec<Finding>) {
    if p.check != Check::CodeNames {
        return;
    }
    for field in &p.fields {
        let (campo, get): (&str, fn(&SheetFacts) -> Option<&CodeNameFact>) = match field.as_str() {
            "ramo" => ("RAMO", |f| f.ramo.as_ref()),
            "programa" => ("PROGRAMA", |f| f.programa.as_ref()),
            _ => continue,
        };
        let mut codes: Vec<String> = group
            .iter()
            .filter_map(|f| get(f).map(|c| norm_code(&c.code)))
            .collect();
        codes.sort();
        codes.dedup();
        for code in codes {
            let entries: Vec<(&SheetFacts, &CodeNameFact)> = group
                .iter()
                .filter_map(|f| get(f).map(|c| (*f, c)))
                .filter(|(_, c)| norm_code(&c.code) == code && !c.name.trim().is_empty())
                .collect();
            if entries.len() < 2 {
                continue;
            }
            let mut counts: Vec<(String, usize, usize, String)> = Vec::new();
            for (i, (_, c)) in entries.iter().enumerate() {
                let k = name_norm(&c.name);
                match counts.iter_mut().find(|x| x.0 == k) {
                    Some(e) => e.1 += 1,
                    None => counts.push((k, 1, i, c.name.clone())),
                }
            }
            if counts.len() < 2 {
                continue;
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
            let (major, n, _, major_raw) = counts[0].clone();
            for (f, c) in &entries {
                if name_norm(&c.name) == major {
                    continue;
                }
                let mut x = Finding {
                    sheet: Some((f.sheet.clone(), f.sheet_index)),
                    cell: Some(c.cell),
                    file: Some(f.file.clone()),
                    ..Default::default()
                }
                .arg("campo", campo)
                .arg("clave", c.code.clone())
                .arg("nombre", c.name.clone())
                .arg("mayoria", major_raw.clone())
                .arg("n_otras", n.to_string());
                x.manual = true;
                out.push(x);
            }
        }
    }
}
