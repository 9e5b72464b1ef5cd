//! **read**: files on disk → the typed model of captures ([`crate::model`]).
//!
//! - [`discover`]: which files to read (folders, globs, lock files).
//! - [`sniff`]: what a file really is (magic bytes, zip checks) and why it cannot be read.
//! - [`trim`]: an .xlsx without the parts calamine would parse and poalint never uses (the theme).
//! - [`grid`]: calamine → sparse cell grids, one pass over each sheet's XML.
//! - [`labels`]: the label spellings that locate each block.
//! - [`sheet`]: one grid → one [`CaptureSheet`](crate::model::CaptureSheet).
//! - [`text`]: folding, numbers, percentages, dates, claves and names as people type them.

// One file's panic must not end the run (`run::lint` and `grid::load` catch it per file),
// which needs unwinding.
#[cfg(panic = "abort")]
compile_error!("poalint needs panic = \"unwind\": a panic on one file must not stop the run");

pub mod discover;
pub mod grid;
pub mod labels;
pub mod sheet;
pub mod sniff;
pub mod text;
pub mod trim;

use crate::model::{CellRef, Workbook};
use crate::stages::{self, Stage};
use labels::Labels;
use sniff::ReadProblem;
use std::io::Read;
use std::path::Path;

/// Files larger than this are refused before parsing (a capture weighs a few hundred KB).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// A sheet that looked like a capture but could not be understood, could not be read, or
/// whose name clashes with another sheet's.
#[derive(Debug, Clone)]
pub struct BrokenSheet {
    pub sheet: String,
    /// The sheet's place in the workbook: its findings sort with the other sheets'.
    pub index: usize,
    pub cell: Option<CellRef>,
    pub reason: String,
    pub kind: BrokenKind,
}

/// Why a sheet is in [`FileRead::Ok`]'s `broken` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenKind {
    /// It looks like a capture but its metas table was not found (`hoja-sin-tabla`).
    NoTable,
    /// Its content could not be read (missing or malformed XML); the other sheets were.
    Unreadable,
    /// Its name equals another sheet's, exactly or once case, accents and spaces are folded.
    NameClash,
}

/// What reading one file gave.
#[derive(Debug)]
pub enum FileRead {
    Ok {
        workbook: Workbook,
        broken: Vec<BrokenSheet>,
    },
    Failed(ReadProblem),
}

/// Environment variable that arms [`PANIC_TEST_MARKER`] (tests only).
#[doc(hidden)]
pub const PANIC_TEST_ENV: &str = "POALINT_TEST_PANIC";
/// A file whose name contains this panics while being read when [`PANIC_TEST_ENV`] is `1`:
/// the hook the tests use to prove a panic on one file does not stop the run.
#[doc(hidden)]
pub const PANIC_TEST_MARKER: &str = "__poalint_panic_test__";

/// The cause of an I/O error, in Spanish.
/// The message a caught panic carried, if it was a string (both `panic!` forms).
pub fn panic_text(e: &(dyn std::any::Any + Send)) -> Option<String> {
    e.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| e.downcast_ref::<String>().cloned())
}

pub fn io_cause(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // ELOOP: Linux 40, macOS and the BSDs 62.
    let eloop = matches!(e.raw_os_error(), Some(40) if cfg!(target_os = "linux"))
        || matches!(e.raw_os_error(), Some(62) if cfg!(target_os = "macos"))
        || e.to_string().contains("symbolic links");
    if eloop {
        return "es un enlace simbólico circular (apunta a sí mismo o a otro enlace que vuelve a él)"
            .into();
    }
    match e.kind() {
        K::PermissionDenied => "no hay permiso de lectura".into(),
        K::NotFound => "no existe (o es un enlace simbólico roto)".into(),
        K::IsADirectory => "es una carpeta, no un archivo".into(),
        K::InvalidFilename => "el nombre no es válido en este sistema".into(),
        _ => format!("error del sistema de archivos ({e})"),
    }
}

fn not_regular() -> ReadProblem {
    // A FIFO or a device would block or never end.
    ReadProblem::Io("no es un archivo regular (es una tubería, un dispositivo o un socket)".into())
}

/// Reads one file into a [`Workbook`]. Never panics on bad input by design; the caller still
/// wraps it in `catch_unwind` so a bug on one file does not stop the run.
pub fn read_path(path: &Path, display: &str, labels: &Labels) -> FileRead {
    if display.contains(PANIC_TEST_MARKER)
        && std::env::var_os(PANIC_TEST_ENV).is_some_and(|v| v == "1")
    {
        panic!("pánico de prueba provocado por {PANIC_TEST_ENV}=1 en «{display}»");
    }
    match stages::time(Stage::ReadFile, || read_file(path)) {
        Ok(bytes) => read_bytes(bytes, display, labels),
        Err(p) => FileRead::Failed(p),
    }
}

/// The whole file, or why it cannot be read.
fn read_file(path: &Path) -> Result<Vec<u8>, ReadProblem> {
    // `stat` before `open`: opening a FIFO blocks until someone writes to it.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(not_regular()),
        Ok(_) => {}
        Err(e) => return Err(ReadProblem::Io(io_cause(&e))),
    }
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(target_os = "linux")]
    {
        // O_NONBLOCK, in case the file was swapped for a FIFO after `stat`; regular files
        // ignore it.
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(0o4000);
    }
    let file = match open.open(path) {
        Ok(f) => f,
        Err(e) => return Err(ReadProblem::Io(io_cause(&e))),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return Err(ReadProblem::Io(io_cause(&e))),
    };
    if !meta.is_file() {
        return Err(not_regular());
    }
    let too_large = |n: u64| {
        ReadProblem::TooLarge(format!(
            "pesa {} MB (máximo {} MB)",
            n / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // The size is checked again while reading: the file may grow after `metadata`.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    if let Err(e) = file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        return Err(ReadProblem::Io(io_cause(&e)));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a workbook from memory (used by [`read_path`], the fuzz target and tests). Never
/// panics on bad input: what calamine cannot take is refused by [`sniff::sniff`] first, and a
/// panic inside calamine is reported as a damaged file by [`grid::load`].
pub fn read_bytes(bytes: Vec<u8>, display: &str, labels: &Labels) -> FileRead {
    let format = match stages::time(Stage::Sniff, || sniff::sniff(&bytes)) {
        Ok(f) => f,
        Err(p) => return FileRead::Failed(p),
    };
    let mut workbook = Workbook {
        path: display.to_string(),
        format,
        sheets: Vec::new(),
        skipped: Vec::new(),
    };
    // Each sheet becomes part of the model as soon as it is read.
    let mut no_table = Vec::new();
    let mut on_sheet = |grid: &grid::Grid<'_>| match stages::time(Stage::Model, || {
        sheet::read_sheet(grid, labels)
    }) {
        sheet::SheetRead::Capture(s) => workbook.sheets.push(*s),
        sheet::SheetRead::Broken { reason, cell } => no_table.push(BrokenSheet {
            sheet: grid.name.clone(),
            index: grid.index,
            cell,
            reason,
            kind: BrokenKind::NoTable,
        }),
        sheet::SheetRead::NotCapture => workbook.skipped.push(grid.name.clone()),
    };
    let problems = stages::time(Stage::Cells, || grid::load(bytes, format, &mut on_sheet));
    let problems = match problems {
        Ok(p) => p,
        Err(p) => return FileRead::Failed(p),
    };
    let broken = problems
        .into_iter()
        .map(|p| BrokenSheet {
            sheet: p.sheet,
            index: p.index,
            cell: None,
            reason: p.reason,
            kind: if p.name_clash {
                BrokenKind::NameClash
            } else {
                BrokenKind::Unreadable
            },
        })
        .chain(no_table)
        .collect();
    FileRead::Ok { workbook, broken }
}

#[cfg(test)]
mod tests {
    use super::io_cause;
    use std::io::{Error, ErrorKind};

    /// The causes the tests cannot provoke as root (chmod 000 does not stop root).
    #[test]
    fn io_causes_are_spanish() {
        let denied = io_cause(&Error::from(ErrorKind::PermissionDenied));
        assert_eq!(denied, "no hay permiso de lectura");
        assert!(io_cause(&Error::from(ErrorKind::NotFound)).contains("no existe"));
        #[cfg(target_os = "linux")]
        assert!(io_cause(&Error::from_raw_os_error(40)).contains("enlace simbólico circular"));
    }
}
