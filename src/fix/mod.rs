//! **fix**: fix-up workbooks for each dependencia and the office's summary workbook.

use crate::run::RunResult;
use std::path::{Path, PathBuf};

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
    }
    Ok(())
}

/// Writes the fix-up workbooks. Returns a one-line summary for standard error.
pub fn write_all(_dir: &Path, _run: &RunResult, _force: bool) -> Result<String, String> {
    Err("--fix-dir todavía no está disponible".into())
}
