//! Runs the active policy's rules: per sheet, then across the sheets of a workbook, then —
//! for rules whose scope is wider — across files; turns findings into diagnostics and applies
//! the policy's exceptions.

use super::facts::{NameKeys, SheetFacts};
use super::kinds::{self, Cutoff, Finding, SheetCtx};
use super::policy::{Effective, Excepcion};
use super::rules::{RuleDef, render};
use super::{Diagnostic, Kind};
use crate::model::{CaptureSheet, Workbook};
use crate::read::sniff::ReadProblem;
use crate::read::{BrokenSheet, FileRead};
use globset::GlobMatcher;

/// Status of a file in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Read; `sheets` capture sheets found.
    Ok,
    /// Could not be opened (see its `read` diagnostic).
    Unreadable,
    /// Opened, but no sheet is a TMM-F004 capture.
    NotCapture,
    /// poalint failed on it (a bug; see its diagnostic).
    InternalError,
}

/// Everything the run keeps of one file after its checks.
#[derive(Debug)]
pub struct FileReport {
    pub path: String,
    pub status: FileStatus,
    pub problem: Option<String>,
    pub sheets: usize,
    pub metas: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// For checks whose scope is wider than the workbook.
    pub facts: Vec<SheetFacts>,
    /// Kept only when the caller needs it (fix-up workbooks).
    pub workbook: Option<Workbook>,
}

pub struct Engine<'a> {
    pub policy: &'a Effective,
    /// Attach each finding's meta row ([`RowContext`](super::RowContext)) for the human output.
    /// Off for machine formats: at the scale of a state it is most of a report's memory.
    pub row_context: bool,
    /// The enabled rules with their parameters parsed once, and their scope when grouped.
    rules: Vec<(&'a RuleDef, kinds::Compiled, Option<super::facts::Scope>)>,
}

fn rule_diag(rule: &RuleDef, file: &str, f: Finding) -> Diagnostic {
    let args = &f.args;
    Diagnostic {
        rule: rule.id.clone(),
        kind: rule.kind,
        severity: rule.severity,
        file: f.file.clone().unwrap_or_else(|| file.to_string()),
        sheet: f.sheet.as_ref().map(|(n, _)| n.clone()),
        sheet_index: f.sheet.as_ref().map_or(0, |(_, i)| *i),
        cell: f.cell,
        meta: f.meta,
        message: render(&rule.message, args),
        help: render(&rule.help, args),
        fix: f.fix,
        related: f.related,
        manual: f.manual,
        context: None,
    }
}

const QUARTER_END: [&str; 4] = ["31-mar", "30-jun", "30-sep", "31-dic"];

/// The cut-off of each sheet: its FECHA; else the FECHA most sheets of the workbook share;
/// else the quarter named in its title.
pub fn cutoffs(wb: &Workbook) -> Vec<Option<Cutoff>> {
    let mut counts = [0usize; 4];
    for s in &wb.sheets {
        if let Some(q) = s.cutoff() {
            counts[(q - 1) as usize] += 1;
        }
    }
    let majority = (0..4)
        .filter(|i| counts[*i] > 0)
        .max_by_key(|i| counts[*i])
        .map(|i| i as u8 + 1);
    wb.sheets
        .iter()
        .map(|s| {
            if let Some(d) = s.fecha.date {
                return Some(Cutoff {
                    quarter: d.quarter(),
                    fecha: s.fecha.raw.clone().unwrap_or_else(|| d.to_string()),
                    inferred: false,
                });
            }
            let q = majority.or(s.title.quarter.as_ref().map(|q| q.value))?;
            Some(Cutoff {
                quarter: q,
                fecha: QUARTER_END[(q - 1) as usize].to_string(),
                inferred: true,
            })
        })
        .collect()
}

impl<'a> Engine<'a> {
    pub fn new(policy: &'a Effective, row_context: bool) -> Engine<'a> {
        let rules = policy
            .enabled()
            .map(|r| {
                let c = kinds::Compiled::of(r);
                let scope = c.group_scope();
                (r, c, scope)
            })
            .collect();
        Engine {
            policy,
            row_context,
            rules,
        }
    }

    fn rule(&self, id: &str) -> Option<&RuleDef> {
        self.policy.rule(id).filter(|r| r.enabled).map(|r| &r.def)
    }

    fn simple(
        &self,
        id: &str,
        file: &str,
        sheet: Option<(&str, usize)>,
        cell: Option<crate::model::CellRef>,
        args: Vec<(&'static str, String)>,
    ) -> Option<Diagnostic> {
        let rule = self.rule(id)?;
        let f = Finding {
            sheet: sheet.map(|(n, i)| (n.to_string(), i)),
            cell,
            args,
            manual: true,
            ..Default::default()
        };
        Some(rule_diag(rule, file, f))
    }

    /// A file that could not be opened.
    pub fn unreadable(&self, path: &str, problem: &ReadProblem) -> FileReport {
        let d = self.simple(
            "archivo-ilegible",
            path,
            None,
            None,
            vec![
                ("problema", problem.message()),
                ("ayuda", problem.help().to_string()),
                ("causa", problem.code().to_string()),
            ],
        );
        FileReport {
            path: path.to_string(),
            status: FileStatus::Unreadable,
            problem: Some(problem.code().to_string()),
            sheets: 0,
            metas: 0,
            diagnostics: d.into_iter().collect(),
            facts: Vec::new(),
            workbook: None,
        }
    }

    /// A panic while handling a file.
    pub fn internal_error(&self, path: &str, message: &str) -> FileReport {
        let d = self.simple(
            "error-interno",
            path,
            None,
            None,
            vec![("problema", message.to_string())],
        );
        FileReport {
            path: path.to_string(),
            status: FileStatus::InternalError,
            problem: Some("internal-error".into()),
            sheets: 0,
            metas: 0,
            diagnostics: d.into_iter().collect(),
            facts: Vec::new(),
            workbook: None,
        }
    }

    /// Per-sheet and within-workbook checks of one file.
    pub fn check_file(&self, path: &str, read: FileRead, keep_workbook: bool) -> FileReport {
        let (wb, broken) = match read {
            FileRead::Failed(p) => return self.unreadable(path, &p),
            FileRead::Ok { workbook, broken } => (workbook, broken),
        };
        let mut diags = Vec::new();
        self.layout(&wb, &broken, &mut diags);
        let cut = cutoffs(&wb);
        for (i, sheet) in wb.sheets.iter().enumerate() {
            let ctx = SheetCtx {
                sheet,
                cutoff: cut[i].clone(),
            };
            for (rule, compiled, scope) in &self.rules {
                if scope.is_some() {
                    continue;
                }
                for f in compiled.run_sheet(&ctx) {
                    diags.push(rule_diag(rule, path, f));
                }
            }
        }
        let mut names = NameKeys::default();
        let facts: Vec<SheetFacts> = wb
            .sheets
            .iter()
            .map(|s| SheetFacts::of_with(path, s, &mut names))
            .collect();
        let refs: Vec<&SheetFacts> = facts.iter().collect();
        for (rule, compiled, scope) in &self.rules {
            let Some(scope) = scope else {
                continue;
            };
            if !scope.within_workbook() {
                continue;
            }
            for f in compiled.run_group(&refs) {
                diags.push(rule_diag(rule, path, f));
            }
        }
        if self.row_context {
            attach_context(&mut diags, &wb);
        }
        let status = if wb.sheets.is_empty() {
            FileStatus::NotCapture
        } else {
            FileStatus::Ok
        };
        FileReport {
            path: path.to_string(),
            status,
            problem: None,
            sheets: wb.sheets.len(),
            metas: wb.metas(),
            diagnostics: diags,
            facts,
            workbook: keep_workbook.then_some(wb),
        }
    }

    /// Whether any enabled rule compares sheets across files.
    pub fn needs_cross_file(&self) -> bool {
        self.rules
            .iter()
            .any(|(_, _, s)| s.is_some_and(|s| !s.within_workbook()))
    }

    /// Rules whose scope spans files (a ramo split over several files, the whole run).
    pub fn check_cross_file(&self, facts: &[&SheetFacts]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (rule, compiled, scope) in &self.rules {
            let Some(scope) = *scope else {
                continue;
            };
            if scope.within_workbook() {
                continue;
            }
            let mut groups: std::collections::BTreeMap<String, Vec<&SheetFacts>> =
                Default::default();
            for f in facts {
                groups.entry(scope.key(f)).or_default().push(f);
            }
            for g in groups.values() {
                for f in compiled.run_group(g) {
                    out.push(rule_diag(rule, "", f));
                }
            }
        }
        out
    }

    fn layout(&self, wb: &Workbook, broken: &[BrokenSheet], out: &mut Vec<Diagnostic>) {
        for b in broken {
            let rule = match b.kind {
                crate::read::BrokenKind::NoTable => "hoja-sin-tabla",
                _ => "hoja-ilegible",
            };
            out.extend(self.simple(
                rule,
                &wb.path,
                Some((&b.sheet, b.index)),
                b.cell,
                vec![("problema", format!("La hoja «{}»: {}", b.sheet, b.reason))],
            ));
        }
        if wb.sheets.is_empty() && broken.is_empty() {
            let names = if wb.skipped.is_empty() {
                "ninguna".to_string()
            } else {
                wb.skipped.join(", ")
            };
            out.extend(self.simple(
                "libro-sin-capturas",
                &wb.path,
                None,
                None,
                vec![("hojas", names)],
            ));
        }
        for s in &wb.sheets {
            for (cell, p) in &s.layout_problems {
                out.extend(self.simple(
                    "hoja-sin-tabla",
                    &wb.path,
                    Some((&s.name, s.index)),
                    *cell,
                    vec![("problema", format!("En la tabla de metas {p}"))],
                ));
            }
            self.non_numeric(wb, s, out);
        }
    }

    fn non_numeric(&self, wb: &Workbook, s: &CaptureSheet, out: &mut Vec<Diagnostic>) {
        use kinds::percent::QUARTERS;
        /// A numeric column of the metas table, as a finding names it.
        #[derive(Clone, Copy)]
        enum Column {
            Named(&'static str),
            Programado(usize),
            Alcanzado(usize),
        }
        for m in &s.metas {
            // (cell, column): the quarters as P and A of each in turn; names spelled out only
            // for a cell that is reported.
            let quarters = (0..8).map(|i| {
                let q = i / 2;
                if i % 2 == 0 {
                    (&m.programado[q], Column::Programado(q))
                } else {
                    (&m.alcanzado[q], Column::Alcanzado(q))
                }
            });
            let cells = std::iter::once((&m.meta_anual, Column::Named("META ANUAL")))
                .chain(quarters)
                .chain(
                    m.avance_absoluto
                        .as_ref()
                        .map(|a| (a, Column::Named("AVANCE ABSOLUTO"))),
                )
                .chain(
                    m.acumulado_relativo
                        .as_ref()
                        .map(|r| (r, Column::Named("ACUMULADO RELATIVO"))),
                );
            for (n, col) in cells {
                if let Some(p) = &n.problem {
                    let col = match col {
                        Column::Named(name) => name.to_string(),
                        Column::Programado(q) => format!("P de {}", QUARTERS[q]),
                        Column::Alcanzado(q) => format!("A de {}", QUARTERS[q]),
                    };
                    if let Some(mut d) = self.simple(
                        "valor-no-numerico",
                        &wb.path,
                        Some((&s.name, s.index)),
                        Some(n.cell),
                        vec![("columna", col), ("problema", p.clone())],
                    ) {
                        d.meta = m.clave_str().map(|c| c.to_string());
                        out.push(d);
                    }
                }
            }
        }
    }
}

/// Exceptions: matches findings to the policy's accepted deviations.
pub struct Exceptions {
    list: Vec<(Excepcion, GlobMatcher, Option<GlobMatcher>)>,
    pub used: Vec<usize>,
}

impl Exceptions {
    pub fn new(policy: &Effective) -> Exceptions {
        let list = policy
            .excepciones
            .iter()
            .filter_map(|e| {
                let g = globset::Glob::new(&e.file).ok()?.compile_matcher();
                let any = (!e.file.contains('/'))
                    .then(|| {
                        globset::Glob::new(&format!("**/{}", e.file))
                            .ok()
                            .map(|g| g.compile_matcher())
                    })
                    .flatten();
                Some((e.clone(), g, any))
            })
            .collect::<Vec<_>>();
        let n = list.len();
        Exceptions {
            list,
            used: vec![0; n],
        }
    }

    /// Whether a diagnostic is accepted by an exception (and records the use).
    pub fn accepts(&mut self, d: &Diagnostic) -> bool {
        let path = d.file.replace('\\', "/");
        for (i, (e, g, any)) in self.list.iter().enumerate() {
            if e.rule != d.rule {
                continue;
            }
            if !(g.is_match(&path) || any.as_ref().is_some_and(|a| a.is_match(&path))) {
                continue;
            }
            if let Some(s) = &e.sheet
                && d.sheet.as_deref().map(|x| x.trim().to_lowercase())
                    != Some(s.trim().to_lowercase())
            {
                continue;
            }
            if let Some(m) = &e.meta
                && d.meta
                    .as_deref()
                    .map(|x| x.trim().trim_end_matches(['.', '-']))
                    != Some(m.trim().trim_end_matches(['.', '-']))
            {
                continue;
            }
            self.used[i] += 1;
            return true;
        }
        false
    }

    /// Exceptions that matched nothing in the run.
    pub fn unused(&self) -> Vec<&Excepcion> {
        self.list
            .iter()
            .zip(&self.used)
            .filter(|(_, n)| **n == 0)
            .map(|((e, _, _), _)| e)
            .collect()
    }
}

/// Kinds that belong to a whole file rather than a sheet.
pub fn is_file_level(k: Kind) -> bool {
    matches!(k, Kind::Read)
}

/// The columns of a meta's row, as the human output draws them.
pub fn row_context(m: &crate::model::Meta) -> super::RowContext {
    use kinds::percent::QUARTERS;
    let mut cols = Vec::new();
    let cell_or =
        |c: Option<crate::model::CellRef>| c.unwrap_or(crate::model::CellRef::new(m.row, u32::MAX));
    cols.push((
        "clave".to_string(),
        m.clave_str().unwrap_or("—").to_string(),
        cell_or(
            m.clave
                .as_ref()
                .map(|c| c.cell)
                .or(m.descripcion.as_ref().map(|d| d.cell)),
        ),
    ));
    cols.push((
        "META ANUAL".into(),
        m.meta_anual.raw.display(),
        m.meta_anual.cell,
    ));
    for (q, quarter) in QUARTERS.iter().enumerate() {
        cols.push((
            format!("P {quarter}"),
            m.programado[q].raw.display(),
            m.programado[q].cell,
        ));
        cols.push((
            format!("A {quarter}"),
            m.alcanzado[q].raw.display(),
            m.alcanzado[q].cell,
        ));
    }
    if let Some(a) = &m.avance_absoluto {
        cols.push(("AVANCE".into(), a.raw.display(), a.cell));
    }
    if let Some(r) = &m.acumulado_relativo {
        cols.push(("RELATIVO".into(), r.raw.display(), r.cell));
    }
    if let Some(c) = m.observaciones_cell {
        let o = m.observaciones.as_ref().map(|o| {
            let t: String = o.value.chars().take(24).collect();
            if o.value.chars().count() > 24 {
                format!("{t}…")
            } else {
                t
            }
        });
        cols.push(("OBSERVACIONES".into(), o.unwrap_or_default(), c));
    }
    for c in cols.iter_mut() {
        if c.1.is_empty() {
            c.1 = "·".into();
        }
    }
    super::RowContext {
        row: m.row + 1,
        columns: cols,
    }
}

fn attach_context(diags: &mut [Diagnostic], wb: &Workbook) {
    for d in diags.iter_mut() {
        let (Some(name), Some(cell)) = (&d.sheet, d.cell) else {
            continue;
        };
        let Some(sheet) = wb.sheets.iter().find(|s| &s.name == name) else {
            continue;
        };
        if let Some(m) = sheet.metas.iter().find(|m| m.row == cell.row) {
            d.context = Some(row_context(m));
        }
    }
}
