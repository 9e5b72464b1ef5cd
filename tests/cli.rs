//! The command line as a user runs it: exit statuses, every output format on the fixtures,
//! `inspect`, `rules`, `explain`, `policy show`.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn poalint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_poalint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .output()
        .expect("run poalint")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Asserts that the command could not run (exit 2) and that its stderr says every one of `words`.
fn fails_saying(o: &Output, words: &[&str]) {
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(words.iter().all(|w| err.contains(w)), "{err}");
}

fn json(args: &[&str]) -> (Value, i32) {
    let o = poalint(args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)));
    (v, o.status.code().unwrap())
}

#[test]
fn lint_json_follows_the_contract() {
    let (v, code) = json(&["lint", "fixtures", "--format", "json"]);
    assert_eq!(code, 1, "errors in the fixtures → exit 1");
    assert_eq!(v["version"], 1);
    assert_eq!(v["policy"], "default");
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 7);
    for f in files {
        assert_eq!(f["status"], "ok", "{f}");
        assert!(f["sheets"].as_u64().unwrap() >= 5);
    }
    let diags = v["diagnostics"].as_array().unwrap();
    for d in diags {
        for k in [
            "rule", "kind", "severity", "file", "sheet", "cell", "row", "meta", "message", "help",
        ] {
            assert!(d.get(k).is_some(), "{k} missing in {d}");
        }
        let kinds = [
            "read",
            "layout",
            "header",
            "sum",
            "percent",
            "observaciones",
            "signers",
            "clave",
            "periodo",
        ];
        assert!(kinds.contains(&d["kind"].as_str().unwrap()));
        if let (Some(cell), Some(row)) = (d["cell"].as_str(), d["row"].as_u64()) {
            assert!(cell.ends_with(&row.to_string()), "{d}");
        }
    }
    // The fix of a computed value: IMACUM 202 N24 (AVANCE 19600, A add up to 20100).
    let fix = diags
        .iter()
        .find(|d| d["file"] == "fixtures/60-IMACUM-4T2020.xlsx" && d["rule"] == "avance-absoluto")
        .unwrap();
    assert_eq!(fix["sheet"], "202");
    assert_eq!(fix["fix"]["cell"], "N24");
    assert_eq!(fix["fix"]["value"], 20100.0);
    let s = &v["summary"];
    assert_eq!(s["files"], 7);
    assert_eq!(
        s["errors"].as_u64().unwrap(),
        diags.iter().filter(|d| d["severity"] == "error").count() as u64
    );
}

/// A path on the command line that does not exist is one unreadable file in the report, with
/// advice about the path (not about re-saving a workbook); the other paths are still checked.
#[test]
fn a_missing_path_is_reported_and_the_run_goes_on() {
    let (v, code) = json(&[
        "lint",
        "fixtures/no-existe.xlsx",
        "fixtures/58-COTUCO-3T2024.xlsx",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{v}");
    let diags = v["diagnostics"].as_array().unwrap();
    let missing: Vec<&Value> = diags
        .iter()
        .filter(|d| d["file"] == "fixtures/no-existe.xlsx")
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["rule"], "archivo-ilegible");
    let help = missing[0]["help"].as_str().unwrap();
    assert!(help.contains("ruta") && !help.contains("Excel"), "{help}");
    assert!(
        diags
            .iter()
            .any(|d| d["file"] == "fixtures/58-COTUCO-3T2024.xlsx"),
        "the other file was checked: {v}"
    );
}

/// A file named twice, as part of its folder and by its absolute path, is checked once.
#[test]
fn a_file_named_twice_is_checked_once() {
    let abs = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/58-COTUCO-3T2024.xlsx");
    let (v, _) = json(&[
        "lint",
        "fixtures",
        abs.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let files = v["files"].as_array().unwrap();
    let cotuco = files
        .iter()
        .filter(|f| {
            f["file"]
                .as_str()
                .unwrap()
                .ends_with("58-COTUCO-3T2024.xlsx")
        })
        .count();
    assert_eq!(cotuco, 1, "{v}");
}

/// `-o` is checked before the run: a report over a workbook (an input, in the worst case) or
/// in a folder that does not exist stops at once with exit 2, and nothing is written.
#[test]
fn output_is_checked_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("58-COTUCO-3T2024.xlsx");
    std::fs::copy("fixtures/58-COTUCO-3T2024.xlsx", &book).unwrap();
    let before = std::fs::read(&book).unwrap();
    let b = book.to_str().unwrap();
    let o = poalint(&["lint", b, "--format", "json", "-o", b]);
    fails_saying(&o, &["extensión de libro"]);
    assert_eq!(
        std::fs::read(&book).unwrap(),
        before,
        "the input is untouched"
    );

    // A template, or a workbook without an extension, is not overwritten either.
    for name in ["plantilla.xltx", "captura-sin-extension"] {
        let other = dir.path().join(name);
        if name.ends_with("extension") {
            std::fs::copy(&book, &other).unwrap();
        }
        let o = poalint(&["lint", b, "--format", "json", "-o", other.to_str().unwrap()]);
        fails_saying(&o, &["libro"]);
    }
    assert_eq!(
        std::fs::read(dir.path().join("captura-sin-extension")).unwrap(),
        before
    );

    let missing = dir.path().join("no-existe").join("informe.json");
    let o = poalint(&[
        "lint",
        b,
        "--format",
        "json",
        "-o",
        missing.to_str().unwrap(),
    ]);
    fails_saying(&o, &["informe.json", "la carpeta no existe"]);
    // A run that fails after the check (a bad glob) leaves no empty report behind.
    let report = dir.path().join("informe.json");
    let o = poalint(&["lint", b, "--include", "[", "-o", report.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!report.exists());
}

#[test]
fn exit_status_zero_one_two() {
    let dir = tempfile::tempdir().unwrap();
    // A folder with no workbooks: nothing wrong.
    let o = poalint(&["lint", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    // Warnings only, with and without --deny-warnings: a title year mismatch is a warning.
    let o = poalint(&["lint", "fixtures/58-COTUCO-3T2024.xlsx", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    // Bad arguments and a bad policy: 2.
    assert_eq!(poalint(&["lint"]).status.code(), Some(2));
    let bad = dir.path().join("p.toml");
    std::fs::write(&bad, "[rules]\ndisable = [\"no-such-rule\"]\n").unwrap();
    let o = poalint(&["lint", "fixtures", "--policy", bad.to_str().unwrap()]);
    fails_saying(&o, &["no-such-rule", "p.toml"]);
    // --deny-warnings turns a warnings-only run into 1.
    let pol = dir.path().join("warn.toml");
    std::fs::write(&pol, "[rules]\ndisable = [\"suma-programado\", \"avance-absoluto\", \"acumulado-relativo\", \"rol-duplicado\", \"firmante-distinto\", \"firmante-faltante\", \"clave-repetida\", \"clave-faltante\", \"porcentaje-fuera-de-rango\", \"fecha-faltante\"]\n").unwrap();
    let p = pol.to_str().unwrap();
    let o = poalint(&[
        "lint",
        "fixtures/58-COTUCO-3T2024.xlsx",
        "--policy",
        p,
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = poalint(&[
        "lint",
        "fixtures/58-COTUCO-3T2024.xlsx",
        "--policy",
        p,
        "-q",
        "--deny-warnings",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn human_output_points_at_the_cell_and_draws_the_row() {
    let o = poalint(&["lint", "fixtures/60-IMACUM-4T2020.xlsx", "--no-color"]);
    let out = stdout(&o);
    assert!(
        out.contains("fixtures/60-IMACUM-4T2020.xlsx › 202 › N24"),
        "{out}"
    );
    assert!(out.contains("avance-absoluto"));
    assert!(
        out.contains("El AVANCE ABSOLUTO (19600) no coincide con lo alcanzado al corte (20100"),
        "{out}"
    );
    assert!(
        out.contains("META ANUAL") && out.contains("AVANCE"),
        "row table drawn"
    );
    assert!(out.contains("valor sugerido para N24: 20100"));
    // A percentage suggested as one; the row named as in the README, without line:column.
    assert!(out.contains("valor sugerido para O24: 154.62%"), "{out}");
    assert!(out.contains("╭─[fila 24]"), "{out}");
    assert!(out.contains("Total: 1 archivo"), "{out}");
    assert!(!out.contains('\u{1b}'), "no escape codes when piped");
    assert!(
        o.stderr.iter().all(|b| *b != 0x1b),
        "no progress bar escape codes when piped"
    );
    let q = stdout(&poalint(&[
        "lint",
        "fixtures/60-IMACUM-4T2020.xlsx",
        "--quiet",
    ]));
    assert!(!q.contains("›") && q.contains("Total:"), "{q}");
    let st = stdout(&poalint(&["lint", "fixtures", "--statistics", "--quiet"]));
    assert!(
        st.contains("Hallazgos por regla") && st.contains("suma-programado"),
        "{st}"
    );
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let (v, _) = json(&["lint", "fixtures", "--format", "sarif"]);
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &v["runs"][0];
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 15);
    let r = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "avance-absoluto"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "fixtures/60-IMACUM-4T2020.xlsx"
        })
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        24
    );
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "202!N24"
    );
}

#[test]
fn github_and_csv_formats() {
    let gh = stdout(&poalint(&[
        "lint",
        "fixtures/60-IMACUM-4T2020.xlsx",
        "--format",
        "github",
    ]));
    assert!(gh.lines().any(|l| l.starts_with("::error file=fixtures/60-IMACUM-4T2020.xlsx,line=24,col=14,title=avance-absoluto (202 › N24)::")), "{gh}");
    assert!(gh.lines().all(|l| l.starts_with("::")));
    let o = poalint(&["lint", "fixtures/60-IMACUM-4T2020.xlsx", "--format", "csv"]);
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    assert!(csv.contains("archivo,hoja,celda,fila,meta,regla"));
    assert!(csv.contains("fixtures/60-IMACUM-4T2020.xlsx,202,N24,24,9,avance-absoluto,sum,error"));
    assert_eq!(
        poalint::report::csv::field("=HYPERLINK(\"x\")"),
        "\"'=HYPERLINK(\"\"x\"\")\""
    );
    assert_eq!(poalint::report::csv::field("-1"), "'-1");
    assert_eq!(poalint::report::csv::field("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(poalint::report::csv::field("+5"), "'+5");
}

#[test]
fn output_file_and_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("informe.json");
    let o = poalint(&[
        "lint",
        "fixtures/58-COTUCO-3T2024.xlsx",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.stdout.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["files"][0]["sheets"], 5);
    // With the report in a file, the summary goes to stderr: a line per file with findings
    // (the counts of the report) and the totals.
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    let f = &v["files"][0];
    let line = format!(
        "Resumen por archivo:\n  fixtures/58-COTUCO-3T2024.xlsx: {} errores, {} advertencias\n\nTotal: 1 archivo (0 sin capturas legibles), 5 hojas, ",
        f["errors"], f["warnings"]
    );
    assert!(err.contains(&line), "{err}");
    let i = stdout(&poalint(&["inspect", "fixtures/064-IMIP-1T2024.xlsx"]));
    assert!(
        i.contains("FECHA: 31 DE MARZO 2024 [A28] → 2024-03-31 (trimestre de corte: 1)"),
        "{i}"
    );
    assert!(i.contains("META ANUAL 10 [D33]"));
    let (j, code) = json(&[
        "inspect",
        "fixtures/60-IMACUM-4T2020.ods",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(j["workbook"]["format"], "ods");
    assert_eq!(j["workbook"]["sheets"].as_array().unwrap().len(), 5);
    // A file that cannot be read: its path, what is wrong once, what to do; exit 1.
    let o = poalint(&["inspect", "fixtures/no-existe.xlsx"]);
    assert_eq!(o.status.code(), Some(1));
    let t = stdout(&o);
    assert!(
        t.starts_with("fixtures/no-existe.xlsx: No se pudo leer"),
        "{t}"
    );
    assert_eq!(t.matches("No se pudo leer").count(), 1, "{t}");
    assert!(t.contains("ayuda: Compruebe que la ruta exista"), "{t}");
}

#[test]
fn rules_explain_and_policy_show() {
    let r = stdout(&poalint(&["rules", "--policy", "mexicali"]));
    assert!(
        r.contains("observaciones-faltantes") && r.contains("error"),
        "{r}"
    );
    let e = stdout(&poalint(&["explain", "suma-programado"]));
    assert!(e.contains("Qué detecta") && e.contains("Por qué importa") && e.contains("Ejemplo"));
    let o = poalint(&["explain", "no-existe"]);
    assert_eq!(o.status.code(), Some(2));
    let p = stdout(&poalint(&["policy", "show", "--policy", "mexicali"]));
    // In the repository the policies on disk override the built-in ones.
    let layers = p.lines().find(|l| l.starts_with("# Capas")).unwrap();
    assert!(
        layers.contains("default") && layers.contains("→") && layers.ends_with("mexicali.toml"),
        "{p}"
    );
    let parsed: toml::Table = toml::from_str(&p).expect("policy show prints TOML");
    assert!(parsed.contains_key("rule"));
    // Without a path, the poalint.toml of the current folder, as `lint .` and `rules` use.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("poalint.toml"),
        "[severity]\n\"anio-titulo\" = \"error\"\n",
    )
    .unwrap();
    let here = Command::new(env!("CARGO_BIN_EXE_poalint"))
        .args(["policy", "show"])
        .current_dir(d.path())
        .output()
        .unwrap();
    let here = stdout(&here);
    assert!(here.contains("poalint.toml"), "{here}");
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/default.toml")
            .exists()
    );
}

#[test]
fn version_help_and_completions() {
    let v = stdout(&poalint(&["--version"]));
    assert!(v.starts_with("poalint "), "{v}");
    let h = stdout(&poalint(&["--help"]));
    assert!(
        h.contains("Ejemplos:") && h.contains("poalint lint capturas/"),
        "{h}"
    );
    let c = stdout(&poalint(&["completions", "bash"]));
    assert!(c.contains("_poalint") && c.contains("lint"), "{c}");
}

/// Command-line mistakes are told in Spanish, with exit status 2.
#[test]
fn usage_errors_in_spanish() {
    fails_saying(
        &poalint(&["lint", "fixtures", "--jobs", "abc"]),
        &["valor inválido «abc»", "--jobs"],
    );
    fails_saying(
        &poalint(&["lint", "fixtures", "--format", "xml"]),
        &["valores posibles", "sarif"],
    );
    fails_saying(
        &poalint(&["lint", "--foo"]),
        &["argumento desconocido «--foo»"],
    );
    fails_saying(&poalint(&["lint"]), &["falta"]);
}
