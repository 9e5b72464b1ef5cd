//! The progress bar on standard error: only on a terminal, never with `--quiet` or when piped,
//! and only once a run has lasted long enough to need one.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    start: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

/// Runs shorter than this never show a bar.
const DELAY: Duration = Duration::from_millis(700);

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
            start: Instant::now(),
            bar: Mutex::new(None),
        }
    }

    pub fn tick(&self, done: usize, total: usize) {
        if !self.enabled || self.start.elapsed() < DELAY {
            return;
        }
        let mut g = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        let bar = g.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} archivos ({eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        bar.set_position(done as u64);
    }

    pub fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}
