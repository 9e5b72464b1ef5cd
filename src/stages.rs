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
    /// reading every cell into grids.
    Cells,
    /// [`crate::read::sheet::read_sheet`]: the grid of each sheet into the model.
    Model,
    /// The rules over the model ([`crate::check::engine::Engine::check_file`]).
    Check,
    /// Exceptions, sorting, the per-file report text and the spill (`run::lint`'s `finish`).
    Finish,
    /// `--fix-dir`: the file's metas into `resumen.xlsx`'s `Metas` sheet
    /// ([`crate::fix::Writer::digest`]).
    FixMetas,
    /// `--fix-dir`: each capture sheet rebuilt with its corrections and marks, into the
    /// cells of the fix-up book (`fix::sheet::rebuild` and `Rebuilt::write`).
    FixRebuild,
    /// `--fix-dir`: the rest of the fix-up book: `Diagnósticos`, the XML of every part, the
    /// zip archive around them.
    FixBook,
    /// `--fix-dir`: compressing the parts (deflate and CRC-32), fix-up books and `Metas`.
    FixDeflate,
    /// `--fix-dir`: creating the fix-up book's file and writing it.
    FixFile,
    /// `--fix-dir`: the rest of `resumen.xlsx`, after the last file
    /// ([`crate::fix::Writer::finish`]; its time on the threads that help it is not counted).
    FixResumen,
}

/// Every stage, in the order of a file's work, with its name in the report.
#[cfg_attr(not(feature = "stage-timings"), allow(dead_code))]
const STAGES: [(Stage, &str); 12] = [
    (Stage::ReadFile, "leer el archivo"),
    (Stage::Sniff, "sniff (prerrevisión)"),
    (Stage::Cells, "calamine: celdas a grids"),
    (Stage::Model, "modelo (read_sheet)"),
    (Stage::Check, "reglas (check_file)"),
    (Stage::Finish, "excepciones, orden, informe, spill"),
    (Stage::FixMetas, "fix: Metas de resumen.xlsx"),
    (Stage::FixRebuild, "fix: hojas reconstruidas"),
    (Stage::FixBook, "fix: Diagnósticos, XML, zip"),
    (Stage::FixDeflate, "fix: deflate y CRC"),
    (Stage::FixFile, "fix: crear y escribir el archivo"),
    (Stage::FixResumen, "fix: resumen.xlsx al final"),
];

#[cfg(feature = "stage-timings")]
mod imp {
    use super::{STAGES, Stage};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Instant;

    /// Indexed by `Stage as usize`.
    static NANOS: [AtomicU64; STAGES.len()] = [const { AtomicU64::new(0) }; STAGES.len()];

    thread_local! {
        /// The stage this thread is in, and since when it has been counting.
        static CURRENT: Cell<Option<(Stage, Instant)>> = const { Cell::new(None) };
    }

    fn add(stage: Stage, from: Instant, to: Instant) {
        let ns = u64::try_from(to.duration_since(from).as_nanos()).unwrap_or(u64::MAX);
        NANOS[stage as usize].fetch_add(ns, Ordering::Relaxed);
    }

    /// Stages nest (the model is built inside calamine's reading, deflate inside a fix-up
    /// book): the time of an inner stage is not counted in the outer one, so the totals add
    /// up to the time spent in stages.
    pub fn time<R>(stage: Stage, f: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let outer = CURRENT.replace(Some((stage, start)));
        if let Some((o, since)) = outer {
            add(o, since, start);
        }
        let r = f();
        let end = Instant::now();
        if let Some((s, since)) = CURRENT.get() {
            add(s, since, end);
        }
        CURRENT.set(outer.map(|(o, _)| (o, end)));
        r
    }

    pub fn nanos(stage: Stage) -> u64 {
        NANOS[stage as usize].load(Ordering::Relaxed)
    }
}

/// Runs `f`, adding its wall time, less that of the stages inside it, to `stage` (only with
/// the `stage-timings` feature).
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

/// The totals, one line per stage that took any time, when built with `stage-timings`;
/// `None` otherwise.
pub fn report() -> Option<String> {
    #[cfg(feature = "stage-timings")]
    {
        use std::fmt::Write;
        let total: u64 = STAGES.iter().map(|(s, _)| imp::nanos(*s)).sum();
        let mut out = String::from("tiempo por etapa (suma de los hilos):\n");
        for (stage, name) in STAGES {
            let ns = imp::nanos(stage);
            if ns == 0 {
                continue;
            }
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

#[cfg(all(test, feature = "stage-timings"))]
mod tests {
    use super::{Stage, imp, time};
    use std::time::Duration;

    /// Run with `cargo test --features stage-timings --lib stages::` (CI does): no other test
    /// adds to the totals then.
    #[test]
    fn an_inner_stage_counts_apart_and_the_outer_one_resumes_after_it() {
        let ms = |s: Stage| imp::nanos(s) as f64 / 1e6;
        let (outer0, inner0) = (ms(Stage::FixBook), ms(Stage::FixDeflate));
        time(Stage::FixBook, || {
            std::thread::sleep(Duration::from_millis(20));
            time(Stage::FixDeflate, || {
                std::thread::sleep(Duration::from_millis(100))
            });
            std::thread::sleep(Duration::from_millis(20));
        });
        let (outer, inner) = (ms(Stage::FixBook) - outer0, ms(Stage::FixDeflate) - inner0);
        assert!(inner >= 100.0, "inner {inner} ms");
        // 40 ms of its own; with the inner stage's it would be 140 or more.
        assert!((40.0..140.0).contains(&outer), "outer {outer} ms");
        let report = super::report().unwrap_or_default();
        assert!(report.contains("fix: deflate y CRC"), "{report}");
    }
}
