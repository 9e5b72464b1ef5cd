//! `poalint lint`: discover → read and check each file in parallel → cross-file checks →
//! exceptions → one sorted, deterministic result for the reporters and the fix-up writer.

use crate::check::engine::{Engine, Exceptions, FileReport, FileStatus};
use crate::check::facts::SheetFacts;
use crate::check::policy::{Effective, Excepcion};
use crate::check::{Diagnostic, Severity};
use crate::model::Workbook;
use crate::read::discover::{Filters, WalkProblem, discover};
use rayon::prelude::*;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Options of a lint run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Worker threads; 0 = all cores.
    pub jobs: usize,
    /// Keep the workbooks in memory for the fix-up writer.
    pub keep_workbooks: bool,
    /// Draw each finding's meta row (human output).
    pub row_context: bool,
}

/// One file's line in the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileSummary {
    pub file: String,
    pub status: FileStatus,
    pub sheets: usize,
    pub metas: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// The result of a run.
pub struct RunResult {
    pub policy: String,
    pub files: Vec<FileSummary>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by a policy exception.
    pub accepted: usize,
    pub unused_exceptions: Vec<Excepcion>,
    pub walk_problems: Vec<WalkProblem>,
    /// Workbooks by path (only with `keep_workbooks`).
    pub workbooks: Vec<Workbook>,
}

impl RunResult {
    pub fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }
    pub fn sheets(&self) -> usize {
        self.files.iter().map(|f| f.sheets).sum()
    }
    pub fn metas(&self) -> usize {
        self.files.iter().map(|f| f.metas).sum()
    }
}

/// How a path is shown: as given on the command line (relative stays relative).
pub fn display_path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().to_string();
    s.strip_prefix("./").map(|x| x.to_string()).unwrap_or(s)
}

fn panic_message(e: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = e.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        "pánico sin mensaje".to_string()
    }
}

/// Runs `poalint lint`. `progress` is called after each file with (done, total).
pub fn lint(
    policy: &Effective,
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<RunResult, String> {
    let mut include = policy.files.include.clone();
    include.extend(opts.include.iter().cloned());
    let mut exclude = policy.files.exclude.clone();
    exclude.extend(opts.exclude.iter().cloned());
    let filters = Filters::new(&include, &exclude)?;
    let (files, walk_problems) = discover(&opts.paths, &filters);
    let engine = Engine::new(policy, opts.row_context);
    let total = files.len();
    let done = AtomicUsize::new(0);
    let labels = &policy.labels;

    let cross = engine.needs_cross_file();
    let work = |path: &PathBuf| -> FileReport {
        let shown = display_path(path);
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let read = crate::read::read_path(path, &shown, labels);
            engine.check_file(&shown, read, opts.keep_workbooks)
        }));
        let mut report = match r {
            Ok(r) => r,
            Err(e) => engine.internal_error(&shown, &panic_message(e)),
        };
        if !cross {
            // Nothing compares across files: drop what only such checks need, now.
            report.facts = Vec::new();
        }
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        report
    };
    let reports: Vec<FileReport> = if opts.jobs == 1 {
        files.iter().map(work).collect()
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs)
            .build()
            .map_err(|e| e.to_string())?;
        pool.install(|| files.par_iter().map(work).collect())
    };

    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut summaries = Vec::new();
    let mut workbooks = Vec::new();
    let mut all_facts: Vec<SheetFacts> = Vec::new();
    for mut r in reports {
        summaries.push(FileSummary {
            file: r.path.clone(),
            status: r.status,
            sheets: r.sheets,
            metas: r.metas,
            problem: r.problem.clone(),
            errors: 0,
            warnings: 0,
            infos: 0,
        });
        diagnostics.append(&mut r.diagnostics);
        if cross {
            all_facts.append(&mut r.facts);
        }
        if let Some(wb) = r.workbook.take() {
            workbooks.push(wb);
        }
    }
    for w in &walk_problems {
        let r = engine.unreadable(
            &w.path,
            &crate::read::sniff::ReadProblem::Io(w.message.clone()),
        );
        summaries.push(FileSummary {
            file: r.path.clone(),
            status: r.status,
            sheets: 0,
            metas: 0,
            problem: r.problem.clone(),
            errors: 0,
            warnings: 0,
            infos: 0,
        });
        diagnostics.extend(r.diagnostics);
    }
    summaries.sort_by(|a, b| a.file.cmp(&b.file));
    if cross {
        let refs: Vec<&SheetFacts> = all_facts.iter().collect();
        diagnostics.extend(engine.check_cross_file(&refs));
    }
    // Exceptions.
    let mut exc = Exceptions::new(policy);
    let before = diagnostics.len();
    diagnostics.retain(|d| !exc.accepts(d));
    let accepted = before - diagnostics.len();
    let unused_exceptions = exc.unused().into_iter().cloned().collect();

    diagnostics.sort_by_key(|d| d.sort_key());
    let index: std::collections::HashMap<String, usize> = summaries
        .iter()
        .enumerate()
        .map(|(i, s)| (s.file.clone(), i))
        .collect();
    for d in &diagnostics {
        if let Some(s) = index.get(&d.file).map(|i| &mut summaries[*i]) {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
    }
    Ok(RunResult {
        policy: policy.name.clone(),
        files: summaries,
        diagnostics,
        accepted,
        unused_exceptions,
        walk_problems,
        workbooks,
    })
}
