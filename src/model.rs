//! The typed model of a TMM-F004 capture, as the reader understood it.
//!
//! Every value carries the cell it came from ([`CellRef`]), so that every diagnostic and the
//! fix-up workbook can point at it. The model is plain data: it is built by [`crate::read`],
//! checked by [`crate::check`] and never modified after reading.

use serde::Serialize;

/// A cell position, 0-based internally; shown to users in A1 notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub fn new(row: u32, col: u32) -> Self {
        CellRef { row, col }
    }
    /// 1-based spreadsheet row.
    pub fn row1(&self) -> u32 {
        self.row + 1
    }
    /// A1 notation (`D14`).
    pub fn a1(&self) -> String {
        format!("{}{}", col_letters(self.col), self.row + 1)
    }
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.a1())
    }
}

/// Column letters of a 0-based column index (`0` → `A`, `27` → `AB`).
pub fn col_letters(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A raw cell value as the spreadsheet stores it (cached value for formulas).
///
/// `S` holds the texts: the model owns them (`String`, the default); the reader's grid
/// ([`crate::read::grid::GridValue`]) borrows them from the workbook while a sheet is read, so
/// the text of a cell is copied only when the model keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum CellValue<S = String> {
    Empty,
    Text(S),
    Number(f64),
    /// A number whose cell format displays it as a percentage (0.25 shown as 25%), with the
    /// number of decimals the format shows (`0%` → 0, `0.00%` → 2).
    PercentNumber(f64, u8),
    Date(Date),
    Bool(bool),
    Error(S),
}

impl<S: AsRef<str>> CellValue<S> {
    pub fn is_empty(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(t) => t.as_ref().trim().is_empty(),
            _ => false,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            CellValue::Text(t) => Some(t.as_ref()),
            _ => None,
        }
    }
    /// The value as a human would read it in the cell.
    pub fn display(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(t) | CellValue::Error(t) => t.as_ref().to_string(),
            CellValue::Number(n) => fmt_num(*n),
            CellValue::PercentNumber(n, d) => format!("{:.*}%", *d as usize, n * 100.0),
            CellValue::Date(d) => d.to_string(),
            CellValue::Bool(b) => b.to_string(),
        }
    }
    /// The same value with its text owned, as the model keeps it.
    pub fn to_owned_value(&self) -> CellValue {
        match self {
            CellValue::Empty => CellValue::Empty,
            CellValue::Text(t) => CellValue::Text(t.as_ref().to_string()),
            CellValue::Number(n) => CellValue::Number(*n),
            CellValue::PercentNumber(n, d) => CellValue::PercentNumber(*n, *d),
            CellValue::Date(d) => CellValue::Date(*d),
            CellValue::Bool(b) => CellValue::Bool(*b),
            CellValue::Error(e) => CellValue::Error(e.as_ref().to_string()),
        }
    }
}

/// A calendar date (FECHA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The quarter (1..=4) the date falls in.
    pub fn quarter(&self) -> u8 {
        (((self.month.clamp(1, 12) - 1) / 3) + 1) as u8
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Formats a number the way the form shows it: integers without decimals, others with up to 4.
pub fn fmt_num(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    if (n - n.round()).abs() < 1e-9 {
        (n.round() as i64).to_string()
    } else {
        let mut s = format!("{:.4}", n);
        let shown = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(shown);
        s
    }
}

/// A piece of text read from one cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Located<T> {
    pub value: T,
    pub cell: CellRef,
}

impl<T> Located<T> {
    pub fn new(value: T, cell: CellRef) -> Self {
        Located { value, cell }
    }
}

/// What a numeric cell of the metas table means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Quantity {
    /// Empty cell: nothing programmed / captured.
    Blank,
    Number(f64),
    /// A percentage, stored as a fraction (60% → 0.6).
    Percent(f64),
}

impl Quantity {
    pub fn value(&self) -> Option<f64> {
        match self {
            Quantity::Blank => None,
            Quantity::Number(n) | Quantity::Percent(n) => Some(*n),
        }
    }
    pub fn is_percent(&self) -> bool {
        matches!(self, Quantity::Percent(_))
    }
}

/// A numeric cell of the metas table: what it holds, where, and what could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Num {
    pub cell: CellRef,
    pub raw: CellValue,
    pub quantity: Quantity,
    /// Set when the cell holds something that is not a number (an Excel error, free text).
    pub problem: Option<String>,
}

impl Num {
    pub fn value(&self) -> Option<f64> {
        self.quantity.value()
    }
    pub fn is_blank(&self) -> bool {
        matches!(self.quantity, Quantity::Blank) && self.problem.is_none()
    }
}

/// Why a meta is treated as a level (non-cumulative) meta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaType {
    /// Quarters add up to META ANUAL.
    Cumulative,
    /// UNIDAD DE MEDIDA says PORCENTAJE (or %).
    PercentUnit,
    /// META ANUAL is written as a percentage.
    PercentMeta,
    /// Every programmed quarter equals META ANUAL and the unidad de medida names a level
    /// (EFICIENCIA, ÍNDICE, TASA…) or is missing: a level held all year.
    Level,
}

impl MetaType {
    pub fn is_cumulative(&self) -> bool {
        matches!(self, MetaType::Cumulative)
    }
    pub fn describe(&self) -> &'static str {
        match self {
            MetaType::Cumulative => "acumulable",
            MetaType::PercentUnit => "porcentual (unidad de medida)",
            MetaType::PercentMeta => "porcentual (meta anual en %)",
            MetaType::Level => "de nivel (cada trimestre programa la meta anual)",
        }
    }
}

/// One row of the metas table.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// 0-based row of the meta in the sheet.
    pub row: u32,
    /// The meta's clave as written (`"4.1"`, `"204"`), from its own column or the description.
    pub clave: Option<Located<String>>,
    /// L/A: the PMD lines of action the meta serves.
    pub linea_accion: Option<Located<String>>,
    pub descripcion: Option<Located<String>>,
    pub unidad_medida: Option<Located<String>>,
    pub meta_anual: Num,
    /// P of Ene-Mar, Abr-Jun, Jul-Sep, Oct-Dic.
    pub programado: [Num; 4],
    /// A of Ene-Mar, Abr-Jun, Jul-Sep, Oct-Dic.
    pub alcanzado: [Num; 4],
    /// `None` when the sheet has no AVANCE ABSOLUTO column.
    pub avance_absoluto: Option<Num>,
    pub acumulado_relativo: Option<Num>,
    pub observaciones: Option<Located<String>>,
    /// The cell where OBSERVACIONES goes (even when empty).
    pub observaciones_cell: Option<CellRef>,
    pub meta_type: MetaType,
}

impl Meta {
    pub fn clave_str(&self) -> Option<&str> {
        self.clave.as_ref().map(|c| c.value.as_str())
    }
    /// The first cell of the row that holds something (for row-level diagnostics).
    pub fn anchor(&self) -> CellRef {
        self.clave
            .as_ref()
            .map(|c| c.cell)
            .or(self.descripcion.as_ref().map(|d| d.cell))
            .unwrap_or(self.meta_anual.cell)
    }
    pub fn short_description(&self) -> String {
        let d = self
            .descripcion
            .as_ref()
            .map(|d| d.value.as_str())
            .unwrap_or("");
        // The first 48 characters, and an ellipsis when there are more.
        match d.char_indices().nth(48) {
            None => d.to_string(),
            Some((end, _)) => {
                let mut s = String::with_capacity(end + '…'.len_utf8());
                s.push_str(&d[..end]);
                s.push('…');
                s
            }
        }
    }
}

/// A header field: its label cell, the code and the name written next to it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CodeName {
    pub label: Option<Located<String>>,
    pub code: Option<Located<String>>,
    pub name: Option<Located<String>>,
}

impl CodeName {
    pub fn code_str(&self) -> Option<&str> {
        self.code.as_ref().map(|c| c.value.as_str())
    }
    pub fn name_str(&self) -> Option<&str> {
        self.name.as_ref().map(|c| c.value.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.name.is_none()
    }
    pub fn anchor(&self) -> Option<CellRef> {
        self.name
            .as_ref()
            .map(|n| n.cell)
            .or(self.code.as_ref().map(|c| c.cell))
            .or(self.label.as_ref().map(|l| l.cell))
    }
}

/// The header block of a sheet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Header {
    pub ramo: CodeName,
    pub programa: CodeName,
    pub unidad_ejecutora: CodeName,
    pub finalidad: CodeName,
    pub funcion: CodeName,
    pub subfuncion: CodeName,
    pub lineas_accion: Vec<CodeName>,
}

/// FECHA: the report's cut-off date.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Fecha {
    /// The FECHA label cell, when there is one.
    pub label: Option<CellRef>,
    /// The cell holding the date (may be the label cell itself: `FECHA: 31 DE MARZO 2024`).
    pub cell: Option<CellRef>,
    /// The date text or value as written.
    pub raw: Option<String>,
    pub date: Option<Date>,
}

impl Fecha {
    pub fn quarter(&self) -> Option<u8> {
        self.date.map(|d| d.quarter())
    }
}

/// The title block: `PROGRAMA OPERATIVO ANUAL 2024`, `PRIMER TRIMESTRE`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Title {
    pub lines: Vec<Located<String>>,
    pub year: Option<Located<i32>>,
    pub quarter: Option<Located<u8>>,
}

/// The role a signer signs as.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ResponsableUnidad,
    ResponsablePrograma,
    ResponsableRamo,
    /// Any other role line (`COORDINADOR ADMINISTRATIVO`), folded.
    Other(String),
}

impl Role {
    pub fn label(&self) -> String {
        match self {
            Role::ResponsableUnidad => "RESPONSABLE DE LA UNIDAD EJECUTORA".into(),
            Role::ResponsablePrograma => "RESPONSABLE DEL PROGRAMA".into(),
            Role::ResponsableRamo => "RESPONSABLE DEL RAMO".into(),
            Role::Other(s) => s.clone(),
        }
    }
    /// The id used in rule parameters: `unidad`, `programa`, `ramo`.
    pub fn key(&self) -> &str {
        match self {
            Role::ResponsableUnidad => "unidad",
            Role::ResponsablePrograma => "programa",
            Role::ResponsableRamo => "ramo",
            Role::Other(_) => "otro",
        }
    }
}

/// One signature: ELABORÓ / REVISÓ / AUTORIZÓ, a name and a role.
#[derive(Debug, Clone, Serialize)]
pub struct Firmante {
    /// ELABORÓ, REVISÓ or AUTORIZÓ, when the sheet has those labels.
    pub accion: Option<Located<String>>,
    pub nombre: Option<Located<String>>,
    pub rol: Located<String>,
    pub role: Role,
}

impl Firmante {
    /// Row for diagnostics: the name row, or the role row when the name is missing.
    pub fn anchor(&self) -> CellRef {
        self.nombre
            .as_ref()
            .map(|n| n.cell)
            .unwrap_or(self.rol.cell)
    }
}

/// Where the metas table's columns are.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableLayout {
    /// First and last row (0-based) of the table header.
    pub header_rows: (u32, u32),
    pub linea_accion: Option<u32>,
    pub clave: Option<u32>,
    pub descripcion: Option<u32>,
    pub unidad_medida: Option<u32>,
    pub meta_anual: Option<u32>,
    pub programado: [Option<u32>; 4],
    pub alcanzado: [Option<u32>; 4],
    pub avance_absoluto: Option<u32>,
    pub acumulado_relativo: Option<u32>,
    pub observaciones: Option<u32>,
}

/// One capture sheet: one unidad ejecutora.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureSheet {
    pub name: String,
    /// Position of the sheet in the workbook (0-based, counting every sheet).
    pub index: usize,
    pub title: Title,
    pub form_code: Option<Located<String>>,
    pub header: Header,
    pub fecha: Fecha,
    pub table: TableLayout,
    pub metas: Vec<Meta>,
    pub firmantes: Vec<Firmante>,
    /// Problems found while locating blocks (reported as `layout` diagnostics).
    pub layout_problems: Vec<(Option<CellRef>, String)>,
}

impl CaptureSheet {
    /// The cut-off quarter given by FECHA.
    pub fn cutoff(&self) -> Option<u8> {
        self.fecha.quarter()
    }
}

/// The file formats poalint reads, told by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
}

/// One workbook = one ramo: the capture sheets the reader found in it.
#[derive(Debug, Clone, Serialize)]
pub struct Workbook {
    /// The path as found (relative to the current directory when given relative).
    pub path: String,
    pub format: Format,
    pub sheets: Vec<CaptureSheet>,
    /// Sheets that are not captures (instructions, catalogues, empty sheets).
    pub skipped: Vec<String>,
}

impl Workbook {
    pub fn metas(&self) -> usize {
        self.sheets.iter().map(|s| s.metas.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_the_form_shows_them() {
        assert_eq!(fmt_num(23.0), "23");
        assert_eq!(fmt_num(-4.0), "-4");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.23076923), "0.2308");
        assert_eq!(fmt_num(1.00004), "1");
        assert_eq!(fmt_num(7.1000000001), "7.1");
        assert_eq!(fmt_num(f64::NAN), "NaN");
    }

    #[test]
    fn short_descriptions_cut_at_48_characters() {
        let meta = |d: &str| Meta {
            row: 0,
            clave: None,
            linea_accion: None,
            descripcion: Some(Located::new(d.to_string(), CellRef::new(0, 0))),
            unidad_medida: None,
            meta_anual: Num {
                cell: CellRef::new(0, 1),
                raw: CellValue::Empty,
                quantity: Quantity::Blank,
                problem: None,
            },
            programado: std::array::from_fn(|_| Num {
                cell: CellRef::new(0, 2),
                raw: CellValue::Empty,
                quantity: Quantity::Blank,
                problem: None,
            }),
            alcanzado: std::array::from_fn(|_| Num {
                cell: CellRef::new(0, 3),
                raw: CellValue::Empty,
                quantity: Quantity::Blank,
                problem: None,
            }),
            avance_absoluto: None,
            acumulado_relativo: None,
            observaciones: None,
            observaciones_cell: None,
            meta_type: MetaType::Cumulative,
        };
        let exact = "Á".repeat(48);
        assert_eq!(meta(&exact).short_description(), exact);
        assert_eq!(
            meta(&format!("{exact}B")).short_description(),
            format!("{exact}…")
        );
        assert_eq!(meta("corta").short_description(), "corta");
    }
}
