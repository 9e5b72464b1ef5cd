//! The fix-up workbook of one dependencia: `Diagnósticos` first, then every capture sheet
//! rebuilt with its corrections and marks.

use super::sheet::{self, fix_is_percent};
use super::style::{self, Style};
use super::xlsx::{Book, Properties, Sheet, Styles};
use crate::check::{Diagnostic, FixValue, Severity};
use crate::model::Workbook;
use crate::stages::{self, Stage};
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

/// Builds the fix-up workbook of `wb` in memory. `diags` are the file's diagnostics in report
/// order.
pub fn build(wb: &Workbook, diags: &[&Diagnostic]) -> std::io::Result<Vec<u8>> {
    let names = sheet_names(wb);
    let mut book = Book::new();
    let file_name = std::path::Path::new(&wb.path)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| wb.path.clone());
    let first = diagnosticos(&mut book.styles, wb, diags, &names);
    book.push(first);
    // The capture sheets, rebuilt.
    for (i, s) in wb.sheets.iter().enumerate() {
        let mine: Vec<&Diagnostic> = diags
            .iter()
            .copied()
            .filter(|d| d.sheet.as_deref() == Some(s.name.as_str()))
            .collect();
        let mut ws = Sheet::new(&names[i]);
        stages::time(Stage::FixRebuild, || {
            sheet::rebuild(s, &mine).write(&mut ws, &mut book.styles);
        });
        book.push(ws);
    }
    book.save(&Properties {
        title: &format!("Correcciones de {file_name}"),
        author: super::AUTHOR,
        comment: super::COMMENT,
        created: super::CREATED,
    })
}

/// The `Diagnósticos` sheet: one row per finding (a link to its cell in the rebuilt sheet), and
/// the legend of the marks beside the table (column J).
fn diagnosticos(
    styles: &mut Styles,
    wb: &Workbook,
    diags: &[&Diagnostic],
    names: &[String],
) -> Sheet {
    let mut ws = Sheet::new(DIAGNOSTICOS);
    for (r, text, style) in legend() {
        ws.string(r, 9, text, styles.id(&style));
    }
    let head = styles.id(&style::table_header());
    for (i, c) in COLUMNS.iter().enumerate() {
        ws.string(0, i as u32, c, head);
    }
    let cell_f = styles.id(&style::list_cell());
    let wrap_f = styles.id(&style::list_wrap());
    let link_f = styles.id(&style::list_link());
    let severity_f = [Severity::Error, Severity::Warning, Severity::Info]
        .map(|s| styles.id(&style::list_filled(style::fill(s))));
    let mut fix_percent_f = None;
    for (i, d) in diags.iter().enumerate() {
        let r = i as u32 + 1;
        let sheet_pos = d
            .sheet
            .as_ref()
            .and_then(|n| wb.sheets.iter().position(|s| &s.name == n));
        ws.string(r, 0, d.sheet.as_deref().unwrap_or("(libro)"), cell_f);
        let cell = d.cell.filter(|c| sheet::valid(*c));
        match (sheet_pos, cell) {
            (Some(p), Some(c)) => {
                let a1 = c.a1();
                ws.link(r, 1, &names[p], &a1, &a1, link_f);
            }
            (Some(p), None) => ws.link(r, 1, &names[p], "A1", "—", link_f),
            (None, Some(c)) => ws.string(r, 1, &c.a1(), cell_f),
            (None, None) => ws.string(r, 1, "—", cell_f),
        }
        ws.string(r, 2, &d.rule, cell_f);
        ws.string(r, 3, d.kind.as_str(), cell_f);
        let sev = severity_f[match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }];
        ws.string(r, 4, d.severity.spanish(), sev);
        ws.string(r, 5, &d.message, wrap_f);
        ws.string(r, 6, &d.help, wrap_f);
        let lines = style::text_lines(&d.message, MESSAGE_WIDTH)
            .max(style::text_lines(&d.help, HELP_WIDTH));
        if lines > 1 {
            ws.set_height(r, style::row_height(lines.min(12)));
        }
        match &d.fix {
            Some(f) => match &f.value {
                FixValue::Number(n) => {
                    let sheet = sheet_pos.map(|p| &wb.sheets[p]);
                    let fmt = if fix_is_percent(sheet, d, f.cell) {
                        *fix_percent_f.get_or_insert_with(|| {
                            styles.id(&style::list_cell().num_format(style::FIX_PERCENT_FORMAT))
                        })
                    } else {
                        cell_f
                    };
                    ws.number(r, 7, *n, fmt);
                }
                FixValue::Text(t) => ws.string(r, 7, t, cell_f),
            },
            None if d.manual => ws.string(r, 7, "corrección manual", cell_f),
            None => ws.string(r, 7, "—", cell_f),
        }
    }
    let last = (diags.len() as u32).max(1);
    ws.autofilter((0, 0), (last, COLUMNS.len() as u32 - 1));
    ws.freeze_top_row();
    for (c, w) in [22.0, 8.0, 24.0, 14.0, 12.0, MESSAGE_WIDTH, HELP_WIDTH, 16.0]
        .iter()
        .enumerate()
    {
        ws.set_width(c as u32, *w);
    }
    ws.set_width(9, 58.0);
    ws.select();
    ws
}

/// The legend of `Diagnósticos`, by row: what the marks of the rebuilt sheets mean.
fn legend() -> Vec<(u32, &'static str, Style)> {
    let mark = |m: style::Mark| style::cell_style(style::Role::Body, None, m);
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
