//! `resumen.xlsx`: the planning office's view of the whole run — findings per dependencia and
//! unidad, the compliance of every meta at the cut-off, and a chart of findings per
//! dependencia.

use super::book::properties;
use super::style;
use crate::check::engine::{FileStatus, cutoffs};
use crate::check::kinds::observaciones::compliance;
use crate::check::{Diagnostic, Severity};
use crate::model::Workbook;
use crate::run::FileSummary;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, ExcelDateTime, Format, Workbook as XlsxBook,
    Worksheet, XlsxError,
};

/// One input file as the summary sees it.
pub struct FileOutcome<'a> {
    pub summary: &'a FileSummary,
    pub workbook: Option<&'a Workbook>,
    pub diags: Vec<&'a Diagnostic>,
    /// File name of its fix-up workbook, when one was written.
    pub correcciones: Option<String>,
}

pub const NO_FINDINGS: &str = "sin hallazgos: no se generó libro de correcciones";
/// A workbook whose only findings are `info`: clean too.
pub const ONLY_INFOS: &str = "solo avisos: no se generó libro de correcciones";

/// What the summary says of a file without a fix-up workbook.
fn not_written(o: &FileOutcome) -> String {
    if o.diags.is_empty() {
        NO_FINDINGS.to_string()
    } else {
        ONLY_INFOS.to_string()
    }
}

/// Compliance status of a meta at the cut-off.
pub fn estado(ratio: Option<f64>, band: [f64; 2]) -> &'static str {
    let (lo, hi) = (band[0].min(band[1]), band[0].max(band[1]));
    match ratio {
        None => "sin programación",
        Some(r) if r.is_infinite() => "por encima (sin programación al corte)",
        Some(r) if r < lo - 1e-9 => "por debajo",
        Some(r) if r > hi + 1e-9 => "por encima",
        Some(_) => "en meta",
    }
}

fn estado_fill(e: &str) -> Option<u32> {
    if e == "en meta" {
        Some(style::OK_FILL)
    } else if e.starts_with("por debajo") {
        Some(style::ERROR_FILL)
    } else if e.starts_with("por encima") {
        Some(style::WARNING_FILL)
    } else {
        None
    }
}

fn counts(diags: &[&Diagnostic]) -> [usize; 3] {
    let mut c = [0; 3];
    for d in diags {
        c[match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }] += 1;
    }
    c
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| path.to_string())
}

fn header(ws: &mut Worksheet, row: u32, cols: &[String]) -> Result<(), XlsxError> {
    let f = style::table_header();
    for (i, c) in cols.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, c, &f)?;
    }
    Ok(())
}

fn problem_text(o: &FileOutcome) -> String {
    let msg = o
        .diags
        .iter()
        .find(|d| d.sheet.is_none())
        .map(|d| d.message.clone())
        .or_else(|| o.summary.problem.clone())
        .unwrap_or_default();
    let what = match o.summary.status {
        FileStatus::InternalError => "error interno",
        _ => "ilegible",
    };
    if msg.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {msg}")
    }
}

/// Builds `resumen.xlsx` in memory. `rules`: the rule ids with findings, sorted.
pub fn build(
    files: &[FileOutcome],
    rules: &[String],
    band: [f64; 2],
    created: &ExcelDateTime,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = XlsxBook::new();
    book.set_properties(&properties(
        "Resumen de la revisión de capturas TMM-F004",
        created,
    ));
    let cell = style::list_cell();
    // List tables stay one line per row (easier to filter and scan); long texts show in full
    // in the formula bar.
    let wrap = style::list_cell();
    let num = style::list_cell().set_num_format("0");

    // Resumen: one row per dependencia and unidad.
    {
        let ws = book.add_worksheet();
        ws.set_name("Resumen")?;
        let mut cols: Vec<String> = [
            "archivo",
            "hoja",
            "unidad ejecutora",
            "metas",
            "errores",
            "advertencias",
            "avisos",
            "total",
            "libro de correcciones",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let fixed_cols = cols.len();
        cols.extend(rules.iter().cloned());
        header(ws, 0, &cols)?;
        let mut r = 1u32;
        for o in files {
            let name = file_name(&o.summary.file);
            let status = match (&o.workbook, &o.correcciones) {
                (None, _) => problem_text(o),
                (Some(_), Some(c)) => c.clone(),
                (Some(_), None) => not_written(o),
            };
            // (hoja, unidad, metas, diagnostics)
            let mut rows: Vec<(String, String, Option<usize>, Vec<&Diagnostic>)> = Vec::new();
            match o.workbook {
                Some(wb) => {
                    for s in &wb.sheets {
                        let u = &s.header.unidad_ejecutora;
                        let unidad = [u.code_str(), u.name_str()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ");
                        let ds = o
                            .diags
                            .iter()
                            .copied()
                            .filter(|d| d.sheet.as_deref() == Some(s.name.as_str()))
                            .collect();
                        rows.push((s.name.clone(), unidad, Some(s.metas.len()), ds));
                    }
                    // Findings on sheets that are not captures, and on the whole file.
                    let mut others: Vec<(Option<String>, usize)> = o
                        .diags
                        .iter()
                        .filter(|d| {
                            d.sheet
                                .as_ref()
                                .is_none_or(|n| !wb.sheets.iter().any(|s| &s.name == n))
                        })
                        .map(|d| (d.sheet.clone(), d.sheet_index))
                        .collect();
                    others.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
                    others.dedup();
                    for (sheet, _) in others {
                        let ds = o
                            .diags
                            .iter()
                            .copied()
                            .filter(|d| d.sheet == sheet)
                            .collect();
                        rows.push((
                            sheet.unwrap_or_else(|| "(libro)".into()),
                            String::new(),
                            None,
                            ds,
                        ));
                    }
                    if rows.is_empty() {
                        rows.push(("—".into(), String::new(), None, Vec::new()));
                    }
                }
                None => rows.push(("—".into(), String::new(), None, o.diags.clone())),
            }
            for (hoja, unidad, metas, ds) in rows {
                let c = counts(&ds);
                ws.write_string_with_format(r, 0, &name, &cell)?;
                ws.write_string_with_format(r, 1, &hoja, &cell)?;
                ws.write_string_with_format(r, 2, &unidad, &cell)?;
                match metas {
                    Some(m) => ws.write_number_with_format(r, 3, m as f64, &num)?,
                    None => ws.write_blank(r, 3, &cell)?,
                };
                for (i, n) in c.iter().enumerate() {
                    let f = if *n > 0 {
                        style::list_filled(style::fill(match i {
                            0 => Severity::Error,
                            1 => Severity::Warning,
                            _ => Severity::Info,
                        }))
                        .set_num_format("0")
                    } else {
                        num.clone()
                    };
                    ws.write_number_with_format(r, 4 + i as u16, *n as f64, &f)?;
                }
                ws.write_number_with_format(r, 7, ds.len() as f64, &num)?;
                ws.write_string_with_format(r, 8, &status, &wrap)?;
                for (j, rule) in rules.iter().enumerate() {
                    let n = ds.iter().filter(|d| &d.rule == rule).count();
                    ws.write_number_with_format(r, (fixed_cols + j) as u16, n as f64, &num)?;
                }
                r += 1;
            }
        }
        ws.autofilter(0, 0, r.saturating_sub(1).max(1), cols.len() as u16 - 1)?;
        ws.set_freeze_panes(1, 2)?;
        for (c, w) in [30.0, 26.0, 36.0, 7.0, 9.0, 12.0, 8.0, 8.0, 44.0]
            .iter()
            .enumerate()
        {
            ws.set_column_width(c as u16, *w)?;
        }
        for (j, rule) in rules.iter().enumerate() {
            let w = (rule.chars().count() as f64 + 2.0).clamp(10.0, 26.0);
            ws.set_column_width((fixed_cols + j) as u16, w)?;
        }
        ws.set_row_height(0, 30)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_active(true);
    }

    // Por dependencia: one row per workbook, and the chart.
    {
        let ws = book.add_worksheet();
        ws.set_name("Por dependencia")?;
        let cols: Vec<String> = [
            "dependencia",
            "ramo",
            "hojas",
            "metas",
            "errores",
            "advertencias",
            "avisos",
            "total",
            "estado",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header(ws, 0, &cols)?;
        let mut r = 1u32;
        for o in files {
            let c = counts(&o.diags);
            let ramo = o
                .workbook
                .and_then(|wb| wb.sheets.first())
                .map(|s| {
                    let h = &s.header.ramo;
                    [h.code_str(), h.name_str()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let status = match (&o.workbook, &o.correcciones) {
                (None, _) => problem_text(o),
                (Some(_), Some(c)) => c.clone(),
                (Some(_), None) => not_written(o),
            };
            ws.write_string_with_format(r, 0, file_name(&o.summary.file), &cell)?;
            ws.write_string_with_format(r, 1, &ramo, &cell)?;
            ws.write_number_with_format(r, 2, o.summary.sheets as f64, &num)?;
            ws.write_number_with_format(r, 3, o.summary.metas as f64, &num)?;
            for (i, n) in c.iter().enumerate() {
                ws.write_number_with_format(r, 4 + i as u16, *n as f64, &num)?;
            }
            ws.write_number_with_format(r, 7, o.diags.len() as f64, &num)?;
            ws.write_string_with_format(r, 8, &status, &wrap)?;
            r += 1;
        }
        let last = r.saturating_sub(1).max(1);
        ws.autofilter(0, 0, last, cols.len() as u16 - 1)?;
        ws.set_freeze_panes(1, 1)?;
        for (c, w) in [30.0, 40.0, 7.0, 7.0, 9.0, 12.0, 8.0, 8.0, 44.0]
            .iter()
            .enumerate()
        {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_row_height(0, 30)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        if !files.is_empty() {
            let mut chart = Chart::new(ChartType::ColumnStacked);
            for (i, color) in [0xCC4125u32, 0xF1C232, 0x6D9EEB].iter().enumerate() {
                let col = 4 + i as u16;
                chart
                    .add_series()
                    .set_name(("Por dependencia", 0, col))
                    .set_categories(("Por dependencia", 1, 0, last, 0))
                    .set_values(("Por dependencia", 1, col, last, col))
                    .set_format(
                        ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(*color)),
                    );
            }
            chart.title().set_name("Hallazgos por dependencia");
            chart.y_axis().set_name("hallazgos");
            chart.set_width(760).set_height(420);
            ws.insert_chart(last + 2, 0, &chart)?;
        }
    }

    // Metas: compliance of every meta at the cut-off.
    {
        let ws = book.add_worksheet();
        ws.set_name("Metas")?;
        let cols: Vec<String> = [
            "archivo",
            "hoja",
            "fila",
            "clave",
            "descripción",
            "tipo de meta",
            "trimestre de corte",
            "programado al corte (o meta)",
            "alcanzado al corte (o avance)",
            "cumplimiento %",
            "estado",
            "observaciones",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header(ws, 0, &cols)?;
        let pct = style::list_cell().set_num_format("0.00%");
        let dec = style::list_cell().set_num_format("#,##0.##");
        let mut r = 1u32;
        for o in files {
            let Some(wb) = o.workbook else { continue };
            let cuts = cutoffs(wb);
            let name = file_name(&wb.path);
            for (si, s) in wb.sheets.iter().enumerate() {
                let cut = cuts.get(si).cloned().flatten();
                for m in &s.metas {
                    ws.write_string_with_format(r, 0, &name, &cell)?;
                    ws.write_string_with_format(r, 1, &s.name, &cell)?;
                    ws.write_number_with_format(r, 2, (m.row + 1) as f64, &num)?;
                    ws.write_string_with_format(r, 3, m.clave_str().unwrap_or("—"), &cell)?;
                    ws.write_string_with_format(
                        r,
                        4,
                        m.descripcion
                            .as_ref()
                            .map(|d| d.value.as_str())
                            .unwrap_or(""),
                        &wrap,
                    )?;
                    ws.write_string_with_format(r, 5, m.meta_type.describe(), &cell)?;
                    let (estado_s, comp) = match &cut {
                        None => ("sin fecha de corte".to_string(), None),
                        Some(c) => {
                            let comp = compliance(m, c.quarter);
                            let e = estado(comp.map(|x| x.0), band).to_string();
                            let q = if c.inferred {
                                format!("{} (inferido)", c.quarter)
                            } else {
                                c.quarter.to_string()
                            };
                            ws.write_string_with_format(r, 6, &q, &cell)?;
                            (e, comp)
                        }
                    };
                    if cut.is_none() {
                        ws.write_string_with_format(r, 6, "—", &cell)?;
                    }
                    match comp {
                        Some((ratio, ach, prog, is_pct)) => {
                            let f = if is_pct { &pct } else { &dec };
                            ws.write_number_with_format(r, 7, prog, f)?;
                            ws.write_number_with_format(r, 8, ach, f)?;
                            if ratio.is_finite() {
                                ws.write_number_with_format(r, 9, ratio, &pct)?;
                            } else {
                                ws.write_string_with_format(r, 9, "—", &cell)?;
                            }
                        }
                        None => {
                            for c in 7..=9 {
                                ws.write_blank(r, c, &cell)?;
                            }
                        }
                    }
                    let ef: Format = match estado_fill(&estado_s) {
                        Some(color) => style::list_filled(color),
                        None => cell.clone(),
                    };
                    ws.write_string_with_format(r, 10, &estado_s, &ef)?;
                    let obs = m
                        .observaciones
                        .as_ref()
                        .map(|o| o.value.as_str())
                        .unwrap_or("");
                    ws.write_string_with_format(r, 11, obs, &wrap)?;
                    r += 1;
                }
            }
        }
        ws.autofilter(0, 0, r.saturating_sub(1).max(1), cols.len() as u16 - 1)?;
        ws.set_freeze_panes(1, 2)?;
        for (c, w) in [
            30.0, 24.0, 6.0, 8.0, 50.0, 22.0, 10.0, 14.0, 14.0, 13.0, 18.0, 40.0,
        ]
        .iter()
        .enumerate()
        {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_row_height(0, 30)?;
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
    }
    book.save_to_buffer()
}
