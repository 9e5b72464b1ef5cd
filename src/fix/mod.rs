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
//! Inputs are never written. Every file is built in memory first, then written to a temporary
//! name in OUT and renamed, so an interrupted run never leaves a half-written workbook under
//! its final name. Existing outputs are replaced only with `--force`, and that is checked for
//! every target before anything is written. The output is byte-identical for the same input.

mod book;
mod resumen;
mod sheet;
mod style;

pub use book::{COLUMNS as DIAGNOSTICOS_COLUMNS, DIAGNOSTICOS};
pub use resumen::{NO_FINDINGS, ONLY_INFOS};

use crate::check::engine::FileStatus;
use crate::check::policy::Effective;
use crate::check::{Diagnostic, Severity};
use crate::run::RunResult;
use rayon::prelude::*;
use rust_xlsxwriter::ExcelDateTime;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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
        let out_real = std::fs::canonicalize(&out_abs).unwrap_or(out_abs.clone());
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

/// The band of the policy a run used, found again by its name (built-in policies and
/// `policies/NAME.toml`); `[1, 1]` when it cannot be found. Prefer [`write_all_with`] with
/// [`Options::new`] when the [`Effective`] policy is at hand.
fn band_for_policy_name(name: &str) -> [f64; 2] {
    let Some(src) = crate::check::policy::resolve_name(name, Path::new(".")) else {
        return [1.0, 1.0];
    };
    let rules = crate::check::rules::RuleSet::builtin();
    crate::check::policy::load(&src, &rules)
        .map(|eff| band_of(&eff))
        .unwrap_or([1.0, 1.0])
}

/// Creation date written in every output (fixed, so that the same input gives the same bytes).
fn created() -> Result<ExcelDateTime, String> {
    ExcelDateTime::from_ymd(2000, 1, 1)
        .and_then(|d| d.and_hms(0, 0, 0))
        .map_err(|e| e.to_string())
}

/// Writes the fix-up workbooks. Returns a one-line summary for standard error.
pub fn write_all(dir: &Path, run: &RunResult, force: bool) -> Result<String, String> {
    let opts = Options {
        force,
        band: band_for_policy_name(&run.policy),
    };
    write_all_with(dir, run, &opts)
}

/// Whether a file's findings call for a fix-up workbook (findings that are all `info` do not).
pub fn needs_fix(diags: &[&Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity != Severity::Info)
}

fn split_name(path: &str) -> (String, String, Vec<String>) {
    let p = Path::new(path);
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| path.to_string());
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
    (stem, ext, parents)
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
    let parts: Vec<(String, String, Vec<String>)> = paths.iter().map(|p| split_name(p)).collect();
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (stem, _, _)) in parts.iter().enumerate() {
        groups.entry(stem.to_lowercase()).or_default().push(i);
    }
    let mut labels: Vec<Option<String>> = vec![None; paths.len()];
    for members in groups.values().filter(|m| m.len() > 1) {
        let exts: Vec<String> = members.iter().map(|i| parts[*i].1.clone()).collect();
        let max_depth = members.iter().map(|i| parts[*i].2.len()).max().unwrap_or(0);
        let parent = |i: usize, k: usize| -> String {
            let ps = &parts[i].2;
            ps[ps.len().saturating_sub(k)..].join("-")
        };
        let mut chosen: Option<Vec<String>> = None;
        if all_distinct(&exts) {
            chosen = Some(exts.clone());
        } else {
            'depth: for k in 1..=max_depth {
                for with_ext in [false, true] {
                    let keys: Vec<String> = members
                        .iter()
                        .map(|i| {
                            let p = parent(*i, k);
                            match (with_ext, p.is_empty()) {
                                (false, _) => p,
                                (true, true) => parts[*i].1.clone(),
                                (true, false) => format!("{p}, {}", parts[*i].1),
                            }
                        })
                        .collect();
                    if all_distinct(&keys) && keys.iter().all(|k| !k.is_empty()) {
                        chosen = Some(keys);
                        break 'depth;
                    }
                }
            }
        }
        let keys = chosen.unwrap_or_else(|| {
            // Same folders and extensions (only case differs): number them in path order.
            let mut order: Vec<usize> = (0..members.len()).collect();
            order.sort_by_key(|j| paths[members[*j]]);
            let mut keys = vec![String::new(); members.len()];
            for (n, j) in order.into_iter().enumerate() {
                keys[j] = (n + 1).to_string();
            }
            keys
        });
        for (j, i) in members.iter().enumerate() {
            labels[*i] = Some(keys[j].clone());
        }
    }
    let mut names: Vec<String> = parts
        .iter()
        .zip(&labels)
        .map(|((stem, _, _), label)| match label {
            Some(l) => format!("{stem} ({l}){SUFFIX}"),
            None => format!("{stem}{SUFFIX}"),
        })
        .collect();
    // A stem that already looks like a disambiguated one: number the later duplicates.
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

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn tmp_name(name: &str) -> String {
    format!(".~poalint-{name}.tmp")
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let tmp = dir.join(tmp_name(name));
    let target = dir.join(name);
    let result = (|| -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("no se pudo escribir {}: {e}", target.display())
    })
}

/// Writes the fix-up workbooks and `resumen.xlsx` into `dir`. Returns a one-line summary.
pub fn write_all_with(dir: &Path, run: &RunResult, opts: &Options) -> Result<String, String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "{} existe y no es una carpeta; indique otra carpeta para --fix-dir",
            dir.display()
        ));
    }
    let created = created()?;
    if let Some(f) = run.files.iter().find(|f| {
        matches!(f.status, FileStatus::Ok | FileStatus::NotCapture)
            && !run.workbooks.iter().any(|w| w.path == f.file)
    }) {
        return Err(format!(
            "falta el libro leído de {} (la revisión debe correr con keep_workbooks)",
            f.file
        ));
    }

    // Diagnostics per file, in report order.
    let mut by_file: HashMap<&str, Vec<&Diagnostic>> = HashMap::new();
    for d in &run.diagnostics {
        by_file.entry(d.file.as_str()).or_default().push(d);
    }
    let mut workbooks: Vec<&crate::model::Workbook> = run.workbooks.iter().collect();
    workbooks.sort_by(|a, b| a.path.cmp(&b.path));
    workbooks.dedup_by(|a, b| a.path == b.path);
    let paths: Vec<&str> = workbooks.iter().map(|w| w.path.as_str()).collect();
    let names = output_names(&paths);
    let empty: Vec<&Diagnostic> = Vec::new();
    let diags_of = |path: &str| by_file.get(path).unwrap_or(&empty).clone();

    // What will be written.
    let mut to_fix: Vec<(usize, String)> = Vec::new();
    for (i, wb) in workbooks.iter().enumerate() {
        if needs_fix(&diags_of(&wb.path)) {
            to_fix.push((i, names[i].clone()));
        }
    }
    let mut targets: Vec<String> = to_fix.iter().map(|(_, n)| n.clone()).collect();
    targets.push(RESUMEN.to_string());

    // Safety, before anything is written.
    let inputs: Vec<PathBuf> = run.files.iter().map(|f| PathBuf::from(&f.file)).collect();
    let mut existing = Vec::new();
    for t in &targets {
        let p = dir.join(t);
        if p.exists() {
            if inputs.iter().any(|i| same_file(i, &p)) {
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
        return Err(format!(
            "ya existe{} {}; use --force para reemplazar{}",
            if existing.len() > 1 { "n" } else { "" },
            existing.join(", "),
            if existing.len() > 1 { "los" } else { "lo" },
        ));
    }

    // Build everything in memory first.
    let mut outputs: Vec<(String, Vec<u8>)> = to_fix
        .par_iter()
        .map(|(i, name)| {
            let wb = workbooks[*i];
            book::build(wb, &diags_of(&wb.path), &created)
                .map(|bytes| (name.clone(), bytes))
                .map_err(|e| format!("no se pudo generar {name}: {e}"))
        })
        .collect::<Result<_, String>>()?;
    let mut rules: Vec<String> = run.diagnostics.iter().map(|d| d.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    let fixed_names: HashMap<&str, &str> = to_fix
        .iter()
        .map(|(i, n)| (workbooks[*i].path.as_str(), n.as_str()))
        .collect();
    let outcomes: Vec<resumen::FileOutcome> = run
        .files
        .iter()
        .map(|f| resumen::FileOutcome {
            summary: f,
            workbook: workbooks.iter().copied().find(|w| w.path == f.file),
            diags: diags_of(&f.file),
            correcciones: fixed_names.get(f.file.as_str()).map(|s| s.to_string()),
        })
        .collect();
    let bytes = resumen::build(&outcomes, &rules, opts.band, &created)
        .map_err(|e| format!("no se pudo generar {RESUMEN}: {e}"))?;
    outputs.push((RESUMEN.to_string(), bytes));

    // Write.
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("no se pudo crear la carpeta {}: {e}", dir.display()))?;
    for (name, bytes) in &outputs {
        write_atomically(dir, name, bytes)?;
    }

    let written = to_fix.len();
    let clean = workbooks.len() - written;
    let unreadable = run
        .files
        .iter()
        .filter(|f| !workbooks.iter().any(|w| w.path == f.file))
        .count();
    let mut s = format!(
        "Correcciones: {written} libro{} escrito{} en {}; {clean} libro{} sin hallazgos omitido{}",
        plural(written),
        plural(written),
        dir.display(),
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
    s.push_str(&format!("; resumen: {}", dir.join(RESUMEN).display()));
    Ok(s)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
