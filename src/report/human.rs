//! The default output, for a person: each finding through miette, with its location
//! (`archivo.xlsx › Hoja › D14`), the rule id, the message with the numbers involved, the
//! meta's row drawn as a small labelled table with the offending cells marked, and the help;
//! then a summary per file and in total.

use crate::check::{Diagnostic, Severity};
use crate::run::RunResult;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::collections::BTreeMap;
use std::fmt;

use super::ReportOptions;

struct Shown<'a> {
    d: &'a Diagnostic,
    src: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.d.location(), self.d.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({})",
            self.d.rule,
            self.d.kind.as_str()
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut h = self.d.help.clone();
        if let Some(fix) = &self.d.fix {
            let v = match &fix.value {
                // ACUMULADO RELATIVO is a fraction in the report and the workbook: 154.62%.
                crate::check::FixValue::Number(n) if self.d.kind == crate::check::Kind::Percent => {
                    crate::check::kinds::pct(*n)
                }
                crate::check::FixValue::Number(n) => crate::model::fmt_num(*n),
                crate::check::FixValue::Text(t) => t.clone(),
            };
            h.push_str(&format!("\nvalor sugerido para {}: {}", fix.cell.a1(), v));
        }
        Some(Box::new(h))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.clone().into_iter()))
        }
    }
}

fn shown(d: &Diagnostic) -> Shown<'_> {
    let Some(ctx) = &d.context else {
        return Shown {
            d,
            src: None,
            labels: Vec::new(),
        };
    };
    // Two lines: headers and values, columns padded to the same width.
    let mut head = String::new();
    let mut vals = String::new();
    let mut spans: Vec<(usize, usize, crate::model::CellRef)> = Vec::new();
    for (i, (h, v, cell)) in ctx.columns.iter().enumerate() {
        let w = h.chars().count().max(v.chars().count());
        if i > 0 {
            head.push_str(" │ ");
            vals.push_str(" │ ");
        }
        head.push_str(&format!("{:<w$}", h, w = w));
        let start = vals.len();
        vals.push_str(v);
        spans.push((start, v.len(), *cell));
        let pad = w - v.chars().count();
        vals.push_str(&" ".repeat(pad));
    }
    let offset = head.len() + 1;
    let text = format!("{head}\n{vals}");
    let mut labels = Vec::new();
    for (start, len, cell) in &spans {
        let label = if Some(*cell) == d.cell {
            Some(d.cell.map(|c| c.a1()).unwrap_or_default())
        } else {
            d.related
                .iter()
                .find(|r| r.cell == *cell)
                .map(|r| format!("{} ({})", r.label, cell.a1()))
        };
        if let Some(l) = label {
            let span: SourceSpan = (offset + start, (*len).max(1)).into();
            if Some(*cell) == d.cell {
                labels.insert(0, LabeledSpan::new_primary_with_span(Some(l), span));
            } else {
                labels.push(LabeledSpan::new_with_span(Some(l), span));
            }
        }
    }
    Shown {
        d,
        src: Some(NamedSource::new(format!("fila {}", ctx.row), text)),
        labels,
    }
}

/// Renders one diagnostic (also used by tests, with colours off and a fixed width).
pub fn render_one(d: &Diagnostic, color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // The source is named after the row (`fila 24`): its line and column would mean nothing.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .without_primary_span_start();
    let mut out = String::new();
    let s = shown(d);
    let _ = handler.render_report(&mut out, &s);
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the summary: a line per file with findings, then the totals. Line by line, so that a
/// state's 10,000 files never sit in memory as one text (that text was 1.5 MB more at the
/// peak of a 10,000-capture run).
pub fn write_summary(run: &RunResult, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut any = false;
    for f in &run.files {
        if f.errors + f.warnings == 0 {
            continue;
        }
        if !any {
            out.write_all("Resumen por archivo:\n".as_bytes())?;
            any = true;
        }
        writeln!(
            out,
            "  {}: {}, {}",
            f.file,
            plural(f.errors, "error", "errores"),
            plural(f.warnings, "advertencia", "advertencias")
        )?;
    }
    if any {
        out.write_all(b"\n")?;
    }
    let unreadable = run
        .files
        .iter()
        .filter(|f| f.status != crate::check::engine::FileStatus::Ok)
        .count();
    write!(
        out,
        "Total: {} ({} sin capturas legibles), {}, {}; {}, {}, {}",
        plural(run.files.len(), "archivo", "archivos"),
        unreadable,
        plural(run.sheets(), "hoja", "hojas"),
        plural(run.metas(), "meta", "metas"),
        plural(run.count(Severity::Error), "error", "errores"),
        plural(run.count(Severity::Warning), "advertencia", "advertencias"),
        plural(run.count(Severity::Info), "aviso", "avisos"),
    )?;
    if run.accepted > 0 {
        write!(
            out,
            "; {} por excepción de la política",
            plural(run.accepted, "hallazgo aceptado", "hallazgos aceptados")
        )?;
    }
    out.write_all(b"\n")?;
    write_unused_exceptions(run, out)
}

/// One warning line per policy exception that matched no finding.
pub fn write_unused_exceptions(
    run: &RunResult,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for e in &run.unused_exceptions {
        writeln!(
            out,
            "advertencia: la excepción de {} para la regla «{}» en «{}» no coincidió con ningún hallazgo (motivo: {}); elimínela si ya no hace falta",
            e.source, e.rule, e.file, e.motivo
        )?;
    }
    Ok(())
}

pub fn statistics(run: &RunResult) -> String {
    let mut by: BTreeMap<(String, &str, &str), usize> = BTreeMap::new();
    for d in run.each_diagnostic() {
        *by.entry((d.rule, d.kind.as_str(), d.severity.as_str()))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::from("Hallazgos por regla:\n");
    for ((rule, kind, sev), n) in rows {
        out.push_str(&format!("{n:>6}  {rule:<28} {kind:<14} {sev}\n"));
    }
    out
}

/// Writes the findings one at a time, then the statistics and the summary.
pub fn write(
    run: &RunResult,
    opts: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let width = opts.width.unwrap_or(100);
    if !opts.quiet {
        for d in run.each_diagnostic() {
            out.write_all(render_one(&d, opts.color, width).as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    if opts.statistics {
        out.write_all(statistics(run).as_bytes())?;
        out.write_all(b"\n")?;
    }
    write_summary(run, out)
}

pub fn render(run: &RunResult, opts: &ReportOptions) -> String {
    super::to_string(|out| write(run, opts, out))
}
