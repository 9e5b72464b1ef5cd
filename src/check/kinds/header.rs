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
use crate::check::facts::{CodeNameFact, Scope, SheetFacts, norm_code_str};
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

/// A name reduced for comparison: no accents, case or punctuation; words of letters and digits
/// separated by one space.
fn name_norm(s: &str) -> String {
    let f = fold(s);
    let mut out = String::with_capacity(f.len());
    let mut gap = false;
    for c in f.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
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
        // Each sheet's code, normalised once.
        let all: Vec<(&str, &SheetFacts, &CodeNameFact)> = group
            .iter()
            .filter_map(|f| get(f).map(|c| (norm_code_str(&c.code), *f, c)))
            .collect();
        let mut codes: Vec<&str> = all.iter().map(|(code, _, _)| *code).collect();
        codes.sort();
        codes.dedup();
        for code in codes {
            let entries: Vec<(&SheetFacts, &CodeNameFact)> = all
                .iter()
                .filter(|(k, _, c)| *k == code && !c.name.trim().is_empty())
                .map(|(_, f, c)| (*f, *c))
                .collect();
            if entries.len() < 2 {
                continue;
            }
            // Each spelling reduced once: most sheets write the very same name.
            let mut spellings: Vec<(&str, String)> = Vec::new();
            let which: Vec<usize> = entries
                .iter()
                .map(
                    |(_, c)| match spellings.iter().position(|(raw, _)| *raw == c.name) {
                        Some(i) => i,
                        None => {
                            spellings.push((&c.name, name_norm(&c.name)));
                            spellings.len() - 1
                        }
                    },
                )
                .collect();
            let keys: Vec<&str> = which.iter().map(|i| spellings[*i].1.as_str()).collect();
            // (reduced name, count, first position, name as first written)
            let mut counts: Vec<(&str, usize, usize, &str)> = Vec::new();
            for (i, ((_, c), k)) in entries.iter().zip(&keys).enumerate() {
                match counts.iter_mut().find(|x| x.0 == *k) {
                    Some(e) => e.1 += 1,
                    None => counts.push((k, 1, i, &c.name)),
                }
            }
            if counts.len() < 2 {
                continue;
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
            let (major, n, _, major_raw) = counts[0];
            for ((f, c), k) in entries.iter().zip(&keys) {
                if *k == major {
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
                .arg("mayoria", major_raw)
                .arg("n_otras", n.to_string());
                x.manual = true;
                out.push(x);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::name_norm;

    #[test]
    fn names_reduce_to_words() {
        assert_eq!(
            name_norm("  Gestión y conducción, de la  POLÍTICA. "),
            "GESTION Y CONDUCCION DE LA POLITICA"
        );
        assert_eq!(
            name_norm("ADMINISTRACIÓN-(OFICINA)"),
            "ADMINISTRACION OFICINA"
        );
        assert_eq!(name_norm(" .- "), "");
    }
}
