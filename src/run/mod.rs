//! `poalint lint`: discover → read and check each file in parallel → cross-file checks →
//! one deterministic result for the reporters.
//!
//! Memory does not grow with the number of files: each worker reads one workbook, checks it,
//! applies the policy's exceptions, writes its fix-up workbook and its rows of the summary's
//! `Metas` sheet when asked (`--fix-dir`), and hands the file's findings to the [`spill`] (a
//! temporary file) before dropping the workbook. Workers take files in report order.
//! What stays in memory per file is its [`FileSummary`] line, and the small
//! [`SheetFacts`] only when a rule compares files.

pub mod spill;

use crate::check::engine::{Engine, Exceptions, FileReport, FileStatus};
use crate::check::facts::SheetFacts;
use crate::check::policy::{Effective, Excepcion};
use crate::check::{Diagnostic, Kind, Severity};
use crate::read::discover::{Filters, WalkProblem, discover};
use crate::stages::{self, Stage};
use rayon::prelude::*;
use spill::{Chunk, Spill};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Options of a lint run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Worker threads; 0 = all cores.
    pub jobs: usize,
    /// Draw each finding's meta row (human output).
    pub row_context: bool,
    /// Write fix-up workbooks and `resumen.xlsx` into this folder (`--fix-dir`).
    pub fix_dir: Option<PathBuf>,
    /// Replace existing fix-up outputs (`--force`).
    pub force: bool,
    /// Renders a file's findings (sorted) as the report will show them; when set, each worker
    /// does it for its file and the report copies the text instead of reading the findings
    /// back and rendering them after the last file ([`RunResult::prerendered`]). The report
    /// of a run is then written mostly in parallel.
    pub prerender: Option<Prerender>,
}

/// Renders a file's sorted findings as a report shows them ([`Options::prerender`]).
pub type Prerender = fn(&[Diagnostic], &mut Vec<u8>);

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

impl FileSummary {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// Where a file's findings and fix-up material are. One per file for the whole run: 56
/// bytes, what few files have boxed apart.
#[derive(Debug, Default)]
struct Stored {
    /// The file's own findings, sorted (in the spill).
    chunk: Option<Chunk>,
    /// The same findings rendered by [`Options::prerender`] (in the spill).
    prerendered: Option<Chunk>,
    /// What `resumen.xlsx` needs of the workbook (in the spill; only with `--fix-dir`).
    digest: Option<Chunk>,
    rare: Option<Box<Rare>>,
}

/// What only some files have.
#[derive(Debug, Default)]
struct Rare {
    /// Findings added after the file's own checks (cross-file rules), sorted.
    extra: Vec<Diagnostic>,
    /// File name of the fix-up workbook written for it (`--fix-dir`).
    correcciones: Option<String>,
}

impl Stored {
    fn extra(&self) -> &[Diagnostic] {
        self.rare.as_ref().map_or(&[], |r| &r.extra)
    }
    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }
    fn correcciones(&self) -> Option<&str> {
        self.rare.as_ref()?.correcciones.as_deref()
    }
    fn set_correcciones(&mut self, name: Option<String>) {
        if name.is_some() || self.rare.is_some() {
            self.rare().correcciones = name;
        }
    }
}

/// The result of a run. Findings are read back from the spill in report order:
/// [`RunResult::each_diagnostic`] streams them, [`RunResult::diagnostics`] collects them.
pub struct RunResult {
    pub policy: String,
    /// One line per file, sorted by path.
    pub files: Vec<FileSummary>,
    stored: Vec<Stored>,
    spill: Spill,
    /// Findings silenced by a policy exception.
    pub accepted: usize,
    pub unused_exceptions: Vec<Excepcion>,
    pub walk_problems: Vec<WalkProblem>,
    /// The fix-up writer's one-line summary (`--fix-dir`), or why it failed.
    pub fix: Option<Result<String, String>>,
}

impl RunResult {
    pub fn count(&self, s: Severity) -> usize {
        self.files
            .iter()
            .map(|f| match s {
                Severity::Error => f.errors,
                Severity::Warning => f.warnings,
                Severity::Info => f.infos,
            })
            .sum()
    }
    pub fn total(&self) -> usize {
        self.files.iter().map(FileSummary::findings).sum()
    }
    pub fn sheets(&self) -> usize {
        self.files.iter().map(|f| f.sheets).sum()
    }
    pub fn metas(&self) -> usize {
        self.files.iter().map(|f| f.metas).sum()
    }

    /// The findings of the `i`-th file of [`RunResult::files`], sorted.
    pub fn file_diagnostics(&self, i: usize) -> Vec<Diagnostic> {
        findings_of(&self.spill, &self.files[i].file, &self.stored[i])
    }

    /// The `i`-th file's findings as [`Options::prerender`] rendered them, when that text is
    /// still the whole story: `None` when the run had no renderer, the file has no findings,
    /// other files' findings were added to it (cross-file rules) or the spill failed; the
    /// reporter then renders [`RunResult::file_diagnostics`] itself.
    pub fn prerendered(&self, i: usize) -> Option<Vec<u8>> {
        let s = &self.stored[i];
        if self.findings_added(i) {
            return None;
        }
        self.spill.read(s.prerendered?).ok()
    }

    /// Whether the `i`-th file has findings its worker did not see: added by cross-file rules
    /// (or kept in memory when the spill failed). What the worker made of its findings alone
    /// (the prerendered report, `Resumen`'s counts) then misses some.
    pub fn findings_added(&self, i: usize) -> bool {
        !self.stored[i].extra().is_empty()
    }

    /// Every finding in report order (path, sheet, row, column, rule), one file at a time.
    pub fn each_diagnostic(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        (0..self.files.len())
            .filter(|i| self.files[*i].findings() > 0)
            .flat_map(|i| self.file_diagnostics(i))
    }

    /// Every finding in report order, collected (tests and small runs).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.each_diagnostic().collect()
    }

    /// The bytes stored with [`spill`] as the `i`-th file's digest (fix-up summary).
    pub fn digest(&self, i: usize) -> Option<Vec<u8>> {
        self.spill.read(self.stored[i].digest?).ok()
    }

    /// File name of the fix-up workbook written for the `i`-th file.
    pub fn correcciones(&self, i: usize) -> Option<&str> {
        self.stored[i].correcciones()
    }
}

/// A file's own findings read back from the spill, merged with those added later, sorted.
fn findings_of(spill: &Spill, file: &str, s: &Stored) -> Vec<Diagnostic> {
    let mut out = match s.chunk {
        None => Vec::new(),
        Some(c) => match spill
            .read(c)
            .map_err(|e| e.to_string())
            .and_then(|b| spill::decode_all(&b).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => vec![lost(file, &e)],
        },
    };
    if !s.extra().is_empty() {
        out.extend(s.extra().iter().cloned());
        out.sort_by(Diagnostic::report_order);
    }
    out
}

/// A finding that stands for findings the spill could not give back (an I/O error on the
/// temporary file): the report says so instead of silently dropping them.
fn lost(file: &str, why: &str) -> Diagnostic {
    Diagnostic {
        rule: "error-interno".into(),
        kind: Kind::Read,
        severity: Severity::Error,
        file: file.to_string(),
        sheet: None,
        sheet_index: 0,
        cell: None,
        meta: None,
        message: format!("no se pudieron releer los hallazgos de este archivo: {why}"),
        help: "Vuelva a ejecutar poalint; si se repite, revise el espacio libre de la carpeta temporal."
            .into(),
        fix: None,
        related: Vec::new(),
        manual: true,
        context: None,
    }
}

/// How a path is shown: as given on the command line (relative stays relative).
pub fn display_path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().to_string();
    s.strip_prefix("./").map(|x| x.to_string()).unwrap_or(s)
}

/// What a worker leaves of one file: its line, where its findings are, and its facts when a
/// rule compares files. The first two stay in memory for every file until the end of the run,
/// each in its own slot (collected where they are, with no second copy of either).
type Done = (FileSummary, Stored, Vec<SheetFacts>);

/// `n` empty slots, one per file, each set once by the worker that checks the file.
fn slots<T>(n: usize) -> Vec<OnceLock<T>> {
    (0..n).map(|_| OnceLock::new()).collect()
}

/// Applies the exceptions to a file's findings; returns how many were accepted.
fn apply_exceptions(exc: &Mutex<Exceptions>, diags: &mut Vec<Diagnostic>, any: bool) -> usize {
    if !any || diags.is_empty() {
        return 0;
    }
    let mut exc = exc.lock().unwrap_or_else(|e| e.into_inner());
    let before = diags.len();
    diags.retain(|d| !exc.accepts(d));
    before - diags.len()
}

/// The threads of a run: `jobs`, or one per core when it is 0.
fn thread_count(jobs: usize) -> usize {
    match jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Runs `f` in the run's pool, or on this thread when there is none.
fn install<R: Send>(pool: &Option<rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
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
    let (mut files, walk_problems) = discover(&opts.paths, &filters);
    // In report order (by the path as shown); each worker shows its file's path again rather
    // than every path being kept twice for the whole run.
    files.sort_by_cached_key(|p| display_path(p));
    files.shrink_to_fit();
    let writer = match &opts.fix_dir {
        Some(dir) => {
            let shown: Vec<String> = files.iter().map(|p| display_path(p)).collect();
            Some(crate::fix::Writer::prepare(
                dir,
                shown,
                &crate::fix::Options::new(opts.force, policy),
            )?)
        }
        None => None,
    };
    let engine = Engine::new(policy, opts.row_context);
    let total = files.len();
    let done = AtomicUsize::new(0);
    let labels = &policy.labels;
    let spill = Spill::new();
    let exceptions = Mutex::new(Exceptions::new(policy));
    let any_exception = !policy.excepciones.is_empty();
    let cross = engine.needs_cross_file();

    let accepted = AtomicUsize::new(0);
    // (file, what went wrong) writing its fix-up material.
    let fix_errors: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

    // `rank`: the file's place in the report (`None` for a path the walk could not read).
    let finish = |mut r: FileReport, rank: Option<usize>| -> Done {
        accepted.fetch_add(
            apply_exceptions(&exceptions, &mut r.diagnostics, any_exception),
            Ordering::Relaxed,
        );
        r.diagnostics.sort_by(Diagnostic::report_order);
        let mut summary = FileSummary {
            file: r.path.clone(),
            status: r.status,
            sheets: r.sheets,
            metas: r.metas,
            problem: r.problem.clone(),
            errors: 0,
            warnings: 0,
            infos: 0,
        };
        for d in &r.diagnostics {
            summary.add(d.severity);
        }
        let mut stored = Stored::default();
        let mut fix_error = None;
        if let Some(w) = &writer {
            w.seen(&r.diagnostics);
            let refs: Vec<&Diagnostic> = r.diagnostics.iter().collect();
            if let Some(bytes) = rank.and_then(|k| w.digest(k, &r.path, r.workbook.as_ref(), &refs))
            {
                match spill.append(&bytes) {
                    Ok(c) => stored.digest = Some(c),
                    Err(e) => fix_error = Some(format!("archivo temporal: {e}")),
                }
            }
            if let Some(wb) = &r.workbook {
                match w.write_book(&r.path, wb, &refs) {
                    Ok(name) => stored.set_correcciones(name),
                    Err(e) => fix_error = Some(e),
                }
            }
        }
        drop(r.workbook.take());
        if !r.diagnostics.is_empty() {
            if let Some(render) = opts.prerender {
                let mut text = Vec::with_capacity(640 * r.diagnostics.len());
                render(&r.diagnostics, &mut text);
                stored.prerendered = spill.append(&text).ok();
            }
            match spill.append(&spill::encode_all(&r.diagnostics)) {
                Ok(c) => stored.chunk = Some(c),
                // Keep them in memory rather than lose them.
                Err(_) => stored.rare().extra = std::mem::take(&mut r.diagnostics),
            }
        }
        if let Some(e) = fix_error {
            let mut errors = fix_errors.lock().unwrap_or_else(|e| e.into_inner());
            errors.push((summary.file.clone(), e));
        }
        let facts = if cross { r.facts } else { Vec::new() };
        (summary, stored, facts)
    };

    // `rank`: the file's place in the report, and in `files`.
    let work = |rank: usize| -> Done {
        let (path, name) = (&files[rank], &display_path(&files[rank]));
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let read = crate::read::read_path(path, name, labels);
            let report = stages::time(Stage::Check, || {
                engine.check_file(name, read, writer.is_some())
            });
            stages::time(Stage::Finish, || finish(report, Some(rank)))
        }));
        let d = match r {
            Ok(d) => d,
            Err(e) => finish(
                engine.internal_error(
                    name,
                    &crate::read::panic_text(e.as_ref())
                        .unwrap_or_else(|| "pánico sin mensaje".into()),
                ),
                Some(rank),
            ),
        };
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
        d
    };
    // Files go to the workers one at a time, in report order, from a shared counter: the
    // threads stay balanced to the last file, and resumen.xlsx's Metas sheet, written in
    // that order as files finish (see `fix::resumen::Summary`), hardly ever waits.
    // Each file's result goes to its own slot: with a growing Vec per thread the peak
    // memory was 2-8 MB higher (1,000 captures).
    let next = AtomicUsize::new(0);
    let (summary_slots, stored_slots) = (slots(total), slots(total));
    let fact_slots = slots(if cross { total } else { 0 });
    let pull = || loop {
        let rank = next.fetch_add(1, Ordering::Relaxed);
        if rank >= total {
            return;
        }
        let (summary, stored, facts) = work(rank);
        let _ = summary_slots[rank].set(summary);
        let _ = stored_slots[rank].set(stored);
        if let Some(slot) = fact_slots.get(rank) {
            let _ = slot.set(facts);
        }
    };
    // `--jobs N` is N threads: this one and N - 1 more. The thread that walked the folder
    // takes files too instead of waiting for N new ones: with N new threads on N cores, Linux
    // sometimes queued two of them on one core (the other still busy with this thread) for
    // the first 5-20 ms of the run.
    let threads = thread_count(opts.jobs);
    std::thread::scope(|s| {
        for _ in 1..threads {
            // When the system cannot start one more, the threads already running take its files.
            let _ = std::thread::Builder::new().spawn_scoped(s, pull);
        }
        pull();
    });
    // The later parallel steps (fix-up books rewritten after cross-file findings,
    // resumen.xlsx's sheets) run in a pool of as many threads, started only for them.
    let pool = match &writer {
        Some(_) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    // The paths are needed again only to rewrite a fix-up book after cross-file findings.
    let files = if cross && writer.is_some() {
        files
    } else {
        drop(files);
        Vec::new()
    };
    // In report order already (the ranks); every slot was set (a worker catches panics).
    let mut summaries: Vec<FileSummary> = summary_slots
        .into_iter()
        .filter_map(OnceLock::into_inner)
        .collect();
    let mut stored: Vec<Stored> = stored_slots
        .into_iter()
        .filter_map(OnceLock::into_inner)
        .collect();
    if !walk_problems.is_empty() {
        // Paths the walk could not read take their place in the report (rare: copies).
        let mut all: Vec<(FileSummary, Stored)> = summaries.into_iter().zip(stored).collect();
        for w in &walk_problems {
            let r = engine.unreadable(
                &w.path,
                &crate::read::sniff::ReadProblem::Io(w.message.clone()),
            );
            let (summary, s, _) = finish(r, None);
            all.push((summary, s));
        }
        all.sort_by(|a, b| a.0.file.cmp(&b.0.file));
        (summaries, stored) = all.into_iter().unzip();
    }

    let mut accepted = accepted.into_inner();
    let mut fix_errors = fix_errors.into_inner().unwrap_or_else(|e| e.into_inner());
    fix_errors.sort();
    let mut fix_errors: Vec<String> = fix_errors.into_iter().map(|(_, e)| e).collect();
    if cross {
        // In report order, as the files' ranks.
        let facts: Vec<Vec<SheetFacts>> = fact_slots
            .into_iter()
            .filter_map(OnceLock::into_inner)
            .collect();
        let all_facts: Vec<&SheetFacts> = facts.iter().flatten().collect();
        let mut extra = engine.check_cross_file(&all_facts);
        drop(all_facts);
        drop(facts);
        accepted += apply_exceptions(&exceptions, &mut extra, any_exception);
        if let Some(w) = &writer {
            w.seen(&extra);
        }
        let index: HashMap<String, usize> = summaries
            .iter()
            .enumerate()
            .rev()
            .map(|(i, f)| (f.file.clone(), i))
            .collect();
        let mut touched = Vec::new();
        for d in extra {
            if let Some(&i) = index.get(&d.file) {
                summaries[i].add(d.severity);
                stored[i].rare().extra.push(d);
                touched.push(i);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for &i in &touched {
            stored[i].rare().extra.sort_by(Diagnostic::report_order);
        }
        // Fix-up workbooks of files that got findings from other files: written again with
        // every finding (the file is read again; the workbook was dropped after its checks).
        if let Some(w) = &writer {
            let redo: Vec<usize> = touched
                .into_iter()
                .filter(|i| {
                    matches!(
                        summaries[*i].status,
                        FileStatus::Ok | FileStatus::NotCapture
                    )
                })
                .collect();
            let by_name: HashMap<String, &PathBuf> =
                files.iter().map(|p| (display_path(p), p)).collect();
            let results: Vec<(usize, Result<Option<String>, String>)> = install(&pool, || {
                redo.par_iter()
                    .map(|&i| {
                        let name = summaries[i].file.as_str();
                        let Some(path) = by_name.get(name) else {
                            return (i, Ok(stored[i].correcciones().map(str::to_string)));
                        };
                        let diags = findings_of(&spill, name, &stored[i]);
                        let r = match crate::read::read_path(path, name, labels) {
                            crate::read::FileRead::Ok { workbook, .. } => {
                                w.write_book(name, &workbook, &diags.iter().collect::<Vec<_>>())
                            }
                            crate::read::FileRead::Failed(p) => {
                                Err(format!("no se pudo releer {name}: {}", p.message()))
                            }
                        };
                        (i, r)
                    })
                    .collect()
            });
            for (i, r) in results {
                match r {
                    Ok(name) => stored[i].set_correcciones(name),
                    Err(e) => fix_errors.push(e),
                }
            }
        }
    }
    let unused_exceptions = exceptions
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .unused()
        .into_iter()
        .cloned()
        .collect();

    let mut run = RunResult {
        policy: policy.name.clone(),
        files: summaries,
        stored,
        spill,
        accepted,
        unused_exceptions,
        walk_problems,
        fix: None,
    };
    if let Some(w) = writer {
        run.fix = Some(match fix_errors.into_iter().next() {
            Some(e) => Err(e),
            None => stages::time(Stage::FixResumen, || install(&pool, || w.finish(&run))),
        });
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    /// What stays in memory per file until the report (the benchmark's 10,000 files).
    #[test]
    fn a_files_place_in_the_run_stays_small() {
        assert_eq!(std::mem::size_of::<super::Stored>(), 56);
        assert_eq!(std::mem::size_of::<Option<super::Chunk>>(), 16);
    }
}
