//! **check**: rules over the model → diagnostics.
//!
//! - [`rules`]: the TOML rule definitions (`rules/*.toml`), built in and overridable on disk.
//! - [`policy`]: per-ayuntamiento policies (`policies/*.toml`): selection, severities,
//!   parameters, label aliases, file globs and exceptions, with `extends`.
//! - [`kinds`]: one file per built-in check kind (`sum`, `percent`, `observaciones`, `signers`,
//!   `header`, `clave`, `periodo`). A new rule of an existing kind is a TOML block; a new kind is
//!   a new file there plus one arm in [`kinds::Compiled::run_sheet`] / [`kinds::Compiled::run_group`].
//! - [`engine`]: runs the enabled rules per sheet, per workbook and per cross-file scope, turns
//!   findings into [`Diagnostic`]s, applies exceptions.
//! - [`facts`]: the small per-sheet summaries cross-sheet and cross-file checks work on.

pub mod engine;
pub mod facts;
pub mod kinds;
pub mod policy;
pub mod rules;

use crate::model::CellRef;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
    pub fn spanish(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "advertencia",
            Severity::Info => "aviso",
        }
    }
}

/// The built-in check families (the `kind` field of the JSON report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Read,
    Layout,
    Header,
    Sum,
    Percent,
    Observaciones,
    Signers,
    Clave,
    Periodo,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Layout => "layout",
            Kind::Header => "header",
            Kind::Sum => "sum",
            Kind::Percent => "percent",
            Kind::Observaciones => "observaciones",
            Kind::Signers => "signers",
            Kind::Clave => "clave",
            Kind::Periodo => "periodo",
        }
    }
}

/// A corrected value the fix-up workbook writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    #[serde(serialize_with = "ser_cell")]
    pub cell: CellRef,
    pub value: FixValue,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FixValue {
    Number(f64),
    Text(String),
}

fn ser_cell<S: serde::Serializer>(c: &CellRef, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.a1())
}

/// Another cell involved in a finding (drawn as a label in the human output, flagged in the
/// fix-up workbook).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Related {
    pub cell: CellRef,
    pub label: String,
}

/// One finding, ready for every output format.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub rule: String,
    pub kind: Kind,
    pub severity: Severity,
    pub file: String,
    pub sheet: Option<String>,
    /// Index of the sheet in its workbook (for ordering; not in the JSON contract).
    #[serde(skip)]
    pub sheet_index: usize,
    pub cell: Option<CellRef>,
    pub meta: Option<String>,
    pub message: String,
    pub help: String,
    pub fix: Option<Fix>,
    #[serde(skip)]
    pub related: Vec<Related>,
    /// Whether only a person can fix it (no computable value).
    #[serde(skip)]
    pub manual: bool,
    /// The meta's row, for drawing it in the human output.
    #[serde(skip)]
    pub context: Option<RowContext>,
}

/// A meta's row as a small labelled table (human output).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowContext {
    /// 1-based row.
    pub row: u32,
    /// (column header, value shown, cell).
    pub columns: Vec<(String, String, CellRef)>,
}

impl Diagnostic {
    /// Sort key: path, then sheet order, then row, then column, then rule. Borrowed, so that
    /// sorting compares rather than copies (see [`Diagnostic::report_order`]).
    pub fn sort_key(&self) -> (&str, usize, u32, u32, &str) {
        let (r, c) = self.cell.map_or((0, 0), |c| (c.row + 1, c.col));
        (&self.file, self.sheet_index, r, c, &self.rule)
    }

    /// The order of findings in a report, by [`Diagnostic::sort_key`]:
    /// `v.sort_by(Diagnostic::report_order)`.
    pub fn report_order(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
        a.sort_key().cmp(&b.sort_key())
    }

    /// `archivo.xlsx › Hoja › D14`
    pub fn location(&self) -> String {
        let mut s = self.file.clone();
        if let Some(sh) = &self.sheet {
            s.push_str(" › ");
            s.push_str(sh);
        }
        if let Some(c) = &self.cell {
            s.push_str(" › ");
            s.push_str(&c.a1());
        }
        s
    }
}

/// A TOML or serde error message (`unknown field `x`, expected one of ...`) in Spanish, for the
/// errors about policies and rule files. Names, values and TOML syntax stay as written.
pub fn serde_message_es(msg: &str) -> String {
    const PHRASES: &[(&str, &str)] = &[
        ("unknown field", "campo desconocido"),
        ("unknown variant", "valor desconocido"),
        ("missing field", "falta el campo"),
        ("duplicate key", "clave repetida"),
        ("duplicate field", "campo repetido"),
        ("invalid type", "tipo inválido"),
        ("invalid length", "longitud inválida"),
        ("invalid value", "valor inválido"),
        ("wanted string or table", "se esperaba un texto o una tabla"),
        ("unclosed table", "tabla sin cerrar"),
        ("unclosed array", "lista sin cerrar"),
        ("invalid key", "clave inválida"),
        ("invalid string", "texto inválido"),
        ("invalid number", "número inválido"),
        (", expected one of", "; se esperaba uno de"),
        (", expected", "; se esperaba"),
        ("expected", "se esperaba"),
        ("there are no fields", "no hay campos"),
        ("a string", "un texto"),
        ("a sequence", "una lista"),
        ("an array of length", "una lista de longitud"),
        ("a boolean", "un booleano"),
        ("integer", "entero"),
        ("string", "texto"),
        ("float", "número decimal"),
        ("boolean", "booleano"),
        ("sequence", "lista"),
        ("map", "tabla"),
    ];
    // Text between backticks is a name or a value: kept as it is.
    let mut out = String::with_capacity(msg.len() + 16);
    for (i, part) in msg.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
            continue;
        }
        let mut p = part.to_string();
        for (en, es) in PHRASES {
            p = p.replace(en, es);
        }
        out.push_str(&p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::serde_message_es;

    #[test]
    fn serde_messages_in_spanish_names_kept() {
        assert_eq!(
            serde_message_es("invalid type: integer `3`, expected a string"),
            "tipo inválido: entero `3`; se esperaba un texto"
        );
        assert_eq!(
            serde_message_es("unknown field `banda`, expected one of `band`, `min_chars`"),
            "campo desconocido `banda`; se esperaba uno de `band`, `min_chars`"
        );
        assert_eq!(
            serde_message_es("missing field `motivo`"),
            "falta el campo `motivo`"
        );
    }
}
