//! Issue 7: nothing a dependencia sends can crash poalint, lose a finding or touch the
//! originals. Every bad input is generated here (tests/common/bad_cases.rs), put in one folder
//! next to a good capture, and linted by the real binary under a memory limit: each bad file
//! gets exactly one `read` or `layout` diagnostic naming it and its cause in Spanish, the good
//! file is still linted, and the run ends with status 1.

#[path = "common/bad_cases.rs"]
mod bad_cases;
#[path = "common/bad_gen.rs"]
mod bad_gen;

use bad_cases::*;
use bad_gen::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Address-space limit for the linted process: a bomb that got through would abort it.
const MEMORY_LIMIT: u64 = 2_000_000_000;

struct Run {
    code: i32,
    report: Value,
    stderr: String,
    /// Maximum resident set size in KB, when `/usr/bin/time` is available.
    max_rss_kb: Option<u64>,
    secs: f64,
}

/// Runs `poalint` under `prlimit --as` (when available) and measures its peak memory with
/// `/usr/bin/time -f %M` (when available).
fn poalint(args: &[&str], env: &[(&str, &str)], scratch: &Path) -> Run {
    let bin = env!("CARGO_BIN_EXE_poalint");
    let time = Path::new("/usr/bin/time");
    let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let rss_file = scratch.join("max-rss.txt");
    let _ = std::fs::remove_file(&rss_file);
    let mut argv: Vec<String> = Vec::new();
    if let Some(p) = prlimit {
        argv.extend([p.to_string(), format!("--as={MEMORY_LIMIT}"), "--".into()]);
    }
    argv.push(bin.into());
    argv.extend(args.iter().map(|s| s.to_string()));
    if time.exists() {
        let mut timed = vec![
            "-f".into(),
            "%M".into(),
            "-o".into(),
            rss_file.display().to_string(),
        ];
        timed.append(&mut argv);
        argv = timed;
        argv.insert(0, time.display().to_string());
    }
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    cmd.env_remove("POALINT_TEST_PANIC");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("run poalint");
    let secs = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}); status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        )
    });
    let max_rss_kb = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    if prlimit.is_none() {
        eprintln!("nota: sin prlimit; la prueba corre sin límite de memoria");
    }
    Run {
        code: out.status.code().unwrap_or(-1),
        report,
        stderr,
        max_rss_kb,
        secs,
    }
}

fn file_entry<'a>(report: &'a Value, name: &str) -> &'a Value {
    let files = report["files"].as_array().unwrap();
    let hits: Vec<&Value> = files
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with(&format!("/{name}")))
        .collect();
    assert_eq!(hits.len(), 1, "{name}: {} entries in files[]", hits.len());
    hits[0]
}

fn diagnostics_of<'a>(report: &'a Value, name: &str) -> Vec<&'a Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"].as_str().unwrap().ends_with(&format!("/{name}")))
        .collect()
}

fn read_or_layout<'a>(report: &'a Value, name: &str) -> Vec<&'a Value> {
    diagnostics_of(report, name)
        .into_iter()
        .filter(|d| matches!(d["kind"].as_str(), Some("read" | "layout")))
        .collect()
}

/// Whether this process can read a file even with mode 000 (root, CAP_DAC_OVERRIDE).
fn permissions_ignored(path: &Path) -> bool {
    std::fs::read(path).is_ok()
}

#[cfg(unix)]
fn make_fifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
#[cfg(unix)]
fn every_bad_input_gets_one_clear_diagnostic_and_the_run_goes_on() {
    use std::os::unix::fs::{PermissionsExt, symlink};

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("capturas");
    std::fs::create_dir(&dir).unwrap();
    let expected = write_bad_inputs(&dir);
    let odd = write_odd_names(&dir);
    let errors_file = write_formula_errors(&dir);
    // The good capture next to the bad ones.
    std::fs::write(
        dir.join("58-COTUCO-3T2024.xlsx"),
        fixture("58-COTUCO-3T2024.xlsx"),
    )
    .unwrap();
    // A panic while reading one file (test hook armed by POALINT_TEST_PANIC=1).
    let panic_file = "ramo__poalint_panic_test__.xlsx";
    std::fs::write(dir.join(panic_file), fixture("064-IMIP-1T2024.xlsx")).unwrap();
    // A folder that links back to its parent, with a capture inside: read once.
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("60-IMACUM-4T2020.ods"),
        fixture("60-IMACUM-4T2020.ods"),
    )
    .unwrap();
    symlink("..", sub.join("bucle")).unwrap();
    // A file link that points to itself.
    symlink("enlace-circular.xlsx", dir.join("enlace-circular.xlsx")).unwrap();
    // A named pipe with a workbook's name: reading it would block forever.
    let fifo = make_fifo(&dir.join("tuberia.xlsx"));
    if !fifo {
        eprintln!("nota: sin mkfifo; se omite el caso de la tubería");
    }
    // A file without read permission.
    let locked = dir.join("sin-permiso.xlsx");
    std::fs::write(&locked, fixture("064-IMIP-1T2024.xlsx")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root_reads_anyway = permissions_ignored(&locked);
    if root_reads_anyway {
        eprintln!(
            "nota: esta prueba corre como root (chmod 000 no impide leer); se omite el caso sin permiso de lectura \
             (el código que lo reporta, «no hay permiso de lectura», sigue en read::io_cause)"
        );
    }

    let run = poalint(
        &[
            "lint",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--jobs",
            "2",
        ],
        &[("POALINT_TEST_PANIC", "1")],
        tmp.path(),
    );
    let r = &run.report;
    eprintln!(
        "carpeta de {} archivos revisada en {:.1} s, memoria máxima {} (límite de espacio de direcciones {} MB)",
        r["files"].as_array().unwrap().len(),
        run.secs,
        run.max_rss_kb
            .map_or("no medida".to_string(), |k| format!("{} MB", k / 1024)),
        MEMORY_LIMIT / 1_000_000
    );
    assert_eq!(run.code, 1, "exit status; stderr:\n{}", run.stderr);

    for e in &expected {
        let f = file_entry(r, &e.file);
        assert_eq!(f["status"], e.status, "{}: {f}", e.file);
        if let Some(n) = e.sheets {
            assert_eq!(f["sheets"], n, "{}: {f}", e.file);
        }
        let diags = read_or_layout(r, &e.file);
        assert_eq!(diags.len(), 1, "{}: {diags:#?}", e.file);
        let d = diags[0];
        assert_eq!(d["rule"], e.rule, "{}: {d}", e.file);
        assert_eq!(d["severity"], "error", "{}: {d}", e.file);
        let msg = d["message"].as_str().unwrap();
        for s in &e.says {
            assert!(msg.contains(s), "{}: «{msg}» does not say «{s}»", e.file);
        }
        if e.status == "unreadable" {
            assert_eq!(diagnostics_of(r, &e.file).len(), 1, "{}", e.file);
        }
        eprintln!("{:<28} {:<12} {}", e.file, e.status, msg);
    }

    // The good files are linted as usual.
    for (name, sheets) in odd.iter().map(|(n, s)| (n.as_str(), *s)).chain([
        ("58-COTUCO-3T2024.xlsx", 5),
        ("sub/60-IMACUM-4T2020.ods", 5),
    ]) {
        let f = file_entry(r, name);
        assert_eq!(f["status"], "ok", "{name}: {f}");
        assert_eq!(f["sheets"], sheets, "{name}: {f}");
        assert!(read_or_layout(r, name).is_empty(), "{name}");
        assert!(
            !diagnostics_of(r, name).is_empty(),
            "{name}: its findings are reported"
        );
    }
    assert!(
        !r["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"].as_str().unwrap().contains("bucle")),
        "the symlink loop is walked once"
    );

    // A capture whose every number is #DIV/0! or #REF!: still read, each cell reported.
    let f = file_entry(r, &errors_file);
    assert_eq!(f["status"], "ok", "{f}");
    assert_eq!(f["sheets"], 5, "{f}");
    let errs = read_or_layout(r, &errors_file);
    assert!(errs.len() > 50, "{}", errs.len());
    for d in &errs {
        assert_eq!(d["rule"], "valor-no-numerico", "{d}");
        let msg = d["message"].as_str().unwrap();
        assert!(msg.contains("#DIV/0!") || msg.contains("#REF!"), "{msg}");
    }
    let mut cells: Vec<(&str, &str)> = errs
        .iter()
        .map(|d| (d["sheet"].as_str().unwrap(), d["cell"].as_str().unwrap()))
        .collect();
    let n = cells.len();
    cells.sort();
    cells.dedup();
    assert_eq!(cells.len(), n, "one diagnostic per cell");

    // The panic: an internal error for that file, asking to report it; the others went on.
    let f = file_entry(r, panic_file);
    assert_eq!(f["status"], "internal_error", "{f}");
    let d = diagnostics_of(r, panic_file);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["rule"], "error-interno");
    assert_eq!(d[0]["kind"], "read");
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("pánico de prueba"),
        "{}",
        d[0]
    );
    assert!(
        d[0]["help"]
            .as_str()
            .unwrap()
            .contains("reporte este error"),
        "{}",
        d[0]
    );

    // The link to itself.
    let d = read_or_layout(r, "enlace-circular.xlsx");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("enlace simbólico circular"),
        "{}",
        d[0]
    );
    if fifo {
        let f = file_entry(r, "tuberia.xlsx");
        assert_eq!(f["status"], "unreadable");
        let d = read_or_layout(r, "tuberia.xlsx");
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0]["message"]
                .as_str()
                .unwrap()
                .contains("no es un archivo regular")
        );
    }
    let f = file_entry(r, "sin-permiso.xlsx");
    if root_reads_anyway {
        assert_eq!(f["status"], "ok", "{f}");
    } else {
        assert_eq!(f["status"], "unreadable", "{f}");
        let d = read_or_layout(r, "sin-permiso.xlsx");
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0]["message"]
                .as_str()
                .unwrap()
                .contains("no hay permiso de lectura")
        );
    }

    if let Some(kb) = run.max_rss_kb {
        assert!(kb < 1_000_000, "peak memory {} MB", kb / 1024);
    }
    let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644));
}

/// Without `POALINT_TEST_PANIC=1` the hook does nothing.
#[test]
fn the_panic_hook_needs_its_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "ramo__poalint_panic_test__.xlsx";
    std::fs::write(tmp.path().join(name), fixture("064-IMIP-1T2024.xlsx")).unwrap();
    let run = poalint(
        &["lint", tmp.path().to_str().unwrap(), "--format", "json"],
        &[],
        tmp.path(),
    );
    let f = file_entry(&run.report, name);
    assert_eq!(f["status"], "ok", "{f}");
}

/// `read_bytes` (the fuzz target's entry point) on every bad input: no panic, a read problem.
#[test]
fn read_bytes_refuses_every_bad_input_without_panicking() {
    use poalint::check::policy::{self, Source};
    use poalint::check::rules::RuleSet;
    let eff = policy::load(&Source::Builtin("default"), &RuleSet::builtin()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let expected = write_bad_inputs(tmp.path());
    for e in expected.iter().filter(|e| e.status == "unreadable") {
        let bytes = std::fs::read(tmp.path().join(&e.file)).unwrap();
        match poalint::read::read_bytes(bytes, &e.file, &eff.labels) {
            poalint::read::FileRead::Failed(p) => {
                let m = p.message();
                for s in &e.says {
                    assert!(m.contains(s), "{}: «{m}» does not say «{s}»", e.file);
                }
            }
            poalint::read::FileRead::Ok { .. } => panic!("{} was read", e.file),
        }
    }
}

/// Writes the bad inputs into `$BAD_INPUTS_DIR` to try them by hand:
/// `BAD_INPUTS_DIR=/tmp/malos cargo test --test bad_inputs -- --ignored write_them`.
#[test]
#[ignore]
fn write_them() {
    let dir = std::env::var("BAD_INPUTS_DIR").expect("BAD_INPUTS_DIR");
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    write_bad_inputs(dir);
    write_odd_names(dir);
    write_formula_errors(dir);
}

/// Writes an honest 250 MB sheet (8 million cells, within the zip limits) into
/// `$BAD_INPUTS_DIR`, to measure by hand what reading it costs:
/// `BAD_INPUTS_DIR=/tmp/malos cargo test --test bad_inputs -- --ignored write_big_honest_sheet`.
#[test]
#[ignore]
fn write_big_honest_sheet() {
    let dir = std::env::var("BAD_INPUTS_DIR").expect("BAD_INPUTS_DIR");
    let base = unzip(&fixture("58-COTUCO-3T2024.xlsx"));
    let size: u64 = 250 * 1024 * 1024;
    let entries: Vec<RawEntry> = base
        .iter()
        .map(|(n, d)| {
            if n == "xl/worksheets/sheet1.xml" {
                let head: &[u8] = b"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
                let tail: &[u8] = b"</sheetData></worksheet>";
                let row = b"<row><c><v>1</v></c><c t=\"inlineStr\"><is><t>x</t></is></c></row>";
                let (body, len) = deflate_framed(head, row, size, tail);
                let mut inflated = Vec::with_capacity(len as usize);
                inflated.extend_from_slice(head);
                while inflated.len() - head.len() < size as usize {
                    let take = (size as usize + head.len() - inflated.len()).min(row.len());
                    inflated.extend_from_slice(&row[..take]);
                }
                inflated.extend_from_slice(tail);
                assert_eq!(inflated.len() as u64, len);
                RawEntry {
                    name: n.clone(),
                    method: 8,
                    data: body,
                    crc: crc32(&inflated),
                    declared: len as u32,
                }
            } else {
                RawEntry::stored(n, d)
            }
        })
        .collect();
    std::fs::write(
        Path::new(&dir).join("hoja-honesta-250mb.xlsx"),
        raw_zip(&entries),
    )
    .unwrap();
}
