//! Colours and cell formats shared by the fix-up workbooks and the summary.

use crate::check::Severity;

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

/// Border of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Border {
    #[default]
    None,
    /// Thin, automatic colour, all four sides.
    Thin,
    /// Medium dashed in [`MANUAL_BORDER`], all four sides: a cell only a person can fix.
    Manual,
}

/// Horizontal alignment (`General`: Excel's default, numbers right and texts left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HAlign {
    #[default]
    General,
    Left,
    Center,
    Right,
}

/// Vertical alignment (`Bottom`: Excel's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VAlign {
    #[default]
    Bottom,
    Top,
    Center,
}

/// How a cell looks: the one description of every format poalint writes, turned into
/// `styles.xml` by [`super::xlsx`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Style {
    pub bold: bool,
    /// Font size in points.
    pub size: u8,
    /// Font colour (`None`: automatic).
    pub color: Option<u32>,
    pub underline: bool,
    /// Solid fill.
    pub fill: Option<u32>,
    pub border: Border,
    pub h_align: HAlign,
    pub v_align: VAlign,
    pub wrap: bool,
    /// Excel number format (`None`: General).
    pub num_format: Option<String>,
}

impl Default for Style {
    /// Arial 9, nothing else.
    fn default() -> Style {
        Style {
            bold: false,
            size: 9,
            color: None,
            underline: false,
            fill: None,
            border: Border::None,
            h_align: HAlign::General,
            v_align: VAlign::Bottom,
            wrap: false,
            num_format: None,
        }
    }
}

impl Style {
    pub fn bold(self) -> Style {
        Style { bold: true, ..self }
    }
    pub fn size(self, size: u8) -> Style {
        Style { size, ..self }
    }
    pub fn align(self, h_align: HAlign) -> Style {
        Style { h_align, ..self }
    }
    pub fn valign(self, v_align: VAlign) -> Style {
        Style { v_align, ..self }
    }
    pub fn wrap(self) -> Style {
        Style { wrap: true, ..self }
    }
    pub fn border(self, border: Border) -> Style {
        Style { border, ..self }
    }
    pub fn fill(self, color: u32) -> Style {
        Style {
            fill: Some(color),
            ..self
        }
    }
    pub fn num_format(self, f: &str) -> Style {
        Style {
            num_format: Some(f.to_string()),
            ..self
        }
    }
}

/// The style of a cell of a rebuilt sheet: its role, its number format and its mark.
pub fn cell_style(role: Role, num_format: Option<&str>, mark: Mark) -> Style {
    let f = Style::default();
    let mut f = match role {
        Role::Title => f.bold().size(11).align(HAlign::Left),
        Role::FormCode => f.bold().align(HAlign::Right),
        Role::Label => f.bold(),
        Role::Value => f.align(HAlign::Left),
        Role::TableHeader => table_header(),
        Role::Body => list_cell(),
        Role::BodyWrap => list_wrap(),
        Role::BodyNum => list_cell().align(HAlign::Center),
        Role::SignAction | Role::SignName => f.bold().align(HAlign::Center),
        Role::SignPosition => f.align(HAlign::Center),
    };
    f.num_format = num_format.map(str::to_string);
    if let Some(s) = mark.severity {
        f = f.fill(fill(s)).border(Border::Thin);
    }
    if mark.manual {
        f = f.border(Border::Manual);
    }
    if mark.fixed {
        f = f.bold();
    }
    f
}

/// Header row of the Diagnósticos and summary tables.
pub fn table_header() -> Style {
    Style::default()
        .bold()
        .wrap()
        .align(HAlign::Center)
        .valign(VAlign::Center)
        .border(Border::Thin)
        .fill(HEADER_FILL)
}

/// A plain cell of a list table.
pub fn list_cell() -> Style {
    Style::default().valign(VAlign::Top).border(Border::Thin)
}

/// A long text cell of a list table.
pub fn list_wrap() -> Style {
    list_cell().wrap()
}

/// A hyperlink cell of a list table.
pub fn list_link() -> Style {
    Style {
        color: Some(0x0563C1),
        underline: true,
        ..list_cell()
    }
}

/// A list cell filled with a colour.
pub fn list_filled(color: u32) -> Style {
    list_cell().fill(color)
}

pub fn bold() -> Style {
    Style::default().bold()
}

pub fn plain() -> Style {
    Style::default()
}

/// `0%`, `0.0%`, `0.00%`… for a percentage shown with `decimals` decimals.
pub fn percent_format(decimals: u8) -> &'static str {
    const FORMATS: [&str; 11] = [
        "0%",
        "0.0%",
        "0.00%",
        "0.000%",
        "0.0000%",
        "0.00000%",
        "0.000000%",
        "0.0000000%",
        "0.00000000%",
        "0.000000000%",
        "0.0000000000%",
    ];
    FORMATS[usize::from(decimals.min(10))]
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
