//! The machine-readable report (`--format json`): the contract of `docs/json-report.md`.
//! Fields may be added, never renamed or removed.

use crate::check::{Diagnostic, FixValue, Severity};
use crate::run::RunResult;
use serde_json::{Value, json};

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

/// The whole report as one JSON value (tests and small runs): [`render`] read back, so that
/// the report has one writer.
pub fn to_value(run: &RunResult) -> Value {
    serde_json::from_str(&render(run)).unwrap_or(Value::Null)
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

/// A JSON string, escaped as serde_json escapes it (no `String` built on the way).
fn push_str(out: &mut Vec<u8>, v: &str) {
    // Writing to a Vec cannot fail, and a `str` always serializes.
    let _ = serde_json::to_writer(&mut *out, v);
}

fn push_opt(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(v) => push_str(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

/// The fields of one object of the report's arrays, written as `serde_json::to_string_pretty`
/// writes them at that depth (fields indented by six spaces, the closing brace by four).
/// Fields must come in the order serde_json sorts keys.
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Fields<'o> {
    fn open(out: &'o mut Vec<u8>) -> Fields<'o> {
        out.push(b'{');
        Fields { out, first: true }
    }

    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(b"\n      \"");
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\": ");
        self.out
    }

    fn str(&mut self, k: &str, v: &str) {
        push_str(self.key(k), v);
    }

    fn opt(&mut self, k: &str, v: Option<&str>) {
        push_opt(self.key(k), v);
    }

    fn int(&mut self, k: &str, v: Option<u64>) {
        let out = self.key(k);
        match v {
            Some(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
    }

    fn close(self) {
        self.out.extend_from_slice(b"\n    }");
    }
}

/// Appends one diagnostic exactly as `serde_json::to_string_pretty` would write it as a JSON
/// object of its fields (the contract's keys, sorted) at its place in the report, without building the value (the report of a state
/// has tens of thousands of findings).
fn push_diagnostic(out: &mut Vec<u8>, d: &Diagnostic) {
    let mut o = Fields::open(out);
    o.opt("cell", d.cell.map(|c| c.a1()).as_deref());
    o.str("file", &d.file);
    if let Some(f) = &d.fix {
        let out = o.key("fix");
        out.extend_from_slice(b"{\n        \"cell\": ");
        push_str(out, &f.cell.a1());
        out.extend_from_slice(b",\n        \"value\": ");
        let _ = match &f.value {
            FixValue::Number(n) => serde_json::to_writer(&mut *out, n),
            FixValue::Text(t) => serde_json::to_writer(&mut *out, t),
        };
        out.extend_from_slice(b"\n      }");
    }
    o.str("help", &d.help);
    o.str("kind", d.kind.as_str());
    o.str("message", &d.message);
    o.opt("meta", d.meta.as_deref());
    o.int("row", d.cell.map(|c| u64::from(c.row1())));
    o.str("rule", &d.rule);
    o.str("severity", d.severity.as_str());
    o.opt("sheet", d.sheet.as_deref());
    o.close();
}

/// Appends one file's line as `serde_json::to_string_pretty` would write it as a JSON object
/// at its place in the report.
fn push_file(out: &mut Vec<u8>, f: &crate::run::FileSummary) {
    let mut o = Fields::open(out);
    let n = |v: usize| Some(v as u64);
    o.int("errors", n(f.errors));
    o.str("file", &f.file);
    o.int("infos", n(f.infos));
    o.int("metas", n(f.metas));
    if let Some(p) = &f.problem {
        o.str("problem", p);
    }
    o.int("sheets", n(f.sheets));
    let _ = serde_json::to_writer(&mut *o.key("status"), &f.status);
    o.int("warnings", n(f.warnings));
    o.close();
}

/// One file's findings as they stand in the report's `diagnostics` array, separated by
/// commas: what [`write()`] copies for a file whose findings did not change after its checks.
/// The run calls it in its workers ([`crate::run::Options::prerender`]), so this part of the
/// report is written in parallel, as the files are checked, instead of after the last one.
pub fn prerender(diags: &[Diagnostic], out: &mut Vec<u8>) {
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n    ");
        }
        push_diagnostic(out, d);
    }
}

/// Streams the report (`--format json`).
pub fn write(run: &RunResult, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(b"{\n  \"version\": 1,\n")?;
    writeln!(out, "  \"policy\": {},", Value::from(run.policy.clone()))?;
    out.write_all(b"  \"files\": [")?;
    let mut buf = Vec::new();
    for (i, f) in run.files.iter().enumerate() {
        buf.clear();
        buf.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
        push_file(&mut buf, f);
        out.write_all(&buf)?;
    }
    out.write_all(if run.files.is_empty() {
        b"],\n"
    } else {
        b"\n  ],\n"
    })?;
    out.write_all(b"  \"diagnostics\": [")?;
    let mut any = false;
    for i in 0..run.files.len() {
        if run.files[i].findings() == 0 {
            continue;
        }
        let text = run.prerendered(i).unwrap_or_else(|| {
            let mut text = Vec::new();
            prerender(&run.file_diagnostics(i), &mut text);
            text
        });
        if text.is_empty() {
            continue;
        }
        out.write_all(if any { b",\n    " } else { b"\n    " })?;
        out.write_all(&text)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::engine::FileStatus;
    use crate::check::{Fix, Kind};
    use crate::model::CellRef;
    use crate::run::FileSummary;

    /// The contract's fields of a diagnostic, built the obvious way: what [`push_diagnostic`]
    /// must write.
    fn diagnostic(d: &Diagnostic) -> Value {
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

    /// The same for a file's line ([`push_file`]).
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

    /// serde_json's pretty text of `v` at the depth of an element of a report array.
    fn pretty(v: &Value) -> String {
        serde_json::to_string_pretty(v)
            .unwrap()
            .replace('\n', "\n    ")
    }

    /// Texts serde_json escapes in every way it knows: quotes, backslashes, controls with and
    /// without a short escape, DEL, accents, a character outside the BMP.
    const ODD: [&str; 4] = [
        "",
        "ING. PEDRO \"EL INGE\" SOTO \\ C:\\ruta",
        "línea\nsegunda\tcol\r\u{8}\u{c}\u{1}\u{1f}\u{7f}",
        "ÁÉÍÓÚÑ ü « » — 😀",
    ];

    #[test]
    fn diagnostics_and_file_lines_are_written_as_serde_json_writes_them() {
        let mut n = 0;
        for (i, text) in ODD.iter().enumerate() {
            for fix in [
                None,
                Some(FixValue::Number(4.0)),
                Some(FixValue::Number(0.3333333333333333)),
                Some(FixValue::Text(text.to_string())),
            ] {
                let cell = (i % 2 == 0).then(|| CellRef::new(27 + i as u32, 13));
                let d = Diagnostic {
                    rule: format!("regla-{text}"),
                    kind: Kind::Percent,
                    severity: Severity::Warning,
                    file: format!("capturas/{text}.xlsx"),
                    sheet: (i != 1).then(|| text.to_string()),
                    sheet_index: 0,
                    cell,
                    meta: (i != 2).then(|| format!("{i}.1")),
                    message: text.repeat(2),
                    help: format!("Corrija {text}"),
                    fix: fix.map(|value| Fix {
                        cell: CellRef::new(3, 4),
                        value,
                    }),
                    related: Vec::new(),
                    manual: false,
                    context: None,
                };
                let mut out = Vec::new();
                push_diagnostic(&mut out, &d);
                assert_eq!(String::from_utf8(out).unwrap(), pretty(&diagnostic(&d)));
                n += 1;
            }
            let f = FileSummary {
                file: format!("capturas/{text}.xlsx"),
                status: [FileStatus::Ok, FileStatus::NotCapture][i % 2],
                sheets: i,
                metas: 10 * i,
                problem: (i % 2 == 1).then(|| text.to_string()),
                errors: i,
                warnings: 2 * i,
                infos: 3 * i,
            };
            let mut out = Vec::new();
            push_file(&mut out, &f);
            assert_eq!(String::from_utf8(out).unwrap(), pretty(&file_value(&f)));
        }
        assert_eq!(n, 16);
    }
}
