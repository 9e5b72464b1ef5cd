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
        "diagnostics": run.each_diagnostic().map(|d| diagnostic(&d)).collect::<Vec<_>>(),
        "policy_warnings": policy_warnings(run),
        "summary": summary(run),
    })
}

/// Writes an array element by element, so a report of a whole state never exists in memory
/// (the findings come one file at a time from the run's spill).
pub fn write_array<T>(
    out: &mut dyn std::io::Write,
    key: &str,
    indent: &str,
    items: impl Iterator<Item = T>,
    f: impl Fn(&T) -> Value,
    last: bool,
) -> std::io::Result<()> {
    write!(out, "{indent}\"{key}\": [")?;
    let inner = format!("\n{indent}  ");
    let mut any = false;
    for (i, it) in items.enumerate() {
        let text = serde_json::to_string_pretty(&f(&it)).map_err(std::io::Error::other)?;
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(inner.as_bytes())?;
        out.write_all(text.replace('\n', &inner).as_bytes())?;
        any = true;
    }
    if any {
        write!(out, "\n{indent}")?;
    }
    out.write_all(if last { b"]\n" } else { b"],\n" })
}

/// Writes one diagnostic exactly as `serde_json::to_string_pretty(&diagnostic(d))` would,
/// indented by `indent`, without building the value (the report of a state has tens of
/// thousands of findings). Keys in the order serde_json sorts them.
fn write_diagnostic(
    out: &mut dyn std::io::Write,
    d: &Diagnostic,
    indent: &str,
) -> std::io::Result<()> {
    fn s(v: &str) -> String {
        serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into())
    }
    fn opt(v: Option<&str>) -> String {
        v.map_or_else(|| "null".to_string(), s)
    }
    let i1 = format!("{indent}  ");
    let cell = d.cell.map(|c| c.a1());
    let mut text = String::with_capacity(256 + d.message.len() + d.help.len());
    let mut field = |k: &str, v: &str, first: bool| {
        if !first {
            text.push(',');
        }
        text.push('\n');
        text.push_str(&i1);
        text.push('"');
        text.push_str(k);
        text.push_str("\": ");
        text.push_str(v);
    };
    field("cell", &opt(cell.as_deref()), true);
    field("file", &s(&d.file), false);
    if let Some(f) = &d.fix {
        let value = match &f.value {
            FixValue::Number(n) => serde_json::to_string(n).unwrap_or_else(|_| "null".into()),
            FixValue::Text(t) => s(t),
        };
        let i2 = format!("{i1}  ");
        let v = format!(
            "{{\n{i2}\"cell\": {},\n{i2}\"value\": {value}\n{i1}}}",
            s(&f.cell.a1())
        );
        field("fix", &v, false);
    }
    field("help", &s(&d.help), false);
    field("kind", &s(d.kind.as_str()), false);
    field("message", &s(&d.message), false);
    field("meta", &opt(d.meta.as_deref()), false);
    let row = d
        .cell
        .map_or_else(|| "null".to_string(), |c| c.row1().to_string());
    field("row", &row, false);
    field("rule", &s(&d.rule), false);
    field("severity", &s(d.severity.as_str()), false);
    field("sheet", &opt(d.sheet.as_deref()), false);
    out.write_all(b"{")?;
    out.write_all(text.as_bytes())?;
    write!(out, "\n{indent}}}")
}

/// Streams the report (`--format json`).
pub fn write(run: &RunResult, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(b"{\n  \"version\": 1,\n")?;
    writeln!(out, "  \"policy\": {},", Value::from(run.policy.clone()))?;
    write_array(
        out,
        "files",
        "  ",
        run.files.iter(),
        |f| file_value(f),
        false,
    )?;
    out.write_all(b"  \"diagnostics\": [")?;
    let mut any = false;
    for (i, d) in run.each_diagnostic().enumerate() {
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        write_diagnostic(out, &d, "    ")?;
        any = true;
    }
    out.write_all(if any { b"\n  ],\n" } else { b"],\n" })?;
    write_array(
        out,
        "policy_warnings",
        "  ",
        policy_warnings(run).into_iter(),
        |v| v.clone(),
        false,
    )?;
    let s = serde_json::to_string_pretty(&summary(run)).map_err(std::io::Error::other)?;
    writeln!(out, "  \"summary\": {}", s.replace('\n', "\n  "))?;
    out.write_all(b"}\n")
}

pub fn render(run: &RunResult) -> String {
    super::to_string(|out| write(run, out))
}
