//! **report**: a [`RunResult`](crate::run::RunResult) → text for people and machines.
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

/// Writes a run in the chosen format (JSON is streamed; the others are small enough to build).
pub fn write(
    fmt: Format,
    run: &RunResult,
    policy: &Effective,
    opts: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match fmt {
        Format::Json => json::write(run, out),
        _ => out.write_all(render(fmt, run, policy, opts).as_bytes()),
    }
}

/// Renders a run in the chosen format.
pub fn render(fmt: Format, run: &RunResult, policy: &Effective, opts: &ReportOptions) -> String {
    match fmt {
        Format::Human => human::render(run, opts),
        Format::Json => json::render(run),
        Format::Sarif => sarif::render(run, policy),
        Format::Github => github::render(run),
        Format::Csv => csv::render(run),
    }
}
