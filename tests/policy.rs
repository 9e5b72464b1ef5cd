//! Policies: a severity change, a disabled rule, a wider observaciones band, a label alias,
//! exceptions with a reason, `extends`, and errors that point into the TOML file.

mod common;
use common::*;
use poalint::check::Severity;
use poalint::check::policy::{self, Source};
use std::path::Path;

/// A capture with one meta at 75 % and one at 25 % of schedule, no OBSERVACIONES.
fn off_schedule(dir: &Path) -> std::path::PathBuf {
    let mut s = Sheet::new("001", "001", 2);
    let mut r75 = Row::ok("101.- TRES CUARTOS", 2);
    r75.p = [N(2.0), N(2.0), N(0.0), N(0.0)];
    r75.a = [N(2.0), N(1.0), Blank, Blank];
    r75.avance = N(3.0);
    r75.relativo = Pct(0.75);
    let mut r25 = r75.clone();
    r25.desc = "102.- UN CUARTO".into();
    r25.a = [N(1.0), N(0.0), Blank, Blank];
    r25.avance = N(1.0);
    r25.relativo = Pct(0.25);
    s.rows.extend([r75, r25]);
    let p = dir.join("captura.xlsx");
    write_workbook(&p, &[s]);
    p
}

fn write_policy(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("politica.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn mexicali_raises_observaciones_to_error_and_extends_default() {
    let d = tempfile::tempdir().unwrap();
    let cap = off_schedule(d.path());
    let def = lint_with(&builtin_policy("default"), std::slice::from_ref(&cap));
    let mx = lint_with(&builtin_policy("mexicali"), &[cap]);
    let sev = |r: &poalint::run::RunResult| -> Vec<Severity> {
        of(&r.diagnostics(), "observaciones-faltantes")
            .iter()
            .map(|d| d.severity)
            .collect()
    };
    assert_eq!(sev(&def), [Severity::Warning, Severity::Warning]);
    assert_eq!(sev(&mx), [Severity::Error, Severity::Error]);
    let eff = builtin_policy("mexicali");
    assert_eq!(eff.chain.len(), 2, "{:?}", eff.chain);
    assert!(eff.rule("firmante-variante").unwrap().enabled);
}

#[test]
fn disable_severity_band_and_extends_from_a_file() {
    let d = tempfile::tempdir().unwrap();
    let cap = off_schedule(d.path());
    let p = write_policy(
        d.path(),
        r#"
extends = "default"
[rules]
disable = ["acumulado-relativo"]
[severity]
"suma-programado" = "info"
[params.observaciones-faltantes]
band = [0.7, 1.3]
"#,
    );
    let eff = policy_file(&p).unwrap();
    assert!(!eff.rule("acumulado-relativo").unwrap().enabled);
    assert_eq!(
        eff.rule("suma-programado").unwrap().def.severity,
        Severity::Info
    );
    let r = lint_with(&eff, &[cap]);
    // ΣP = 4 ≠ 4? both metas program 2+2 = 4 = META ANUAL 4: no sum finding; the band keeps 75 %.
    let obs: Vec<_> = of(&r.diagnostics(), "observaciones-faltantes")
        .iter()
        .map(|d| d.meta.clone().unwrap())
        .collect();
    assert_eq!(obs, ["102"], "{:#?}", r.diagnostics());
    // The same capture with a wrong relativo is not reported once the rule is off.
    assert!(of(&r.diagnostics(), "acumulado-relativo").is_empty());
}

#[test]
fn severity_override_applies_to_findings() {
    let d = tempfile::tempdir().unwrap();
    let mut s = Sheet::new("001", "001", 1);
    s.rows[0].p = [N(1.0), N(1.0), N(1.0), N(2.0)];
    let cap = d.path().join("c.xlsx");
    write_workbook(&cap, &[s]);
    let p = write_policy(d.path(), "[severity]\n\"suma-programado\" = \"warning\"\n");
    let r = lint_with(&policy_file(&p).unwrap(), &[cap]);
    let all = r.diagnostics();
    let f = of(&all, "suma-programado");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn label_alias_teaches_an_ayuntamiento_spelling() {
    let d = tempfile::tempdir().unwrap();
    let mut s = Sheet::new("001", "001", 1);
    s.desc_label = "ACTIVIDADES PROGRAMADAS".into();
    s.ue_label = "DEPTO. EJECUTOR".into();
    let cap = d.path().join("c.xlsx");
    write_workbook(&cap, &[s]);
    let plain = lint_with(&builtin_policy("default"), std::slice::from_ref(&cap));
    assert_eq!(plain.files[0].metas, 0);
    assert!(!of(&plain.diagnostics(), "hoja-sin-tabla").is_empty());
    let p = write_policy(
        d.path(),
        "[labels]\ndescripcion = [\"Actividades programadas\"]\nunidad_ejecutora = [\"DEPTO EJECUTOR\"]\n",
    );
    let eff = policy_file(&p).unwrap();
    let r = lint_with(&eff, std::slice::from_ref(&cap));
    assert_eq!(r.files[0].metas, 1);
    assert!(of(&r.diagnostics(), "hoja-sin-tabla").is_empty());
    let wb = match poalint::read::read_path(&cap, "c.xlsx", &eff.labels) {
        poalint::read::FileRead::Ok { workbook, .. } => workbook,
        _ => panic!(),
    };
    assert_eq!(wb.sheets[0].header.unidad_ejecutora.code_str(), Some("001"));
}

#[test]
fn exceptions_accept_a_finding_and_stale_ones_are_reported() {
    let d = tempfile::tempdir().unwrap();
    let mut s = Sheet::new("001", "001", 1);
    s.rows[0].p = [N(1.0), N(1.0), N(1.0), N(2.0)];
    let cap = d.path().join("064-IMIP.xlsx");
    write_workbook(&cap, &[s]);
    let p = write_policy(
        d.path(),
        r#"
[[excepcion]]
file = "064-*.xlsx"
sheet = "001"
meta = "100"
rule = "suma-programado"
motivo = "Meta reprogramada por acuerdo de Cabildo"

[[excepcion]]
file = "999-*.xlsx"
rule = "clave-faltante"
motivo = "Ya no aplica"
"#,
    );
    let r = lint_with(&policy_file(&p).unwrap(), std::slice::from_ref(&cap));
    assert!(of(&r.diagnostics(), "suma-programado").is_empty());
    assert_eq!(r.accepted, 1);
    assert_eq!(r.unused_exceptions.len(), 1);
    assert_eq!(r.unused_exceptions[0].file, "999-*.xlsx");
    // Every format tells the user about it, also those with no place for it in the report.
    for format in ["human", "json", "sarif", "github", "csv"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_poalint"))
            .args(["lint", cap.to_str().unwrap(), "--format", format])
            .args(["--policy", p.to_str().unwrap()])
            .output()
            .unwrap();
        let all =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(all.contains("999-*.xlsx"), "{format}: {all}");
    }
}

#[test]
fn bad_policies_point_into_the_file() {
    let d = tempfile::tempdir().unwrap();
    for (text, needle) in [
        (
            "[rules]\ndisable = [\"suma-programada\"]\n",
            "suma-programado",
        ),
        ("unknown_key = 1\n", "unknown"),
        ("[severity]\n\"suma-programado\" = 3\n", "3"),
        (
            "[params.observaciones-faltantes]\nbanda = [0.9, 1.1]\n",
            "banda",
        ),
        (
            "[params.observaciones-faltantes]\nband = [1.1, 0.9]\n",
            "límite inferior",
        ),
        (
            "[[excepcion]]\nfile = \"a.xlsx\"\nrule = \"suma-programado\"\nmotivo = \"\"\n",
            "motivo",
        ),
        ("extends = \"no-existe\"\n", "no-existe"),
    ] {
        let p = write_policy(d.path(), text);
        let err = policy_file(&p).expect_err(text);
        let all = format!("{} {:?} {:?}", err.reason, err.help, err.span);
        assert!(err.span.is_some(), "{text}: no span in {all}");
        let spanned = &text[err.span.unwrap().offset()..];
        assert!(
            all.contains(needle) || spanned.starts_with(needle) || spanned.contains(needle),
            "{text}: {all}"
        );
    }
    // A misspelt id gets a suggestion.
    let p = write_policy(d.path(), "[rules]\ndisable = [\"suma-programada\"]\n");
    let err = policy_file(&p).unwrap_err();
    assert!(err.help.unwrap_or_default().contains("suma-programado"));
}

#[test]
fn poalint_toml_in_the_linted_folder_or_a_parent_is_found() {
    let d = tempfile::tempdir().unwrap();
    let sub = d.path().join("capturas/2024");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(d.path().join("poalint.toml"), "extends = \"mexicali\"\n").unwrap();
    match policy::choose(None, &[sub]).unwrap() {
        Source::File(p) => assert!(p.ends_with("poalint.toml")),
        other => panic!("{other:?}"),
    }
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        policy::choose(None, &[empty.path().to_path_buf()]).unwrap(),
        Source::Builtin("default")
    ));
    assert!(policy::choose(Some("no-existe"), &[]).is_err());
}

#[test]
fn the_shipped_template_and_policies_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in [
        "poalint.template.toml",
        "policies/default.toml",
        "policies/mexicali.toml",
    ] {
        policy_file(&root.join(f)).unwrap_or_else(|e| panic!("{f}: {} {:?}", e.reason, e.span));
    }
}

/// A ramo split over several files (one per unidad, as some dependencias send them): with
/// `ramo = "ramo"` the RESPONSABLE DEL RAMO is compared across the files, and the fix-up
/// workbook of the file that differs carries the finding although its own checks found
/// nothing (it is written again after the cross-file checks).
#[test]
fn a_ramo_split_over_files_is_checked_across_them_and_its_fix_up_workbook_says_so() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("capturas");
    std::fs::create_dir_all(&input).unwrap();
    for (file, unidad, autoriza) in [
        ("12-OBRAS-UE101.xlsx", "101", "LIC. JOSÉ LUIS URIAS FÉLIX"),
        ("12-OBRAS-UE102.xlsx", "102", "LIC. JOSÉ LUIS URIAS FÉLIX"),
        ("12-OBRAS-UE103.xlsx", "103", "ING. PEDRO SOTO MEZA"),
    ] {
        let mut s = Sheet::new(unidad, unidad, 2);
        s.signers[2] = signer("AUTORIZÓ", autoriza, "RESPONSABLE DEL RAMO");
        write_workbook(&input.join(file), &[s]);
    }
    // Each file alone is clean.
    let alone = lint_with(&builtin_policy("default"), std::slice::from_ref(&input));
    assert_eq!(alone.total(), 0, "{:#?}", alone.diagnostics());

    let p = write_policy(
        d.path(),
        "extends = \"default\"\n[params.firmante-distinto]\nscopes = { ramo = \"ramo\", programa = \"programa\", unidad = \"unidad\", otro = \"workbook\" }\n",
    );
    let out = d.path().join("correcciones");
    let opts = poalint::run::Options {
        paths: vec![input.clone()],
        jobs: 2,
        fix_dir: Some(out.clone()),
        ..Default::default()
    };
    let run = poalint::run::lint(&policy_file(&p).unwrap(), &opts, &|_, _| {}).unwrap();
    let all = run.diagnostics();
    let f = of(&all, "firmante-distinto");
    assert_eq!(f.len(), 1, "{all:#?}");
    assert!(f[0].file.ends_with("12-OBRAS-UE103.xlsx"), "{:?}", f[0]);
    assert!(f[0].message.contains("PEDRO SOTO"), "{}", f[0].message);
    let summary = run.fix.as_ref().unwrap().as_ref().unwrap();
    assert!(summary.contains("1 libro escrito"), "{summary}");

    // Only that file gets a fix-up workbook, and its Diagnósticos sheet lists the finding.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["12-OBRAS-UE103-correcciones.xlsx", "resumen.xlsx"]);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(out.join("12-OBRAS-UE103-correcciones.xlsx")).unwrap();
    let diags = book.worksheet_range(poalint::fix::DIAGNOSTICOS).unwrap();
    // (The legend beside the table makes the range longer than the table.)
    let rules: Vec<String> = diags
        .rows()
        .skip(1)
        .map(|r| r[2].to_string())
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(rules, ["firmante-distinto"]);

    // resumen.xlsx counts it on that file's row too (its worker counted none: the row is
    // counted again from every finding of the file).
    let mut resumen: calamine::Xlsx<_> = calamine::open_workbook(out.join("resumen.xlsx")).unwrap();
    let table = resumen.worksheet_range("Resumen").unwrap();
    let mut rows = table.rows();
    let head: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (errores, rule) = (col("errores"), col("firmante-distinto"));
    let counts: Vec<(String, String, String)> = rows
        .map(|r| {
            (
                r[0].to_string(),
                r[errores].to_string(),
                r[rule].to_string(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (
                "12-OBRAS-UE101.xlsx".to_string(),
                "0".to_string(),
                "0".to_string()
            ),
            ("12-OBRAS-UE102.xlsx".into(), "0".into(), "0".into()),
            ("12-OBRAS-UE103.xlsx".into(), "1".into(), "1".into()),
        ]
    );
}

/// A fix-up workbook left by an earlier run for a file that is clean now is removed with
/// `--force` (it would contradict the summary); without `--force` nothing is touched.
#[test]
fn a_stale_fix_up_workbook_is_removed_when_its_file_is_clean_now() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("capturas");
    std::fs::create_dir_all(&input).unwrap();
    let file = input.join("12-OBRAS-1T2024.xlsx");
    let mut bad = Sheet::new("101", "101", 2);
    bad.rows[0].p[0] = Cell::N(99.0);
    write_workbook(&file, &[bad]);
    let out = d.path().join("correcciones");
    let lint_fix = |force: bool| {
        let opts = poalint::run::Options {
            paths: vec![input.clone()],
            jobs: 1,
            fix_dir: Some(out.clone()),
            force,
            ..Default::default()
        };
        poalint::run::lint(&builtin_policy("default"), &opts, &|_, _| {})
    };
    let first = lint_fix(false).unwrap();
    assert!(first.total() > 0);
    let book = out.join("12-OBRAS-1T2024-correcciones.xlsx");
    assert!(book.is_file());

    // Corrected by the dependencia.
    write_workbook(&file, &[Sheet::new("101", "101", 2)]);
    let err = lint_fix(false).err().expect("refused without --force");
    assert!(err.contains("--force"), "{err}");
    assert!(book.is_file());
    let again = lint_fix(true).unwrap();
    assert_eq!(again.total(), 0);
    assert!(again.fix.unwrap().unwrap().contains("0 libros escritos"));
    assert!(!book.exists(), "stale fix-up workbook left behind");
    assert!(out.join("resumen.xlsx").is_file());
}

/// The JSON report is mostly rendered by the workers as the files are checked
/// (`Options::prerender`); a file that gets findings from other files afterwards (a ramo split
/// over files) is rendered again at the end, with its own findings and those in order. The
/// report must be the same bytes either way, and hold every finding once.
#[test]
fn the_json_report_rendered_by_the_workers_is_the_one_rendered_at_the_end() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("capturas");
    std::fs::create_dir_all(&input).unwrap();
    for (file, unidad, autoriza, p) in [
        (
            "12-OBRAS-UE101.xlsx",
            "101",
            "LIC. JOSÉ LUIS URIAS FÉLIX",
            Some(99.0),
        ),
        (
            "12-OBRAS-UE102.xlsx",
            "102",
            "LIC. JOSÉ LUIS URIAS FÉLIX",
            None,
        ),
        // Its own findings on a meta row, the cross-file one on a signer row below.
        (
            "12-OBRAS-UE103.xlsx",
            "103",
            "ING. PEDRO \"EL INGE\" SOTO",
            Some(98.0),
        ),
    ] {
        let mut s = Sheet::new(unidad, unidad, 2);
        if let Some(p) = p {
            // ΣP ≠ META ANUAL, and off schedule without OBSERVACIONES.
            s.rows[0].p[0] = Cell::N(p);
        }
        s.signers[2] = signer("AUTORIZÓ", autoriza, "RESPONSABLE DEL RAMO");
        write_workbook(&input.join(file), &[s]);
    }
    let p = write_policy(
        d.path(),
        "extends = \"default\"\n[params.firmante-distinto]\nscopes = { ramo = \"ramo\", programa = \"programa\", unidad = \"unidad\", otro = \"workbook\" }\n",
    );
    let policy = policy_file(&p).unwrap();
    let report = |prerender: Option<poalint::run::Prerender>| {
        let opts = poalint::run::Options {
            paths: vec![input.clone()],
            jobs: 2,
            prerender,
            ..Default::default()
        };
        let run = poalint::run::lint(&policy, &opts, &|_, _| {}).unwrap();
        (poalint::report::json::render(&run), run)
    };
    let (at_end, run) = report(None);
    let (by_workers, _) = report(Some(poalint::report::json::prerender));
    assert_eq!(by_workers, at_end);

    let v: serde_json::Value = serde_json::from_str(&by_workers).unwrap();
    let rows: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap().rsplit('/').next().unwrap();
            (file.to_string(), d["rule"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(rows.len(), run.total(), "{rows:?}");
    let in_103: Vec<&str> = rows
        .iter()
        .filter(|(f, _)| f == "12-OBRAS-UE103.xlsx")
        .map(|(_, r)| r.as_str())
        .collect();
    assert_eq!(
        in_103,
        [
            "suma-programado",
            "observaciones-faltantes",
            "firmante-distinto"
        ],
        "{rows:?}"
    );
    assert!(rows.contains(&("12-OBRAS-UE101.xlsx".into(), "suma-programado".into())));
    assert!(
        !rows.iter().any(|(f, _)| f == "12-OBRAS-UE102.xlsx"),
        "{rows:?}"
    );
    assert!(
        by_workers.contains(r#"ING. PEDRO \"EL INGE\" SOTO"#),
        "{by_workers}"
    );
}
