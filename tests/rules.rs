//! Each rule on small workbooks built in the test: a case that fires and a near miss that must
//! not (at error or warning level).

mod common;
use common::*;
use poalint::check::Severity;

fn counted<'a>(
    d: &'a [poalint::check::Diagnostic],
    rule: &str,
) -> Vec<&'a poalint::check::Diagnostic> {
    of(d, rule)
        .into_iter()
        .filter(|d| d.severity != Severity::Info)
        .collect()
}

#[test]
fn suma_programado_fires_on_cumulative_and_not_on_level_metas() {
    let mut s = Sheet::new("001", "001", 2);
    let mut bad = Row::ok("101.- SUPERVISAR OBRAS", 2);
    bad.p = [N(1.0), N(1.0), N(1.0), N(2.0)];
    let mut pct = Row::ok("102.- PORCENTAJE DE OBRAS CONCLUIDAS", 2);
    pct.unidad = "PORCENTAJE DE OBRAS".into();
    pct.meta = Pct(0.9);
    pct.p = [Pct(0.9), Pct(0.9), Pct(0.9), Pct(0.9)];
    pct.a = [Pct(0.9), Pct(0.9), Blank, Blank];
    pct.avance = Pct(0.9);
    pct.relativo = Pct(1.0);
    // A level held all year: its unit names a level (the seed's COORD. ADMINISTRATIVA).
    let mut level = Row::ok("103.- INSTRUMENTAR CONTROLES", 2);
    level.unidad = "EFICIENCIA PROGRAMÁTICA PRESUPUESTAL".into();
    level.meta = N(90.0);
    level.p = [N(90.0), N(90.0), N(90.0), N(90.0)];
    level.a = [N(90.0), N(90.0), Blank, Blank];
    level.avance = N(90.0);
    level.relativo = Pct(1.0);
    // The META ANUAL of a countable unit copied into every quarter (the seed's IMIP 205.-).
    let mut copied = Row::ok("104.- ELABORAR PROYECTO DE PRESUPUESTO", 2);
    copied.unidad = "PROYECTO".into();
    copied.meta = N(1.0);
    copied.p = [N(1.0), N(1.0), N(1.0), N(1.0)];
    copied.a = [N(1.0), N(1.0), Blank, Blank];
    copied.avance = N(2.0);
    copied.relativo = Pct(2.0);
    copied.obs = "Se adelantó".into();
    // Quarters programmed under a META ANUAL left blank.
    let mut no_meta = Row::ok("105.- ATENDER SOLICITUDES", 2);
    no_meta.meta = Blank;
    no_meta.relativo = Blank;
    s.rows.extend([bad, pct, level, copied, no_meta]);
    let (_d, diags) = lint_sheets(&[s]);
    let f = counted(&diags, "suma-programado");
    assert_eq!(f.len(), 3, "{diags:#?}");
    assert_eq!(f[2].meta.as_deref(), Some("105"));
    assert!(f[2].message.contains("(vacía)"), "{}", f[2].message);
    assert_eq!(f[0].cell.unwrap().a1(), format!("D{}", FIRST_META_ROW + 2));
    assert_eq!(f[0].meta.as_deref(), Some("101"));
    assert!(
        f[0].message.contains("(5)") && f[0].message.contains("(4)"),
        "{}",
        f[0].message
    );
    assert!(f[0].fix.is_none(), "ΣP ≠ META ANUAL is ambiguous: no fix");
    assert_eq!(f[1].meta.as_deref(), Some("104"));
    assert!(f[1].message.contains("(4)") && f[1].message.contains("(1)"));
}

#[test]
fn avance_absoluto_is_the_sum_to_the_cutoff_with_a_fix() {
    let mut s = Sheet::new("001", "001", 2);
    let mut bad = Row::ok("101.- SUPERVISAR OBRAS", 2);
    bad.avance = N(3.0); // A = 1 + 1
    bad.relativo = Pct(0.75);
    s.rows.push(bad);
    // A level meta: AVANCE is the last A (63) or the average (54.5), never the sum.
    let mut level = Row::ok("102.- EFICIENCIA", 2);
    level.unidad = "ÍNDICE DE EFICIENCIA".into();
    level.meta = N(90.0);
    level.p = [N(90.0), N(90.0), N(90.0), N(90.0)];
    level.a = [N(46.0), N(63.0), Blank, Blank];
    level.avance = N(63.0);
    level.relativo = Pct(0.7);
    level.obs = "Se redujo el presupuesto".into();
    let mut level_avg = level.clone();
    level_avg.desc = "103.- EFICIENCIA PROMEDIO".into();
    level_avg.avance = N(54.5);
    level_avg.relativo = Pct(54.5 / 90.0);
    s.rows.extend([level, level_avg]);
    let (_d, diags) = lint_sheets(&[s]);
    let f = counted(&diags, "avance-absoluto");
    assert_eq!(f.len(), 1, "{diags:#?}");
    assert_eq!(f[0].meta.as_deref(), Some("101"));
    let fix = f[0].fix.as_ref().expect("fix");
    assert_eq!(fix.cell.a1(), format!("M{}", FIRST_META_ROW + 2));
    assert_eq!(fix.value, poalint::check::FixValue::Number(2.0));
}

#[test]
fn acumulado_relativo_accepts_display_rounding() {
    let mut s = Sheet::new("001", "001", 1);
    s.rows.clear();
    for (i, rel) in [t("23%"), t("23.08%"), Pct(0.2308), t("26%")]
        .into_iter()
        .enumerate()
    {
        let mut r = Row::ok(&format!("10{i}.- NÓMINA"), 1);
        r.meta = N(26.0);
        r.p = [N(6.0), N(7.0), N(6.0), N(7.0)];
        r.a = [N(6.0), Blank, Blank, Blank];
        r.avance = N(6.0);
        r.relativo = rel;
        r.obs = String::new();
        s.rows.push(r);
    }
    let (_d, diags) = lint_sheets(&[s]);
    let f = counted(&diags, "acumulado-relativo");
    assert_eq!(f.len(), 1, "{diags:#?}");
    assert_eq!(f[0].meta.as_deref(), Some("103"));
    assert!(f[0].message.contains("23.08%"), "{}", f[0].message);
}

#[test]
fn porcentaje_fuera_de_rango_only_on_percent_metas() {
    let mut s = Sheet::new("001", "001", 2);
    let mut r = Row::ok("101.- PORCENTAJE DE SOLICITUDES ATENDIDAS", 2);
    r.unidad = "PORCENTAJE".into();
    r.meta = Pct(0.9);
    r.p = [Pct(0.9), Pct(0.9), Pct(0.9), Pct(0.9)];
    r.a = [Pct(1.2), Pct(0.9), Blank, Blank];
    r.avance = Pct(0.9);
    r.relativo = Pct(1.0);
    r.obs = "Se atendieron solicitudes extra".into();
    let mut ok = r.clone();
    ok.desc = "102.- PORCENTAJE DE QUEJAS".into();
    ok.a = [Pct(1.0), Pct(0.9), Blank, Blank];
    // A cumulative meta may go over 100 % in ACUMULADO RELATIVO: not a bound violation.
    let mut over = Row::ok("103.- APOYOS", 2);
    over.a = [N(3.0), N(3.0), Blank, Blank];
    over.avance = N(6.0);
    over.relativo = Pct(1.5);
    over.obs = "Alta demanda".into();
    s.rows.extend([r, ok, over]);
    let (_d, diags) = lint_sheets(&[s]);
    let f = counted(&diags, "porcentaje-fuera-de-rango");
    assert_eq!(f.len(), 1, "{diags:#?}");
    assert_eq!(f[0].cell.unwrap().a1(), format!("F{}", FIRST_META_ROW + 2));
}

#[test]
fn observaciones_required_off_schedule_only() {
    let mut s = Sheet::new("001", "001", 2);
    s.rows.clear();
    let mut under = Row::ok("101.- UNDER", 2);
    under.a = [N(1.0), N(0.0), Blank, Blank];
    under.avance = N(1.0);
    under.relativo = Pct(0.25);
    let mut explained = under.clone();
    explained.desc = "102.- EXPLAINED".into();
    explained.obs = "No se realizó por falta de presupuesto".into();
    let on_track = Row::ok("103.- ON TRACK", 2);
    let mut at_100_with_text = Row::ok("104.- ON TRACK WITH TEXT", 2);
    at_100_with_text.obs = "Se cumplió con la meta programada.".into();
    let mut nothing = Row::ok("105.- NOTHING YET", 2);
    nothing.p = [Blank, Blank, N(2.0), N(2.0)];
    nothing.a = [Blank, Blank, Blank, Blank];
    nothing.avance = N(0.0);
    nothing.relativo = Pct(0.0);
    let mut unplanned = nothing.clone();
    unplanned.desc = "106.- UNPLANNED".into();
    unplanned.a = [N(1.0), Blank, Blank, Blank];
    unplanned.avance = N(1.0);
    unplanned.relativo = Pct(0.25);
    let mut dash = under.clone();
    dash.desc = "107.- DASH".into();
    dash.obs = "-".into();
    // "SIN OBSERVACIONES" with punctuation around it explains nothing either.
    let mut none = under.clone();
    none.desc = "108.- NONE".into();
    none.obs = "- Sin observaciones. -".into();
    s.rows.extend([
        under,
        explained,
        on_track,
        at_100_with_text,
        nothing,
        unplanned,
        dash,
        none,
    ]);
    let (_d, diags) = lint_sheets(&[s]);
    let metas: Vec<_> = counted(&diags, "observaciones-faltantes")
        .iter()
        .map(|d| d.meta.clone().unwrap())
        .collect();
    assert_eq!(metas, ["101", "106", "107", "108"], "{diags:#?}");
}

#[test]
fn firmante_faltante_and_rol_duplicado() {
    let mut s = Sheet::new("001", "001", 1);
    s.signers[2].nombre = String::new();
    let mut s2 = Sheet::new("002", "002", 1);
    s2.signers[0] = signer(
        "ELABORÓ",
        "FRANCISCO JAVIER ESPARZA SALAZAR",
        "RESPONSABLE DEL RAMO",
    );
    let mut s3 = Sheet::new("003", "003", 1);
    // Same person written with another title: not two different names.
    s3.signers[0] = signer(
        "ELABORÓ",
        "ING. JOSÉ LUIS URIAS FELIX",
        "RESPONSABLE DEL RAMO",
    );
    // The role abbreviated, the name missing.
    let mut s4 = Sheet::new("004", "004", 1);
    s4.signers[2] = signer("AUTORIZÓ", "", "RESP. DEL RAMO");
    let (_d, diags) = lint_sheets(&[s, s2, s3, s4]);
    let missing = counted(&diags, "firmante-faltante");
    assert_eq!(missing.len(), 2, "{diags:#?}");
    assert_eq!(missing[0].sheet.as_deref(), Some("001"));
    assert!(missing[0].message.contains("RESPONSABLE DEL RAMO"));
    assert_eq!(missing[1].sheet.as_deref(), Some("004"));
    assert!(missing[1].message.contains("RESP. DEL RAMO"));
    let twice = counted(&diags, "rol-duplicado");
    assert_eq!(twice.len(), 1, "{diags:#?}");
    assert_eq!(twice[0].sheet.as_deref(), Some("002"));
}

#[test]
fn signers_misspelling_different_person_and_harmless_variants() {
    let names = [
        "DR. AGUSTÍN SÁNCHEZ PÉREZ",
        "DR. AGUSTÍN SÁNCHEZ PÉREZ",
        "DR. AGUSTÍN SANDEZ PÉREZ",
        "C. ERNESTO VÁZQUEZ NAVARRO",
        "Lic. Agustin Sanchez Perez",
        // The second surname left out: a variant to check, not someone else.
        "DR. AGUSTÍN SÁNCHEZ",
    ];
    let sheets: Vec<Sheet> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut s = Sheet::new(&format!("00{i}"), &format!("00{i}"), 1);
            // Each sheet its own programa: RESPONSABLE DEL PROGRAMA may differ between them.
            s.programa = (format!("12{i}"), format!("PROGRAMA {i}"));
            let programa = [
                "ANA RUIZ SOTO",
                "LUIS PEÑA MORA",
                "RITA DÍAZ LARA",
                "OMAR GIL VEGA",
                "EVA SOLÍS CANO",
                "MA. FERNANDA SOTO RUIZ",
            ][i];
            s.signers[1] = signer("REVISÓ", programa, "RESPONSABLE DEL PROGRAMA");
            s.signers[2] = signer("AUTORIZÓ", n, "RESPONSABLE DEL RAMO");
            s
        })
        .collect();
    let (_d, diags) = lint_sheets(&sheets);
    let miss = counted(&diags, "firmante-mal-escrito");
    assert_eq!(miss.len(), 2, "{diags:#?}");
    assert_eq!(miss[0].sheet.as_deref(), Some("002"));
    assert!(miss[0].message.contains("SÁNCHEZ"), "{}", miss[0].message);
    assert_eq!(miss[1].sheet.as_deref(), Some("005"));
    let other = counted(&diags, "firmante-distinto");
    assert_eq!(other.len(), 1, "{diags:#?}");
    assert_eq!(other[0].sheet.as_deref(), Some("003"));
    // Accents, case and title only: never an error or a warning.
    let loud: Vec<_> = diags
        .iter()
        .filter(|d| d.sheet.as_deref() == Some("004") && d.severity != Severity::Info)
        .filter(|d| d.kind == poalint::check::Kind::Signers)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

#[test]
fn fecha_missing_empty_and_title_year() {
    let mut none = Sheet::new("001", "001", 1);
    none.fecha = None;
    let mut empty = Sheet::new("002", "002", 1);
    empty.fecha = Some("FECHA:".into());
    let mut year = Sheet::new("003", "003", 1);
    year.title_year = Some(2023);
    let mut no_year = Sheet::new("004", "004", 1);
    no_year.title_year = None;
    let mut date_text = Sheet::new("005", "005", 1);
    date_text.fecha = Some("FECHA: 31-mar-24".into());
    // No day: the quarter is still clear.
    let mut month = Sheet::new("006", "006", 2);
    month.fecha = Some("FECHA: JUNIO 2024".into());
    let mut quarter = Sheet::new("007", "007", 2);
    quarter.fecha = Some("FECHA: SEGUNDO TRIMESTRE 2024".into());
    let (_d, diags) = lint_sheets(&[none, empty, year, no_year, date_text, month, quarter]);
    let fecha: Vec<_> = counted(&diags, "fecha-faltante")
        .iter()
        .map(|d| d.sheet.clone().unwrap())
        .collect();
    assert_eq!(fecha, ["001", "002"], "{diags:#?}");
    let anio = counted(&diags, "anio-titulo");
    assert_eq!(anio.len(), 1);
    assert_eq!(anio[0].sheet.as_deref(), Some("003"));
    assert!(anio[0].message.contains("2023") && anio[0].message.contains("2024"));
}

#[test]
fn nombre_distinto_ignores_accents_and_punctuation() {
    let mut a = Sheet::new("001", "001", 1);
    a.programa = ("120".into(), "CONDUCCIÓN DE LA OBRA PÚBLICA".into());
    let mut b = Sheet::new("002", "002", 1);
    b.programa = ("120".into(), "CONDUCCION DE LA OBRA PUBLICA.".into());
    let mut c = Sheet::new("003", "003", 1);
    c.programa = ("120".into(), "ADMINISTRACIÓN".into());
    let (_d, diags) = lint_sheets(&[a, b, c]);
    let f = counted(&diags, "nombre-distinto");
    assert_eq!(f.len(), 1, "{diags:#?}");
    assert_eq!(f[0].sheet.as_deref(), Some("003"));
    assert!(f[0].message.contains("PROGRAMA 120"));
}

#[test]
fn claves_missing_and_repeated() {
    let mut a = Sheet::new("001", "001", 1);
    a.rows
        .push(Row::ok("CELEBRAR SESIONES DEL ÓRGANO DE GOBIERNO", 1));
    a.rows.push(Row::ok("4.5.-SEGUIMIENTO AL GASTO", 1));
    let mut b = Sheet::new("002", "002", 1);
    b.rows = vec![
        Row::ok("200.- ADMINISTRAR", 1),
        Row::ok("4.5.-SEGUIMIENTO AL GASTO", 1),
    ];
    let (_d, diags) = lint_sheets(&[a, b]);
    let missing = counted(&diags, "clave-faltante");
    assert_eq!(missing.len(), 1, "{diags:#?}");
    assert_eq!(missing[0].cell.unwrap().row1(), FIRST_META_ROW + 2);
    let dup = counted(&diags, "clave-repetida");
    assert_eq!(dup.len(), 1, "{diags:#?}");
    assert_eq!(dup[0].sheet.as_deref(), Some("002"));
    assert_eq!(dup[0].meta.as_deref(), Some("4.5"));
}

#[test]
fn achieved_after_the_cutoff() {
    let mut s = Sheet::new("001", "001", 3);
    let mut late = Row::ok("101.- INCREMENTAR LA AFLUENCIA", 3);
    late.a[3] = N(3.0);
    let mut zero = Row::ok("102.- PLACEHOLDER", 3);
    zero.a[3] = N(0.0);
    s.rows.extend([late, zero]);
    let (_d, diags) = lint_sheets(&[s]);
    let f = counted(&diags, "avance-fuera-de-periodo");
    assert_eq!(f.len(), 1, "{diags:#?}");
    assert_eq!(f[0].cell.unwrap().a1(), format!("L{}", FIRST_META_ROW + 2));
}

#[test]
fn clean_capture_has_no_findings() {
    let mut b = Sheet::new("002", "002", 2);
    b.rows = vec![Row::ok("200.- ADMINISTRAR LOS RECURSOS", 2)];
    // Decimals typed with a comma: 12,5 is twelve and a half, not 125.
    let mut comma = Row::ok("201.- CAPACITAR AL PERSONAL", 2);
    comma.meta = t("12,5");
    comma.p = [t("2,5"), t("2,5"), t("5"), t("2,5")];
    comma.a = [t("2,5"), t("2,5"), Blank, Blank];
    comma.avance = t("5");
    comma.relativo = Pct(0.4);
    b.rows.push(comma);
    // The table's totals row is not a meta (no clave-faltante).
    let mut total = Row::ok("TOTALES", 2);
    total.meta = N(16.5);
    total.p = [N(3.5), N(3.5), N(6.0), N(3.5)];
    total.a = [N(3.5), N(3.5), Blank, Blank];
    total.avance = N(7.0);
    total.relativo = Pct(7.0 / 16.5);
    b.rows.push(total);
    // A percentage meta at the first cut-off with a 0% left in a later quarter.
    let mut c = Sheet::new("003", "003", 1);
    let mut pct = Row::ok("300.- PORCENTAJE DE SOLICITUDES ATENDIDAS", 1);
    pct.unidad = "PORCENTAJE".into();
    pct.meta = N(100.0);
    pct.p = [N(100.0), N(100.0), N(100.0), N(100.0)];
    pct.a = [N(100.0), Pct(0.0), Blank, Blank];
    pct.avance = N(100.0);
    pct.relativo = Pct(1.0);
    c.rows = vec![pct];
    let (_d, diags) = lint_sheets(&[Sheet::new("001", "001", 2), b, c]);
    let loud: Vec<_> = diags
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

#[test]
fn a_sheet_without_a_table_is_reported_in_its_place_among_the_sheets() {
    // Three sheets: the middle one has the header block of a capture but no metas table. Its
    // finding sorts between the other two sheets'.
    let mut first = Sheet::new("001", "001", 1);
    first.rows[0].p = [N(1.0), N(1.0), N(1.0), N(2.0)];
    let mut broken = Sheet::new("002", "002", 1);
    broken.table = false;
    let mut last = Sheet::new("003", "003", 1);
    last.rows[0].p = [N(1.0), N(1.0), N(1.0), N(2.0)];
    let (_d, diags) = lint_sheets(&[first, broken, last]);
    let order: Vec<(&str, &str)> = diags
        .iter()
        .filter(|d| d.rule == "suma-programado" || d.rule == "hoja-sin-tabla")
        .map(|d| (d.sheet.as_deref().unwrap(), d.rule.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("001", "suma-programado"),
            ("002", "hoja-sin-tabla"),
            ("003", "suma-programado"),
        ]
    );
    let broken = of(&diags, "hoja-sin-tabla");
    assert_eq!(broken[0].sheet_index, 1);
}

#[test]
fn a_blank_copy_of_the_form_is_not_a_capture() {
    // The form kept in the workbook as it came: labels, table header and signature roles,
    // nothing filled in.
    let mut blank = Sheet::new("FORMATO", "", 1);
    blank.ramo = (String::new(), String::new());
    blank.programa = (String::new(), String::new());
    blank.unidad = (String::new(), String::new());
    blank.fecha = Some("FECHA:".into());
    blank.rows.clear();
    for s in &mut blank.signers {
        s.nombre.clear();
    }
    let (_d, diags) = lint_sheets(&[Sheet::new("001", "001", 1), blank.clone()]);
    let loud: Vec<_> = diags
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    // Alone, it leaves the workbook without captures.
    let (_d, diags) = lint_sheets(&[blank]);
    assert_eq!(counted(&diags, "libro-sin-capturas").len(), 1, "{diags:#?}");
}
