//! The fix-up workbook of one dependencia: `Diagnósticos` first, then every capture sheet
//! rebuilt with its corrections and marks.

use super::sheet::{self, fix_is_percent};
use super::style;
use crate::check::{Diagnostic, FixValue, Severity};
use crate::model::Workbook;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, Url, Workbook as XlsxBook, Worksheet, XlsxError,
};
use std::collections::BTreeSet;

/// Name of the first sheet of every fix-up workbook.
pub const DIAGNOSTICOS: &str = "Diagnósticos";

/// Column titles of `Diagnósticos`.
pub const COLUMNS: [&str; 8] = [
    "hoja",
    "celda",
    "regla",
    "tipo",
    "severidad",
    "mensaje",
    "ayuda",
    "valor sugerido",
];

const MESSAGE_WIDTH: f64 = 70.0;
const HELP_WIDTH: f64 = 50.0;

const INVALID_SHEET_CHARS: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];

/// Output sheet names for the capture sheets: the input names, made valid and unique (they
/// already are for workbooks Excel wrote).
pub fn sheet_names(wb: &Workbook) -> Vec<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    used.insert(DIAGNOSTICOS.to_lowercase());
    let mut out = Vec::new();
    for s in &wb.sheets {
        let mut base: String = s
            .name
            .chars()
            .map(|c| {
                if INVALID_SHEET_CHARS.contains(&c) {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        base = base.trim_matches('\'').to_string();
        if base.trim().is_empty() {
            base = format!("Hoja{}", s.index + 1);
        }
        let base: String = base.chars().take(31).collect();
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let keep = 31 - suffix.chars().count();
            name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
            n += 1;
        }
        used.insert(name.to_lowercase());
        out.push(name);
    }
    out
}

/// `internal:'Hoja'!D14`
pub fn internal_link(sheet: &str, a1: &str) -> String {
    format!("internal:'{}'!{}", sheet.replace('\'', "''"), a1)
}

pub fn properties(title: &str, created: &ExcelDateTime) -> DocProperties {
    DocProperties::new()
        .set_title(title)
        .set_author("poalint")
        .set_comment("Generado por poalint")
        .set_creation_datetime(created)
}

/// Builds the fix-up workbook of `wb` in memory. `diags` are the file's diagnostics in report
/// order. `buffers`: the folder where the sheets buffer their rows while the book is built
/// (see [`super::sheet_buffers`]); `None` for the system's temporary folder.
pub fn build(
    wb: &Workbook,
    diags: &[&Diagnostic],
    created: &ExcelDateTime,
    buffers: Option<&std::path::Path>,
) -> Result<Vec<u8>, XlsxError> {
    let names = sheet_names(wb);
    let mut book = XlsxBook::new();
    book.set_zip_compression_level(super::ZIP_LEVEL);
    if let Some(dir) = buffers {
        book.set_tempdir(dir)?;
    }
    let file_name = std::path::Path::new(&wb.path)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| wb.path.clone());
    book.set_properties(&properties(
        &format!("Correcciones de {file_name}"),
        created,
    ));

    let mut ws = new_sheet(&mut book);
    diagnosticos(&mut ws, wb, diags, &names)?;
    book.push_worksheet(ws);

    // The capture sheets, rebuilt.
    for (i, s) in wb.sheets.iter().enumerate() {
        let mine: Vec<&Diagnostic> = diags
            .iter()
            .copied()
            .filter(|d| d.sheet.as_deref() == Some(s.name.as_str()))
            .collect();
        let rebuilt = sheet::rebuild(s, &mine);
        let mut ws = new_sheet(&mut book);
        ws.set_name(&names[i])?;
        rebuilt.write(&mut ws)?;
        book.push_worksheet(ws);
    }
    book.save_to_buffer()
}

/// The `Diagnósticos` sheet: one row per finding (a link to its cell in the rebuilt sheet), and
/// the legend of the marks beside the table.
fn diagnosticos(
    ws: &mut Worksheet,
    wb: &Workbook,
    diags: &[&Diagnostic],
    names: &[String],
) -> Result<(), XlsxError> {
    ws.set_name(DIAGNOSTICOS)?;
    // Legend, right of the table (column J), on the first rows: written with each row,
    // since rows go out in order.
    let legend = legend();
    let mut legend = legend.iter().peekable();
    let mut legend_upto = |ws: &mut Worksheet, row: u32| -> Result<(), XlsxError> {
        while let Some((r, text, fmt)) = legend.next_if(|(r, _, _)| *r <= row) {
            ws.write_string_with_format(*r, 9, *text, fmt)?;
        }
        Ok(())
    };
    let head = style::table_header();
    for (i, c) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *c, &head)?;
    }
    legend_upto(ws, 0)?;
    let cell_f = style::list_cell();
    let wrap_f = style::list_wrap();
    let link_f = style::list_link();
    let severity_f = [Severity::Error, Severity::Warning, Severity::Info]
        .map(|s| style::list_filled(style::fill(s)));
    for (i, d) in diags.iter().enumerate() {
        let r = i as u32 + 1;
        let sheet_pos = d
            .sheet
            .as_ref()
            .and_then(|n| wb.sheets.iter().position(|s| &s.name == n));
        let hoja = d.sheet.clone().unwrap_or_else(|| "(libro)".into());
        ws.write_string_with_format(r, 0, &hoja, &cell_f)?;
        let cell = d.cell.filter(|c| sheet::valid(*c));
        match (sheet_pos, cell) {
            (Some(p), Some(c)) => {
                let url = Url::new(internal_link(&names[p], &c.a1())).set_text(c.a1());
                ws.write_url_with_format(r, 1, url, &link_f)?;
            }
            (Some(p), None) => {
                let url = Url::new(internal_link(&names[p], "A1")).set_text("—");
                ws.write_url_with_format(r, 1, url, &link_f)?;
            }
            (None, Some(c)) => {
                ws.write_string_with_format(r, 1, c.a1(), &cell_f)?;
            }
            (None, None) => {
                ws.write_string_with_format(r, 1, "—", &cell_f)?;
            }
        }
        ws.write_string_with_format(r, 2, &d.rule, &cell_f)?;
        ws.write_string_with_format(r, 3, d.kind.as_str(), &cell_f)?;
        let sev = &severity_f[match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }];
        ws.write_string_with_format(r, 4, d.severity.spanish(), sev)?;
        ws.write_string_with_format(r, 5, &d.message, &wrap_f)?;
        ws.write_string_with_format(r, 6, &d.help, &wrap_f)?;
        let lines = style::text_lines(&d.message, MESSAGE_WIDTH)
            .max(style::text_lines(&d.help, HELP_WIDTH));
        if lines > 1 {
            ws.set_row_height(r, style::row_height(lines.min(12)))?;
        }
        match &d.fix {
            Some(f) => match &f.value {
                FixValue::Number(n) => {
                    let sheet = sheet_pos.map(|p| &wb.sheets[p]);
                    let fmt = if fix_is_percent(sheet, d, f.cell) {
                        cell_f.clone().set_num_format(style::FIX_PERCENT_FORMAT)
                    } else {
                        cell_f.clone()
                    };
                    ws.write_number_with_format(r, 7, *n, &fmt)?;
                }
                FixValue::Text(t) => {
                    ws.write_string_with_format(r, 7, t, &cell_f)?;
                }
            },
            None if d.manual => {
                ws.write_string_with_format(r, 7, "corrección manual", &cell_f)?;
            }
            None => {
                ws.write_string_with_format(r, 7, "—", &cell_f)?;
            }
        }
        legend_upto(ws, r)?;
    }
    legend_upto(ws, u32::MAX)?;
    let last = (diags.len() as u32).max(1);
    ws.autofilter(0, 0, last, COLUMNS.len() as u16 - 1)?;
    ws.set_freeze_panes(1, 0)?;
    for (c, w) in [22.0, 8.0, 24.0, 14.0, 12.0, MESSAGE_WIDTH, HELP_WIDTH, 16.0]
        .iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_column_width(9, 58.0)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_active(true);
    Ok(())
}

/// A sheet in rust_xlsxwriter's constant-memory mode: its rows go out as XML as they are
/// written (so strictly in order), and saving the book needs no thread per sheet (the
/// standard mode spawns one per sheet to assemble its XML: ~50 µs each, a third of the cost
/// of a small book). Without a usable temporary folder, a standard sheet (same content).
fn new_sheet(book: &mut XlsxBook) -> Worksheet {
    book.new_worksheet_with_constant_memory()
        .unwrap_or_else(|_| Worksheet::new())
}

/// The legend of `Diagnósticos`, by row: what the marks of the rebuilt sheets mean.
fn legend() -> Vec<(u32, &'static str, Format)> {
    let mark = |m: style::Mark| style::cell_format(style::Role::Body, None, m);
    let sev = |s| {
        mark(style::Mark {
            severity: Some(s),
            ..Default::default()
        })
    };
    vec![
        (0, "Cómo leer las hojas corregidas", style::bold()),
        (1, "Relleno rojo: error", sev(Severity::Error)),
        (2, "Relleno ámbar: advertencia", sev(Severity::Warning)),
        (3, "Relleno azul: aviso", sev(Severity::Info)),
        (
            4,
            "Borde morado discontinuo: corrección manual",
            mark(style::Mark {
                manual: true,
                ..Default::default()
            }),
        ),
        (
            5,
            "Negritas: valor corregido por poalint (la nota dice el valor anterior)",
            mark(style::Mark {
                fixed: true,
                ..Default::default()
            }),
        ),
        (
            7,
            "Cada celda señalada lleva una nota con la regla y el mensaje.",
            style::plain(),
        ),
    ]
}
