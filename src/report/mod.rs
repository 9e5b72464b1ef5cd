//! **report**: a [`crate::run::RunResult`] → text for people and machines.
//!
//! One file per output format; a new format is a new file and one arm in [`Format`].
//! - [`human`]: miette, the default, for a person at a terminal;
//! - [`json`]: the stable contract of `docs/json-report.md`;
//! - [`sarif`]: SARIF 2.1.0 for code-scanning tools;
//! - [`github`]: GitHub Actions workflow commands;
//! - [`csv`]: one row per finding, for Excel.

pub mod csv;
pub mod github;
pub mod human;
pub mod inspect;
pub mod json;
pub mod progress;
pub mod sarif;

use crate::check::policy::Effective;
use crate::run::RunResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Csv,
}

/// Options shared by the reporters.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub quiet: bool,
    pub statistics: bool,
    pub color: bool,
    pub width: Option<usize>,
}

/// Writes a run in the chosen format. Every format is streamed: the findings are read back
/// from the run one file at a time and written as they come.
pub fn write(
    fmt: Format,
    run: &RunResult,
    policy: &Effective,
    opts: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match fmt {
        Format::Human => human::write(run, opts, out),
        Format::Json => json::write(run, out),
        Format::Sarif => sarif::write(run, policy, out),
        Format::Github => github::write(run, out),
        Format::Csv => csv::write(run, out),
    }
}

/// Renders a run in the chosen format (tests and small runs).
pub fn render(fmt: Format, run: &RunResult, policy: &Effective, opts: &ReportOptions) -> String {
    to_string(|out| write(fmt, run, policy, opts, out))
}

/// What a streaming writer writes, as a string.
fn to_string(f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    let _ = f(&mut buf);
    String::from_utf8(buf).unwrap_or_default()
}
