//! poalint: a linter for the quarterly progress captures (TMM-F004 "Avance Físico
//! Programático") of a Mexican ayuntamiento's POA.
//!
//! The data flows one way, and the modules follow it:
//!
//! 1. [`read`]: files → [`model`] (every value carries its cell);
//! 2. [`check`]: TOML rules ([`check::rules`]) under a policy ([`check::policy`]) run the
//!    built-in check kinds ([`check::kinds`]) over the model → [`check::Diagnostic`]s;
//! 3. [`report`]: diagnostics → human (miette), JSON, SARIF, GitHub, CSV;
//! 4. [`fix`]: diagnostics + model → fix-up workbooks (xlsx) and the office summary.
//!
//! [`run`] wires them together for `poalint lint`; [`stages`] times each step when built with
//! the `stage-timings` feature.

pub mod check;
pub mod fix;
pub mod model;
pub mod read;
pub mod report;
pub mod run;
pub mod stages;
