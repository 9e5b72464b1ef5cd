//! Colours and cell formats shared by the fix-up workbooks and the summary.

use crate::check::Severity;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, FormatPattern};

/// Fill of a cell flagged with an error.
pub const ERROR_FILL: u32 = 0xF4C7C3;
/// Fill of a cell flagged with a warning.
pub const WARNING_FILL: u32 = 0xFFE08A;
/// Fill of a cell flagged with an info.
pub const INFO_FILL: u32 = 0xC9DAF8;
/// Border of a cell only a person can fix.
pub const MANUAL_BORDER: u32 = 0x7030A0;
/// Fill of the table and summary headers.
pub const HEADER_FILL: u32 = 0xD9D9D9;
/// Status colours of the metas summary.
pub const OK_FILL: u32 = 0xD9EAD3;

pub const FONT: &str = "Arial";

pub fn fill(s: Severity) -> u32 {
    match s {
        Severity::Error => ERROR_FILL,
        Severity::Warning => WARNING_FILL,
        Severity::Info => INFO_FILL,
    }
}

/// What a cell of a rebuilt capture sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Title,
    FormCode,
    /// A header-block label (RAMO, PROGRAMA, FECHA…).
    Label,
    /// A header-block value (code, name, date).
    Value,
    /// A label of the metas table header.
    TableHeader,
    /// A text cell of the metas table.
    Body,
    /// A long text cell of the metas table (description, observaciones).
    BodyWrap,
    /// A numeric cell of the metas table.
    BodyNum,
    SignAction,
    SignName,
    SignPosition,
}

/// How a flagged cell looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub severity: Option<Severity>,
    pub manual: bool,
    pub fixed: bool,
}

fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(9)
}

/// The format of a cell of a rebuilt sheet: its role, its number format and its mark.
pub fn cell_format(role: Role, num_format: Option<&str>, mark: Mark) -> Format {
    let mut f = base();
    f = match role {
        Role::Title => f.set_bold().set_font_size(11).set_align(FormatAlign::Left),
        Role::FormCode => f.set_bold().set_align(FormatAlign::Right),
        Role::Label => f.set_bold(),
        Role::Value => f.set_align(FormatAlign::Left),
        Role::TableHeader => f
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_background_color(HEADER_FILL),
        Role::Body => f.set_align(FormatAlign::Top).set_border(FormatBorder::Thin),
        Role::BodyWrap => f
            .set_align(FormatAlign::Top)
            .set_text_wrap()
            .set_border(FormatBorder::Thin),
        Role::BodyNum => f
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::Top)
            .set_border(FormatBorder::Thin),
        Role::SignAction => f.set_bold().set_align(FormatAlign::Center),
        Role::SignName => f.set_bold().set_align(FormatAlign::Center),
        Role::SignPosition => f.set_align(FormatAlign::Center),
    };
    if let Some(nf) = num_format {
        f = f.set_num_format(nf);
    }
    if let Some(s) = mark.severity {
        f = f
            .set_pattern(FormatPattern::Solid)
            .set_background_color(fill(s));
        if !mark.manual {
            f = f.set_border(FormatBorder::Thin);
        }
    }
    if mark.manual {
        f = f
            .set_border(FormatBorder::MediumDashed)
            .set_border_color(MANUAL_BORDER);
    }
    if mark.fixed {
        f = f.set_bold();
    }
    f
}

/// Header row of the Diagnósticos and summary tables.
pub fn table_header() -> Format {
    base()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(HEADER_FILL)
}

/// A plain cell of a list table.
pub fn list_cell() -> Format {
    base()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
}

/// A long text cell of a list table.
pub fn list_wrap() -> Format {
    list_cell().set_text_wrap()
}

/// A hyperlink cell of a list table.
pub fn list_link() -> Format {
    list_cell()
        .set_font_color(0x0563C1)
        .set_underline(rust_xlsxwriter::FormatUnderline::Single)
}

/// A list cell filled with a colour.
pub fn list_filled(color: u32) -> Format {
    list_cell()
        .set_pattern(FormatPattern::Solid)
        .set_background_color(color)
}

pub fn bold() -> Format {
    base().set_bold()
}

pub fn plain() -> Format {
    base()
}

/// `0%`, `0.0%`, `0.00%`… for a percentage shown with `decimals` decimals.
pub fn percent_format(decimals: u8) -> String {
    if decimals == 0 {
        "0%".to_string()
    } else {
        format!("0.{}%", "0".repeat(decimals.min(10) as usize))
    }
}

/// Lines a text takes in a wrapped cell of `width` (Excel column width units, 9 pt Arial).
pub fn text_lines(text: &str, width: f64) -> usize {
    let per_line = ((width * 1.3).floor() as usize).max(1);
    text.split('\n')
        .map(|l| l.chars().count().max(1).div_ceil(per_line))
        .sum()
}

/// Height in points of a row showing `lines` lines of 9 pt text.
pub fn row_height(lines: usize) -> f64 {
    11.5 * lines as f64 + 2.0
}

pub const DATE_FORMAT: &str = "d-mmm-yyyy";
pub const FIX_PERCENT_FORMAT: &str = "0.00%";
