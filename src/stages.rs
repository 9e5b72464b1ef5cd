//! Where a run's time goes, stage by stage: built only with the `stage-timings` feature
//! (`bench/stages.sh`), so a normal build pays nothing for it.
//!
//! Each worker adds the wall time it spends in every stage of a file (reading the bytes, the
//! [`crate::read::sniff`] pre-scan, calamine's reading of the cells, the sheet model, the
//! rules, the per-file report), and `poalint` prints the totals to stderr at the end. With
//! `--jobs 1` the totals add up to the run, and the calamine stage can be set against the
//! benchmark's floor (calamine alone reading every cell) to see what poalint adds to it.
//!
//! ```text
//! cargo build --release --features stage-timings
//! target/release/poalint lint CAPTURAS --jobs 1 --format json -o /dev/null
//! ```

/// A stage of a file's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `stat`, `open` and reading the whole file into memory.
    ReadFile,
    /// [`crate::read::sniff::sniff`]: what the file is and whether calamine can take it.
    Sniff,
    /// [`crate::read::grid::load`] without the sheet model: calamine opening the workbook and
    /// reading every cell into grids. (The model is built inside `load`, one sheet at a time:
    /// the time is taken around `load` and the model's is subtracted.)
    Cells,
    /// [`crate::read::sheet::read_sheet`]: the grid of each sheet into the model.
    Model,
    /// The rules over the model ([`crate::check::engine::Engine::check_file`]).
    Check,
    /// Exceptions, sorting, the per-file report text and the spill (`run::lint`'s `finish`).
    Finish,
}

/// Every stage, in the order of a file's work, with its name in the report.
#[cfg_attr(not(feature = "stage-timings"), allow(dead_code))]
const STAGES: [(Stage, &str); 6] = [
    (Stage::ReadFile, "leer el archivo"),
    (Stage::Sniff, "sniff (prerrevisión)"),
    (Stage::Cells, "calamine: celdas a grids"),
    (Stage::Model, "modelo (read_sheet)"),
    (Stage::Check, "reglas (check_file)"),
    (Stage::Finish, "excepciones, orden, informe, spill"),
];

#[cfg(feature = "stage-timings")]
mod imp {
    use super::{STAGES, Stage};
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Indexed by `Stage as usize`.
    static NANOS: [AtomicU64; STAGES.len()] = [const { AtomicU64::new(0) }; STAGES.len()];

    pub fn time<R>(stage: Stage, f: impl FnOnce() -> R) -> R {
        let start = std::time::Instant::now();
        let r = f();
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        NANOS[stage as usize].fetch_add(ns, Ordering::Relaxed);
        r
    }

    pub fn nanos(stage: Stage) -> u64 {
        NANOS[stage as usize].load(Ordering::Relaxed)
    }
}

/// Runs `f`, adding its wall time to `stage` (only with the `stage-timings` feature).
#[inline(always)]
pub fn time<R>(stage: Stage, f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "stage-timings")]
    {
        imp::time(stage, f)
    }
    #[cfg(not(feature = "stage-timings"))]
    {
        let _ = stage;
        f()
    }
}

/// The totals, one line per stage, when built with `stage-timings`; `None` otherwise.
pub fn report() -> Option<String> {
    #[cfg(feature = "stage-timings")]
    {
        use std::fmt::Write;
        let net = |s: Stage| match s {
            Stage::Cells => imp::nanos(s).saturating_sub(imp::nanos(Stage::Model)),
            _ => imp::nanos(s),
        };
        let total: u64 = STAGES.iter().map(|(s, _)| net(*s)).sum();
        let mut out = String::from("tiempo por etapa (suma de los hilos):\n");
        for (stage, name) in STAGES {
            let ns = net(stage);
            let _ = writeln!(
                out,
                "  {name:<36} {:>9.1} ms  {:>5.1} %",
                ns as f64 / 1e6,
                100.0 * ns as f64 / total.max(1) as f64
            );
        }
        let _ = write!(out, "  {:<36} {:>9.1} ms", "total", total as f64 / 1e6);
        Some(out)
    }
    #[cfg(not(feature = "stage-timings"))]
    {
        None
    }
}
