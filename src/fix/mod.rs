//! **fix**: fix-up workbooks for each dependencia and the office's summary workbook.
//!
//! `poalint lint DIR --fix-dir OUT` writes, for every workbook with at least one finding that is
//! not just an `info`:
//!
//! - `OUT/<stem>-correcciones.xlsx`: a `Diagnósticos` sheet (one row per finding, with a link
//!   to its cell) and every capture sheet rebuilt as a clean TMM-F004 with every value at the
//!   cell it had in the input, the computable corrections written (the diagnostics' `fix`
//!   values) and every flagged cell filled by severity with a note;
//! - `OUT/resumen.xlsx`: findings per dependencia and unidad, the compliance of every meta at
//!   the cut-off, and a chart of findings per dependencia.
//!
//! Inputs are never written. Each fix-up workbook is built by the worker that has just checked
//! its file (the workbook is dropped right after, so memory does not grow with the number of
//! files), written to a temporary name in OUT and renamed, so an interrupted run never leaves a
//! half-written workbook under its final name. Existing outputs are replaced only with
//! `--force`, and that is checked for every possible output before any file is read
//! ([`Writer::prepare`]). The output is byte-identical for the same input.
//!
//! Both are written by `xlsx` (src/fix/xlsx), a direct SpreadsheetML writer made for them
//! (one book per capture with findings: rust_xlsxwriter's general API cost three times what
//! reading the capture does); the summary's sheets are written row by row and deflated as
//! they go, so a state's `Metas` never sits in memory.

mod book;
mod resumen;
mod sheet;
mod style;
mod xlsx;

pub use book::{COLUMNS as DIAGNOSTICOS_COLUMNS, DIAGNOSTICOS};
pub use resumen::{NO_FINDINGS, ONLY_INFOS};

use crate::check::engine::FileStatus;
use crate::check::policy::Effective;
use crate::check::{Diagnostic, Severity};
use crate::model::Workbook;
use crate::run::RunResult;
use crate::stages::{self, Stage};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Name of the summary workbook.
pub const RESUMEN: &str = "resumen.xlsx";
/// Suffix of the fix-up workbooks.
pub const SUFFIX: &str = "-correcciones.xlsx";

/// Refuses an output folder that is (or is inside, or contains) an input path.
pub fn check_out_dir(out: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let out_abs = std::path::absolute(out).map_err(|e| e.to_string())?;
    for i in inputs {
        let Ok(in_abs) = std::path::absolute(i) else {
            continue;
        };
        let in_real = std::fs::canonicalize(&in_abs).unwrap_or(in_abs.clone());
        let out_real = real_path(&out_abs);
        if out_real == in_real || out_real.starts_with(&in_real) && in_real.is_file() {
            return Err(format!(
                "la carpeta de correcciones {} no puede ser una ruta de entrada",
                out.display()
            ));
        }
        // Inside a folder being linted, the next run would lint the correcciones themselves.
        if in_real.is_dir() && out_real.starts_with(&in_real) {
            return Err(format!(
                "la carpeta de correcciones {} está dentro de la carpeta revisada {}; elija una carpeta fuera de ella (por ejemplo {})",
                out.display(),
                i.display(),
                in_real
                    .parent()
                    .map(|p| p.join("correcciones").display().to_string())
                    .unwrap_or_else(|| "../correcciones".into())
            ));
        }
    }
    Ok(())
}

/// `path` with its symbolic links resolved, also when it does not exist yet (a fix-up folder
/// to be created): its deepest existing ancestor resolved, the rest appended.
fn real_path(path: &Path) -> PathBuf {
    for ancestor in path.ancestors() {
        if let Ok(real) = std::fs::canonicalize(ancestor) {
            return match path.strip_prefix(ancestor) {
                Ok(rest) => real.join(rest),
                Err(_) => real,
            };
        }
    }
    path.to_path_buf()
}

/// How the fix-up workbooks are written.
#[derive(Debug, Clone)]
pub struct Options {
    /// Replace existing outputs.
    pub force: bool,
    /// The compliance band that needs no explanation (the `band` parameter of
    /// `observaciones-faltantes`), for the status of each meta in the summary.
    pub band: [f64; 2],
}

impl Options {
    /// Options with the band of the active policy.
    pub fn new(force: bool, policy: &Effective) -> Options {
        Options {
            force,
            band: band_of(policy),
        }
    }
}

/// The `band` of `observaciones-faltantes` in a policy (`[1, 1]` if it has none).
pub fn band_of(policy: &Effective) -> [f64; 2] {
    policy
        .rule("observaciones-faltantes")
        .and_then(|r| {
            toml::Value::Table(r.def.params.clone())
                .try_into::<crate::check::kinds::observaciones::Params>()
                .ok()
        })
        .map(|p| p.band)
        .unwrap_or([1.0, 1.0])
}

/// Author and comment of every workbook written.
const AUTHOR: &str = "poalint";
const COMMENT: &str = "Generado por poalint";

/// Creation date written in every output (fixed, so that the same input gives the same bytes).
const CREATED: &str = "2000-01-01T00:00:00Z";

/// Whether a file's findings call for a fix-up workbook (findings that are all `info` do not).
pub fn needs_fix(diags: &[&Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity != Severity::Info)
}

/// A path's file name without its extension.
fn stem_of(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| path.to_string())
}

/// A path's extension (lower case) and its parent folders.
fn split_name(path: &str) -> (String, Vec<String>) {
    let p = Path::new(path);
    let ext = p
        .extension()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let parents = p
        .parent()
        .map(|d| {
            d.components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => Some(s.to_string_lossy().to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    (ext, parents)
}

fn all_distinct(keys: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    keys.iter().all(|k| seen.insert(k.to_lowercase()))
}

/// File names of the fix-up workbooks, one per input path: `<stem>-correcciones.xlsx`; inputs
/// that share a stem get the extension and/or their parent folders added,
/// `<stem> (xls)-correcciones.xlsx`, `<stem> (capturas)-correcciones.xlsx`. Deterministic, and
/// unique ignoring case.
pub fn output_names(paths: &[&str]) -> Vec<String> {
    // Only each path's stem is kept for every input (a state's run names 10,000 outputs
    // before it starts, and whatever this makes stays in the allocator's pages): the
    // extension and the parent folders are worked out for inputs that share a stem.
    let stems: Vec<String> = paths.iter().map(|p| stem_of(p)).collect();
    // Inputs grouped by stem ignoring case, each group in input order.
    let mut by_stem: Vec<(String, usize)> = stems
        .iter()
        .enumerate()
        .map(|(i, s)| (s.to_lowercase(), i))
        .collect();
    by_stem.sort_unstable();
    let mut labels: Vec<Option<String>> = vec![None; paths.len()];
    for group in by_stem.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let members: Vec<usize> = group.iter().map(|(_, i)| *i).collect();
        for (i, label) in members.iter().zip(group_labels(paths, &members)) {
            labels[*i] = Some(label);
        }
    }
    drop(by_stem);
    let mut names: Vec<String> = stems
        .into_iter()
        .zip(labels)
        .map(|(stem, label)| match label {
            Some(l) => format!("{stem} ({l}){SUFFIX}"),
            None => stem + SUFFIX,
        })
        .collect();
    // A stem that already looks like a disambiguated one (or is `resumen`): number the later
    // duplicates, in path order. Rare, so looked for first.
    let lower = |n: &String| n.to_lowercase();
    let mut sorted: Vec<String> = names.iter().map(lower).collect();
    sorted.push(RESUMEN.to_string());
    sorted.sort_unstable();
    let clash = sorted.windows(2).any(|w| w[0] == w[1]);
    drop(sorted);
    if !clash {
        return names;
    }
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by_key(|i| paths[*i]);
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    used.insert(RESUMEN.to_string());
    for i in order {
        let mut name = names[i].clone();
        let mut n = 2;
        while used.contains(&name.to_lowercase()) {
            let base = names[i].trim_end_matches(SUFFIX);
            name = format!("{base} ({n}){SUFFIX}");
            n += 1;
        }
        used.insert(name.to_lowercase());
        names[i] = name;
    }
    names
}

/// The labels that tell apart `members` (indices of `paths`), inputs whose stems are the same
/// ignoring case: their extensions if those differ, else the fewest parent folders (with the
/// extension if needed) that differ, else numbers in path order.
fn group_labels(paths: &[&str], members: &[usize]) -> Vec<String> {
    let parts: Vec<(String, Vec<String>)> = members.iter().map(|&i| split_name(paths[i])).collect();
    let exts: Vec<String> = parts.iter().map(|(ext, _)| ext.clone()).collect();
    if all_distinct(&exts) {
        return exts;
    }
    let max_depth = parts.iter().map(|(_, ps)| ps.len()).max().unwrap_or(0);
    let parent = |j: usize, k: usize| -> String {
        let ps = &parts[j].1;
        ps[ps.len().saturating_sub(k)..].join("-")
    };
    for k in 1..=max_depth {
        for with_ext in [false, true] {
            let keys: Vec<String> = (0..members.len())
                .map(|j| {
                    let p = parent(j, k);
                    match (with_ext, p.is_empty()) {
                        (false, _) => p,
                        (true, true) => parts[j].0.clone(),
                        (true, false) => format!("{p}, {}", parts[j].0),
                    }
                })
                .collect();
            if all_distinct(&keys) && keys.iter().all(|k| !k.is_empty()) {
                return keys;
            }
        }
    }
    // Same folders and extensions (only case differs): number them in path order.
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|j| paths[members[*j]]);
    let mut keys = vec![String::new(); members.len()];
    for (n, j) in order.into_iter().enumerate() {
        keys[j] = (n + 1).to_string();
    }
    keys
}

fn tmp_name(name: &str) -> String {
    format!(".~poalint-{name}.tmp")
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename, so an interrupted run
/// never leaves a half-written workbook under its final name. No `fsync`: the outputs can be
/// written again by running poalint again, and a sync per file made a 1,000-file run wait
/// ~0.5 s more.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let tmp = dir.join(tmp_name(name));
    let target = dir.join(name);
    let result = (|| -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        std::fs::rename(&tmp, &target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("no se pudo escribir {}: {e}", target.display())
    })
}

/// Writes the fix-up workbooks of a run as its workers check the files, then `resumen.xlsx`.
///
/// [`Writer::prepare`] runs before any file is read: it names every output and refuses to
/// replace existing ones without `--force` (or ever an input), so a run that would fail
/// fails before it starts, and nothing is written. Each worker then calls
/// [`Writer::digest`] and [`Writer::write_book`] with the file it has just checked (the first
/// puts the file's metas into `resumen.xlsx`'s `Metas` sheet right away), and
/// [`Writer::finish`] writes the rest of `resumen.xlsx` from the run.
pub struct Writer {
    dir: PathBuf,
    /// Input path as shown → output file name.
    names: HashMap<String, String>,
    /// `resumen.xlsx` as the files come in (taken by [`Writer::finish`]).
    summary: Mutex<Option<resumen::Summary>>,
    /// Where `resumen.xlsx` is written during the run, renamed when it is finished (removed
    /// if the run stops before).
    resumen_tmp: PathBuf,
    /// Every rule with a finding in the run ([`Writer::seen`]): `Resumen`'s columns.
    rules: Mutex<std::collections::BTreeSet<String>>,
}

impl Writer {
    /// Checks `dir` and names the outputs of `paths` (input paths as shown in the report).
    pub fn prepare(dir: &Path, paths: Vec<String>, opts: &Options) -> Result<Writer, String> {
        if dir.exists() && !dir.is_dir() {
            return Err(format!(
                "{} existe y no es una carpeta; indique otra carpeta para --fix-dir",
                dir.display()
            ));
        }
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let out_names = output_names(&refs);
        let mut targets: Vec<&str> = out_names.iter().map(String::as_str).collect();
        targets.push(RESUMEN);
        // Safety, before anything is read or written. Only existing entries are compared
        // with the inputs (canonicalising every input would cost a system call per file).
        let mut existing = Vec::new();
        if dir.is_dir() {
            // Each input is canonicalised once, and only when some target exists.
            let mut inputs: Option<std::collections::HashSet<PathBuf>> = None;
            for t in &targets {
                let p = dir.join(t);
                if !p.exists() {
                    continue;
                }
                let inputs = inputs.get_or_insert_with(|| {
                    paths
                        .iter()
                        .filter_map(|i| std::fs::canonicalize(i).ok())
                        .collect()
                });
                if std::fs::canonicalize(&p).is_ok_and(|c| inputs.contains(&c)) {
                    return Err(format!(
                        "{} es un archivo de entrada; poalint nunca lo reemplaza (use otra carpeta para --fix-dir)",
                        p.display()
                    ));
                }
                if p.is_dir() {
                    return Err(format!(
                        "{} es una carpeta; no se puede escribir ahí el libro",
                        p.display()
                    ));
                }
                existing.push(p.display().to_string());
            }
        }
        if !opts.force && !existing.is_empty() {
            let n = existing.len();
            let shown = if n > 5 {
                format!("{} y {} más", existing[..5].join(", "), n - 5)
            } else {
                existing.join(", ")
            };
            return Err(format!(
                "ya existe{} {shown}; use --force para reemplazar{}",
                if n > 1 { "n" } else { "" },
                if n > 1 { "los" } else { "lo" },
            ));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("no se pudo crear la carpeta {}: {e}", dir.display()))?;
        // Unique to this run: the summary's file is written for the whole run.
        let resumen_tmp = dir.join(format!(".~poalint-{}-{RESUMEN}.tmp", std::process::id()));
        let folder = resumen::common_folder(paths.iter().map(String::as_str));
        let summary = resumen::Summary::new(opts.band, &resumen_tmp, folder)
            .map_err(|e| format!("no se pudo crear {}: {e}", dir.join(RESUMEN).display()))?;
        Ok(Writer {
            dir: dir.to_path_buf(),
            resumen_tmp,
            names: paths.into_iter().zip(out_names).collect(),
            summary: Mutex::new(Some(summary)),
            rules: Mutex::default(),
        })
    }

    /// Notes the rules of findings the report will show (a file's own, after the policy's
    /// exceptions, or those added by cross-file rules), so that [`Writer::finish`] knows the
    /// columns of `Resumen` without reading every finding back from the spill.
    pub fn seen(&self, diags: &[Diagnostic]) {
        if diags.is_empty() {
            return;
        }
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        for d in diags {
            if !rules.contains(&d.rule) {
                rules.insert(d.rule.clone());
            }
        }
    }

    /// What `resumen.xlsx` needs of one checked file, taken by its worker before the workbook
    /// is dropped: its metas go into the summary's `Metas` sheet now (`rank`: the file's place
    /// in the report; see `resumen::Summary::add`), and the rest comes back encoded for the
    /// run's spill ([`crate::run::spill`]), with the file's rows of `Resumen` counted from
    /// `diags`, its findings. `wb` is `None` for a file that could not be read.
    pub fn digest(
        &self,
        rank: usize,
        path: &str,
        wb: Option<&Workbook>,
        diags: &[&Diagnostic],
    ) -> Option<Vec<u8>> {
        stages::time(Stage::FixMetas, || {
            let mut digest = wb.map(|wb| resumen::Digest::of(wb, diags));
            let metas = digest.as_mut().map(|d| std::mem::take(&mut d.metas));
            if let Some(s) = self
                .summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
            {
                s.add(rank, path, metas);
            }
            digest.map(|d| d.encode())
        })
    }

    /// Writes the fix-up workbook of one checked file when its findings call for one
    /// ([`needs_fix`]). `diags`: the file's findings in report order. Returns the file name
    /// written.
    pub fn write_book(
        &self,
        path: &str,
        wb: &Workbook,
        diags: &[&Diagnostic],
    ) -> Result<Option<String>, String> {
        if !needs_fix(diags) {
            return Ok(None);
        }
        let Some(name) = self.names.get(path) else {
            return Err(format!(
                "{path} no estaba entre los archivos de la revisión"
            ));
        };
        let bytes = stages::time(Stage::FixBook, || book::build(wb, diags))
            .map_err(|e| format!("no se pudo generar {name}: {e}"))?;
        stages::time(Stage::FixFile, || write_atomically(&self.dir, name, &bytes))?;
        Ok(Some(name.clone()))
    }

    /// Writes `resumen.xlsx`, removes fix-up workbooks left by an earlier run for files that
    /// are clean now (they would contradict the summary), and returns a one-line summary.
    pub fn finish(&self, run: &RunResult) -> Result<String, String> {
        let rules: Vec<String> =
            std::mem::take(&mut *self.rules.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect();
        let tmp = &self.resumen_tmp;
        let summary = self
            .summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| format!("{RESUMEN} ya se escribió en esta corrida"))?;
        let built = summary
            .finish(run, &rules)
            .map_err(|e| format!("no se pudo generar {RESUMEN}: {e}"))
            .and_then(|()| {
                std::fs::rename(tmp, self.dir.join(RESUMEN))
                    .map_err(|e| format!("no se pudo escribir {RESUMEN}: {e}"))
            });
        if built.is_err() {
            let _ = std::fs::remove_file(tmp);
        }
        built?;

        let readable = |f: &crate::run::FileSummary| {
            matches!(f.status, FileStatus::Ok | FileStatus::NotCapture)
        };
        let mut written = 0;
        let mut clean = 0;
        let mut unreadable = 0;
        for (i, f) in run.files.iter().enumerate() {
            if !readable(f) {
                unreadable += 1;
            } else if run.correcciones(i).is_some() {
                written += 1;
            } else {
                clean += 1;
                if let Some(name) = self.names.get(&f.file) {
                    let stale = self.dir.join(name);
                    if stale.is_file() {
                        let _ = std::fs::remove_file(stale);
                    }
                }
            }
        }
        let mut s = format!(
            "Correcciones: {written} libro{} escrito{} en {}; {clean} libro{} sin hallazgos omitido{}",
            plural(written),
            plural(written),
            self.dir.display(),
            plural(clean),
            plural(clean),
        );
        if unreadable > 0 {
            s.push_str(&format!(
                "; {unreadable} archivo{} ilegible{} solo en el resumen",
                plural(unreadable),
                plural(unreadable)
            ));
        }
        s.push_str(&format!("; resumen: {}", self.dir.join(RESUMEN).display()));
        Ok(s)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
