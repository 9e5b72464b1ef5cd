//! SARIF 2.1.0 (`--format sarif`): one run; the rules, with their documentation, as
//! `tool.driver.rules`; each result with the workbook as artifact location, the sheet and cell
//! as a logical location, and the row as region.

use crate::check::Severity;
use crate::check::policy::Effective;
use crate::run::RunResult;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a path: `/` separators, unsafe bytes percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn to_value(run: &RunResult, policy: &Effective) -> Value {
    let rules: Vec<&crate::check::rules::RuleDef> = policy.rules.iter().map(|r| &r.def).collect();
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.doc.what},
                "fullDescription": {"text": format!("{} {}", r.doc.what, r.doc.why)},
                "help": {"text": format!("{}\n\nEjemplo: {}", r.help, r.doc.example)},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"kind": r.kind.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = run
        .diagnostics
        .iter()
        .map(|d| {
            let mut phys = json!({"artifactLocation": {"uri": uri(&d.file)}});
            if let Some(c) = d.cell {
                phys["region"] = json!({"startLine": c.row1(), "startColumn": c.col + 1});
            }
            let mut loc = json!({"physicalLocation": phys});
            if let Some(sheet) = &d.sheet {
                let name = d.cell.map(|c| c.a1()).unwrap_or_else(|| sheet.clone());
                let fq = match d.cell {
                    Some(c) => format!("{}!{}", sheet, c.a1()),
                    None => sheet.clone(),
                };
                loc["logicalLocations"] =
                    json!([{"name": name, "fullyQualifiedName": fq, "kind": "element"}]);
            }
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": {"text": format!("{} ({})", d.message, d.help)},
                "locations": [loc],
                "properties": {"kind": d.kind.as_str(), "meta": d.meta, "sheet": d.sheet},
            });
            if let Some(i) = rules.iter().position(|x| x.id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "poalint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/poalint",
                "rules": rule_values,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"policy": run.policy},
        }]
    })
}

pub fn render(run: &RunResult, policy: &Effective) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(run, policy)).unwrap_or_default();
    s.push('\n');
    s
}
