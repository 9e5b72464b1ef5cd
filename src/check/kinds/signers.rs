//! # `signers`: who signs, and whether the same role is signed by the same person
//!
//! **What it catches.** A role line without a name (`firmante-faltante`); a sheet with no
//! signatures (`sin-firmas`); one role signed by two different names on one sheet
//! (`rol-duplicado`); and, across the sheets where a role must be signed by the same person —
//! RESPONSABLE DEL RAMO in the whole workbook, DEL PROGRAMA across the sheets of one PROGRAMA,
//! DE LA UNIDAD EJECUTORA across the sheets of one unidad — a different person
//! (`firmante-distinto`) or a small misspelling of the majority's name
//! (`firmante-mal-escrito`: SANDEZ / SÁNCHEZ, KENTERRÍA / RENTERÍA, PUGA / PUIG, or the second
//! surname left out). Names are compared after removing accents, case, extra spaces and titles
//! (LIC., DR., MTRA., C., ARQ., LAP., ING. ...) and writing out MA. / FCO. / GPE.; those
//! differences alone are only `info` (`firmante-variante`).
//!
//! **Why it matters.** The signatures make the report official. Two holders of one ramo in one
//! report reveal a sheet copied from another period; a misspelled name ends up in the office's
//! register of signers and in the letters it sends back.
//!
//! **Example.**
//! ```text
//! UE 101  AUTORIZÓ  DR. AGUSTÍN SÁNCHEZ PÉREZ   RESPONSABLE DEL RAMO
//! UE 201  AUTORIZÓ  DR. AGUSTÍN SANDEZ PÉREZ    RESPONSABLE DEL RAMO   ← probable misspelling
//! ```

use super::{Finding, SheetCtx};
use crate::check::facts::{Scope, SheetFacts, SignerFact};
use crate::model::Role;
use crate::read::text::name_key;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    Missing,
    NoBlock,
    RoleTwice,
    Different,
    Misspelling,
    Variant,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub check: Check,
    /// Role (`ramo`, `programa`, `unidad`) → where it must be signed by the same person.
    #[serde(default)]
    pub scopes: BTreeMap<String, Scope>,
    #[serde(default = "similarity")]
    pub similarity: f64,
    #[serde(default = "max_edits")]
    pub max_edits: usize,
}

fn similarity() -> f64 {
    0.85
}
fn max_edits() -> usize {
    3
}

fn rank(s: Scope) -> u8 {
    match s {
        Scope::Sheet => 0,
        Scope::Unidad => 1,
        Scope::Programa => 2,
        Scope::Workbook => 3,
        Scope::Ramo => 4,
        Scope::Run => 5,
    }
}

impl Params {
    pub fn group_scope(&self) -> Option<Scope> {
        match self.check {
            Check::Different | Check::Misspelling | Check::Variant => self
                .scopes
                .values()
                .copied()
                .max_by_key(|s| rank(*s))
                .or(Some(Scope::Workbook)),
            _ => None,
        }
    }

    /// Whether `a` is a small misspelling of `b` (both already reduced with [`name_key`]).
    pub fn is_misspelling(&self, a: &str, b: &str) -> bool {
        let (len_a, len_b) = (a.chars().count(), b.chars().count());
        // The distance is at least the difference in length, and at least half the letters
        // one name has and the other lacks: cheap ways to rule out different people.
        if len_a.abs_diff(len_b) > self.max_edits
            || letters_apart(a, b).is_some_and(|n| n.div_ceil(2) > self.max_edits)
        {
            return false;
        }
        let d = strsim::damerau_levenshtein(a, b);
        // As strsim::normalized_damerau_levenshtein, without computing the distance again.
        let similarity = if a.is_empty() && b.is_empty() {
            1.0
        } else {
            1.0 - (d as f64) / (len_a.max(len_b) as f64)
        };
        d <= self.max_edits && similarity >= self.similarity
    }
}

/// Whether one name is the other without its last word, a second surname left out (`ROBERTO
/// GARCIA` / `ROBERTO GARCIA MEZA`): most likely the same person, reported as a variant to
/// check rather than as someone else. Both already reduced with [`name_key`].
fn surname_dropped(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short.split(' ').count() >= 2
        && long
            .strip_prefix(short)
            .and_then(|rest| rest.strip_prefix(' '))
            .is_some_and(|last| !last.is_empty() && !last.contains(' '))
}

/// How many ASCII characters one string has and the other lacks, counting repeats (`None` when
/// either is not ASCII). An insertion or deletion changes this count by one, a substitution by
/// at most two and a transposition not at all, so the edit distance is at least half of it.
fn letters_apart(a: &str, b: &str) -> Option<usize> {
    if !a.is_ascii() || !b.is_ascii() {
        return None;
    }
    let mut count = [0i32; 128];
    for c in a.bytes() {
        count[c as usize] += 1;
    }
    for c in b.bytes() {
        count[c as usize] -= 1;
    }
    Some(count.iter().map(|n| n.unsigned_abs() as usize).sum())
}

pub fn check_sheet(p: &Params, ctx: &SheetCtx, out: &mut Vec<Finding>) {
    let sheet = ctx.sheet;
    match p.check {
        Check::Missing => {
            for f in &sheet.firmantes {
                if f.nombre.is_none() {
                    let mut x =
                        Finding::on(sheet, Some(f.rol.cell)).arg("rol", f.rol.value.clone());
                    x.manual = true;
                    out.push(x);
                }
            }
        }
        Check::NoBlock if sheet.firmantes.is_empty() => {
            let mut x = Finding::on(sheet, None);
            x.manual = true;
            out.push(x);
        }
        Check::RoleTwice => {
            let mut seen: Vec<(&Role, &crate::model::Firmante)> = Vec::new();
            for f in &sheet.firmantes {
                if matches!(f.role, Role::Other(_)) {
                    continue;
                }
                let Some(n) = &f.nombre else { continue };
                if let Some((_, first)) = seen.iter().find(|(r, _)| **r == f.role) {
                    let first_name = first
                        .nombre
                        .as_ref()
                        .map(|n| n.value.clone())
                        .unwrap_or_default();
                    if name_key(&first_name) != name_key(&n.value) {
                        let mut x = Finding::on(sheet, Some(n.cell))
                            .arg("rol", f.role.label())
                            .arg("nombre", first_name)
                            .arg("otro", n.value.clone())
                            .related(first.rol.cell, "el mismo cargo");
                        x.manual = true;
                        out.push(x);
                    }
                } else {
                    seen.push((&f.role, f));
                }
            }
        }
        _ => {}
    }
}

pub fn check_group(p: &Params, group: &[&SheetFacts], out: &mut Vec<Finding>) {
    for (role_key, scope) in &p.scopes {
        // Entries of this role, grouped by the role's own scope.
        let mut by_scope: BTreeMap<String, Vec<(&SheetFacts, &SignerFact)>> = BTreeMap::new();
        let mut key = String::new();
        for f in group {
            // The sheet's group, computed at its first signer of the role.
            let mut sheet_key: Option<String> = None;
            for s in &f.signers {
                if s.role.key() == role_key && s.key.is_some() {
                    key.clear();
                    key.push_str(sheet_key.get_or_insert_with(|| scope.key(f)));
                    key.push('\u{1}');
                    // Other roles (COORDINADOR ADMINISTRATIVO...) are compared with the same role.
                    if let Role::Other(text) = &s.role {
                        key.push_str(&other_role_key(text));
                    }
                    match by_scope.get_mut(&key) {
                        Some(entries) => entries.push((f, s)),
                        None => {
                            by_scope.insert(key.clone(), vec![(f, s)]);
                        }
                    }
                }
            }
        }
        for entries in by_scope.values() {
            compare(p, *scope, entries, out);
        }
    }
}

fn compare(
    p: &Params,
    scope: Scope,
    entries: &[(&SheetFacts, &SignerFact)],
    out: &mut Vec<Finding>,
) {
    if entries.len() < 2 {
        return;
    }
    // Majority spelling by reduced name; ties go to the first sheet.
    let mut counts: Vec<(&str, usize, usize)> = Vec::new(); // key, count, first position
    for (i, (_, s)) in entries.iter().enumerate() {
        let k = s.key.as_deref().unwrap_or("");
        match counts.iter_mut().find(|(c, _, _)| *c == k) {
            Some(e) => e.1 += 1,
            None => counts.push((k, 1, i)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let (major, n_major, _) = counts[0];
    // The majority's most common written form.
    let mut raw: Vec<(&str, usize)> = Vec::new();
    for (_, s) in entries
        .iter()
        .filter(|(_, s)| s.key.as_deref() == Some(major))
    {
        let r = s.nombre.as_deref().unwrap_or("");
        match raw.iter_mut().find(|(x, _)| *x == r) {
            Some(e) => e.1 += 1,
            None => raw.push((r, 1)),
        }
    }
    raw.sort_by_key(|r| std::cmp::Reverse(r.1));
    let major_raw = raw.first().map_or("", |r| r.0);
    for (facts, s) in entries {
        let key = s.key.as_deref().unwrap_or("");
        let nombre = s.nombre.as_deref().unwrap_or("");
        if key == major {
            if p.check == Check::Variant && nombre.trim() != major_raw.trim() {
                out.push(finding(facts, s, nombre, major_raw, n_major, scope));
            }
            continue;
        }
        // Only a misspelling or a different person is reported from here on.
        if !matches!(p.check, Check::Misspelling | Check::Different) {
            continue;
        }
        // A role written twice on one sheet is reported by rol-duplicado; skip the odd one out
        // when its sheet also carries the majority name for the role.
        if s.duplicated
            && entries.iter().any(|(g, t)| {
                g.file == facts.file
                    && g.sheet_index == facts.sheet_index
                    && t.key.as_deref() == Some(major)
            })
        {
            continue;
        }
        let misspelled = p.is_misspelling(key, major) || surname_dropped(key, major);
        let report = match p.check {
            Check::Misspelling => misspelled,
            Check::Different => !misspelled,
            _ => false,
        };
        if report {
            let mut f = finding(facts, s, nombre, major_raw, n_major, scope);
            f.manual = true;
            out.push(f);
        }
    }
}

fn finding(
    facts: &SheetFacts,
    s: &SignerFact,
    nombre: &str,
    major: &str,
    n: usize,
    scope: Scope,
) -> Finding {
    Finding {
        sheet: Some((facts.sheet.clone(), facts.sheet_index)),
        cell: Some(s.cell),
        file: Some(facts.file.clone()),
        ..Default::default()
    }
    .arg("rol", s.role.label())
    .arg("nombre", nombre.to_string())
    .arg("mayoria", major.to_string())
    .arg("n_otras", n.to_string())
    .arg("alcance", scope.spanish())
}

/// `COORDINADOR ADMINISTRATIVO` and `COORDINACIÓN ADMINISTRATIVA` are the same role line:
/// words are compared by their first 8 letters.
fn other_role_key(text: &str) -> String {
    crate::read::text::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(|w| w.chars().take(8).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition the shortcuts of `is_misspelling` must agree with.
    fn reference(p: &Params, a: &str, b: &str) -> bool {
        strsim::damerau_levenshtein(a, b) <= p.max_edits
            && strsim::normalized_damerau_levenshtein(a, b) >= p.similarity
    }

    #[test]
    fn misspelling_shortcuts_agree_with_strsim() {
        let p = Params {
            check: Check::Misspelling,
            scopes: BTreeMap::new(),
            similarity: similarity(),
            max_edits: max_edits(),
        };
        let names = [
            "",
            "A",
            "AGUSTIN SANCHEZ PEREZ",
            "AGUSTIN SANDEZ PEREZ",
            "AGUSTIN SANCHEZ PERES",
            "AUGSTIN SANCHEZ PEREZ",
            "MARIA RENTERIA LOPEZ",
            "MARIA KENTERRIA LOPEZ",
            "JORGE PUGA",
            "JORGE PUIG",
            "JORGE PUGAS RUIZ",
            "ÑANDÚ PÉREZ",
            "NANDU PEREZ",
            "PEREZ SANCHEZ AGUSTIN",
        ];
        for a in names {
            for b in names {
                assert_eq!(p.is_misspelling(a, b), reference(&p, a, b), "{a} / {b}");
            }
        }
    }

    #[test]
    fn a_dropped_second_surname_is_a_variant() {
        assert!(surname_dropped("ROBERTO GARCIA", "ROBERTO GARCIA MEZA"));
        assert!(surname_dropped("ROBERTO GARCIA MEZA", "ROBERTO GARCIA"));
        assert!(!surname_dropped("ROBERTO", "ROBERTO GARCIA"));
        assert!(!surname_dropped("ROBERTO GARCIA", "ROBERTO GARCIAS MEZA"));
        assert!(!surname_dropped(
            "ROBERTO GARCIA",
            "ROBERTO GARCIA MEZA LOPEZ"
        ));
        assert!(!surname_dropped("ANA RIOS", "ROBERTO GARCIA MEZA"));
    }

    #[test]
    fn letters_apart_counts_repeats() {
        assert_eq!(letters_apart("PUGA", "PUIG"), Some(2));
        assert_eq!(letters_apart("ABBA", "AB"), Some(2));
        assert_eq!(letters_apart("AB", "BA"), Some(0));
        assert_eq!(letters_apart("Ñ", "N"), None);
    }
}
