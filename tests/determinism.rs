//! Issue 7: poalint never touches the originals, and its report does not depend on the
//! number of threads. The folder is the fixtures plus every generated bad input.

#[path = "common/bad_cases.rs"]
mod bad_cases;
#[path = "common/bad_gen.rs"]
mod bad_gen;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every file under `dir` (recursively) with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                out.insert(
                    p.clone(),
                    (std::fs::read(&p).unwrap(), meta.modified().unwrap()),
                );
            }
        }
    }
    out
}

fn poalint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_poalint"))
        .args(args)
        .env_remove("POALINT_TEST_PANIC")
        .output()
        .expect("run poalint")
}

/// The fixtures and the bad inputs in one folder.
fn corpus(root: &Path) -> PathBuf {
    let dir = root.join("capturas");
    std::fs::create_dir(&dir).unwrap();
    for e in std::fs::read_dir(bad_gen::fixtures_dir()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let bad = dir.join("malos");
    std::fs::create_dir(&bad).unwrap();
    bad_cases::write_bad_inputs(&bad);
    bad_cases::write_odd_names(&bad);
    bad_cases::write_formula_errors(&bad);
    dir
}

fn assert_untouched(
    before: &BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)>,
    dir: &Path,
    after_what: &str,
) {
    let after = snapshot(dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files added or removed in the input folder after {after_what}"
    );
    for (p, (bytes, mtime)) in before {
        let (b, m) = &after[p];
        assert!(b == bytes, "{} changed after {after_what}", p.display());
        assert_eq!(m, mtime, "{} modified after {after_what}", p.display());
    }
}

#[test]
fn lint_never_touches_the_originals_and_its_report_does_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = corpus(tmp.path());
    let before = snapshot(&dir);
    let d = dir.to_str().unwrap();

    let one = poalint(&["lint", d, "--format", "json", "--jobs", "1"]);
    assert_eq!(
        one.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_untouched(&before, &dir, "lint --jobs 1");
    let two = poalint(&["lint", d, "--format", "json", "--jobs", "2"]);
    assert_eq!(two.status.code(), Some(1));
    assert_untouched(&before, &dir, "lint --jobs 2");
    assert!(
        one.stdout == two.stdout,
        "the JSON report differs between --jobs 1 and --jobs 2"
    );
    let again = poalint(&["lint", d, "--format", "json", "--jobs", "2"]);
    assert!(
        one.stdout == again.stdout,
        "the JSON report differs between two runs"
    );

    let report: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    // Fixtures (7) + bad inputs + odd names (4) + formula errors (1).
    assert!(files.len() >= 7 + 30 + 5, "{} files", files.len());
    for f in files {
        let name = f["file"].as_str().unwrap();
        if !name.contains("/malos/") {
            assert_eq!(f["status"], "ok", "{f}");
        }
    }

    // The fix-up workbooks go elsewhere and leave the originals as they were.
    let out = tmp.path().join("correcciones");
    let fix = poalint(&[
        "lint",
        d,
        "--format",
        "json",
        "--jobs",
        "2",
        "--fix-dir",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&fix.stderr);
    if stderr.contains("todavía no está disponible") {
        eprintln!(
            "nota: --fix-dir todavía no está disponible; se omite esa parte ({})",
            stderr.trim()
        );
    } else {
        assert_eq!(fix.status.code(), Some(1), "{stderr}");
        assert_untouched(&before, &dir, "lint --fix-dir");
        assert!(out.is_dir(), "--fix-dir wrote nothing: {stderr}");
        assert!(fix.stdout == one.stdout, "--fix-dir changes the report");
    }
}
