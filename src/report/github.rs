//! GitHub Actions workflow commands (`--format github`):
//! `::error file=...,line=...,title=...::message`.

use crate::check::Severity;
use crate::run::RunResult;

fn esc_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn esc_prop(s: &str) -> String {
    esc_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one workflow command per finding.
pub fn write(run: &RunResult, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for d in run.each_diagnostic() {
        let cmd = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![format!("file={}", esc_prop(&d.file))];
        if let Some(c) = d.cell {
            props.push(format!("line={}", c.row1()));
            props.push(format!("col={}", c.col + 1));
        }
        let where_ = match (&d.sheet, d.cell) {
            (Some(s), Some(c)) => format!("{s} › {}", c.a1()),
            (Some(s), None) => s.clone(),
            _ => String::new(),
        };
        let title = if where_.is_empty() {
            d.rule.clone()
        } else {
            format!("{} ({where_})", d.rule)
        };
        props.push(format!("title={}", esc_prop(&title)));
        writeln!(
            out,
            "::{cmd} {}::{}",
            props.join(","),
            esc_data(&format!("{} — {}", d.message, d.help))
        )?;
    }
    Ok(())
}

pub fn render(run: &RunResult) -> String {
    super::to_string(|out| write(run, out))
}
