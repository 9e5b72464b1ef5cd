//! `--fix-dir`: the fix-up workbooks and `resumen.xlsx`, written from the committed fixtures
//! and read back with calamine (values, rows, links) and as zip archives (notes, formats).

mod common;

use calamine::{Data, Range, Reader, open_workbook_auto};
use poalint::check::policy::{self, Effective, Source};
use poalint::check::rules::RuleSet;
use poalint::model::CellValue;
use poalint::run::RunResult;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Helpers

fn policy(name: &'static str) -> Effective {
    policy::load(&Source::Builtin(name), &RuleSet::builtin()).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Copies fixtures into `dir` (created).
fn copy_fixtures(dir: &Path, names: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for n in names {
        std::fs::copy(fixture(n), dir.join(n)).unwrap();
    }
}

fn lint(paths: &[PathBuf], pol: &Effective) -> RunResult {
    let opts = poalint::run::Options {
        paths: paths.to_vec(),
        jobs: 2,
        ..Default::default()
    };
    poalint::run::lint(pol, &opts, &|_, _| {}).unwrap()
}

/// Lints with `--fix-dir out`: `Err` when the outputs were refused before anything was read.
fn lint_fix(
    paths: &[PathBuf],
    pol: &Effective,
    out: &Path,
    force: bool,
) -> Result<RunResult, String> {
    let opts = poalint::run::Options {
        paths: paths.to_vec(),
        jobs: 2,
        fix_dir: Some(out.to_path_buf()),
        force,
        ..Default::default()
    };
    poalint::run::lint(pol, &opts, &|_, _| {})
}

/// What the reader made of a workbook.
fn read_back(path: &Path, pol: &Effective) -> poalint::model::Workbook {
    let shown = path.display().to_string();
    match poalint::read::read_path(path, &shown, &pol.labels) {
        poalint::read::FileRead::Ok { workbook, .. } => workbook,
        poalint::read::FileRead::Failed(p) => panic!("{shown}: {}", p.message()),
    }
}

/// Lints `input` with the default policy and writes the fix-up workbooks into `out`.
/// The run is `None` when the outputs were refused before anything was read.
fn lint_and_fix(
    input: &Path,
    out: &Path,
    force: bool,
) -> (Option<RunResult>, Result<String, String>) {
    let pol = policy("default");
    match lint_fix(&[input.to_path_buf()], &pol, out, force) {
        Ok(mut run) => {
            let r = run.fix.take().expect("fix-up summary");
            (Some(run), r)
        }
        Err(e) => (None, Err(e)),
    }
}

fn a1(s: &str) -> (u32, u32) {
    let letters: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits: u32 = s[letters.len()..].parse().unwrap();
    let mut col = 0u32;
    for ch in letters.chars() {
        col = col * 26 + (ch as u32 - 'A' as u32 + 1);
    }
    (digits - 1, col - 1)
}

fn sheet(path: &Path, name: &str) -> Range<Data> {
    let mut wb = open_workbook_auto(path).unwrap();
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("{}: no sheet {name}: {e}", path.display()))
}

fn sheet_names(path: &Path) -> Vec<String> {
    open_workbook_auto(path).unwrap().sheet_names().to_vec()
}

fn get<'a>(r: &'a Range<Data>, cell: &str) -> &'a Data {
    r.get_value(a1(cell)).unwrap_or(&Data::Empty)
}

fn num(r: &Range<Data>, cell: &str) -> Option<f64> {
    match get(r, cell) {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn text(r: &Range<Data>, cell: &str) -> String {
    match get(r, cell) {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Rows of a list sheet below its header row, as strings.
fn rows(r: &Range<Data>) -> Vec<Vec<String>> {
    r.rows()
        .skip(1)
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn zip_entry(path: &Path, name: &str) -> Option<String> {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut e = z.by_name(name).ok()?;
    let mut s = String::new();
    e.read_to_string(&mut s).unwrap();
    Some(s)
}

fn zip_names(path: &Path) -> Vec<String> {
    let f = std::fs::File::open(path).unwrap();
    let z = zip::ZipArchive::new(f).unwrap();
    z.file_names()
        .filter_map(|s| s.ok().map(|s| s.to_string()))
        .collect()
}

/// The notes of one sheet: cell (A1) → text (XML as stored).
fn notes(path: &Path, sheet_name: &str) -> BTreeMap<String, String> {
    let pos = sheet_names(path)
        .iter()
        .position(|n| n == sheet_name)
        .unwrap_or_else(|| panic!("no sheet {sheet_name}"));
    let rels = zip_entry(
        path,
        &format!("xl/worksheets/_rels/sheet{}.xml.rels", pos + 1),
    )
    .unwrap_or_default();
    let Some(i) = rels.find("../comments") else {
        return BTreeMap::new();
    };
    let target = &rels[i + 3..];
    let target = &target[..target.find('"').unwrap()];
    let xml = zip_entry(path, &format!("xl/{target}")).unwrap();
    let mut out = BTreeMap::new();
    for part in xml.split("<comment ref=\"").skip(1) {
        let cell = part[..part.find('"').unwrap()].to_string();
        let body = &part[..part.find("</comment>").unwrap()];
        // The runs' texts: <t>…</t> or <t xml:space="preserve">…</t>.
        let mut text = String::new();
        let mut rest = body;
        while let Some(i) = [rest.find("<t>"), rest.find("<t ")]
            .into_iter()
            .flatten()
            .min()
        {
            let after = &rest[i..];
            let start = after.find('>').unwrap() + 1;
            let end = after.find("</t>").unwrap();
            text.push_str(&after[start..end]);
            rest = &after[end..];
        }
        out.insert(cell, text);
    }
    out
}

fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            m.insert(
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    m
}

/// The JSON report's diagnostics of one file.
fn json_diags(run: &RunResult, file: &str) -> Vec<serde_json::Value> {
    let v = poalint::report::json::to_value(run);
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == file)
        .cloned()
        .collect()
}

const ALL_FIXTURES: [&str; 7] = [
    "01-PRESIDENCIA-2T2020.xls",
    "01-PRESIDENCIA-2T2020.xlsx",
    "064-IMIP-1T2024.xlsx",
    "51-COPLADEMM-4T2023.xlsx",
    "58-COTUCO-3T2024.xlsx",
    "60-IMACUM-4T2020.ods",
    "60-IMACUM-4T2020.xlsx",
];

// ---------------------------------------------------------------------------------------------
// One dependencia, cell by cell

#[test]
fn imacum_avance_is_corrected_and_every_other_value_stays_at_its_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &["60-IMACUM-4T2020.xlsx"]);
    let (run, r) = lint_and_fix(&input, &out, false);
    let run = run.unwrap();
    let summary = r.unwrap();
    assert!(summary.contains("1 libro escrito"), "{summary}");
    assert!(summary.contains("resumen.xlsx"), "{summary}");

    let src = input.join("60-IMACUM-4T2020.xlsx");
    let fixed = out.join("60-IMACUM-4T2020-correcciones.xlsx");
    assert!(fixed.is_file(), "{:?}", files_in(&out).keys());
    assert_eq!(
        sheet_names(&fixed),
        ["Diagnósticos", "101", "102", "201", "202", "203"]
    );

    // The real mistake: AVANCE ABSOLUTO 19,600 typed over the formula; Σ A = 20,100.
    let before = sheet(&src, "202");
    let after = sheet(&fixed, "202");
    assert_eq!(num(&before, "N24"), Some(19600.0));
    assert_eq!(num(&after, "N24"), Some(20100.0));
    // ACUMULADO RELATIVO: exactly the fix of the diagnostic (a fraction, shown as 0.00%),
    // computed from the corrected AVANCE: 20,100 / 13,000.
    assert_eq!(num(&before, "O24"), Some(1.5));
    assert_eq!(num(&after, "O24"), Some(1.5462));
    assert!(
        zip_entry(&fixed, "xl/styles.xml")
            .unwrap()
            .contains("formatCode=\"0.00%\"")
    );
    // What made the sum is kept: META ANUAL 13,000, A Jul-Sep 8,500 and Oct-Dic 11,600.
    assert_eq!(num(&after, "E24"), Some(13000.0));
    assert_eq!(num(&after, "K24"), Some(8500.0));
    assert_eq!(num(&after, "M24"), Some(11600.0));

    // A misspelt signer is only flagged: a person has to correct it.
    let s201 = sheet(&fixed, "201");
    assert_eq!(text(&s201, "F39"), "C. LUIS HERIBERTO PUGA GONZÁLEZ");
    assert_eq!(
        text(&s201, "F39"),
        text(&sheet(&src, "201"), "F39"),
        "signer kept at F39"
    );

    // Every value the reader took from the input is at the same address in the rebuilt sheet,
    // with the same value, except the corrected cells.
    let fix_cells: BTreeSet<(String, String)> = run
        .diagnostics()
        .iter()
        .filter_map(|d| Some((d.sheet.clone()?, d.fix.as_ref()?.cell.a1())))
        .collect();
    assert_eq!(
        fix_cells,
        BTreeSet::from([
            ("202".to_string(), "N24".to_string()),
            ("202".to_string(), "O24".to_string())
        ])
    );
    let wb = &read_back(&src, &policy("default"));
    let mut compared = 0;
    for s in &wb.sheets {
        let inp = sheet(&src, &s.name);
        let outp = sheet(&fixed, &s.name);
        for m in &s.metas {
            let mut nums = vec![&m.meta_anual];
            nums.extend(m.programado.iter());
            nums.extend(m.alcanzado.iter());
            nums.extend(m.avance_absoluto.iter());
            nums.extend(m.acumulado_relativo.iter());
            for n in nums {
                if matches!(n.raw, CellValue::Empty) {
                    continue;
                }
                let c = n.cell.a1();
                if fix_cells.contains(&(s.name.clone(), c.clone())) {
                    continue;
                }
                assert_eq!(
                    num(&outp, &c),
                    num(&inp, &c),
                    "{} {c}: value moved or changed",
                    s.name
                );
                assert!(num(&outp, &c).is_some(), "{} {c} empty", s.name);
                compared += 1;
            }
            for t in [&m.observaciones, &m.unidad_medida, &m.linea_accion]
                .into_iter()
                .flatten()
            {
                let c = t.cell.a1();
                assert_eq!(text(&outp, &c), text(&inp, &c), "{} {c}", s.name);
                compared += 1;
            }
        }
        for f in &s.firmantes {
            for l in [&f.nombre, &Some(f.rol.clone()), &f.accion]
                .into_iter()
                .flatten()
            {
                let c = l.cell.a1();
                assert_eq!(text(&outp, &c), text(&inp, &c), "{} {c}", s.name);
                compared += 1;
            }
        }
        for cn in [
            &s.header.ramo,
            &s.header.programa,
            &s.header.unidad_ejecutora,
        ] {
            if let (Some(code), Some(name)) = (&cn.code, &cn.name)
                && code.cell != name.cell
            {
                assert_eq!(text(&outp, &name.cell.a1()), name.value, "{}", s.name);
                compared += 1;
            }
        }
    }
    assert!(compared > 300, "only {compared} cells compared");

    // The rebuilt table header is a TMM-F004 header: PERIODO merged over the 8 P/A columns.
    let x = zip_entry(&fixed, "xl/worksheets/sheet5.xml").unwrap();
    let t = &wb.sheets[3].table;
    let lo = t.programado[0].unwrap().min(t.alcanzado[0].unwrap());
    let hi = t.programado[3].unwrap().max(t.alcanzado[3].unwrap());
    let periodo = format!(
        "<mergeCell ref=\"{}{}:{}{}\"/>",
        poalint::model::col_letters(lo),
        t.header_rows.0 + 1,
        poalint::model::col_letters(hi),
        t.header_rows.0 + 1
    );
    assert_eq!(hi - lo, 7);
    assert!(x.contains(&periodo), "no {periodo} in sheet 202");
    assert_eq!(
        text(
            &after,
            &format!("{}{}", poalint::model::col_letters(lo), t.header_rows.0 + 1)
        ),
        "PERIODO"
    );
}

#[test]
fn imacum_notes_say_what_was_corrected_and_what_a_person_must_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &["60-IMACUM-4T2020.xlsx"]);
    lint_and_fix(&input, &out, false).1.unwrap();
    let fixed = out.join("60-IMACUM-4T2020-correcciones.xlsx");

    assert!(
        zip_names(&fixed)
            .iter()
            .any(|n| n.starts_with("xl/comments")),
        "no comments part"
    );
    let n202 = notes(&fixed, "202");
    let n24 = n202.get("N24").expect("note on 202!N24");
    assert!(n24.contains("avance-absoluto"), "{n24}");
    assert!(n24.contains("19600 → 20100"), "{n24}");
    // The A cells that make the sum are flagged as related cells.
    for c in ["K24", "M24"] {
        let n = n202.get(c).unwrap_or_else(|| panic!("no note on 202!{c}"));
        assert!(
            n.contains("avance-absoluto") && n.contains("relacionada"),
            "{n}"
        );
    }
    // O24 carries its own fix; E24 (META ANUAL) is related to it.
    assert!(n202["O24"].contains("acumulado-relativo"));
    assert!(n202["E24"].contains("acumulado-relativo"));

    // 10.5.- 1 of 3 without OBSERVACIONES: a manual correction on the OBSERVACIONES cell.
    let n203 = notes(&fixed, "203");
    let p27 = n203.get("P27").expect("note on 203!P27");
    assert!(p27.contains("observaciones-faltantes"), "{p27}");
    assert!(p27.starts_with("Corrección manual"), "{p27}");
    // Misspelt signers: notes on 201 F39 and O39.
    let n201 = notes(&fixed, "201");
    assert!(n201["F39"].contains("firmante-mal-escrito"));
    assert!(n201["O39"].contains("firmante-mal-escrito"));
    // Clean sheets get no notes.
    assert!(notes(&fixed, "101").is_empty());
}

#[test]
fn imip_suma_programado_overwrites_nothing_and_flags_meta_and_p_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &["064-IMIP-1T2024.xlsx"]);
    let (run, r) = lint_and_fix(&input, &out, false);
    let run = run.unwrap();
    r.unwrap();
    let src = input.join("064-IMIP-1T2024.xlsx");
    let fixed = out.join("064-IMIP-1T2024-correcciones.xlsx");

    // 102 row 28, 201.- NÓMINA: P 6+6+6+6 = 24 vs META ANUAL 26. Ambiguous: nothing changes.
    let s = sheet(&fixed, "102");
    let before = sheet(&src, "102");
    for c in ["D28", "E28", "G28", "I28", "K28"] {
        assert_eq!(num(&s, c), num(&before, c), "102!{c} changed");
    }
    assert_eq!(num(&s, "D28"), Some(26.0));
    let n = notes(&fixed, "102");
    assert!(n["D28"].contains("suma-programado"), "{}", n["D28"]);
    assert!(n["D28"].starts_with("Corrección manual"));
    for c in ["E28", "G28", "I28", "K28"] {
        let t = n.get(c).unwrap_or_else(|| panic!("no note on 102!{c}"));
        assert!(
            t.contains("suma-programado") && t.contains("relacionada"),
            "{t}"
        );
    }
    // 204.-: "0.00%" with A Ene-Mar 1 of META 2 → 50% (a computable fix).
    assert_eq!(text(&before, "M31"), "0.00%");
    assert_eq!(num(&s, "M31"), Some(0.5));
    // Nothing else in the workbook was computable.
    let fixes: Vec<String> = run
        .diagnostics()
        .iter()
        .filter_map(|d| {
            d.fix
                .as_ref()
                .map(|f| format!("{}!{}", d.sheet.as_deref().unwrap(), f.cell))
        })
        .collect();
    assert_eq!(fixes, ["102!M31", "102!M32", "102!M33", "202!M34"]);
    // Percentages the reader kept as text stay text where nothing was corrected.
    assert_eq!(text(&s, "M28"), text(&before, "M28"));
}

// ---------------------------------------------------------------------------------------------
// The whole fixture set

#[test]
fn all_fixtures_one_row_per_finding_links_inputs_untouched_force_and_determinism() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("capturas");
    let out = tmp.path().join("correcciones");
    copy_fixtures(&input, &ALL_FIXTURES);
    let inputs_before = files_in(&input);

    let (run, r) = lint_and_fix(&input, &out, false);
    let run = run.unwrap();
    let summary = r.unwrap();
    assert!(
        summary.contains("7 libros escritos") && summary.contains("0 libros sin hallazgos"),
        "{summary}"
    );
    let written = files_in(&out);
    let names: Vec<&str> = written.keys().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "01-PRESIDENCIA-2T2020 (xls)-correcciones.xlsx",
            "01-PRESIDENCIA-2T2020 (xlsx)-correcciones.xlsx",
            "064-IMIP-1T2024-correcciones.xlsx",
            "51-COPLADEMM-4T2023-correcciones.xlsx",
            "58-COTUCO-3T2024-correcciones.xlsx",
            "60-IMACUM-4T2020 (ods)-correcciones.xlsx",
            "60-IMACUM-4T2020 (xlsx)-correcciones.xlsx",
            "resumen.xlsx",
        ],
        "no temporary file may remain"
    );
    assert_eq!(files_in(&input), inputs_before, "inputs were modified");

    // Diagnósticos: one row per finding of the JSON report, same order, same cells; each cell
    // a link to the rebuilt sheet.
    let by_stem: BTreeMap<&str, &str> = [
        ("01-PRESIDENCIA-2T2020.xls", "01-PRESIDENCIA-2T2020 (xls)"),
        ("01-PRESIDENCIA-2T2020.xlsx", "01-PRESIDENCIA-2T2020 (xlsx)"),
        ("064-IMIP-1T2024.xlsx", "064-IMIP-1T2024"),
        ("51-COPLADEMM-4T2023.xlsx", "51-COPLADEMM-4T2023"),
        ("58-COTUCO-3T2024.xlsx", "58-COTUCO-3T2024"),
        ("60-IMACUM-4T2020.ods", "60-IMACUM-4T2020 (ods)"),
        ("60-IMACUM-4T2020.xlsx", "60-IMACUM-4T2020 (xlsx)"),
    ]
    .into();
    let mut total = 0;
    for f in &run.files {
        let base = Path::new(&f.file).file_name().unwrap().to_str().unwrap();
        let path = out.join(format!("{}-correcciones.xlsx", by_stem[base]));
        let expected = json_diags(&run, &f.file);
        assert!(!expected.is_empty());
        let d = sheet(&path, "Diagnósticos");
        // The table is A:H (a legend sits in J, right of it).
        assert_eq!(
            d.rows().next().unwrap()[..8]
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>(),
            poalint::fix::DIAGNOSTICOS_COLUMNS
        );
        let got = rows(&d);
        assert_eq!(got.len(), expected.len(), "{base}: rows of Diagnósticos");
        let sheet1 = zip_entry(&path, "xl/worksheets/sheet1.xml").unwrap();
        for (i, (row, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(
                row[0],
                e["sheet"].as_str().unwrap_or("(libro)"),
                "{base} row {i}"
            );
            assert_eq!(row[1], e["cell"].as_str().unwrap_or("—"), "{base} row {i}");
            assert_eq!(row[2], e["rule"].as_str().unwrap(), "{base} row {i}");
            assert_eq!(row[3], e["kind"].as_str().unwrap(), "{base} row {i}");
            assert_eq!(row[5], e["message"].as_str().unwrap(), "{base} row {i}");
            if let (Some(s), Some(c)) = (e["sheet"].as_str(), e["cell"].as_str()) {
                let link = format!(
                    "<hyperlink ref=\"B{}\" location=\"'{}'!{c}\"",
                    i + 2,
                    s.replace('\'', "''")
                );
                assert!(sheet1.contains(&link), "{base}: no {link}");
            }
            match e.get("fix") {
                Some(fx) => assert_ne!(row[7], "—", "{base} row {i}: {fx}"),
                None => assert!(row[7] == "—" || row[7] == "corrección manual"),
            }
        }
        total += got.len();
    }
    assert_eq!(total, run.diagnostics().len());

    // The summary: one row per dependencia and unidad, a chart, the metas.
    let resumen = out.join("resumen.xlsx");
    assert_eq!(
        sheet_names(&resumen),
        ["Resumen", "Por dependencia", "Metas"]
    );
    let rs = sheet(&resumen, "Resumen");
    assert_eq!(rows(&rs).len(), run.sheets(), "one row per capture sheet");
    let sum_col = |col: usize| -> f64 {
        rows(&rs)
            .iter()
            .map(|r| r[col].parse::<f64>().unwrap_or(0.0))
            .sum()
    };
    assert_eq!(
        sum_col(4) as usize,
        run.count(poalint::check::Severity::Error)
    );
    assert_eq!(
        sum_col(5) as usize,
        run.count(poalint::check::Severity::Warning)
    );
    assert_eq!(
        sum_col(6) as usize,
        run.count(poalint::check::Severity::Info)
    );
    let header: Vec<String> = rs
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = header
        .iter()
        .position(|h| h == "suma-programado")
        .expect("rule column");
    let sumas = run
        .diagnostics()
        .iter()
        .filter(|d| d.rule == "suma-programado")
        .count();
    assert_eq!(sum_col(col) as usize, sumas);
    assert_eq!(rows(&sheet(&resumen, "Metas")).len(), run.metas());
    assert_eq!(rows(&sheet(&resumen, "Por dependencia")).len(), 7);
    assert!(
        zip_names(&resumen)
            .iter()
            .any(|n| n.starts_with("xl/charts/chart"))
    );

    // Again without --force: refused, naming a file, nothing touched.
    let err = lint_and_fix(&input, &out, false).1.unwrap_err();
    assert!(err.contains("--force"), "{err}");
    assert!(
        err.contains("correcciones.xlsx") || err.contains("resumen.xlsx"),
        "{err}"
    );
    assert_eq!(files_in(&out), written);

    // No clock in the output: the creation date is fixed.
    for name in written.keys() {
        let core = zip_entry(&out.join(name), "docProps/core.xml").unwrap();
        assert!(
            core.contains(">2000-01-01T00:00:00Z</dcterms:created>"),
            "{name}: {core}"
        );
    }
    // With --force: replaced, byte for byte the same (deterministic output). resumen.xlsx's
    // sheets are written by parallel threads: several runs, so that a race shows.
    for _ in 0..4 {
        lint_and_fix(&input, &out, true).1.unwrap();
        assert_eq!(files_in(&out), written, "output is not deterministic");
    }
    assert_eq!(files_in(&input), inputs_before, "inputs were modified");
}

#[test]
fn rebuilt_sheets_read_back_as_the_same_captures_minus_the_corrected_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    let names = [
        "064-IMIP-1T2024.xlsx",
        "01-PRESIDENCIA-2T2020.xls",
        "60-IMACUM-4T2020.ods",
    ];
    copy_fixtures(&input, &names);
    let (run, r) = lint_and_fix(&input, &out, false);
    let run = run.unwrap();
    r.unwrap();
    let pol = policy("default");
    for n in names {
        let stem = n.split('.').next().unwrap();
        let written = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(stem))
            .unwrap();
        let again = lint(std::slice::from_ref(&written), &pol);
        let orig_file = &run.files.iter().find(|f| f.file.ends_with(n)).unwrap().file;
        let orig = run.files.iter().find(|f| &f.file == orig_file).unwrap();
        let back = &again.files[0];
        assert_eq!((back.sheets, back.metas), (orig.sheets, orig.metas), "{n}");
        let key = |d: &poalint::check::Diagnostic| {
            (d.sheet.clone(), d.cell.map(|c| c.a1()), d.rule.clone())
        };
        let all = run.diagnostics();
        let mine: Vec<&poalint::check::Diagnostic> =
            all.iter().filter(|d| &d.file == orig_file).collect();
        let before: BTreeSet<_> = mine.iter().map(|d| key(d)).collect();
        let after: BTreeSet<_> = again.diagnostics().iter().map(key).collect();
        // No new finding, none moved.
        assert!(
            after.is_subset(&before),
            "{n}: {:?}",
            after.difference(&before)
        );
        // Exactly the corrected findings are gone (an ACUMULADO RELATIVO's fix uses the
        // corrected AVANCE ABSOLUTO, so both go together).
        let gone: BTreeSet<_> = mine
            .iter()
            .filter(|d| d.fix.is_some())
            .map(|d| key(d))
            .collect();
        assert!(!gone.is_empty(), "{n}");
        assert_eq!(
            before.difference(&after).cloned().collect::<BTreeSet<_>>(),
            gone,
            "{n}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Clean, info-only and unreadable files

#[test]
fn clean_and_info_only_workbooks_get_no_correcciones_and_unreadable_ones_a_summary_row() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&input).unwrap();
    common::write_clean(&input.join("12-OBRAS-1T2024.xlsx"), false);
    common::write_clean(&input.join("13-AVISO-1T2024.xlsx"), true);
    std::fs::write(input.join("roto.xlsx"), b"esto no es un libro de Excel").unwrap();

    let pol = policy("mexicali");
    let mut run = lint_fix(std::slice::from_ref(&input), &pol, &out, false).unwrap();
    let of = |name: &str| -> Vec<String> {
        run.diagnostics()
            .iter()
            .filter(|d| d.file.ends_with(name))
            .map(|d| format!("{} {} {}", d.rule, d.severity.as_str(), d.message))
            .collect()
    };
    assert!(
        of("12-OBRAS-1T2024.xlsx").is_empty(),
        "{:?}",
        of("12-OBRAS-1T2024.xlsx")
    );
    let info = of("13-AVISO-1T2024.xlsx");
    assert!(
        !info.is_empty() && info.iter().all(|d| d.contains(" info ")),
        "{info:?}"
    );
    assert!(!of("roto.xlsx").is_empty());

    let summary = run.fix.take().unwrap().unwrap();
    assert!(summary.contains("0 libros escritos"), "{summary}");
    assert!(summary.contains("2 libros sin hallazgos"), "{summary}");
    assert!(summary.contains("1 archivo ilegible"), "{summary}");
    let written: Vec<String> = files_in(&out).into_keys().collect();
    assert_eq!(written, ["resumen.xlsx"]);

    let rs = rows(&sheet(&out.join("resumen.xlsx"), "Resumen"));
    let find =
        |name: &str| -> Vec<Vec<String>> { rs.iter().filter(|r| r[0] == name).cloned().collect() };
    for (name, says) in [
        ("12-OBRAS-1T2024.xlsx", poalint::fix::NO_FINDINGS),
        ("13-AVISO-1T2024.xlsx", poalint::fix::ONLY_INFOS),
    ] {
        let r = find(name);
        assert_eq!(r.len(), 1, "{name}: {rs:?}");
        assert_eq!(r[0][8], says);
        assert_eq!(r[0][4], "0");
    }
    assert_eq!(
        find("13-AVISO-1T2024.xlsx")[0][6],
        "1",
        "the info is counted"
    );
    let roto = find("roto.xlsx");
    assert_eq!(roto.len(), 1);
    assert!(roto[0][8].starts_with("ilegible"), "{:?}", roto[0]);
    assert_eq!(roto[0][4], "1");

    // Metas: the clean metas are on track at the cut-off.
    let metas = rows(&sheet(&out.join("resumen.xlsx"), "Metas"));
    assert_eq!(metas.len(), 4);
    assert!(metas.iter().all(|m| m[10] == "en meta"), "{metas:?}");
}

#[test]
fn metas_status_uses_the_cutoff_and_the_observaciones_band() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_fixtures(&input, &["60-IMACUM-4T2020.xlsx"]);
    let status = |band: [f64; 2]| -> Vec<Vec<String>> {
        // The band is the `band` parameter of observaciones-faltantes in the policy.
        let mut pol = policy("default");
        let rule = pol
            .rules
            .iter_mut()
            .find(|r| r.def.id == "observaciones-faltantes")
            .unwrap();
        rule.def.params.insert(
            "band".into(),
            toml::Value::Array(vec![band[0].into(), band[1].into()]),
        );
        assert_eq!(poalint::fix::band_of(&pol), band);
        let out = tmp.path().join(format!("out-{}", band[0]));
        let mut run = lint_fix(std::slice::from_ref(&input), &pol, &out, false).unwrap();
        run.fix.take().unwrap().unwrap();
        rows(&sheet(&out.join("resumen.xlsx"), "Metas"))
    };
    let strict = status([1.0, 1.0]);
    assert_eq!(strict.len(), 33);
    // 203 row 27, 10.5.-: 1 of 3 at the cut-off.
    let r = strict
        .iter()
        .find(|m| m[1] == "203" && m[2] == "27")
        .unwrap();
    assert_eq!(r[3], "10.5");
    assert!(
        (r[9].parse::<f64>().unwrap() - 1.0 / 3.0).abs() < 1e-9,
        "{r:?}"
    );
    assert_eq!(r[10], "por debajo");
    // 202 row 24, 9.-: 20,100 achieved of 13,000 programmed: over.
    let r = strict
        .iter()
        .find(|m| m[1] == "202" && m[2] == "24")
        .unwrap();
    assert_eq!(r[10], "por encima");
    // A wide band puts 9.- (154.6 %) on track; 10.5 (33 %) is still under.
    let wide = status([0.3, 2.0]);
    let r = wide.iter().find(|m| m[1] == "202" && m[2] == "24").unwrap();
    assert_eq!(r[10], "en meta");
    let r = wide.iter().find(|m| m[1] == "203" && m[2] == "27").unwrap();
    assert_eq!(r[10], "en meta", "33 % is inside [30 %, 200 %]");
    assert!(
        strict.iter().filter(|m| m[10] == "en meta").count()
            < wide.iter().filter(|m| m[10] == "en meta").count()
    );
}

// ---------------------------------------------------------------------------------------------
// Names and safety

#[test]
fn output_names_keep_the_stem_and_disambiguate_deterministically() {
    let names = poalint::fix::output_names(&[
        "capturas/064 IMIP Ñandú.xlsx",
        "a/x.xlsx",
        "b/x.xlsx",
        "p/q/z.xls",
        "p/q/z.xlsx",
        "r/d/y.xlsx",
        "s/d/y.xlsx",
        "c/x (a).xlsx",
        "m/W.xlsx",
        "m/w.xlsx",
    ]);
    assert_eq!(
        names,
        [
            "064 IMIP Ñandú-correcciones.xlsx",
            "x (a)-correcciones.xlsx",
            "x (b)-correcciones.xlsx",
            "z (xls)-correcciones.xlsx",
            "z (xlsx)-correcciones.xlsx",
            "y (r-d)-correcciones.xlsx",
            "y (s-d)-correcciones.xlsx",
            // A stem like a disambiguated one: numbered after the one named first.
            "x (a) (2)-correcciones.xlsx",
            // Same folder and extension, the case of the stem differs: numbered by path.
            "W (1)-correcciones.xlsx",
            "w (2)-correcciones.xlsx",
        ]
    );
}

#[test]
fn same_stem_in_two_folders_gets_two_workbooks() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input.join("enero"), &["60-IMACUM-4T2020.xlsx"]);
    copy_fixtures(&input.join("febrero"), &["60-IMACUM-4T2020.xlsx"]);
    lint_and_fix(&input, &out, false).1.unwrap();
    let names: Vec<String> = files_in(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            "60-IMACUM-4T2020 (enero)-correcciones.xlsx",
            "60-IMACUM-4T2020 (febrero)-correcciones.xlsx",
            "resumen.xlsx"
        ]
    );
}

#[test]
fn every_target_is_checked_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &["60-IMACUM-4T2020.xlsx"]);
    std::fs::create_dir_all(&out).unwrap();
    // resumen.xlsx is written last; it already exists.
    std::fs::write(out.join("resumen.xlsx"), b"previous").unwrap();
    let err = lint_and_fix(&input, &out, false).1.unwrap_err();
    assert!(
        err.contains("resumen.xlsx") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        files_in(&out).into_keys().collect::<Vec<_>>(),
        ["resumen.xlsx"],
        "nothing may be written when one target exists"
    );
    assert_eq!(
        std::fs::read(out.join("resumen.xlsx")).unwrap(),
        b"previous"
    );
    // OUT that is a file.
    let not_dir = tmp.path().join("archivo");
    std::fs::write(&not_dir, b"x").unwrap();
    let err = lint_and_fix(&input, &not_dir, true).1.unwrap_err();
    assert!(err.contains("no es una carpeta"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// The command line

/// `poalint lint INPUT --fix-dir OUT ARGS…` with `TMPDIR` set to `tmpdir`, or unset.
fn cli_fix(input: &Path, out: &Path, tmpdir: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_poalint"));
    c.arg("lint")
        .arg(input)
        .arg("--fix-dir")
        .arg(out)
        .args(args);
    match tmpdir {
        Some(t) => c.env("TMPDIR", t),
        None => c.env_remove("TMPDIR"),
    };
    c.output().unwrap()
}

/// Without a usable temporary folder (the findings' spill and two of resumen.xlsx's sheets use one)
/// the run keeps them in memory: same report, same workbooks, byte for byte.
#[test]
fn cli_without_a_temporary_folder_gives_the_same_report_and_workbooks() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_fixtures(&input, &["60-IMACUM-4T2020.xlsx", "064-IMIP-1T2024.xlsx"]);
    let run = |out: &Path, tmpdir: Option<&Path>| {
        cli_fix(
            &input,
            out,
            tmpdir,
            &["--format", "json", "--policy", "default"],
        )
    };
    let normal = run(&tmp.path().join("out-a"), None);
    let missing = tmp.path().join("no-existe");
    let without = run(&tmp.path().join("out-b"), Some(&missing));
    assert_eq!(
        without.status.code(),
        normal.status.code(),
        "{}",
        String::from_utf8_lossy(&without.stderr)
    );
    assert_eq!(normal.status.code(), Some(1));
    let json = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout).unwrap()
    };
    assert_eq!(json(&without), json(&normal));
    assert!(!json(&normal)["diagnostics"].as_array().unwrap().is_empty());
    let a = files_in(&tmp.path().join("out-a"));
    let b = files_in(&tmp.path().join("out-b"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert_eq!(a.len(), 3);
    // The same bytes: the summary's compressed rows waited in memory instead of a file (Metas
    // goes straight into resumen.xlsx either way).
    assert!(a == b, "the outputs differ without a temporary folder");
    for name in a.keys() {
        let notes = zip_names(&tmp.path().join("out-a").join(name))
            .into_iter()
            .any(|n| n.starts_with("xl/comments"));
        assert_eq!(notes, name != "resumen.xlsx", "{name}");
    }
}

/// Two sheets of `resumen.xlsx` buffer their rows in the temporary folder (`TMPDIR`); the fix-up
/// workbooks are built in memory: the outputs are the same bytes whether `TMPDIR` is set or
/// not, and nothing is left in it.
#[test]
fn cli_outputs_are_the_same_bytes_whatever_the_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_fixtures(
        &input,
        &["60-IMACUM-4T2020.xlsx", "51-COPLADEMM-4T2023.xlsx"],
    );
    let buffers = tmp.path().join("buffers");
    std::fs::create_dir(&buffers).unwrap();
    let run = |out: &Path, tmpdir: Option<&Path>| {
        let o = cli_fix(&input, out, tmpdir, &["-q", "--policy", "default"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&tmp.path().join("out-shm"), None);
    run(&tmp.path().join("out-tmpdir"), Some(&buffers));
    let a = files_in(&tmp.path().join("out-shm"));
    let b = files_in(&tmp.path().join("out-tmpdir"));
    assert_eq!(a.len(), 3, "{:?}", a.keys());
    assert!(a == b, "the books differ: {:?} vs {:?}", a.keys(), b.keys());
    // Nothing is left behind in the temporary folder.
    assert_eq!(std::fs::read_dir(&buffers).unwrap().count(), 0);
}

#[test]
fn cli_fix_dir_writes_refuses_without_force_and_replaces_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("nueva").join("carpeta");
    copy_fixtures(&input, &["58-COTUCO-3T2024.xlsx"]);
    let bin = env!("CARGO_BIN_EXE_poalint");
    let run = || {
        std::process::Command::new(bin)
            .arg("lint")
            .arg(&input)
            .arg("--fix-dir")
            .arg(&out)
            .args(["-q", "--no-color", "--policy", "default"])
            .output()
            .unwrap()
    };
    let first = run();
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "errors in COTUCO: {err}");
    assert!(err.contains("Correcciones: 1 libro escrito"), "{err}");
    let written = files_in(&out);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        ["58-COTUCO-3T2024-correcciones.xlsx", "resumen.xlsx"]
    );
    let second = run();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(err.contains("--force"), "{err}");
    let third = std::process::Command::new(bin)
        .arg("lint")
        .arg(&input)
        .arg("--fix-dir")
        .arg(&out)
        .args(["-q", "--no-color", "--policy", "default", "--force"])
        .output()
        .unwrap();
    assert_eq!(third.status.code(), Some(1));
    assert_eq!(files_in(&out), written);
    // OUT may not be an input.
    let bad = std::process::Command::new(bin)
        .arg("lint")
        .arg(&input)
        .arg("--fix-dir")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn libreoffice_renders_a_written_workbook() {
    let soffice = ["soffice", "libreoffice"].into_iter().find(|b| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(b).is_file()))
    });
    let Some(soffice) = soffice else {
        println!("soffice/libreoffice no está en PATH: se omite la conversión a PDF");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &["60-IMACUM-4T2020.xlsx"]);
    lint_and_fix(&input, &out, false).1.unwrap();
    let profile = tmp.path().join("lo-profile");
    let mut child = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(tmp.path())
        .arg(out.join("60-IMACUM-4T2020-correcciones.xlsx"))
        .arg(out.join("resumen.xlsx"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > std::time::Duration::from_secs(180) {
            let _ = child.kill();
            panic!("{soffice} did not finish in 180 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for pdf in ["60-IMACUM-4T2020-correcciones.pdf", "resumen.pdf"] {
        let bytes = std::fs::read(tmp.path().join(pdf))
            .unwrap_or_else(|e| panic!("{soffice} did not write {pdf}: {e}"));
        assert!(bytes.starts_with(b"%PDF") && bytes.len() > 10_000, "{pdf}");
    }
}

#[test]
fn fix_dir_inside_the_linted_folder_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("capturas");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/60-IMACUM-4T2020.xlsx"),
        input.join("60.xlsx"),
    )
    .unwrap();
    let out = input.join("correcciones");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_poalint"))
        .args([
            "lint",
            input.to_str().unwrap(),
            "--fix-dir",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("dentro de la carpeta revisada"));
    assert!(!out.exists());
    // The same folder reached through a symbolic link, the fix-up folder not created yet.
    #[cfg(unix)]
    {
        let link = d.path().join("enlace");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_poalint"))
            .args([
                "lint",
                input.to_str().unwrap(),
                "--fix-dir",
                link.join("correcciones").to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("dentro de la carpeta revisada"));
        assert!(!out.exists());
    }
}

/// The legend beside `Diagnósticos` is whole even when the table is shorter than it (it is
/// written before the table's rows), and an empty cell of the capture that carries a finding
/// (a missing OBSERVACIONES) gets its marked cell and its note.
#[test]
fn rows_are_written_in_order_legend_and_flagged_empty_cells_included() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &["51-COPLADEMM-4T2023.xlsx"]);
    let mut s = common::Sheet::new("001", "001", 1);
    s.rows[0].p = [
        common::N(1.0),
        common::N(1.0),
        common::N(1.0),
        common::N(2.0),
    ];
    common::write_workbook(&input.join("12-OBRAS-1T2024.xlsx"), &[s]);
    let (run, r) = lint_and_fix(&input, &out, false);
    r.unwrap();
    let run = run.unwrap();

    let obras = out.join("12-OBRAS-1T2024-correcciones.xlsx");
    let d = sheet(&obras, "Diagnósticos");
    let findings = run
        .diagnostics()
        .iter()
        .filter(|d| d.file.ends_with("12-OBRAS-1T2024.xlsx"))
        .count();
    assert!((1..6).contains(&findings), "{findings}");
    assert_eq!(text(&d, "C2"), "suma-programado");
    assert_eq!(text(&d, "J1"), "Cómo leer las hojas corregidas");
    assert_eq!(text(&d, "J2"), "Relleno rojo: error");
    assert_eq!(text(&d, "J7"), "");
    assert!(
        text(&d, "J8").starts_with("Cada celda señalada"),
        "{}",
        text(&d, "J8")
    );

    // COPLADEMM, UE 201: OBSERVACIONES missing at O29, an empty cell in the capture.
    let copla = out.join("51-COPLADEMM-4T2023-correcciones.xlsx");
    let at = sheet_names(&copla)
        .iter()
        .position(|s| s == "UE 201")
        .unwrap();
    let xml = zip_entry(&copla, &format!("xl/worksheets/sheet{}.xml", at + 1)).unwrap();
    assert!(xml.contains(r#"<c r="O29" s="#), "no marked cell at O29");
    let notes: String = zip_names(&copla)
        .iter()
        .filter(|n| n.starts_with("xl/comments"))
        .map(|n| zip_entry(&copla, n).unwrap())
        .collect();
    assert!(notes.contains(r#"ref="O29""#), "no note at O29");
    // Rows after it are still there (nothing was dropped as written out of order).
    let ue = sheet(&copla, "UE 201");
    assert!(ue.rows().count() > 29);
    assert!(!text(&ue, "N39").is_empty());
}

/// Every part of every fix-up workbook (written by poalint's own writer, src/fix/xlsx) is
/// well-formed XML that Excel's rules accept: each part declared, rows in increasing order and
/// each row once, cells in column order within their row, every cell of a merged range present
/// (so its borders and fill cover it), one VML shape per note, every relationship's target in
/// the package.
#[test]
fn every_part_of_a_written_workbook_is_well_formed_and_in_sheet_order() {
    use quick_xml::events::Event;
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    copy_fixtures(&input, &ALL_FIXTURES);
    lint_and_fix(&input, &out, false).1.unwrap();
    // The fix-up books and the summary (its sheets written row by row).
    let books: Vec<PathBuf> = files_in(&out).keys().map(|n| out.join(n)).collect();
    assert_eq!(books.len(), 8);
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.try_get_attribute(name)
            .unwrap()
            .map(|a| a.value.to_string())
    };
    let (mut merges_checked, mut notes_checked) = (0, 0);
    for book in &books {
        let parts = zip_names(book);
        let types = zip_entry(book, "[Content_Types].xml").unwrap();
        for part in &parts {
            let xml = zip_entry(book, part).unwrap();
            let mut reader = quick_xml::Reader::from_str(&xml);
            reader.config_mut().check_end_names = true;
            let mut rows: Vec<u32> = Vec::new();
            let mut cells: BTreeSet<(u32, u32)> = BTreeSet::new();
            let mut last_in_row: Option<u32> = None;
            let mut merges: Vec<String> = Vec::new();
            let mut dimension: Option<String> = None;
            let mut comments = 0;
            loop {
                match reader.read_event() {
                    Err(e) => panic!("{} › {part}: not well-formed: {e}", book.display()),
                    Ok(Event::Eof) => break,
                    Ok(Event::Start(e) | Event::Empty(e)) => match e.name().as_ref() {
                        "row" => {
                            let r: u32 = attr(&e, "r").unwrap().parse().unwrap();
                            assert!(
                                rows.last().is_none_or(|&p| p < r),
                                "{} › {part}: row {r} after row {:?}",
                                book.display(),
                                rows.last()
                            );
                            rows.push(r);
                            last_in_row = None;
                        }
                        "c" => {
                            let (r, c) = a1(&attr(&e, "r").unwrap());
                            assert_eq!(r + 1, *rows.last().unwrap(), "{part}: cell in row");
                            assert!(
                                last_in_row.is_none_or(|p| p < c),
                                "{} › {part}: cells out of order in row {}",
                                book.display(),
                                r + 1
                            );
                            last_in_row = Some(c);
                            cells.insert((r, c));
                        }
                        "mergeCell" => merges.push(attr(&e, "ref").unwrap()),
                        "dimension" => dimension = attr(&e, "ref"),
                        "comment" => comments += 1,
                        "Relationship" => {
                            let target = attr(&e, "Target").unwrap();
                            let base = Path::new(part).parent().unwrap().parent().unwrap();
                            let full = if part == "_rels/.rels" {
                                PathBuf::from(&target)
                            } else {
                                base.join(&target)
                            };
                            // Resolve `..`: xl/drawings/../charts/chart1.xml → xl/charts/chart1.xml
                            let mut resolved: Vec<String> = Vec::new();
                            for c in full.components() {
                                match c {
                                    std::path::Component::ParentDir => {
                                        resolved.pop();
                                    }
                                    c => resolved.push(c.as_os_str().to_string_lossy().into()),
                                }
                            }
                            let full = resolved.join("/");
                            assert!(parts.contains(&full), "{part}: {target} ({full}) missing");
                        }
                        _ => {}
                    },
                    Ok(_) => {}
                }
            }
            let summary = book.ends_with("resumen.xlsx");
            if part.starts_with("xl/worksheets/sheet") && summary {
                // Written row by row, head first: no range (optional), Excel works it out.
                assert_eq!(dimension, None, "{part} of resumen.xlsx");
            } else if part.starts_with("xl/worksheets/sheet") {
                // The range Excel is told the sheet's cells take is the range they take.
                let (r1, c1, r2, c2) = cells
                    .iter()
                    .fold((u32::MAX, u32::MAX, 0, 0), |(r1, c1, r2, c2), &(r, c)| {
                        (r1.min(r), c1.min(c), r2.max(r), c2.max(c))
                    });
                let (from, to) = match dimension.as_deref().unwrap().split_once(':') {
                    Some((f, t)) => (a1(f), a1(t)),
                    None => (
                        a1(dimension.as_deref().unwrap()),
                        a1(dimension.as_deref().unwrap()),
                    ),
                };
                assert_eq!(
                    (from, to),
                    ((r1, c1), (r2, c2)),
                    "{} › {part}: dimension",
                    book.display()
                );
            }
            for m in &merges {
                let (from, to) = m.split_once(':').unwrap();
                let ((r1, c1), (r2, c2)) = (a1(from), a1(to));
                for r in r1..=r2 {
                    for c in c1..=c2 {
                        assert!(cells.contains(&(r, c)), "{part}: merge {m} lacks a cell");
                    }
                }
                merges_checked += 1;
            }
            if part.starts_with("xl/comments") {
                let k = &part["xl/comments".len()..part.len() - 4];
                let vml = zip_entry(book, &format!("xl/drawings/vmlDrawing{k}.vml")).unwrap();
                let shapes = vml.matches("<v:shape ").count();
                assert_eq!(comments, shapes, "{part}: notes vs VML shapes");
                notes_checked += comments;
            }
            let declared = part == "[Content_Types].xml"
                || part.ends_with(".rels")
                || part.ends_with(".vml")
                || types.contains(&format!("PartName=\"/{part}\""));
            assert!(
                declared,
                "{} › {part}: not in [Content_Types].xml",
                book.display()
            );
        }
    }
    assert!(
        merges_checked > 20 && notes_checked > 50,
        "{merges_checked} {notes_checked}"
    );
}
