//! Rule definitions: `rules/*.toml`, compiled into the binary and overridable from disk.
//!
//! A rule is data: an id, the built-in check `kind` that runs it, a default severity, a Spanish
//! message template with `{placeholders}`, a help text, its documentation and the parameters
//! of its kind. A new rule of an existing kind is a new `[[rule]]` block, no Rust.

#![allow(
    clippy::result_large_err,
    reason = "a RuleFileError (a miette report with its source text) is returned once per run, when the configuration is loaded"
)]

use super::{Kind, Severity};
use miette::{NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The rule files shipped inside the binary (one per check kind).
pub const BUILTIN: &[(&str, &str)] = &[
    ("rules/sum.toml", include_str!("../../rules/sum.toml")),
    (
        "rules/percent.toml",
        include_str!("../../rules/percent.toml"),
    ),
    (
        "rules/observaciones.toml",
        include_str!("../../rules/observaciones.toml"),
    ),
    (
        "rules/signers.toml",
        include_str!("../../rules/signers.toml"),
    ),
    ("rules/header.toml", include_str!("../../rules/header.toml")),
    ("rules/clave.toml", include_str!("../../rules/clave.toml")),
    (
        "rules/periodo.toml",
        include_str!("../../rules/periodo.toml"),
    ),
    ("rules/layout.toml", include_str!("../../rules/layout.toml")),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    /// What it catches.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// An example capture row.
    pub example: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub doc: RuleDoc,
    #[serde(default)]
    pub params: toml::Table,
    /// Rules off by default are enabled by a policy (`enable = [...]`).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where the rule was defined (file name), for `poalint explain`.
    #[serde(skip)]
    pub source: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// An error in a rule file, pointing into it.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("archivo de reglas inválido: {path}")]
#[diagnostic(code(poalint::reglas))]
pub struct RuleFileError {
    pub path: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{reason}")]
    pub span: Option<SourceSpan>,
    pub reason: String,
}

/// All rules, by id, in definition order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<RuleDef>,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&RuleDef> {
        self.rules.iter().find(|r| r.id == id)
    }

    fn add_file(&mut self, name: &str, text: &str) -> Result<(), RuleFileError> {
        let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleFileError {
            path: name.to_string(),
            src: NamedSource::new(name, text.to_string()),
            span: e.span().map(|s| s.into()),
            reason: super::serde_message_es(e.message()),
        })?;
        for mut r in parsed.rule {
            if !is_kebab(&r.id) {
                let at = text.find(&format!("\"{}\"", r.id)).unwrap_or(0);
                return Err(RuleFileError {
                    path: name.to_string(),
                    src: NamedSource::new(name, text.to_string()),
                    span: Some((at, r.id.len() + 2).into()),
                    reason: format!(
                        "el id «{}» debe estar en kebab-case (minúsculas y guiones)",
                        r.id
                    ),
                });
            }
            r.source = name.to_string();
            match self.rules.iter_mut().find(|x| x.id == r.id) {
                Some(existing) => *existing = r, // a file on disk overrides a built-in rule
                None => self.rules.push(r),
            }
        }
        Ok(())
    }

    /// The rules shipped in the binary.
    pub fn builtin() -> RuleSet {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN {
            set.add_file(name, text)
                .unwrap_or_else(|e| panic!("regla interna inválida {name}: {}", e.reason));
        }
        set
    }

    /// The built-in rules, then every `*.toml` in `dir` (overriding by id, adding new ones).
    pub fn with_dir(dir: &Path) -> Result<RuleSet, RuleFileError> {
        let mut set = RuleSet::builtin();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            if f.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = std::fs::read_to_string(&f).map_err(|e| RuleFileError {
                path: f.display().to_string(),
                src: NamedSource::new(f.display().to_string(), String::new()),
                span: None,
                reason: e.to_string(),
            })?;
            set.add_file(&f.display().to_string(), &text)?;
        }
        Ok(set)
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Fills `{name}` placeholders of a message template.
pub fn render(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match args.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Ids across all rule files are unique per kind file and kebab-case.
pub fn ids(set: &RuleSet) -> BTreeMap<String, Kind> {
    set.rules.iter().map(|r| (r.id.clone(), r.kind)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_ids_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (name, text) in BUILTIN {
            let f: RuleFile = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            for r in f.rule {
                assert!(seen.insert(r.id.clone()), "id repetido: {}", r.id);
                assert!(is_kebab(&r.id), "{}", r.id);
                assert!(
                    !r.doc.what.is_empty() && !r.doc.why.is_empty() && !r.doc.example.is_empty()
                );
            }
        }
        assert!(seen.len() >= 15);
    }

    #[test]
    fn renders_templates() {
        assert_eq!(
            render(
                "La suma ({suma}) no es {meta}",
                &[("suma", "5".into()), ("meta", "4".into())]
            ),
            "La suma (5) no es 4"
        );
        assert_eq!(render("sin {x}", &[]), "sin {x}");
    }
}
