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

pub fn to_value(run: &RunResult) -> Value {
    let files: Vec<Value> = run
        .files
        .iter()
        .map(|f| {
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
        })
        .collect();
    let policy_warnings: Vec<Value> = run
        .unused_exceptions
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
        .collect();
    json!({
        "version": 1,
        "policy": run.policy,
        "files": files,
        "diagnostics": run.diagnostics.iter().map(diagnostic).collect::<Vec<_>>(),
        "policy_warnings": policy_warnings,
        "summary": {
            "files": run.files.len(),
            "sheets": run.sheets(),
            "metas": run.metas(),
            "errors": run.count(Severity::Error),
            "warnings": run.count(Severity::Warning),
            "infos": run.count(Severity::Info),
            "accepted": run.accepted,
            "unused_exceptions": run.unused_exceptions.len(),
        }
    })
}

pub fn render(run: &RunResult) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(run)).unwrap_or_default();
    s.push('\n');
    s
}
