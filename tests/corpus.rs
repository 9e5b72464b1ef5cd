//! The public evaluation corpus in ../shared (when present): every readable workbook is read
//! with the sheets and metas it really has, every bad file gets a `read` or `layout` finding,
//! and the findings match the answer key (recall and precision ≥ 0.95).

mod common;
use common::*;
use serde_json::Value;
use std::path::PathBuf;

fn corpus() -> Option<(PathBuf, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public");
    let key = std::fs::read_to_string(dir.join("key.json")).ok()?;
    Some((dir.join("capturas"), serde_json::from_str(&key).ok()?))
}

fn nfc_key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect::<String>().trim().to_lowercase()
}

#[test]
fn public_corpus_files_and_findings() {
    let Some((capturas, key)) = corpus() else {
        eprintln!("omitido: ../shared/corpus/public no está disponible");
        return;
    };
    let run = lint_with(&builtin_policy("default"), std::slice::from_ref(&capturas));
    let rel = |f: &str| -> String {
        let p = PathBuf::from(f);
        p.strip_prefix(&capturas)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    // Files.
    for kf in key["files"].as_array().unwrap() {
        let name = kf["file"].as_str().unwrap();
        let found = run.files.iter().find(|f| rel(&f.file) == name);
        match kf["bad"].as_str() {
            Some("lock-file") => assert!(found.is_none(), "{name} must be ignored"),
            Some(bad) => {
                assert!(
                    run.diagnostics()
                        .iter()
                        .any(|d| rel(&d.file) == name
                            && matches!(d.kind.as_str(), "read" | "layout")),
                    "{name} ({bad}) needs a read/layout diagnostic"
                );
            }
            None => {
                let f = found.unwrap_or_else(|| panic!("{name} not in report"));
                assert_eq!(f.status, poalint::check::engine::FileStatus::Ok, "{name}");
                let sheets = kf["capture_sheets"].as_array().unwrap();
                assert_eq!(f.sheets, sheets.len(), "{name}");
                let metas: u64 = sheets.iter().map(|s| s["metas"].as_u64().unwrap()).sum();
                assert_eq!(f.metas as u64, metas, "{name}");
            }
        }
    }
    // Findings: the scorer's matching (file, kind, any of the locations).
    let all = run.diagnostics();
    let counted: Vec<_> = all
        .iter()
        .filter(|d| d.severity != poalint::check::Severity::Info)
        .collect();
    let findings = key["findings"].as_array().unwrap();
    let matches =
        |fd: &Value, d: &poalint::check::Diagnostic| -> bool {
            rel(&d.file) == fd["file"].as_str().unwrap()
                && d.kind.as_str() == fd["kind"].as_str().unwrap()
                && fd["locations"].as_array().unwrap().iter().any(|loc| {
                    match loc["sheet"].as_str() {
                        None => true,
                        Some(s) => {
                            d.sheet.as_deref().map(nfc_key) == Some(nfc_key(s))
                                && (loc["row"].is_null()
                                    || d.cell.map(|c| c.row1() as u64) == loc["row"].as_u64())
                        }
                    }
                })
        };
    let found = findings
        .iter()
        .filter(|fd| counted.iter().any(|d| matches(fd, d)))
        .count();
    let true_pos = counted
        .iter()
        .filter(|d| findings.iter().any(|fd| matches(fd, d)))
        .count();
    let recall = found as f64 / findings.len() as f64;
    let precision = true_pos as f64 / counted.len().max(1) as f64;
    let misses: Vec<_> = findings
        .iter()
        .filter(|fd| !counted.iter().any(|d| matches(fd, d)))
        .collect();
    let false_alarms: Vec<_> = counted
        .iter()
        .filter(|d| !findings.iter().any(|fd| matches(fd, d)))
        .collect();
    assert!(recall >= 0.95, "recall {recall:.3}; misses: {misses:#?}");
    assert!(
        precision >= 0.95,
        "precision {precision:.3}; false alarms: {false_alarms:#?}"
    );
}
