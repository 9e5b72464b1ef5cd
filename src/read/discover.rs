//! Finding the workbooks to lint: files and folders (recursive), Excel lock files and hidden
//! folders skipped, `--include` / `--exclude` globs honoured, symlink loops survived.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Extensions poalint looks at when walking folders (a file named explicitly is always read).
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

/// A path that could not be walked (permission denied, broken link...).
#[derive(Debug, Clone)]
pub struct WalkProblem {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default, Clone)]
pub struct Filters {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

fn build(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| format!("patrón glob inválido «{p}»: {e}"))?;
        b.add(g);
        // A bare file-name pattern also matches in any folder.
        if !p.contains('/')
            && let Ok(g) = Glob::new(&format!("**/{p}"))
        {
            b.add(g);
        }
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

impl Filters {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filters, String> {
        Ok(Filters {
            include: build(include)?,
            exclude: build(exclude)?,
        })
    }

    pub fn accepts(&self, path: &Path) -> bool {
        if self.include.is_none() && self.exclude.is_none() {
            return true;
        }
        let s = path.to_string_lossy().replace('\\', "/");
        let s = s.trim_start_matches("./");
        if let Some(inc) = &self.include
            && !inc.is_match(s)
        {
            return false;
        }
        if let Some(exc) = &self.exclude
            && exc.is_match(s)
        {
            return false;
        }
        true
    }
}

/// Excel's lock files (`~$Libro.xlsx`) and LibreOffice's (`.~lock.Libro.xlsx#`).
pub fn is_lock_file(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with(".~lock.")
}

/// Whether the path ends in one of [`EXTENSIONS`] (any case).
pub fn has_workbook_extension(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| names_workbook(&n.to_string_lossy()))
}

/// [`has_workbook_extension`] of a file name, read as [`Path::extension`] reads it (`.xlsx`
/// alone is a name with no extension), without parsing a path for each entry of a folder.
fn names_workbook(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && EXTENSIONS.iter().any(|x| ext.eq_ignore_ascii_case(x))
    })
}

/// Expands the command-line paths into a sorted, de-duplicated list of workbook paths.
pub fn discover(paths: &[PathBuf], filters: &Filters) -> (Vec<PathBuf>, Vec<WalkProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, filters, &mut out, &mut problems, &mut seen_dirs),
            Ok(_) => {
                // Named explicitly: read it whatever its extension (the format is sniffed).
                out.push(p.clone());
            }
            Err(e) => problems.push(WalkProblem {
                path: p.display().to_string(),
                message: format!("no se puede acceder a la ruta: {}", super::io_cause(&e)),
            }),
        }
    }
    (in_report_order(out), problems)
}

/// How a path is shown: as given on the command line (relative stays relative), without a
/// leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// The files sorted by the path as shown ([`display_path`]), the order of the report, each
/// once (`a.xlsx ./a.xlsx` names one file). Keys are compared as bytes: comparing the
/// `PathBuf`s component by component, as the walk did, took ~25 ms for a folder of 10,000.
fn in_report_order(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut keyed: Vec<(String, PathBuf)> =
        files.into_iter().map(|p| (display_path(&p), p)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    keyed.into_iter().map(|(_, p)| p).collect()
}

fn walk(
    dir: &Path,
    filters: &Filters,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<WalkProblem>,
    seen: &mut HashSet<PathBuf>,
) {
    // Symlink loops (`sub/loop -> ..`): each real folder is walked once, so a loop costs
    // nothing and no file is read twice. A file link that loops on itself fails `metadata`
    // below (ELOOP) and is reported.
    match std::fs::canonicalize(dir) {
        Ok(real) => {
            if !seen.insert(real) {
                return;
            }
        }
        Err(e) => {
            problems.push(WalkProblem {
                path: dir.display().to_string(),
                message: format!("no se puede resolver la carpeta: {}", super::io_cause(&e)),
            });
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(WalkProblem {
                path: dir.display().to_string(),
                message: format!("no se puede leer la carpeta: {}", super::io_cause(&e)),
            });
            return;
        }
    };
    // The entry's own type comes with the directory listing (no system call on most file
    // systems); only links (and file systems that do not give it) need a `stat`, which follows
    // them. A `stat` per entry was ~4 ms of the start of a 1,000-file run.
    // By name, as bytes (names in one folder are unique): the order sub-folders are walked
    // in, which decides the path a folder reached twice through links is shown by.
    let mut children: Vec<(std::ffi::OsString, Option<std::fs::FileType>)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name(),
                e.file_type().ok().filter(|t| !t.is_symlink()),
            )
        })
        .collect();
    children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, listed) in children {
        let path = dir.join(&name);
        let name = name.to_string_lossy();
        let is_dir = match listed {
            Some(t) => t.is_dir(),
            None => match std::fs::metadata(&path) {
                Ok(m) => m.is_dir(),
                Err(e) => {
                    if names_workbook(&name) {
                        problems.push(WalkProblem {
                            path: path.display().to_string(),
                            message: super::io_cause(&e),
                        });
                    }
                    continue;
                }
            },
        };
        if is_dir {
            if name.starts_with('.') {
                continue;
            }
            walk(&path, filters, out, problems, seen);
        } else if names_workbook(&name) && !is_lock_file(&name) && filters.accepts(&path) {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_names_read_as_path_extension_reads_them() {
        for name in [
            "a.xlsx",
            "A.XLSM",
            "b.ods",
            "c.Xls",
            ".xlsx",
            "..xlsx",
            "d.xlsx.bak",
            "e.",
            "xlsx",
            "f.tar.xlsx",
            "g.csv",
        ] {
            let by_path = Path::new(name)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
            assert_eq!(names_workbook(name), by_path, "{name}");
            assert_eq!(has_workbook_extension(Path::new(name)), by_path, "{name}");
        }
    }

    #[test]
    fn report_order_is_the_shown_path_and_each_file_once() {
        let files = ["b/x.xlsx", "./a.xlsx", "a.xlsx", "b-c.xlsx", "b/x.xlsx"]
            .map(PathBuf::from)
            .to_vec();
        let shown: Vec<String> = in_report_order(files)
            .iter()
            .map(|p| display_path(p))
            .collect();
        // As strings: "b-c" before "b/x" ('-' < '/'), where a component-wise order puts "b"'s
        // folder first.
        assert_eq!(shown, ["a.xlsx", "b-c.xlsx", "b/x.xlsx"]);
    }
}
