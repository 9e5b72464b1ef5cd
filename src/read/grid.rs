//! Loading a workbook's cells with calamine into sparse per-sheet grids.
//!
//! For .xlsx the streaming cell reader gives each cell's cached value and style id in one pass
//! over the sheet XML (no dense grid, so a forged `<dimension ref="A1:XFD1048576">` costs
//! nothing: poalint never calls `worksheet_range` on an .xlsx, which would allocate the whole
//! declared rectangle, calamine issue #693), and the style's number format tells a
//! percent-formatted 0.25 from a plain 0.25.
//!
//! # Limits, and what cannot be bounded
//!
//! What poalint keeps of a workbook is bounded here: at most [`MAX_CELLS_PER_SHEET`] cells per
//! sheet (the rest is cut, with a layout note), [`MAX_CELLS_PER_WORKBOOK`] cells and
//! [`MAX_TEXT_BYTES`] of cell text per workbook (beyond that the file is refused: a shared
//! string of megabytes referenced by a million cells is borrowed, not copied, but the reader
//! would still look through it a million times). A panic inside calamine on a malformed file
//! is caught here and reported as a damaged file, so one bad file never stops the run.
//!
//! Sheets are read one at a time and each grid is handed to the caller as soon as it is
//! complete ([`load`]): its texts are borrowed from the workbook (calamine's shared strings),
//! so a text is copied only when the model keeps it, and a sheet's grid is gone before the
//! next one is read.
//!
//! .xls and .ods have no streaming reader in calamine: opening the file parses **every**
//! sheet into a dense grid (rows × columns between the first and the last non-empty cell,
//! about 60 bytes a cell with its formula) before poalint sees any cell. That cannot be bounded
//! from here; [`super::sniff`] instead pre-scans those files and refuses the ones whose grids
//! would be too big ([`super::sniff::MAX_DENSE_CELLS`], [`super::sniff::MAX_EXPANDED_TEXT`]):
//! the BIFF records of an .xls (DIMENSIONS, the bounding box of the cells, shared strings
//! copied into cells) and the repeated rows and columns of an .ods `content.xml`. What remains
//! unbounded:
//!
//! - memory follows the bounding box, not the used cells: a tiny .xls with one cell in A1
//!   and one in IV65536 needs a 16-million-cell grid and is refused rather than read;
//! - CPU time: nothing stops a slow but legal file (a 200 MB workbook takes seconds); the
//!   zip, XML and BIFF parsers are linear, and the pre-scans keep calamine's quadratic spots
//!   (CONTINUE records) small;
//! - calamine bugs the pre-scans do not know about: they end as a panic caught here
//!   ([`ReadProblem::Corrupt`]) or, for an allocation that fails, as an abort of the process
//!   (Rust cannot catch those), which is why the pre-scans mirror calamine's allocations;
//!   an endless loop cannot be stopped either (calamine 0.38 loops at the end of a cut .ods
//!   `content.xml`, which the pre-scan refuses);
//! - arithmetic that overflows inside calamine (a cell reference `A99999999999`) panics in a
//!   debug build (caught: a damaged file) and wraps in a release build (the cell lands on
//!   another row; poalint keeps cells sparse, so it costs no memory).

use super::sniff::ReadProblem;
use super::text::excel_serial_to_date;
use crate::model::{CellRef, CellValue, Format};
use calamine::{Data, DataRef, Reader, SheetType};
use std::borrow::Cow;
use std::io::Cursor;
use std::ops::Range;
use std::panic::AssertUnwindSafe;

/// Cells a sheet may hold before poalint stops reading it (a capture has a few hundred).
pub const MAX_CELLS_PER_SHEET: usize = 2_000_000;
/// Cells all the sheets of a workbook may hold together; beyond, the file is refused.
pub const MAX_CELLS_PER_WORKBOOK: usize = 4_000_000;
/// Bytes of cell text a workbook may hold; beyond, the file is refused.
pub const MAX_TEXT_BYTES: usize = 128 * 1024 * 1024;

/// A cell's value in a [`Grid`]: its text borrowed from the workbook (calamine's shared
/// strings, or the sheet's range for .xls/.ods) unless the cell holds it inline.
pub type GridValue<'a> = CellValue<Cow<'a, str>>;

/// The non-empty cells of one sheet, sorted by row then column, with an index of its rows.
///
/// Built only by [`Grid::new`], which sorts the cells and indexes the rows once, so that
/// [`Grid::rows`] and [`Grid::row`] cost a slice walk and one binary search over the rows.
/// The loaders keep only non-empty cells ([`CellValue::is_empty`]), so every indexed row
/// holds at least one. A grid lives while its sheet is read ([`load`] hands it over and
/// drops it): its texts are borrowed from the workbook, not copied.
#[derive(Debug, Default)]
pub struct Grid<'a> {
    pub name: String,
    pub index: usize,
    cells: Vec<(CellRef, GridValue<'a>)>,
    /// One entry per row holding cells, ascending: where its cells sit in `cells`.
    rows: Vec<RowSpan>,
    /// Whether two cells share a position (only a forged file does that). [`Grid::get`]
    /// then picks one by searching the whole sheet, and [`RowCells::get`] defers to it.
    duplicates: bool,
    /// Set when the sheet was cut at [`MAX_CELLS_PER_SHEET`].
    pub truncated: bool,
}

/// The cells of one row: `cells[start..end]`.
#[derive(Debug, Clone, Copy)]
struct RowSpan {
    row: u32,
    start: usize,
    end: usize,
}

impl<'a> Grid<'a> {
    /// Sorts the cells by row then column (stable: two cells at the same place keep the
    /// order the file gave them) and indexes the rows. `cells` must hold only non-empty
    /// values: the loaders skip the empty ones.
    pub fn new(
        name: String,
        index: usize,
        mut cells: Vec<(CellRef, GridValue<'a>)>,
        truncated: bool,
    ) -> Grid<'a> {
        debug_assert!(cells.iter().all(|(_, v)| !v.is_empty()));
        cells.sort_by_key(|(c, _)| (c.row, c.col));
        let mut rows: Vec<RowSpan> = Vec::new();
        let mut duplicates = false;
        for (i, (c, _)) in cells.iter().enumerate() {
            match rows.last_mut() {
                Some(span) if span.row == c.row => {
                    duplicates |= cells[i - 1].0.col == c.col;
                    span.end = i + 1;
                }
                _ => rows.push(RowSpan {
                    row: c.row,
                    start: i,
                    end: i + 1,
                }),
            }
        }
        Grid {
            name,
            index,
            cells,
            rows,
            duplicates,
            truncated,
        }
    }

    /// Every cell, sorted by row then column.
    pub fn cells(&self) -> &[(CellRef, GridValue<'a>)] {
        &self.cells
    }

    pub fn get(&self, row: u32, col: u32) -> Option<&GridValue<'a>> {
        let key = CellRef::new(row, col);
        self.cells
            .binary_search_by(|(c, _)| (c.row, c.col).cmp(&(key.row, key.col)))
            .ok()
            .map(|i| &self.cells[i].1)
    }

    /// The trimmed text of a cell, or a number's display, or `None` when empty.
    pub fn text(&self, row: u32, col: u32) -> Option<String> {
        cell_text(self.get(row, col)?).map(Cow::into_owned)
    }

    /// Where the cells of one row sit in [`Grid::cells`] (empty when the row has none).
    pub fn row_range(&self, row: u32) -> Range<usize> {
        match self.rows.binary_search_by_key(&row, |s| s.row) {
            Ok(i) => self.rows[i].start..self.rows[i].end,
            Err(_) => 0..0,
        }
    }

    /// The cells of one row, in column order.
    pub fn row(&self, row: u32) -> &[(CellRef, GridValue<'a>)] {
        &self.cells[self.row_range(row)]
    }

    /// One row, to look up several of its cells for the price of one search in the sheet.
    pub fn row_cells(&self, row: u32) -> RowCells<'_, 'a> {
        RowCells {
            grid: self,
            row,
            cells: self.row(row),
        }
    }

    /// Every row index that holds at least one non-empty cell, ascending.
    pub fn rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.rows.iter().map(|s| s.row)
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// The cells of one row of a [`Grid`] ([`Grid::row_cells`]).
pub struct RowCells<'g, 'a> {
    grid: &'g Grid<'a>,
    row: u32,
    cells: &'g [(CellRef, GridValue<'a>)],
}

impl<'g, 'a> RowCells<'g, 'a> {
    /// The same cell as [`Grid::get`] on this row, searched within the row.
    pub fn get(&self, col: u32) -> Option<&'g GridValue<'a>> {
        if self.grid.duplicates {
            return self.grid.get(self.row, col);
        }
        self.cells
            .binary_search_by(|(c, _)| c.col.cmp(&col))
            .ok()
            .map(|i| &self.cells[i].1)
    }
}

/// A cell's trimmed text, or a number's (date's...) display, or `None` when empty. Text is
/// borrowed from the cell; only the other kinds build a string.
pub fn cell_text<S: AsRef<str>>(v: &CellValue<S>) -> Option<Cow<'_, str>> {
    match v {
        CellValue::Empty => None,
        CellValue::Text(t) => {
            let t = t.as_ref().trim();
            (!t.is_empty()).then_some(Cow::Borrowed(t))
        }
        _ => {
            let d = v.display();
            let t = d.trim();
            if t.is_empty() {
                None
            } else if t.len() == d.len() {
                Some(Cow::Owned(d))
            } else {
                Some(Cow::Owned(t.to_string()))
            }
        }
    }
}

/// A cell's value as [`CellValue::display`] shows it, borrowed when it is text.
pub fn cell_display<S: AsRef<str>>(v: &CellValue<S>) -> Cow<'_, str> {
    match v {
        CellValue::Text(t) => Cow::Borrowed(t.as_ref()),
        _ => Cow::Owned(v.display()),
    }
}

/// A sheet that could not be read, or whose name clashes with another's.
#[derive(Debug, Clone)]
pub struct SheetProblem {
    pub sheet: String,
    /// The sheet's place in the workbook (as [`Grid`]'s `index`).
    pub index: usize,
    pub reason: String,
    pub name_clash: bool,
}

fn name_clash(sheet: &str, index: usize, reason: String) -> SheetProblem {
    SheetProblem {
        sheet: sheet.to_string(),
        index,
        reason,
        name_clash: true,
    }
}

fn unreadable(sheet: &str, index: usize, reason: String) -> SheetProblem {
    SheetProblem {
        sheet: sheet.to_string(),
        index,
        reason,
        name_clash: false,
    }
}

/// What a workbook may still take ([`MAX_CELLS_PER_WORKBOOK`], [`MAX_TEXT_BYTES`]).
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    fn new() -> Budget {
        Budget { cells: 0, text: 0 }
    }

    fn take(&mut self, value: &GridValue<'_>) -> Result<(), ReadProblem> {
        self.cells += 1;
        if let CellValue::Text(t) | CellValue::Error(t) = value {
            self.text += t.len();
        }
        if self.cells > MAX_CELLS_PER_WORKBOOK {
            return Err(ReadProblem::TooLarge(format!(
                "las hojas del libro tienen más de {MAX_CELLS_PER_WORKBOOK} celdas con datos"
            )));
        }
        if self.text > MAX_TEXT_BYTES {
            return Err(ReadProblem::TooLarge(format!(
                "el texto de las celdas excede {} MB (por ejemplo, un texto compartido muy largo repetido en muchas celdas)",
                MAX_TEXT_BYTES / (1024 * 1024)
            )));
        }
        Ok(())
    }
}

fn from_data(d: &Data) -> GridValue<'_> {
    match d {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(Cow::Borrowed(s)),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => match excel_serial_to_date(dt.as_f64()) {
            Some(d) => CellValue::Date(d),
            None => CellValue::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => match super::text::parse_date(s) {
            Some(d) => CellValue::Date(d),
            None => CellValue::Text(Cow::Borrowed(s)),
        },
        Data::DurationIso(s) => CellValue::Text(Cow::Borrowed(s)),
        Data::Error(e) => CellValue::Error(Cow::Owned(e.to_string())),
    }
}

fn from_data_ref(d: DataRef<'_>, percent: Option<u8>) -> GridValue<'_> {
    match d {
        DataRef::Empty => CellValue::Empty,
        DataRef::String(s) => CellValue::Text(Cow::Owned(s)),
        DataRef::SharedString(s) => CellValue::Text(Cow::Borrowed(s)),
        DataRef::Float(f) if percent.is_some() => CellValue::PercentNumber(f, percent.unwrap_or(0)),
        DataRef::Int(i) if percent.is_some() => {
            CellValue::PercentNumber(i as f64, percent.unwrap_or(0))
        }
        DataRef::Float(f) => CellValue::Number(f),
        DataRef::Int(i) => CellValue::Number(i as f64),
        DataRef::Bool(b) => CellValue::Bool(b),
        DataRef::DateTime(dt) => match excel_serial_to_date(dt.as_f64()) {
            Some(d) => CellValue::Date(d),
            None => CellValue::Number(dt.as_f64()),
        },
        DataRef::DateTimeIso(s) => match super::text::parse_date(&s) {
            Some(d) => CellValue::Date(d),
            None => CellValue::Text(Cow::Owned(s)),
        },
        DataRef::DurationIso(s) => CellValue::Text(Cow::Owned(s)),
        DataRef::Error(e) => CellValue::Error(Cow::Owned(e.to_string())),
    }
}

/// Decimals shown by a percent number format (`0%` → 0, `0.00%` → 2); `None` when not a percent.
fn percent_decimals(code: &str) -> Option<u8> {
    // The first section only; a `%` quoted (`0.00"%"`) or escaped (`0\%`) is a literal sign
    // after a number that is not multiplied by 100.
    let section = code.split(';').next().unwrap_or(code);
    let (mut quoted, mut escaped) = (false, false);
    let pct = section.char_indices().find_map(|(i, c)| {
        let literal = quoted || escaped;
        escaped = !escaped && !quoted && c == '\\';
        if c == '"' && !literal {
            quoted = true;
        } else if c == '"' && quoted {
            quoted = false;
        }
        (c == '%' && !literal).then_some(i)
    })?;
    let before = &section[..pct];
    let decimals = before.rfind('.').map_or(0, |dot| {
        before[dot + 1..]
            .chars()
            .filter(|c| *c == '0' || *c == '#')
            .count()
    });
    Some(decimals.min(10) as u8)
}

fn corrupt(e: impl std::fmt::Display) -> ReadProblem {
    let msg = e.to_string();
    let low = msg.to_lowercase();
    if low.contains("password") || low.contains("encrypt") {
        ReadProblem::Encrypted
    } else if low.contains("larger than its declared") {
        ReadProblem::TooLarge(
            "una parte del ZIP se descomprime a más de los bytes que declara (posible bomba ZIP)"
                .into(),
        )
    } else if low.contains("checksum") {
        ReadProblem::Corrupt(format!(
            "una parte del ZIP está dañada: su suma de verificación no coincide ({msg})"
        ))
    } else if low.contains("eof") || low.contains("unexpected end") || low.contains("invalid zip") {
        ReadProblem::Truncated(msg)
    } else {
        ReadProblem::Corrupt(msg)
    }
}

/// Why one sheet of an .xlsx could not be read, in Spanish.
fn sheet_problem(e: &calamine::XlsxError) -> String {
    use calamine::XlsxError as E;
    match e {
        E::WorksheetNotFound(_) | E::FileNotFound(_) => {
            "no se pudo leer: su contenido (el XML de la hoja) no está en el archivo".into()
        }
        _ if e.to_string().to_lowercase().contains("checksum") => {
            "no se pudo leer: su contenido está dañado (la suma de verificación del ZIP no coincide)"
                .into()
        }
        E::Xml(_) | E::XmlEof(_) | E::XmlAttr(_) | E::UnexpectedNode(_) => {
            format!("no se pudo leer: el XML de la hoja está mal formado o cortado ({e})")
        }
        _ => match corrupt(e) {
            ReadProblem::Corrupt(m) => format!("no se pudo leer: su contenido está dañado ({m})"),
            p => format!("no se pudo leer: {}", p.message()),
        },
    }
}

/// Sheet names that clash: the same name twice (calamine finds an .xlsx sheet by name, so
/// only the first can be read; it keeps .xls and .ods sheets in a map by name, so one
/// overwrites the other and none can be trusted), or names equal once case, accents and
/// spaces are folded (both are read, but their findings and exceptions would be confused).
/// Returns, per sheet, the reason to report (once per clash) and whether it can be read.
fn clashes(names: &[String], first_readable: bool) -> Vec<(Option<String>, bool)> {
    use super::text::fold;
    use std::collections::HashMap;
    let mut exact: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        exact.entry(n.as_str()).or_default().push(i);
    }
    let mut folded: HashMap<String, usize> = HashMap::new();
    let mut out = vec![(None, true); names.len()];
    for (i, name) in names.iter().enumerate() {
        let first_folded = *folded.entry(fold(name)).or_insert(i);
        let same = &exact[name.as_str()];
        if same.len() > 1 {
            let first = same[0] == i;
            out[i] = if first_readable {
                let note = (!first).then(|| format!(
                    "el libro tiene otra hoja con exactamente el mismo nombre «{name}»; esta hoja no se puede leer por separado. Cambie el nombre de una de las dos"
                ));
                (note, first)
            } else {
                let note = first.then(|| format!(
                    "el libro tiene {} hojas con exactamente el mismo nombre «{name}»; no se sabe cuál de ellas se leería, así que ninguna se revisó. Cambie sus nombres",
                    same.len()
                ));
                (note, false)
            };
        } else if names[first_folded] != *name {
            out[i] = (
                Some(format!(
                    "su nombre «{name}» solo se distingue de la hoja «{}» por mayúsculas, acentos o espacios; los hallazgos y las excepciones de las dos hojas se confundirían. Cambie el nombre de una de las dos (la hoja sí se revisó)",
                    names[first_folded]
                )),
                true,
            );
        }
    }
    out
}

/// What a sheet's grid is handed to, in workbook order ([`load`]).
pub type OnSheet<'f> = dyn FnMut(&Grid<'_>) + 'f;

/// Loads every worksheet of a workbook already identified by [`super::sniff::sniff`],
/// handing each one's grid to `on_sheet` as soon as it is read (the grid borrows the
/// workbook's texts and is dropped before the next sheet is read). Returns the sheets that
/// could not be read or whose names clash ([`SheetProblem`]).
///
/// A panic inside calamine (a malformed file it does not expect) is caught and reported as
/// a damaged file; a panic inside `on_sheet` is not the file's fault and goes on up as it
/// came.
pub fn load(
    bytes: Vec<u8>,
    format: Format,
    on_sheet: &mut OnSheet<'_>,
) -> Result<Vec<SheetProblem>, ReadProblem> {
    let from_caller = std::cell::Cell::new(false);
    let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
        load_unguarded(bytes, format, &mut |grid: &Grid<'_>| {
            if let Err(p) = std::panic::catch_unwind(AssertUnwindSafe(|| on_sheet(grid))) {
                from_caller.set(true);
                std::panic::resume_unwind(p);
            }
        })
    }));
    match r {
        Ok(r) => r,
        Err(p) if from_caller.get() => std::panic::resume_unwind(p),
        Err(e) => Err(ReadProblem::Corrupt(format!(
            "el lector de hojas de cálculo no pudo interpretar su estructura interna ({})",
            super::panic_text(e.as_ref()).unwrap_or_else(|| "sin mensaje".into())
        ))),
    }
}

fn load_unguarded(
    bytes: Vec<u8>,
    format: Format,
    on_sheet: &mut OnSheet<'_>,
) -> Result<Vec<SheetProblem>, ReadProblem> {
    match format {
        Format::Xlsx => load_xlsx(bytes, on_sheet),
        Format::Xls => {
            let mut wb: calamine::Xls<_> =
                calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(corrupt)?;
            load_ranges(&mut wb, on_sheet)
        }
        Format::Ods => {
            let mut wb: calamine::Ods<_> =
                calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(corrupt)?;
            load_ranges(&mut wb, on_sheet)
        }
    }
}

fn load_xlsx(
    mut bytes: Vec<u8>,
    on_sheet: &mut OnSheet<'_>,
) -> Result<Vec<SheetProblem>, ReadProblem> {
    super::trim::drop_unused_parts(&mut bytes);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(corrupt)?;
    let mut problems = Vec::new();
    // calamine finds a sheet by name: with two sheets of the same name, the first is read.
    let readable = worksheets(wb.sheets_metadata(), true, &mut problems);
    let mut budget = Budget::new();
    let mut percent_styles = None;
    for (index, name) in readable {
        match read_xlsx_sheet(&mut wb, &name, index, &mut budget, &mut percent_styles) {
            Ok(grid) => on_sheet(&grid),
            Err(SheetError::Sheet(reason)) => problems.push(unreadable(&name, index, reason)),
            Err(SheetError::File(p)) => return Err(p),
        }
    }
    Ok(problems)
}

/// The worksheets (not chart sheets) that can be read, with their place in the workbook; a
/// problem for each name clash (see [`clashes`]: `first_readable` says whether the first of
/// two equal names can still be read).
fn worksheets(
    meta: &[calamine::Sheet],
    first_readable: bool,
    problems: &mut Vec<SheetProblem>,
) -> Vec<(usize, String)> {
    let names: Vec<String> = meta.iter().map(|s| s.name.clone()).collect();
    let clash = clashes(&names, first_readable);
    let mut readable = Vec::new();
    for ((index, name), (note, ok)) in names.into_iter().enumerate().zip(clash) {
        if meta[index].typ != SheetType::WorkSheet {
            continue;
        }
        if let Some(reason) = note {
            problems.push(name_clash(&name, index, reason));
        }
        if ok {
            readable.push((index, name));
        }
    }
    readable
}

/// A zip bomb (an entry inflating past its declared size) refuses the whole file; any other
/// error loses only the sheet.
fn sheet_error(name: &str, e: calamine::XlsxError) -> SheetError {
    match corrupt(&e) {
        ReadProblem::TooLarge(_) => SheetError::File(ReadProblem::TooLarge(format!(
            "el XML de la hoja «{name}» se descomprime a más de los bytes que declara (posible bomba ZIP)"
        ))),
        _ => SheetError::Sheet(sheet_problem(&e)),
    }
}

enum SheetError {
    /// Only this sheet is lost.
    Sheet(String),
    /// The whole file must be refused.
    File(ReadProblem),
}

/// Reads one worksheet's cells. `percent_styles` says, per style id, whether its number
/// format shows a percent (and with how many decimals); the styles belong to the workbook, so
/// it is worked out for the first sheet read and kept for the others.
fn read_xlsx_sheet<'a>(
    wb: &'a mut calamine::Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    index: usize,
    budget: &mut Budget,
    percent_styles: &mut Option<Vec<Option<u8>>>,
) -> Result<Grid<'a>, SheetError> {
    let mut cells: Vec<(CellRef, GridValue<'a>)> = Vec::new();
    let mut truncated = false;
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| sheet_error(name, e))?;
    // Which style ids carry a percent number format, computed once per workbook palette.
    let percent_styles: &[Option<u8>] = percent_styles.get_or_insert_with(|| {
        reader
            .styles()
            .iter()
            .map(|s| {
                s.number_format
                    .as_ref()
                    .and_then(|f| percent_decimals(&f.format_code))
            })
            .collect()
    });
    loop {
        let next = reader
            .next_cell_with_style_id()
            .map_err(|e| sheet_error(name, e))?;
        let Some((cell, style)) = next else { break };
        let percent = percent_styles.get(style).copied().flatten();
        let (row, col) = cell.get_position();
        let value = from_data_ref(cell.get_value().clone(), percent);
        if value.is_empty() {
            continue;
        }
        if cells.len() >= MAX_CELLS_PER_SHEET {
            truncated = true;
            break;
        }
        budget.take(&value).map_err(SheetError::File)?;
        cells.push((CellRef::new(row, col), value));
    }
    Ok(Grid::new(name.to_string(), index, cells, truncated))
}

fn load_ranges<R>(wb: &mut R, on_sheet: &mut OnSheet<'_>) -> Result<Vec<SheetProblem>, ReadProblem>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
{
    let mut problems = Vec::new();
    // calamine keeps .xls and .ods sheets in a map by name: with two sheets of the same name
    // one overwrites the other, and which one is unknown.
    let readable = worksheets(wb.sheets_metadata(), false, &mut problems);
    let mut budget = Budget::new();
    for (index, name) in readable {
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                problems.push(unreadable(&name, index, format!("no se pudo leer: {e}")));
                continue;
            }
        };
        let mut cells: Vec<(CellRef, GridValue<'_>)> = Vec::new();
        let mut truncated = false;
        let (start_r, start_c) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            let value = from_data(v);
            if value.is_empty() {
                continue;
            }
            if cells.len() >= MAX_CELLS_PER_SHEET {
                truncated = true;
                break;
            }
            budget.take(&value)?;
            cells.push((CellRef::new(start_r + r as u32, start_c + c as u32), value));
        }
        on_sheet(&Grid::new(name, index, cells, truncated));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::{Grid, clashes, percent_decimals};
    use crate::model::{CellRef, CellValue};

    #[test]
    fn percent_formats_and_literal_percent_signs() {
        assert_eq!(percent_decimals("0%"), Some(0));
        assert_eq!(percent_decimals("0.00%"), Some(2));
        assert_eq!(percent_decimals("0.0%;[Red]-0.0%"), Some(1));
        // A quoted or escaped sign follows a number that is not multiplied by 100.
        assert_eq!(percent_decimals("0.00\"%\""), None);
        assert_eq!(percent_decimals("0.00\\%"), None);
        assert_eq!(percent_decimals("\"avance \"0%"), Some(0));
        assert_eq!(percent_decimals("#,##0"), None);
    }

    #[test]
    fn grid_indexes_its_rows() {
        let text = |s: &'static str| CellValue::Text(s.into());
        let cells = vec![
            (CellRef::new(4, 2), CellValue::Number(7.0)),
            (CellRef::new(1, 3), text("b")),
            (CellRef::new(1, 0), text("a")),
            (CellRef::new(4, 0), text(" c ")),
        ];
        let g = Grid::new("Hoja".into(), 0, cells, false);
        let cols = |r: u32| g.row(r).iter().map(|(c, _)| c.col).collect::<Vec<_>>();
        assert_eq!(cols(1), [0, 3]);
        assert_eq!(cols(4), [0, 2]);
        assert!(g.row(3).is_empty() && g.row_range(9).is_empty());
        assert_eq!(g.rows().collect::<Vec<_>>(), [1, 4]);
        assert_eq!(g.text(4, 2).as_deref(), Some("7"));
        assert_eq!(g.text(4, 0).as_deref(), Some("c"));
        assert_eq!(g.text(2, 0), None);
        assert!(!g.is_empty());
        assert!(Grid::new("V".into(), 0, Vec::new(), false).is_empty());
        let r = g.row_cells(4);
        assert_eq!(r.get(2), g.get(4, 2));
        assert_eq!(r.get(1), None);
        assert!(!g.duplicates);
        // Two cells at one place (a forged file): the row defers to the whole-sheet search.
        let cells = vec![
            (CellRef::new(0, 1), text("x")),
            (CellRef::new(0, 1), text("y")),
            (CellRef::new(0, 2), text("z")),
        ];
        let g = Grid::new("D".into(), 0, cells, false);
        assert!(g.duplicates);
        assert_eq!(g.row_cells(0).get(1), g.get(0, 1));
    }

    /// Each format hands every sheet over, in order, with its texts; a panic of the caller's
    /// is the caller's (it is not reported as a damaged file).
    #[test]
    fn load_hands_each_sheet_over_and_lets_the_callers_panic_through() {
        use crate::model::Format;
        for (bytes, format) in [
            (
                &include_bytes!("../../fixtures/60-IMACUM-4T2020.xlsx")[..],
                Format::Xlsx,
            ),
            (
                &include_bytes!("../../fixtures/60-IMACUM-4T2020.ods")[..],
                Format::Ods,
            ),
            (
                &include_bytes!("../../fixtures/01-PRESIDENCIA-2T2020.xls")[..],
                Format::Xls,
            ),
        ] {
            let mut seen = Vec::new();
            let problems = super::load(bytes.to_vec(), format, &mut |g| {
                let texts = g
                    .cells()
                    .iter()
                    .filter(|(_, v)| v.as_text().is_some())
                    .count();
                seen.push((g.index, g.name.clone(), texts));
            })
            .unwrap();
            assert!(problems.is_empty(), "{format:?}: {problems:?}");
            assert!(!seen.is_empty(), "{format:?}");
            assert!(
                seen.windows(2).all(|w| w[0].0 < w[1].0),
                "{format:?}: {seen:?}"
            );
            assert!(
                seen.iter().all(|(_, _, texts)| *texts > 0),
                "{format:?}: {seen:?}"
            );

            let r = std::panic::catch_unwind(|| {
                let _ = super::load(bytes.to_vec(), format, &mut |_| panic!("del llamador"));
            });
            let payload = r.expect_err("the caller's panic must go on up");
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"del llamador"));
        }
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sheet_name_clashes() {
        // .xlsx: the first of two equal names is read, the second reported.
        let c = clashes(&names(&["101", "102", "101", "Ue 101", "UE  101"]), true);
        assert_eq!(c[0], (None, true));
        assert_eq!(c[1], (None, true));
        assert!(
            c[2].0
                .as_deref()
                .unwrap()
                .contains("exactamente el mismo nombre")
        );
        assert!(!c[2].1);
        assert_eq!(c[3], (None, true));
        assert!(c[4].0.as_deref().unwrap().contains("«Ue 101»"));
        assert!(c[4].1);
        // .xls / .ods: none of the equal names is read, one report for the group.
        let c = clashes(&names(&["A", "B", "A", "A"]), false);
        assert!(c[0].0.as_deref().unwrap().contains("3 hojas"));
        assert_eq!(c[2], (None, false));
        assert_eq!(c[3], (None, false));
        assert!(!c[0].1);
        assert_eq!(c[1], (None, true));
    }
}
