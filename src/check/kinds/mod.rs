//! The built-in check kinds. Each file is one family, documented the way ruff documents a
//! rule: what it catches, why it matters, an example. Rules (`rules/*.toml`) choose a kind and
//! give it parameters; the kind does the Rust work.
//!
//! A per-sheet kind implements `check_sheet`; a kind that compares sheets implements
//! `check_group` over [`super::facts::SheetFacts`] grouped by the rule's scope.

pub mod clave;
pub mod header;
pub mod observaciones;
pub mod percent;
pub mod periodo;
pub mod signers;
pub mod sum;

use super::facts::{Scope, SheetFacts};
use super::rules::RuleDef;
use super::{Fix, Kind, Related};
use crate::model::{CaptureSheet, CellRef};

/// The cut-off quarter a sheet is checked against.
#[derive(Debug, Clone)]
pub struct Cutoff {
    pub quarter: u8,
    /// FECHA as written (for messages).
    pub fecha: String,
    /// True when the sheet has no readable FECHA and the quarter comes from the other sheets of
    /// the workbook or from the title.
    pub inferred: bool,
}

/// What a per-sheet check sees.
pub struct SheetCtx<'a> {
    pub sheet: &'a CaptureSheet,
    pub cutoff: Option<Cutoff>,
}

/// A finding before the engine turns it into a [`super::Diagnostic`].
#[derive(Debug, Clone, Default)]
pub struct Finding {
    /// (sheet name, sheet index) — `None` for a finding about the whole file.
    pub sheet: Option<(String, usize)>,
    pub cell: Option<CellRef>,
    pub meta: Option<String>,
    pub args: Vec<(&'static str, String)>,
    pub fix: Option<Fix>,
    pub related: Vec<Related>,
    /// Only a person can fix it.
    pub manual: bool,
    /// For grouped checks: the file the finding belongs to.
    pub file: Option<String>,
}

impl Finding {
    pub fn on(sheet: &CaptureSheet, cell: Option<CellRef>) -> Finding {
        Finding {
            sheet: Some((sheet.name.clone(), sheet.index)),
            cell,
            ..Default::default()
        }
    }
    pub fn arg(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.args.push((k, v.into()));
        self
    }
    pub fn meta(mut self, m: Option<&str>) -> Self {
        self.meta = m.map(|s| s.to_string());
        self
    }
    pub fn related(mut self, cell: CellRef, label: impl Into<String>) -> Self {
        self.related.push(Related {
            cell,
            label: label.into(),
        });
        self
    }
}

fn parse<T: serde::de::DeserializeOwned>(t: &toml::Table) -> Result<T, String> {
    toml::Value::Table(t.clone())
        .try_into::<T>()
        .map_err(|e| super::serde_message_es(e.message()))
}

/// Checks a rule's parameters against its kind (used when loading policies and rule files).
pub fn validate_params(kind: Kind, params: &toml::Table) -> Result<(), String> {
    Compiled::parse(kind, params).map(|_| ())
}

/// A rule's parameters parsed once into its kind's typed form (parsing TOML per sheet would
/// dominate the run at the scale of a state).
#[derive(Debug, Clone)]
pub enum Compiled {
    Sum(sum::Params),
    Percent(percent::Params),
    Observaciones(observaciones::Params),
    Signers(signers::Params),
    Header(header::Params),
    Clave(clave::Params),
    Periodo(periodo::Params),
    /// `read` / `layout` rules (raised by the engine) or parameters that did not parse.
    None,
}

impl Compiled {
    /// Parses parameters into their kind's typed form.
    pub fn parse(kind: Kind, p: &toml::Table) -> Result<Compiled, String> {
        match kind {
            Kind::Sum => parse(p).map(Compiled::Sum),
            Kind::Percent => parse(p).map(Compiled::Percent),
            Kind::Observaciones => parse::<observaciones::Params>(p).and_then(|o| {
                let [low, high] = o.band;
                if low <= high {
                    Ok(Compiled::Observaciones(o))
                } else {
                    Err(format!(
                        "band = [{low}, {high}]: el primer valor es el límite inferior y debe ser menor o igual que el segundo"
                    ))
                }
            }),
            Kind::Signers => parse(p).map(Compiled::Signers),
            Kind::Header => parse(p).map(Compiled::Header),
            Kind::Clave => parse(p).map(Compiled::Clave),
            Kind::Periodo => parse(p).map(Compiled::Periodo),
            Kind::Read | Kind::Layout => Ok(Compiled::None),
        }
    }

    pub fn of(rule: &RuleDef) -> Compiled {
        Compiled::parse(rule.kind, &rule.params).unwrap_or(Compiled::None)
    }

    /// The scope of a grouped rule, or `None` for per-sheet rules.
    pub fn group_scope(&self) -> Option<Scope> {
        match self {
            Compiled::Signers(p) => p.group_scope(),
            Compiled::Header(p) => p.group_scope(),
            Compiled::Clave(p) => p.group_scope(),
            _ => None,
        }
    }

    /// Runs a per-sheet rule. Rules of grouped checks return nothing here.
    pub fn run_sheet(&self, ctx: &SheetCtx) -> Vec<Finding> {
        let mut out = Vec::new();
        match self {
            Compiled::Sum(p) => sum::check_sheet(p, ctx, &mut out),
            Compiled::Percent(p) => percent::check_sheet(p, ctx, &mut out),
            Compiled::Observaciones(p) => observaciones::check_sheet(p, ctx, &mut out),
            Compiled::Signers(p) => signers::check_sheet(p, ctx, &mut out),
            Compiled::Header(p) => header::check_sheet(p, ctx, &mut out),
            Compiled::Clave(p) => clave::check_sheet(p, ctx, &mut out),
            Compiled::Periodo(p) => periodo::check_sheet(p, ctx, &mut out),
            Compiled::None => {}
        }
        out
    }

    /// Runs a grouped rule over the sheets of one scope group.
    pub fn run_group(&self, group: &[&SheetFacts]) -> Vec<Finding> {
        let mut out = Vec::new();
        match self {
            Compiled::Signers(p) => signers::check_group(p, group, &mut out),
            Compiled::Header(p) => header::check_group(p, group, &mut out),
            Compiled::Clave(p) => clave::check_group(p, group, &mut out),
            _ => {}
        }
        out
    }
}

/// Formats a fraction as a percentage for messages (`0.2308` → `23.08%`).
pub fn pct(f: f64) -> String {
    let p = f * 100.0;
    if (p - p.round()).abs() < 0.005 {
        format!("{}%", p.round() as i64)
    } else {
        format!("{:.2}%", p)
    }
}

pub use crate::model::fmt_num as num;
