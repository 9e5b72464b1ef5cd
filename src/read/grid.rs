//! Loading a workbook's cells with calamine into sparse per-sheet grids.
//!
//! For .xlsx the streaming cell reader gives each cell's cached value and style id in one pass
//! over the sheet XML (no dense grid, so a forged `<dimension ref="A1:XFD1048576">` costs
//! nothing), and the style's number format tells a percent-formatted 0.25 from a plain 0.25.
//! .xls and .ods have no streaming reader in calamine: their ranges are read whole, after the
//! file-size and zip checks of [`super::sniff`].

use super::sniff::ReadProblem;
use super::text::excel_serial_to_date;
use crate::model::{CellRef, CellValue, Format};
use calamine::{Data, DataRef, Reader, SheetType};
use std::io::Cursor;

/// Cells a sheet may hold before poalint stops reading it (a capture has a few hundred).
pub const MAX_CELLS_PER_SHEET: usize = 2_000_000;

/// The non-empty cells of one sheet, sorted by row then column.
#[derive(Debug, Default)]
pub struct Grid {
    pub name: String,
    pub index: usize,
    pub cells: Vec<(CellRef, CellValue)>,
    /// Set when the sheet was cut at [`MAX_CELLS_PER_SHEET`].
    pub truncated: bool,
}

impl Grid {
    pub fn get(&self, row: u32, col: u32) -> Option<&CellValue> {
        let key = CellRef::new(row, col);
        self.cells
            .binary_search_by(|(c, _)| (c.row, c.col).cmp(&(key.row, key.col)))
            .ok()
            .map(|i| &self.cells[i].1)
    }

    /// The trimmed text of a cell, or a number's display, or `None` when empty.
    pub fn text(&self, row: u32, col: u32) -> Option<String> {
        let v = self.get(row, col)?;
        if v.is_empty() {
            return None;
        }
        let t = v.display();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The cells of one row, in column order.
    pub fn row(&self, row: u32) -> &[(CellRef, CellValue)] {
        let start = self.cells.partition_point(|(c, _)| c.row < row);
        let end = self.cells.partition_point(|(c, _)| c.row <= row);
        &self.cells[start..end]
    }

    /// Every row index that holds at least one non-empty cell, ascending.
    pub fn rows(&self) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for (c, v) in &self.cells {
            if !v.is_empty() && out.last() != Some(&c.row) {
                out.push(c.row);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(|(_, v)| v.is_empty())
    }
}

/// A loaded workbook: its format and every worksheet's grid.
pub struct LoadedWorkbook {
    pub format: Format,
    pub sheets: Vec<Grid>,
}

fn from_data(d: &Data) -> CellValue {
    match d {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(s.clone()),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) => match excel_serial_to_date(dt.as_f64()) {
            Some(d) => CellValue::Date(d),
            None => CellValue::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => match super::text::parse_date(s) {
            Some(d) => CellValue::Date(d),
            None => CellValue::Text(s.clone()),
        },
        Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn from_data_ref(d: DataRef<'_>, percent: Option<u8>) -> CellValue {
    match d {
        DataRef::Empty => CellValue::Empty,
        DataRef::String(s) => CellValue::Text(s),
        DataRef::SharedString(s) => CellValue::Text(s.to_string()),
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
            None => CellValue::Text(s),
        },
        DataRef::DurationIso(s) => CellValue::Text(s),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    }
}

/// Decimals shown by a percent number format (`0%` → 0, `0.00%` → 2); `None` when not a percent.
fn percent_decimals(code: &str) -> Option<u8> {
    // Ignore quoted text and escapes; look at the first section only.
    let section = code.split(';').next().unwrap_or(code);
    let pct = section.find('%')?;
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
    } else if low.contains("eof") || low.contains("unexpected end") || low.contains("invalid zip") {
        ReadProblem::Truncated(msg)
    } else {
        ReadProblem::Corrupt(msg)
    }
}

/// Loads every worksheet of a workbook already identified by [`super::sniff::sniff`].
pub fn load(bytes: Vec<u8>, format: Format) -> Result<LoadedWorkbook, ReadProblem> {
    match format {
        Format::Xlsx => load_xlsx(bytes),
        Format::Xls => {
            let mut wb: calamine::Xls<_> =
                calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(corrupt)?;
            load_ranges(&mut wb, format)
        }
        Format::Ods => {
            let mut wb: calamine::Ods<_> =
                calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(corrupt)?;
            load_ranges(&mut wb, format)
        }
    }
}

fn load_xlsx(bytes: Vec<u8>) -> Result<LoadedWorkbook, ReadProblem> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(corrupt)?;
    let meta: Vec<(String, SheetType)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.typ))
        .collect();
    let mut sheets = Vec::new();
    for (index, (name, typ)) in meta.into_iter().enumerate() {
        if typ != SheetType::WorkSheet {
            continue;
        }
        let mut grid = Grid {
            name: name.clone(),
            index,
            ..Default::default()
        };
        let mut reader = wb.worksheet_cells_reader(&name).map_err(corrupt)?;
        // Which style ids carry a percent number format, computed once per workbook palette.
        let percent_styles: Vec<Option<u8>> = reader
            .styles()
            .iter()
            .map(|s| {
                s.number_format
                    .as_ref()
                    .and_then(|f| percent_decimals(&f.format_code))
            })
            .collect();
        loop {
            let next = reader.next_cell_with_style_id().map_err(corrupt)?;
            let Some((cell, style)) = next else { break };
            let percent = percent_styles.get(style).copied().flatten();
            let (row, col) = cell.get_position();
            let value = from_data_ref(cell.get_value().clone(), percent);
            if value.is_empty() {
                continue;
            }
            if grid.cells.len() >= MAX_CELLS_PER_SHEET {
                grid.truncated = true;
                break;
            }
            grid.cells.push((CellRef::new(row, col), value));
        }
        grid.cells.sort_by_key(|(c, _)| (c.row, c.col));
        sheets.push(grid);
    }
    Ok(LoadedWorkbook {
        format: Format::Xlsx,
        sheets,
    })
}

fn load_ranges<R>(wb: &mut R, format: Format) -> Result<LoadedWorkbook, ReadProblem>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
{
    let meta: Vec<(String, SheetType)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.typ))
        .collect();
    let mut sheets = Vec::new();
    for (index, (name, typ)) in meta.into_iter().enumerate() {
        if typ != SheetType::WorkSheet {
            continue;
        }
        let range = wb.worksheet_range(&name).map_err(corrupt)?;
        let mut grid = Grid {
            name,
            index,
            ..Default::default()
        };
        for (r, c, v) in range.used_cells() {
            let value = from_data(v);
            if value.is_empty() {
                continue;
            }
            let (start_r, start_c) = range.start().unwrap_or((0, 0));
            if grid.cells.len() >= MAX_CELLS_PER_SHEET {
                grid.truncated = true;
                break;
            }
            grid.cells
                .push((CellRef::new(start_r + r as u32, start_c + c as u32), value));
        }
        grid.cells.sort_by_key(|(c, _)| (c.row, c.col));
        sheets.push(grid);
    }
    Ok(LoadedWorkbook { format, sheets })
}
