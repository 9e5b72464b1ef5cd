#![allow(dead_code)]

//! The body of the `reader` fuzz target, shared with `tests/fuzz_regressions.rs` (which
//! replays `fuzz/regressions/` without libFuzzer): bytes → `poalint::read::read_bytes` → the
//! engine's per-file and cross-file checks with the built-in default policy, as
//! `poalint::run::lint` does for each file.

use poalint::check::engine::Engine;
use poalint::check::policy::{self, Effective, Source};
use poalint::check::rules::RuleSet;
use std::sync::OnceLock;

fn default_policy() -> &'static Effective {
    static POLICY: OnceLock<Effective> = OnceLock::new();
    POLICY.get_or_init(|| {
        policy::load(&Source::Builtin("default"), &RuleSet::builtin()).expect("default policy")
    })
}

/// Reads and checks one file's bytes. Must never panic, abort or allocate without bound.
pub fn check(data: &[u8]) {
    let policy = default_policy();
    let read = poalint::read::read_bytes(data.to_vec(), "fuzz.xlsx", &policy.labels);
    let engine = Engine::new(policy, true);
    let report = engine.check_file("fuzz.xlsx", read, false);
    let facts: Vec<_> = report.facts.iter().collect();
    let _ = engine.check_cross_file(&facts);
}

/// calamine panics on some malformed files (an index out of range, an overflow); poalint
/// catches those in `read::grid::load` and reports a damaged file, but libFuzzer's panic hook
/// aborts on every panic, caught or not. This hook lets panics raised inside calamine unwind
/// to poalint's `catch_unwind` and keeps aborting on all others (any panic that escapes
/// `check` still aborts in libfuzzer-sys). `POALINT_FUZZ_STRICT=1` keeps the abort on every
/// panic, to hunt calamine's too.
pub fn tolerate_caught_calamine_panics() {
    if std::env::var_os("POALINT_FUZZ_STRICT").is_some_and(|v| v == "1") {
        return;
    }
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_calamine = info
            .location()
            .is_some_and(|l| l.file().contains("/calamine-"));
        if !in_calamine {
            abort(info);
        }
    }));
}
