//! SARIF 2.1.0 (`--format sarif`): one run; the rules, with their documentation, as
//! `tool.driver.rules`; each result with the workbook as artifact location, the sheet and cell
//! as a logical location, and the row as region.

use crate::check::policy::Effective;
use crate::check::{Diagnostic, Severity};
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

fn rule_values(rules: &[&crate::check::rules::RuleDef]) -> Vec<Value> {
    rules
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
        .collect()
}

fn result(d: &Diagnostic, rules: &[&crate::check::rules::RuleDef]) -> Value {
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
}

/// The log without its results (they are streamed into `runs[0].results`).
fn skeleton(run: &RunResult, policy: &Effective) -> Value {
    let rules: Vec<&crate::check::rules::RuleDef> = policy.rules.iter().map(|r| &r.def).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "poalint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/poalint",
                "rules": rule_values(&rules),
            }},
            "columnKind": "unicodeCodePoints",
            "properties": {"policy": run.policy},
        }]
    })
}

/// The whole log as one value (tests).
pub fn to_value(run: &RunResult, policy: &Effective) -> Value {
    let rules: Vec<&crate::check::rules::RuleDef> = policy.rules.iter().map(|r| &r.def).collect();
    let mut v = skeleton(run, policy);
    v["runs"][0]["results"] = run.each_diagnostic().map(|d| result(&d, &rules)).collect();
    v
}

/// Marks where the results go in the serialized skeleton.
const RESULTS_MARK: &str = "@@poalint-results@@";

/// Streams the log: the skeleton with the results written one by one in their place.
pub fn write(
    run: &RunResult,
    policy: &Effective,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let rules: Vec<&crate::check::rules::RuleDef> = policy.rules.iter().map(|r| &r.def).collect();
    let mut v = skeleton(run, policy);
    v["runs"][0]["results"] = json!(RESULTS_MARK);
    let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
    // Keys are sorted, so `results` is never the run's last key: its line ends with a comma.
    let line = format!("\"results\": \"{RESULTS_MARK}\",\n");
    let Some(at) = text.find(&line) else {
        return Err(std::io::Error::other("SARIF: forma inesperada"));
    };
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    out.write_all(&text.as_bytes()[..start])?;
    super::json::write_array(
        out,
        "results",
        &text[start..at],
        run.each_diagnostic(),
        |d| result(d, &rules),
        false,
    )?;
    out.write_all(&text.as_bytes()[at + line.len()..])?;
    out.write_all(b"\n")
}

pub fn render(run: &RunResult, policy: &Effective) -> String {
    super::to_string(|out| write(run, policy, out))
}
