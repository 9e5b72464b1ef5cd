//! The machine-readable report (`--format json`): the contract of `docs/json-report.md`.
//! Fields may be added, never renamed or removed.

use crate::check::{Diagnostic, FixValue, Severity};
use crate::run::RunResult;
use serde_json::{Value, json};

pub fn diagnostic(d: &Diagnostic) -> Value {
    let mut v = json!({
        "rule": d.rule,
        "kind": d.kind.as_str(),
        "severity": d.severity.as_str(),
        "file": d.file,
        "sheet": d.sheet,
        "cell": d.cell.map(|c| c.a1()),
        "row": d.cell.map(|c| c.row1()),
        "meta": d.meta,
        "message": d.message,
        "help": d.help,
    });
    if let Some(f) = &d.fix {
        let value = match &f.value {
            FixValue::Number(n) => json!(n),
            FixValue::Text(t) => json!(t),
        };
        v["fix"] = json!({"cell": f.cell.a1(), "value": value});
    }
    v
}

fn file_value(f: &crate::run::FileSummary) -> Value {
    let mut v = json!({
        "file": f.file,
        "status": f.status,
        "sheets": f.sheets,
        "metas": f.metas,
        "errors": f.errors,
        "warnings": f.warnings,
        "infos": f.infos,
    });
    if let Some(p) = &f.problem {
        v["problem"] = json!(p);
    }
    v
}

fn policy_warnings(run: &RunResult) -> Vec<Value> {
    run.unused_exceptions
        .iter()
        .map(|e| {
            json!({
                "rule": "excepcion-sin-uso",
                "severity": "warning",
                "policy": e.source,
                "message": format!(
                    "La excepción para la regla «{}» en «{}» no coincidió con ningún hallazgo; elimínela de la política si ya no hace falta",
                    e.rule, e.file
                ),
                "excepcion": {"file": e.file, "sheet": e.sheet, "meta": e.meta, "rule": e.rule, "motivo": e.motivo},
            })
        })
        .collect()
}

fn summary(run: &RunResult) -> Value {
    json!({
        "files": run.files.len(),
        "sheets": run.sheets(),
        "metas": run.metas(),
        "errors": run.count(Severity::Error),
        "warnings": run.count(Severity::Warning),
        "infos": run.count(Severity::Info),
        "accepted": run.accepted,
        "unused_exceptions": run.unused_exceptions.len(),
    })
}

/// The whole report as one JSON value (tests and small runs).
pub fn to_value(run: &RunResult) -> Value {
    json!({
        "version": 1,
        "policy": run.policy,
        "files": run.files.iter().map(file_value).collect::<Vec<_>>(),
        "diagnostics": run.diagnostics.iter().map(diagnostic).collect::<Vec<_>>(),
        "policy_warnings": policy_warnings(run),
        "summary": summary(run),
    })
}

/// Writes an array element by element, so a report of a whole state never exists twice in
/// memory (as values and as text).
fn write_array<T>(
    out: &mut dyn std::io::Write,
    key: &str,
    items: &[T],
    f: impl Fn(&T) -> Value,
    last: bool,
) -> std::io::Result<()> {
    write!(out, "  \"{key}\": [")?;
    for (i, it) in items.iter().enumerate() {
        let text = serde_json::to_string_pretty(&f(it)).map_err(std::io::Error::other)?;
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        out.write_all(text.replace('\n', "\n    ").as_bytes())?;
    }
    if !items.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(if last { b"]\n" } else { b"],\n" })
}

/// Streams the report (`--format json`).
pub fn write(run: &RunResult, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(b"{\n  \"version\": 1,\n")?;
    writeln!(out, "  \"policy\": {},", Value::from(run.policy.clone()))?;
    write_array(out, "files", &run.files, file_value, false)?;
    write_array(out, "diagnostics", &run.diagnostics, diagnostic, false)?;
    write_array(
        out,
        "policy_warnings",
        &policy_warnings(run),
        |v| v.clone(),
        false,
    )?;
    let s = serde_json::to_string_pretty(&summary(run)).map_err(std::io::Error::other)?;
    writeln!(out, "  \"summary\": {}", s.replace('\n', "\n  "))?;
    out.write_all(b"}\n")
}

pub fn render(run: &RunResult) -> String {
    let mut buf = Vec::new();
    let _ = write(run, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}
