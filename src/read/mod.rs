//! **read**: files on disk → the typed model of captures ([`crate::model`]).
//!
//! - [`discover`]: which files to read (folders, globs, lock files).
//! - [`sniff`]: what a file really is (magic bytes, zip checks) and why it cannot be read.
//! - [`grid`]: calamine → sparse cell grids, one pass over each sheet's XML.
//! - [`labels`]: the label spellings that locate each block.
//! - [`sheet`]: one grid → one [`CaptureSheet`](crate::model::CaptureSheet).
//! - [`text`]: folding, numbers, percentages, dates, claves and names as people type them.

pub mod discover;
pub mod grid;
pub mod labels;
pub mod sheet;
pub mod sniff;
pub mod text;

use crate::model::{CellRef, Workbook};
use labels::Labels;
use sniff::ReadProblem;
use std::path::Path;

/// Files larger than this are refused before parsing (a capture weighs a few hundred KB).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// A sheet that looked like a capture but could not be understood.
#[derive(Debug, Clone)]
pub struct BrokenSheet {
    pub sheet: String,
    pub cell: Option<CellRef>,
    pub reason: String,
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

/// Reads one file into a [`Workbook`]. Never panics on bad input by design; the caller still
/// wraps it in `catch_unwind` so a bug on one file does not stop the run.
pub fn read_path(path: &Path, display: &str, labels: &Labels) -> FileRead {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return FileRead::Failed(ReadProblem::Io(e.to_string())),
    };
    if meta.len() > MAX_FILE_BYTES {
        return FileRead::Failed(ReadProblem::TooLarge(format!(
            "pesa {} MB (máximo {} MB)",
            meta.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let msg = if e.kind() == std::io::ErrorKind::PermissionDenied {
                "no hay permiso de lectura sobre el archivo".to_string()
            } else {
                e.to_string()
            };
            return FileRead::Failed(ReadProblem::Io(msg));
        }
    };
    read_bytes(bytes, display, labels)
}

/// Reads a workbook from memory (used by [`read_path`], the fuzz target and tests).
pub fn read_bytes(bytes: Vec<u8>, display: &str, labels: &Labels) -> FileRead {
    let format = match sniff::sniff(&bytes) {
        Ok(f) => f,
        Err(p) => return FileRead::Failed(p),
    };
    let loaded = match grid::load(bytes, format) {
        Ok(l) => l,
        Err(p) => return FileRead::Failed(p),
    };
    let mut workbook = Workbook {
        path: display.to_string(),
        format,
        sheets: Vec::new(),
        skipped: Vec::new(),
    };
    let mut broken = Vec::new();
    for grid in &loaded.sheets {
        match sheet::read_sheet(grid, labels) {
            sheet::SheetRead::Capture(s) => workbook.sheets.push(*s),
            sheet::SheetRead::Broken { reason, cell } => broken.push(BrokenSheet {
                sheet: grid.name.clone(),
                cell,
                reason,
            }),
            sheet::SheetRead::NotCapture => workbook.skipped.push(grid.name.clone()),
        }
    }
    FileRead::Ok { workbook, broken }
}
