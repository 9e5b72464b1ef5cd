//! Policies: how one ayuntamiento tunes the rules without touching Rust.
//!
//! ```toml
//! extends = "default"                 # a built-in policy name or a path
//! description = "XXIV Ayuntamiento de Mexicali"
//! [rules]
//! disable = ["anio-titulo"]
//! enable = ["firmante-variante"]
//! [severity]
//! "observaciones-faltantes" = "error"
//! [params.observaciones-faltantes]
//! band = [0.95, 1.05]
//! [labels]
//! ramo = ["RAMO ADMVO"]
//! [files]
//! exclude = ["**/borradores/**"]
//! [[excepcion]]
//! file = "064-*.xlsx"
//! sheet = "102"
//! meta = "204"
//! rule = "suma-programado"
//! motivo = "Meta reprogramada por acuerdo de Cabildo del 12-may-24"
//! ```
//!
//! Layering is explicit: built-in rules → the `extends` chain (base first) → this policy.

#![allow(
    clippy::result_large_err,
    reason = "a PolicyError (a miette report with its source text) is returned once per run, when the configuration is loaded"
)]

use super::Severity;
use super::rules::{RuleDef, RuleSet};
use crate::read::labels::{Field, Labels};
use miette::{NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The policies shipped in the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../policies/default.toml")),
    ("mexicali", include_str!("../../policies/mexicali.toml")),
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSelection {
    #[serde(default)]
    pub enable: Vec<String>,
    #[serde(default)]
    pub disable: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGlobs {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// An accepted, justified deviation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excepcion {
    /// Glob over the workbook path (`"064-*.xlsx"`, `"**/IMIP/*.xlsx"`).
    pub file: String,
    #[serde(default)]
    pub sheet: Option<String>,
    #[serde(default)]
    pub meta: Option<String>,
    pub rule: String,
    /// Why the deviation is accepted. Mandatory.
    pub motivo: String,
    /// Which policy file declared it (filled when loading).
    #[serde(skip)]
    pub source: String,
}

/// A policy file as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default)]
    pub extends: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub rules: RuleSelection,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Table>,
    #[serde(default)]
    pub labels: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub files: FileGlobs,
    #[serde(default)]
    pub excepcion: Vec<Excepcion>,
}

/// A policy error that points into the TOML file (exit status 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("política inválida: {path}")]
#[diagnostic(code(poalint::politica))]
pub struct PolicyError {
    pub path: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{reason}")]
    pub span: Option<SourceSpan>,
    pub reason: String,
    #[help]
    pub help: Option<String>,
}

impl PolicyError {
    fn new(
        path: &str,
        text: &str,
        span: Option<SourceSpan>,
        reason: String,
        help: Option<String>,
    ) -> Self {
        PolicyError {
            path: path.to_string(),
            src: NamedSource::new(path, text.to_string()),
            span,
            reason,
            help,
        }
    }
}

/// Where `needle` is written in the file (the key of a table, an id in a list).
fn span_of(text: &str, after: &str, needle: &str) -> Option<SourceSpan> {
    let start = text.find(after).unwrap_or(0);
    let rel = text[start..]
        .find(&format!("\"{needle}\""))
        .or_else(|| text[start..].find(needle))?;
    Some((start + rel, needle.len() + 2).into())
}

/// One rule as the active policy runs it.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveRule {
    pub def: RuleDef,
    pub enabled: bool,
    /// The policy that last changed this rule's severity, if any.
    pub severity_from: Option<String>,
}

/// The policy in force after `extends` and overrides.
#[derive(Debug, Clone)]
pub struct Effective {
    pub name: String,
    /// The files/built-ins that were layered, base first.
    pub chain: Vec<String>,
    pub description: Option<String>,
    pub rules: Vec<ActiveRule>,
    pub labels: Labels,
    pub label_aliases: BTreeMap<String, Vec<String>>,
    pub files: FileGlobs,
    pub excepciones: Vec<Excepcion>,
}

impl Effective {
    pub fn rule(&self, id: &str) -> Option<&ActiveRule> {
        self.rules.iter().find(|r| r.def.id == id)
    }
    pub fn enabled(&self) -> impl Iterator<Item = &RuleDef> {
        self.rules.iter().filter(|r| r.enabled).map(|r| &r.def)
    }
}

/// Where a policy comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Builtin(&'static str),
    File(PathBuf),
}

impl Source {
    fn label(&self) -> String {
        match self {
            Source::Builtin(n) => format!("{n} (integrada)"),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// Resolves `--policy NAME|PATH`: a file path; `policies/NAME.toml` on disk (overrides the
/// built-in); a built-in name.
pub fn resolve_name(spec: &str, base_dir: &Path) -> Option<Source> {
    let as_path = base_dir.join(spec);
    if as_path.is_file() {
        return Some(Source::File(as_path));
    }
    let p = Path::new(spec);
    if p.is_file() {
        return Some(Source::File(p.to_path_buf()));
    }
    for dir in [base_dir.join("policies"), PathBuf::from("policies")] {
        let f = dir.join(format!("{spec}.toml"));
        if f.is_file() {
            return Some(Source::File(f));
        }
    }
    BUILTIN
        .iter()
        .find(|(n, _)| *n == spec)
        .map(|(n, _)| Source::Builtin(n))
}

/// The policy for a run: `--policy`, else a `poalint.toml` in the linted folder or its
/// parents, else `default`.
pub fn choose(policy: Option<&str>, lint_paths: &[PathBuf]) -> Result<Source, String> {
    if let Some(spec) = policy {
        return resolve_name(spec, Path::new(".")).ok_or_else(|| {
            format!(
                "no existe la política «{spec}» (integradas: {}; o indique la ruta de un archivo .toml)",
                BUILTIN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        });
    }
    if let Some(first) = lint_paths.first() {
        let start = if first.is_dir() {
            first.clone()
        } else {
            first.parent().map(|p| p.to_path_buf()).unwrap_or_default()
        };
        let mut dir = std::fs::canonicalize(&start).unwrap_or(start);
        loop {
            let f = dir.join("poalint.toml");
            if f.is_file() {
                return Ok(Source::File(f));
            }
            if !dir.pop() {
                break;
            }
        }
    }
    Ok(Source::Builtin("default"))
}

fn read_source(src: &Source) -> Result<(String, String), PolicyError> {
    match src {
        Source::Builtin(n) => {
            let text = BUILTIN
                .iter()
                .find(|(b, _)| b == n)
                .map(|(_, t)| *t)
                .unwrap_or("");
            Ok((format!("policies/{n}.toml"), text.to_string()))
        }
        Source::File(p) => {
            let name = p.display().to_string();
            std::fs::read_to_string(p)
                .map(|t| (name.clone(), t))
                .map_err(|e| {
                    PolicyError::new(&name, "", None, format!("no se pudo leer: {e}"), None)
                })
        }
    }
}

fn parse(name: &str, text: &str) -> Result<PolicyFile, PolicyError> {
    toml::from_str::<PolicyFile>(text).map_err(|e| {
        let raw = e.message();
        let help = if raw.contains("unknown field") {
            Some("claves válidas: extends, description, [rules] enable/disable, [severity], [params.<regla>], [labels], [files] include/exclude, [[excepcion]] file/sheet/meta/rule/motivo".to_string())
        } else {
            None
        };
        let msg = super::serde_message_es(raw);
        PolicyError::new(name, text, e.span().map(|s| s.into()), msg, help)
    })
}

/// Loads a policy, its `extends` chain and validates it against the rule set.
pub fn load(src: &Source, rules: &RuleSet) -> Result<Effective, PolicyError> {
    // Collect the chain child → base, then apply base first.
    let mut chain: Vec<(Source, String, String, PolicyFile)> = Vec::new();
    let mut current = src.clone();
    loop {
        let (name, text) = read_source(&current)?;
        let file = parse(&name, &text)?;
        if chain.len() > 16 || chain.iter().any(|(_, n, _, _)| *n == name) {
            return Err(PolicyError::new(
                &name,
                &text,
                span_of(&text, "extends", file.extends.as_deref().unwrap_or("")),
                "la cadena de `extends` forma un ciclo".into(),
                None,
            ));
        }
        let next = file.extends.clone();
        chain.push((current.clone(), name.clone(), text.clone(), file));
        let Some(next) = next else { break };
        let base_dir = match &current {
            Source::File(p) => p.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
            Source::Builtin(_) => PathBuf::from("."),
        };
        current = match resolve_name(&next, &base_dir) {
            Some(s) => s,
            None => {
                return Err(PolicyError::new(
                    &name,
                    &text,
                    span_of(&text, "extends", &next),
                    format!("no existe la política «{next}»"),
                    Some("use el nombre de una política integrada (default, mexicali) o la ruta de un archivo".into()),
                ));
            }
        };
    }
    chain.reverse();

    let mut eff = Effective {
        name: policy_name(src),
        chain: Vec::new(),
        description: None,
        rules: rules
            .rules
            .iter()
            .map(|d| ActiveRule {
                def: d.clone(),
                enabled: d.enabled,
                severity_from: None,
            })
            .collect(),
        labels: Labels::default(),
        label_aliases: BTreeMap::new(),
        files: FileGlobs::default(),
        excepciones: Vec::new(),
    };
    for (source, name, text, file) in chain {
        let unknown_rule = |id: &str, section: &str| {
            let suggestion = rules
                .rules
                .iter()
                .map(|r| (strsim::jaro_winkler(&r.id, id), &r.id))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .filter(|(s, _)| *s > 0.8)
                .map(|(_, id)| format!("¿quiso decir «{id}»? (`poalint rules` lista todas)"))
                .or(Some("`poalint rules` lista los ids de regla".into()));
            PolicyError::new(
                &name,
                &text,
                span_of(&text, section, id),
                format!("regla desconocida «{id}»"),
                suggestion,
            )
        };
        eff.chain.push(source.label());
        if file.description.is_some() {
            eff.description = file.description.clone();
        }
        for id in &file.rules.disable {
            let r = eff
                .rules
                .iter_mut()
                .find(|r| r.def.id == *id)
                .ok_or_else(|| unknown_rule(id, "disable"))?;
            r.enabled = false;
        }
        for id in &file.rules.enable {
            let r = eff
                .rules
                .iter_mut()
                .find(|r| r.def.id == *id)
                .ok_or_else(|| unknown_rule(id, "enable"))?;
            r.enabled = true;
        }
        for (id, sev) in &file.severity {
            let r = eff
                .rules
                .iter_mut()
                .find(|r| r.def.id == *id)
                .ok_or_else(|| unknown_rule(id, "[severity]"))?;
            r.def.severity = *sev;
            r.severity_from = Some(name.clone());
        }
        for (id, table) in &file.params {
            let r = eff
                .rules
                .iter_mut()
                .find(|r| r.def.id == *id)
                .ok_or_else(|| unknown_rule(id, "[params"))?;
            let mut merged = r.def.params.clone();
            for (k, v) in table {
                merged.insert(k.clone(), v.clone());
            }
            if let Err(reason) = super::kinds::validate_params(r.def.kind, &merged) {
                return Err(PolicyError::new(
                    &name,
                    &text,
                    span_of(&text, "[params", id),
                    format!("parámetros inválidos para «{id}»: {reason}"),
                    Some("`poalint explain REGLA` muestra los parámetros de cada regla".into()),
                ));
            }
            r.def.params = merged;
        }
        for (key, spellings) in &file.labels {
            let Some(field) = Field::from_key(key) else {
                let valid: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
                return Err(PolicyError::new(
                    &name,
                    &text,
                    span_of(&text, "[labels]", key),
                    format!("etiqueta desconocida «{key}»"),
                    Some(format!("etiquetas válidas: {}", valid.join(", "))),
                ));
            };
            for s in spellings {
                eff.labels.add_alias(field, s);
                eff.label_aliases
                    .entry(key.clone())
                    .or_default()
                    .push(s.clone());
            }
        }
        eff.files.include.extend(file.files.include.iter().cloned());
        eff.files.exclude.extend(file.files.exclude.iter().cloned());
        for e in &file.excepcion {
            if e.motivo.trim().is_empty() {
                return Err(PolicyError::new(
                    &name,
                    &text,
                    span_of(&text, "motivo", "motivo"),
                    "la excepción necesita un `motivo` no vacío".into(),
                    None,
                ));
            }
            if rules.get(&e.rule).is_none() {
                return Err(unknown_rule(&e.rule, "[[excepcion]]"));
            }
            if let Err(err) = globset::Glob::new(&e.file) {
                return Err(PolicyError::new(
                    &name,
                    &text,
                    span_of(&text, "[[excepcion]]", &e.file),
                    format!("patrón de archivo inválido: {err}"),
                    None,
                ));
            }
            let mut e = e.clone();
            e.source = name.clone();
            eff.excepciones.push(e);
        }
        if let Err(e) =
            crate::read::discover::Filters::new(&file.files.include, &file.files.exclude)
        {
            return Err(PolicyError::new(
                &name,
                &text,
                span_of(&text, "[files]", "include"),
                e,
                None,
            ));
        }
    }
    Ok(eff)
}

fn policy_name(src: &Source) -> String {
    match src {
        Source::Builtin(n) => n.to_string(),
        Source::File(p) => p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| p.display().to_string()),
    }
}

/// The effective policy written back as TOML (`poalint policy show`).
pub fn show(eff: &Effective) -> String {
    let mut out = String::new();
    out.push_str(&format!("# Política efectiva: {}\n", eff.name));
    out.push_str(&format!(
        "# Capas (de la base a la más específica): {}\n",
        eff.chain.join(" → ")
    ));
    if let Some(d) = &eff.description {
        out.push_str(&format!("description = {}\n", toml_str(d)));
    }
    out.push('\n');
    for r in &eff.rules {
        out.push_str("[[rule]]\n");
        out.push_str(&format!("id = {}\n", toml_str(&r.def.id)));
        out.push_str(&format!("kind = \"{}\"\n", r.def.kind.as_str()));
        out.push_str(&format!("enabled = {}\n", r.enabled));
        out.push_str(&format!("severity = \"{}\"", r.def.severity.as_str()));
        if let Some(from) = &r.severity_from {
            out.push_str(&format!("  # fijada por {from}"));
        }
        out.push('\n');
        if !r.def.params.is_empty() {
            out.push_str("[rule.params]\n");
            for (k, v) in &r.def.params {
                out.push_str(&format!("{k} = {}\n", inline(v)));
            }
        }
        out.push('\n');
    }
    if !eff.label_aliases.is_empty() {
        out.push_str("[labels]\n");
        for (k, v) in &eff.label_aliases {
            out.push_str(&format!("{k} = {}\n", toml::Value::from(v.clone())));
        }
        out.push('\n');
    }
    out.push_str("[files]\n");
    out.push_str(&format!(
        "include = {}\n",
        toml::Value::from(eff.files.include.clone())
    ));
    out.push_str(&format!(
        "exclude = {}\n\n",
        toml::Value::from(eff.files.exclude.clone())
    ));
    for e in &eff.excepciones {
        out.push_str(&format!("[[excepcion]]  # de {}\n", e.source));
        out.push_str(&format!("file = {}\n", toml_str(&e.file)));
        if let Some(s) = &e.sheet {
            out.push_str(&format!("sheet = {}\n", toml_str(s)));
        }
        if let Some(m) = &e.meta {
            out.push_str(&format!("meta = {}\n", toml_str(m)));
        }
        out.push_str(&format!("rule = {}\n", toml_str(&e.rule)));
        out.push_str(&format!("motivo = {}\n\n", toml_str(&e.motivo)));
    }
    out
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML value on one line (nested tables as inline tables).
pub fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        toml::Value::Array(a) => {
            format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}
