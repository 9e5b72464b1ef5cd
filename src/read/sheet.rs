//! Understanding one worksheet: is it a TMM-F004 capture, and where are its title, header
//! block, FECHA, metas table and signatures? Every block is found by its labels, never by a
//! fixed position.
//!
//! Labels are matched on each cell's [`squash`]ed text. A cell is looked at by several
//! passes (locating the table, the header block, the values right of a label, the title),
//! so `SheetCells` works out its squashed text and the header label it names once, on
//! first use, and every pass reads them from there.

use super::grid::{Grid, GridValue, RowCells, cell_display, cell_text};
use super::labels::{Field, Labels};
use super::text::{
    clave_only, find_quarter_word_folded, find_year, fold, looks_like_code, parse_date,
    parse_number, parse_percent, split_clave, squash, squash_into,
};
use crate::model::*;
use bumpalo::Bump;
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};

/// What the reader made of a sheet.
pub enum SheetRead {
    Capture(Box<CaptureSheet>),
    /// Looks like a capture (form code, header labels) but the metas table could not be located.
    Broken {
        reason: String,
        cell: Option<CellRef>,
    },
    /// Instructions, catalogue, empty sheet...
    NotCapture,
}

/// A sheet's cells with what the reader works out about each one, computed on first use and
/// kept: its squashed text and the header label it names. Indexes are those of
/// [`Grid::cells`].
struct SheetCells<'a> {
    grid: &'a Grid<'a>,
    labels: &'a Labels,
    /// Where the squashed texts are kept: one arena for the sheet rather than a `String` per
    /// cell (a sheet squashes ~50 cells: 60,000 heap allocations for 200 captures).
    arena: &'a Bump,
    /// The buffer each text is squashed into before it is copied to the arena.
    scratch: RefCell<String>,
    /// [`squash`] of each cell's displayed value.
    keys: Vec<OnceCell<&'a str>>,
    /// The header-block field each cell's text names ([`Labels::header_label`]).
    headers: Vec<OnceCell<Option<Field>>>,
}

impl<'a> SheetCells<'a> {
    fn new(grid: &'a Grid<'a>, labels: &'a Labels, arena: &'a Bump) -> SheetCells<'a> {
        let n = grid.cells().len();
        SheetCells {
            grid,
            labels,
            arena,
            scratch: RefCell::new(String::new()),
            keys: std::iter::repeat_with(OnceCell::new).take(n).collect(),
            headers: std::iter::repeat_with(OnceCell::new).take(n).collect(),
        }
    }

    /// Cell `i`'s displayed value, squashed (accents, case, spaces and punctuation removed):
    /// what labels are matched against.
    fn key(&self, i: usize) -> &'a str {
        self.keys[i].get_or_init(|| {
            let mut scratch = self.scratch.borrow_mut();
            squash_into(&cell_display(&self.grid.cells()[i].1), &mut scratch);
            self.arena.alloc_str(&scratch)
        })
    }

    /// The squashed text of cell `i` when it holds text. Numbers, dates, booleans and error
    /// codes never spell a P/A sub-header, so [`locate_table`] skips them without building
    /// their display.
    fn text_key(&self, i: usize) -> Option<&str> {
        matches!(self.grid.cells()[i].1, CellValue::Text(_)).then(|| self.key(i))
    }

    /// The header-block field cell `i` names, as [`Labels::header_label`] of its text.
    fn header(&self, i: usize) -> Option<Field> {
        *self.headers[i].get_or_init(|| {
            let text = cell_text(&self.grid.cells()[i].1)?;
            self.labels
                .header_label_squashed(&text, self.key(i))
                .map(|(f, _)| f)
        })
    }

    /// [`Labels::header_label`] of cell `i`'s text `text` (its [`cell_text`]), inline value
    /// included; remembers the field for [`SheetCells::header`].
    fn header_label<'t>(&self, i: usize, text: &'t str) -> Option<(Field, Option<&'t str>)> {
        let found = self.labels.header_label_squashed(text, self.key(i));
        let _ = self.headers[i].set(found.map(|(f, _)| f));
        found
    }
}

/// Reads one sheet's grid into a [`CaptureSheet`].
pub fn read_sheet(grid: &Grid<'_>, labels: &Labels) -> SheetRead {
    if grid.is_empty() {
        return SheetRead::NotCapture;
    }
    let arena = Bump::new();
    let cells = SheetCells::new(grid, labels, &arena);
    let Some(table) = locate_table(&cells) else {
        // A sheet that carries the form code or a FECHA plus RAMO labels was meant to be a capture.
        let mut form = None;
        let mut header_labels = 0;
        for (i, (c, v)) in grid.cells().iter().enumerate() {
            if let CellValue::Text(_) = v {
                let sq = cells.key(i);
                if sq.starts_with("TMMF") || sq.starts_with("TMMP") {
                    form = Some(*c);
                }
                if let Some(f) = cells.header(i)
                    && matches!(f, Field::Ramo | Field::Programa | Field::UnidadEjecutora)
                {
                    header_labels += 1;
                }
            }
        }
        if form.is_some() || header_labels >= 2 {
            return SheetRead::Broken {
                reason: "la hoja parece una captura TMM-F004 pero no se localizó la tabla de metas (encabezados META ANUAL y columnas P/A por trimestre)".into(),
                cell: form,
            };
        }
        return SheetRead::NotCapture;
    };

    let mut sheet = CaptureSheet {
        name: grid.name.clone(),
        index: grid.index,
        title: Title::default(),
        form_code: None,
        header: Header::default(),
        fecha: Fecha::default(),
        table: table.clone(),
        metas: Vec::new(),
        firmantes: Vec::new(),
        layout_problems: Vec::new(),
    };
    if grid.truncated {
        sheet.layout_problems.push((
            None,
            format!(
                "la hoja tiene más de {} celdas; solo se leyó esa cantidad",
                super::grid::MAX_CELLS_PER_SHEET
            ),
        ));
    }
    for (field, col) in [
        (Field::Descripcion, table.descripcion),
        (Field::MetaAnual, table.meta_anual),
    ] {
        if col.is_none() {
            sheet.layout_problems.push((
                Some(CellRef::new(table.header_rows.0, 0)),
                format!("no se localizó la columna {}", field_title(field)),
            ));
        }
    }
    read_top(&cells, &mut sheet);
    let last_meta_row = read_metas(&cells, &mut sheet);
    sheet.firmantes = read_signers(&cells, last_meta_row.max(table.header_rows.1) + 1);
    if is_blank_form(&sheet) {
        return SheetRead::NotCapture;
    }
    SheetRead::Capture(Box::new(sheet))
}

/// Whether a sheet is the form left blank (a `FORMATO` copy kept in the workbook): the labels
/// and the table's header, but no meta, no RAMO / PROGRAMA / UNIDAD, no FECHA and no signer's
/// name. Nothing in it to check; a workbook of only such sheets has no capture.
fn is_blank_form(sheet: &CaptureSheet) -> bool {
    let h = &sheet.header;
    sheet.metas.is_empty()
        && [&h.ramo, &h.programa, &h.unidad_ejecutora]
            .iter()
            .all(|c| c.code.is_none() && c.name.is_none())
        && sheet.fecha.date.is_none()
        && sheet.fecha.raw.is_none()
        && sheet.firmantes.iter().all(|f| f.nombre.is_none())
}

fn field_title(f: Field) -> &'static str {
    match f {
        Field::Descripcion => "METAS Y ACCIONES",
        Field::MetaAnual => "META ANUAL",
        Field::UnidadMedida => "UNIDAD DE MEDIDA",
        Field::AvanceAbsoluto => "AVANCE ABSOLUTO",
        Field::AcumuladoRelativo => "ACUMULADO RELATIVO",
        Field::Observaciones => "OBSERVACIONES",
        _ => "",
    }
}

fn is_p(sq: &str) -> bool {
    matches!(sq, "P" | "PROG" | "PROGR" | "PROGRAMADO" | "PROGRAMADA")
}
fn is_a(sq: &str) -> bool {
    matches!(
        sq,
        "A" | "ALC" | "ALCANZADO" | "ALCANZADA" | "R" | "REAL" | "REALIZADO" | "LOGRADO"
    )
}

fn quarter_of_label(sq: &str) -> Option<usize> {
    let q = if sq.starts_with("ENE") && sq.contains("MAR")
        || sq.starts_with("1ERTRIM")
        || sq.starts_with("PRIMERTRIM")
    {
        0
    } else if sq.starts_with("ABR") && sq.contains("JUN")
        || sq.starts_with("2DOTRIM")
        || sq.starts_with("SEGUNDOTRIM")
    {
        1
    } else if sq.starts_with("JUL") && sq.contains("SEP")
        || sq.starts_with("3ERTRIM")
        || sq.starts_with("TERCERTRIM")
    {
        2
    } else if sq.starts_with("OCT") && sq.contains("DIC")
        || sq.starts_with("4TOTRIM")
        || sq.starts_with("CUARTOTRIM")
    {
        3
    } else {
        return None;
    };
    Some(q)
}

/// Finds the metas table: the row of P/A sub-headers and the labelled columns above it.
fn locate_table(sc: &SheetCells<'_>) -> Option<TableLayout> {
    let (grid, labels) = (sc.grid, sc.labels);
    let cells = grid.cells();
    for row in grid.rows() {
        let pa: Vec<(u32, bool)> = grid
            .row_range(row)
            .filter_map(|i| {
                let sq = sc.text_key(i)?;
                let col = cells[i].0.col;
                if is_p(sq) {
                    Some((col, true))
                } else if is_a(sq) {
                    Some((col, false))
                } else {
                    None
                }
            })
            .collect();
        let np = pa.iter().filter(|(_, p)| *p).count();
        let na = pa.len() - np;
        if np < 4 || na < 4 {
            continue;
        }
        // Header rows: up to 3 rows above the P/A row that carry the column labels.
        let top = row.saturating_sub(3);
        let mut t = TableLayout {
            header_rows: (row, row),
            ..Default::default()
        };
        let mut quarter_cols: Vec<(u32, usize)> = Vec::new();
        let mut found_meta = false;
        for r in top..=row {
            for i in grid.row_range(r) {
                let Some(sq) = sc.text_key(i) else { continue };
                let c = &cells[i].0;
                if sq.is_empty() {
                    continue;
                }
                if let Some(q) = quarter_of_label(sq) {
                    quarter_cols.push((c.col, q));
                    t.header_rows.0 = t.header_rows.0.min(r);
                    continue;
                }
                let slot = if labels.is(Field::MetaAnual, sq) {
                    found_meta = true;
                    &mut t.meta_anual
                } else if labels.is(Field::AvanceAbsoluto, sq) {
                    &mut t.avance_absoluto
                } else if labels.is(Field::AcumuladoRelativo, sq) {
                    &mut t.acumulado_relativo
                } else if labels.is(Field::Observaciones, sq) {
                    &mut t.observaciones
                } else if labels.is(Field::UnidadMedida, sq) {
                    &mut t.unidad_medida
                } else if labels.is(Field::Clave, sq) {
                    &mut t.clave
                } else if labels.is(Field::Descripcion, sq) {
                    &mut t.descripcion
                } else if labels.is(Field::LineaAccion, sq) {
                    &mut t.linea_accion
                } else if labels.is(Field::Periodo, sq) {
                    t.header_rows.0 = t.header_rows.0.min(r);
                    continue;
                } else {
                    continue;
                };
                if slot.is_none() {
                    *slot = Some(c.col);
                    t.header_rows.0 = t.header_rows.0.min(r);
                }
            }
        }
        if !found_meta && t.descripcion.is_none() {
            continue;
        }
        // Assign P/A columns to quarters: by the quarter label over them, else in order.
        let mut next_in_order = 0usize;
        let mut last_p_quarter: Option<usize> = None;
        for (col, is_p_col) in &pa {
            let labelled = quarter_cols
                .iter()
                .filter(|(qc, _)| *qc <= *col && col - qc <= 2)
                .max_by_key(|(qc, _)| *qc)
                .map(|(_, q)| *q);
            if *is_p_col {
                let q = labelled.unwrap_or(next_in_order);
                if q < 4 && t.programado[q].is_none() {
                    t.programado[q] = Some(*col);
                    last_p_quarter = Some(q);
                    next_in_order = q + 1;
                } else {
                    last_p_quarter = None;
                }
            } else {
                let q = labelled.or(last_p_quarter);
                if let Some(q) = q
                    && q < 4
                    && t.alcanzado[q].is_none()
                {
                    t.alcanzado[q] = Some(*col);
                }
            }
        }
        if t.programado.iter().filter(|c| c.is_some()).count() < 4 {
            continue;
        }
        return Some(t);
    }
    None
}

/// Splits `"064 INSTITUTO MUNICIPAL"` into code and name; a cell without a leading code is a name.
fn split_code_name(s: &str) -> (Option<String>, Option<String>) {
    let (code, name) = split_code_name_ref(s);
    (code.map(str::to_string), name.map(str::to_string))
}

/// [`split_code_name`] as slices of `s`.
fn split_code_name_ref(s: &str) -> (Option<&str>, Option<&str>) {
    let t = s.trim();
    let (first, rest) = match t.find(char::is_whitespace) {
        Some(i) => (&t[..i], t[i..].trim()),
        None => (t, ""),
    };
    if looks_like_code(first) {
        let code = first.trim_end_matches([':', '.', '-']);
        let rest = rest.trim_start_matches(['-', '.', ' ']).trim();
        (Some(code), (!rest.is_empty()).then_some(rest))
    } else {
        (None, Some(t))
    }
}

/// Reads code and name from the cells right of `col` on `row` (stopping at another label).
fn values_right(sc: &SheetCells<'_>, row: u32, col: u32) -> CodeName {
    let cells = sc.grid.cells();
    let mut cn = CodeName::default();
    for i in sc.grid.row_range(row) {
        let (c, v) = &cells[i];
        if c.col <= col {
            continue;
        }
        let Some(text) = cell_text(v) else { continue };
        if sc.header(i).is_some() || sc.key(i).starts_with("TMMF") {
            break;
        }
        if matches!(v, CellValue::Date(_)) {
            break;
        }
        if cn.code.is_none() && cn.name.is_none() {
            let (code, name) = match v {
                CellValue::Number(_) => (Some(text.into_owned()), None),
                _ => split_code_name(&text),
            };
            cn.code = code.map(|x| Located::new(x, *c));
            cn.name = name.map(|x| Located::new(x, *c));
        } else if cn.name.is_none() {
            cn.name = Some(Located::new(text.into_owned(), *c));
        } else {
            break;
        }
    }
    cn
}

/// Title, form code, header block and FECHA: everything above the metas table.
fn read_top(sc: &SheetCells<'_>, sheet: &mut CaptureSheet) {
    let grid = sc.grid;
    let cells = grid.cells();
    let table_top = sheet.table.header_rows.0;
    // Pass 1: labels.
    struct LabelAt {
        field: Field,
        cell: CellRef,
        inline: Option<String>,
        text: String,
    }
    let mut found: Vec<LabelAt> = Vec::new();
    let mut value_rows: Vec<u32> = Vec::new();
    let mut first_block_row: Option<u32> = None;
    for row in grid.rows() {
        if row >= table_top {
            break;
        }
        let mut row_has_label = false;
        for i in grid.row_range(row) {
            let c = &cells[i].0;
            let Some(text) = cell_text(&cells[i].1) else {
                continue;
            };
            if let Some((field, inline)) = sc.header_label(i, &text) {
                found.push(LabelAt {
                    field,
                    cell: *c,
                    inline: inline.map(str::to_string),
                    text: text.into_owned(),
                });
                row_has_label = true;
            } else {
                let sq = sc.key(i);
                if sq.starts_with("TMMF") || sq.starts_with("TMMP") || sq.starts_with("TMMFO") {
                    sheet.form_code = Some(Located::new(text.into_owned(), *c));
                }
            }
        }
        if row_has_label {
            first_block_row = Some(first_block_row.map_or(row, |r| r.min(row)));
        } else {
            // A row made of a code and a name, with no label: a header value in block layouts.
            let mut filled = grid.row(row).iter().filter(|(_, v)| !v.is_empty());
            if let Some((_, v)) = filled.next() {
                let several = filled.next().is_some();
                let t = cell_display(v);
                let (code, name) = split_code_name_ref(&t);
                let is_value_row = (code.is_some() && (name.is_some() || several))
                    || matches!(v, CellValue::Number(_)) && several;
                // `23 AYUNTAMIENTO DE MEXICALI` (the seeds' IMACUM) is the title, not a code
                // and a name.
                if is_value_row && find_year(&t).is_none() && !names_the_form(&t) {
                    value_rows.push(row);
                    first_block_row = Some(first_block_row.map_or(row, |r| r.min(row)));
                }
            }
        }
    }

    // Title lines: text above the header block.
    let title_end = first_block_row.unwrap_or(table_top);
    for row in grid.rows() {
        if row >= title_end {
            break;
        }
        for i in grid.row_range(row) {
            let Some(text) = cell_text(&cells[i].1) else {
                continue;
            };
            if sc.key(i).starts_with("TMMF") {
                continue;
            }
            sheet
                .title
                .lines
                .push(Located::new(text.into_owned(), cells[i].0));
        }
    }
    // Year: prefer the PROGRAMA OPERATIVO ANUAL line.
    let folded: Vec<String> = sheet.title.lines.iter().map(|l| fold(&l.value)).collect();
    let mut year = None;
    for (l, f) in sheet.title.lines.iter().zip(&folded) {
        if let Some(y) = find_year(&l.value) {
            if f.contains("PROGRAMA OPERATIVO") || f.contains("POA") {
                year = Some(Located::new(y, l.cell));
                break;
            }
            if year.is_none() && !f.contains("FECHA") {
                year = Some(Located::new(y, l.cell));
            }
        }
    }
    sheet.title.year = year;
    sheet.title.quarter = sheet
        .title
        .lines
        .iter()
        .zip(&folded)
        .find_map(|(l, f)| find_quarter_word_folded(f).map(|q| Located::new(q, l.cell)));

    // Header fields next to their labels.
    let mut empty_labels: Vec<(Field, CellRef, u32)> = Vec::new();
    let mut lineas_label_row: Option<(u32, u32)> = None;
    // Rows that hold a label, for the continuation rows of LÍNEAS DE ACCIÓN below.
    let label_rows: Vec<u32> = if found.iter().any(|l| l.field == Field::LineasAccion) {
        found.iter().map(|l| l.cell.row).collect()
    } else {
        Vec::new()
    };
    for l in found {
        if l.field == Field::Fecha {
            read_fecha(grid, l.cell, l.inline.as_deref(), &l.text, &mut sheet.fecha);
            continue;
        }
        let cn = match &l.inline {
            Some(inline) => {
                let (code, name) = split_code_name(inline);
                let mut cn = CodeName {
                    code: code.map(|x| Located::new(x, l.cell)),
                    name: name.map(|x| Located::new(x, l.cell)),
                    ..Default::default()
                };
                if cn.name.is_none() {
                    let right = values_right(sc, l.cell.row, l.cell.col);
                    cn.name = right.name.or(right.code);
                }
                cn
            }
            None => values_right(sc, l.cell.row, l.cell.col),
        };
        let cn = CodeName {
            label: Some(Located::new(l.text, l.cell)),
            ..cn
        };
        if cn.is_empty() {
            empty_labels.push((l.field, l.cell, l.cell.row));
        }
        let slot = match l.field {
            Field::Ramo => &mut sheet.header.ramo,
            Field::Programa => &mut sheet.header.programa,
            Field::UnidadEjecutora => &mut sheet.header.unidad_ejecutora,
            Field::Finalidad => &mut sheet.header.finalidad,
            Field::Funcion => &mut sheet.header.funcion,
            Field::Subfuncion => &mut sheet.header.subfuncion,
            Field::LineasAccion => {
                lineas_label_row = Some((l.cell.row, l.cell.col));
                if !cn.is_empty() {
                    sheet.header.lineas_accion.push(cn);
                }
                continue;
            }
            _ => continue,
        };
        if slot.label.is_none() || slot.is_empty() {
            *slot = cn;
        }
    }
    // Continuation rows of LÍNEAS DE ACCIÓN: rows below with an empty label cell.
    if let Some((lrow, lcol)) = lineas_label_row {
        for row in grid.rows() {
            if row <= lrow || row >= table_top || label_rows.contains(&row) {
                continue;
            }
            if grid
                .row(row)
                .iter()
                .any(|(c, v)| c.col <= lcol && !v.is_empty())
            {
                break;
            }
            let cn = values_right(sc, row, lcol);
            if cn.is_empty() {
                break;
            }
            if cn.code.is_none()
                && cn
                    .name
                    .as_ref()
                    .is_some_and(|n| squash(&n.value).starts_with("TMMF"))
            {
                break;
            }
            value_rows.retain(|r| *r != row);
            sheet.header.lineas_accion.push(cn);
        }
    }
    // Block layout: labels listed with no values beside them, values listed elsewhere.
    let main_missing = [
        &sheet.header.ramo,
        &sheet.header.programa,
        &sheet.header.unidad_ejecutora,
    ]
    .iter()
    .filter(|c| c.is_empty())
    .count();
    if main_missing >= 2 && !value_rows.is_empty() {
        let mut order: Vec<Field> = if empty_labels.is_empty() {
            // No labels at all: the form's usual order. A leading 4-digit code is the
            // clasificación administrativa, not the ramo.
            vec![
                Field::Ramo,
                Field::Programa,
                Field::UnidadEjecutora,
                Field::Finalidad,
                Field::Funcion,
                Field::Subfuncion,
            ]
        } else {
            let mut e = empty_labels.clone();
            e.sort_by_key(|(_, c, _)| (c.row, c.col));
            e.into_iter().map(|(f, _, _)| f).collect()
        };
        let mut rows = value_rows.clone();
        if empty_labels.is_empty()
            && let Some(first) = rows.first()
        {
            let t = grid
                .row(*first)
                .iter()
                .find(|(_, v)| !v.is_empty())
                .map(|(_, v)| v.display());
            if t.is_some_and(|t| {
                let code = split_code_name(&t).0.unwrap_or_default();
                code.replace('.', "").len() == 4
            }) {
                rows.remove(0);
            }
        }
        let labels_by_field: std::collections::HashMap<Field, CellRef> =
            empty_labels.iter().map(|(f, c, _)| (*f, *c)).collect();
        for row in rows {
            let cn = row_code_name(grid, row);
            let field = if order.is_empty() {
                Field::LineasAccion
            } else {
                order.remove(0)
            };
            let cn = CodeName {
                label: labels_by_field
                    .get(&field)
                    .map(|c| Located::new(grid.text(c.row, c.col).unwrap_or_default(), *c)),
                ..cn
            };
            match field {
                Field::Ramo => sheet.header.ramo = cn,
                Field::Programa => sheet.header.programa = cn,
                Field::UnidadEjecutora => sheet.header.unidad_ejecutora = cn,
                Field::Finalidad => sheet.header.finalidad = cn,
                Field::Funcion => sheet.header.funcion = cn,
                Field::Subfuncion => sheet.header.subfuncion = cn,
                Field::LineasAccion => sheet.header.lineas_accion.push(cn),
                _ => {}
            }
        }
    }
    // FECHA without a label: a date cell above the table.
    if sheet.fecha.label.is_none() && sheet.fecha.date.is_none() {
        for (c, v) in cells {
            if c.row >= table_top {
                break;
            }
            if let CellValue::Date(d) = v {
                sheet.fecha.cell = Some(*c);
                sheet.fecha.raw = Some(v.display());
                sheet.fecha.date = Some(*d);
                break;
            }
        }
    }
}

/// Code and name from the first cells of a row (block layouts).
fn row_code_name(grid: &Grid<'_>, row: u32) -> CodeName {
    let mut cn = CodeName::default();
    for (c, v) in grid.row(row) {
        let Some(text) = cell_text(v) else { continue };
        if cn.code.is_none() && cn.name.is_none() {
            let (code, name) = split_code_name(&text);
            cn.code = code.map(|x| Located::new(x, *c));
            cn.name = name.map(|x| Located::new(x, *c));
        } else if cn.name.is_none() {
            cn.name = Some(Located::new(text.into_owned(), *c));
        } else {
            break;
        }
    }
    cn
}

fn read_fecha(
    grid: &Grid<'_>,
    label: CellRef,
    inline: Option<&str>,
    text: &str,
    fecha: &mut Fecha,
) {
    if fecha.label.is_some() && fecha.date.is_some() {
        return;
    }
    fecha.label = Some(label);
    if let Some(inline) = inline {
        fecha.cell = Some(label);
        fecha.raw = Some(inline.to_string());
        fecha.date = parse_date(text);
        if fecha.date.is_some() {
            return;
        }
    }
    // The value in the next non-empty cells to the right.
    for (c, v) in grid.row(label.row) {
        if c.col <= label.col {
            continue;
        }
        match v {
            CellValue::Empty => continue,
            CellValue::Date(d) => {
                fecha.cell = Some(*c);
                fecha.raw = Some(v.display());
                fecha.date = Some(*d);
                return;
            }
            CellValue::Number(n) if (30000.0..80000.0).contains(n) => {
                fecha.cell = Some(*c);
                fecha.raw = Some(v.display());
                fecha.date = super::text::excel_serial_to_date(*n);
                return;
            }
            CellValue::Text(t) if !t.trim().is_empty() => {
                fecha.cell = Some(*c);
                fecha.raw = Some(t.trim().to_string());
                fecha.date = parse_date(t);
                return;
            }
            _ => {
                fecha.cell = Some(*c);
                fecha.raw = Some(v.display());
                return;
            }
        }
    }
}

/// Reads a numeric cell of the table.
pub fn read_num(grid: &Grid<'_>, row: u32, col: Option<u32>, relative: bool) -> Num {
    num_of(col.and_then(|c| grid.get(row, c)), row, col, relative)
}

/// [`read_num`] of a cell already looked up (`None` when there is none).
fn num_of(value: Option<&GridValue<'_>>, row: u32, col: Option<u32>, relative: bool) -> Num {
    let cell = CellRef::new(row, col.unwrap_or(u32::MAX));
    let raw = value.map_or(CellValue::Empty, CellValue::to_owned_value);
    let (quantity, problem) = match &raw {
        CellValue::Empty => (Quantity::Blank, None),
        CellValue::Number(n) => {
            if relative && n.abs() > 20.0 {
                // 25 in ACUMULADO RELATIVO means 25 %.
                (Quantity::Percent(n / 100.0), None)
            } else if relative {
                (Quantity::Percent(*n), None)
            } else {
                (Quantity::Number(*n), None)
            }
        }
        CellValue::PercentNumber(n, _) => (Quantity::Percent(*n), None),
        CellValue::Text(t) => {
            let tt = t.trim();
            if tt.is_empty() || matches!(tt, "-" | "--" | "—" | "N/A" | "NA" | "n/a") {
                (Quantity::Blank, None)
            } else if let Some(p) = parse_percent(tt) {
                (Quantity::Percent(p), None)
            } else if let Some(n) = parse_number(tt) {
                if relative && n.abs() > 20.0 {
                    (Quantity::Percent(n / 100.0), None)
                } else if relative {
                    (Quantity::Percent(n), None)
                } else {
                    (Quantity::Number(n), None)
                }
            } else {
                (
                    Quantity::Blank,
                    Some(format!("el texto «{tt}» no es un número")),
                )
            }
        }
        CellValue::Error(e) => (
            Quantity::Blank,
            Some(format!("la celda tiene el error de Excel {e}")),
        ),
        CellValue::Date(d) => (
            Quantity::Blank,
            Some(format!("la celda tiene una fecha ({d}), no un número")),
        ),
        CellValue::Bool(b) => (
            Quantity::Blank,
            Some(format!("la celda tiene un valor lógico ({b})")),
        ),
    };
    Num {
        cell,
        raw,
        quantity,
        problem,
    }
}

fn is_signature_row(sc: &SheetCells<'_>, row: u32) -> bool {
    sc.grid.row_range(row).any(|i| {
        let Some(sq) = sc.text_key(i) else {
            return false;
        };
        matches!(sq, "ELABORO" | "REVISO" | "AUTORIZO" | "VOBO")
            || sq
                .strip_prefix("RESPONSABLEDEL")
                .or_else(|| sq.strip_prefix("RESPDEL"))
                .is_some_and(|r| {
                    r.starts_with("AUNIDAD") || r.starts_with("PROGRAMA") || r.starts_with("RAMO")
                })
    })
}

/// Whether a text is one of the form's title lines (the ayuntamiento, the POA, the form).
fn names_the_form(t: &str) -> bool {
    let f = fold(t);
    f.contains("AYUNTAMIENTO") || f.contains("PROGRAMA OPERATIVO") || f.contains("AVANCE FISICO")
}

/// Whether a description cell is the label of a totals row (`TOTAL`, `TOTALES:`, `GRAN TOTAL`).
fn is_totals_label(d: &str) -> bool {
    // Most descriptions are long: no folding (an allocation) for them.
    d.len() <= 16
        && matches!(
            fold(d).trim_end_matches(':').trim_end(),
            "TOTAL" | "TOTALES" | "TOTAL GENERAL" | "GRAN TOTAL" | "SUMA" | "SUMAS" | "SUMA TOTAL"
        )
}

/// A cell's trimmed text, borrowed: most rows' texts are only looked at.
fn text<'g>(cells: &RowCells<'g, '_>, col: u32) -> Option<Cow<'g, str>> {
    cells.get(col).and_then(cell_text)
}

/// Reads the metas rows; returns the last row that belonged to the table.
fn read_metas(sc: &SheetCells<'_>, sheet: &mut CaptureSheet) -> u32 {
    let grid = sc.grid;
    let t = sheet.table.clone();
    let numeric_cols: Vec<u32> = [t.meta_anual, t.avance_absoluto, t.acumulado_relativo]
        .into_iter()
        .chain(t.programado)
        .chain(t.alcanzado)
        .flatten()
        .collect();
    let mut last = t.header_rows.1;
    // Each row below the header is at most one meta: room for them up front saves moving
    // the (large) metas at every growth, within a bound for sheets of many rows.
    let below = grid.rows().filter(|r| *r > t.header_rows.1).count();
    sheet.metas.reserve(below.min(1024));
    for row in grid.rows() {
        if row <= t.header_rows.1 {
            continue;
        }
        let cells = grid.row_cells(row);
        let has_number = numeric_cols.iter().any(|c| {
            cells.get(*c).is_some_and(|v| match v {
                CellValue::Number(_) | CellValue::PercentNumber(..) | CellValue::Error(_) => true,
                CellValue::Text(s) => parse_number(s).is_some() || parse_percent(s).is_some(),
                _ => false,
            })
        });
        if !has_number && is_signature_row(sc, row) {
            break;
        }
        let desc_raw = t.descripcion.and_then(|c| text(&cells, c));
        let clave_raw = t.clave.and_then(|c| text(&cells, c));
        let la_raw = t.linea_accion.and_then(|c| text(&cells, c));
        let unidad = t.unidad_medida.and_then(|c| text(&cells, c));
        if desc_raw.is_none() && clave_raw.is_none() {
            continue; // blank row or a row with only L/A: not a meta
        }
        // The table's header again (a second table further down the sheet): not a meta.
        if t.meta_anual.and_then(|c| cells.get(c)).is_some_and(|v| {
            matches!(v, CellValue::Text(m) if parse_number(m).is_none() && fold(m).contains("META"))
        }) {
            last = row;
            continue;
        }
        if clave_raw.is_none() && desc_raw.as_deref().is_some_and(is_totals_label) {
            last = row;
            continue; // the table's TOTAL row: not a meta
        }
        if !has_number && unidad.is_none() {
            continue;
        }
        last = row;
        let mut clave = None;
        let mut descripcion = None;
        if let (Some(col), Some(raw)) = (t.clave, clave_raw.as_ref()) {
            let c = clave_only(raw).unwrap_or_else(|| raw.trim().to_string());
            clave = Some(Located::new(c, CellRef::new(row, col)));
        }
        if let (Some(col), Some(d)) = (t.descripcion, desc_raw) {
            let cell = CellRef::new(row, col);
            match (clave.is_none()).then(|| split_clave(&d)).flatten() {
                Some((c, body)) => {
                    clave = Some(Located::new(c, cell));
                    descripcion = Some(Located::new(body, cell));
                }
                None => descripcion = Some(Located::new(d.into_owned(), cell)),
            }
        }
        let mut linea_accion = la_raw.map(|s| {
            Located::new(
                s.into_owned(),
                CellRef::new(row, t.linea_accion.unwrap_or(0)),
            )
        });
        // A clave typed in the L/A column ("300.-", as in some captures).
        if clave.is_none()
            && let Some(la) = &linea_accion
        {
            let v = la.value.trim();
            if (v.ends_with('-') || (clave_only(v).is_some() && !v.contains('.') && v.len() >= 3))
                && let Some(c) = clave_only(v)
            {
                clave = Some(Located::new(c, la.cell));
                linea_accion = None;
            }
        }
        let num = |col: Option<u32>, relative: bool| {
            num_of(col.and_then(|c| cells.get(c)), row, col, relative)
        };
        let meta_anual = num(t.meta_anual, false);
        let programado = [0, 1, 2, 3].map(|q| num(t.programado[q], false));
        let alcanzado = [0, 1, 2, 3].map(|q| num(t.alcanzado[q], false));
        let avance_absoluto = t.avance_absoluto.map(|c| num(Some(c), false));
        let acumulado_relativo = t.acumulado_relativo.map(|c| num(Some(c), true));
        let observaciones = t.observaciones.and_then(|c| {
            text(&cells, c).map(|s| Located::new(s.into_owned(), CellRef::new(row, c)))
        });
        let unidad_medida = unidad.map(|u| {
            Located::new(
                u.into_owned(),
                CellRef::new(row, t.unidad_medida.unwrap_or(0)),
            )
        });
        let meta_type = classify(&unidad_medida, &meta_anual, &programado);
        sheet.metas.push(Meta {
            row,
            clave,
            linea_accion,
            descripcion,
            unidad_medida,
            meta_anual,
            programado,
            alcanzado,
            avance_absoluto,
            acumulado_relativo,
            observaciones,
            observaciones_cell: t.observaciones.map(|c| CellRef::new(row, c)),
            meta_type,
        });
    }
    last
}

/// Whether a meta adds up over the year or is a level (percent) meta.
///
/// Every quarter programmed at META ANUAL makes a level meta only when the unidad de medida
/// names a level (`EFICIENCIA PROGRAMÁTICA PRESUPUESTAL`, 90 each quarter) or there is no
/// unidad: with a unit that counts things (`PROYECTO`, `DOCUMENTO`: 1 each quarter for a META
/// of 1) it is the annual meta copied into every quarter, a real mistake of the seeds.
pub fn classify(unidad: &Option<Located<String>>, meta: &Num, p: &[Num; 4]) -> MetaType {
    if unidad
        .as_ref()
        .is_some_and(|u| names_percent(&u.value) || u.value.contains('%'))
    {
        return MetaType::PercentUnit;
    }
    if meta.quantity.is_percent() {
        return MetaType::PercentMeta;
    }
    if let Some(m) = meta.value()
        && m > 0.0
        && p.iter()
            .all(|x| x.value().is_some_and(|v| (v - m).abs() < 1e-9))
        && unidad
            .as_ref()
            .is_none_or(|u| u.value.trim().is_empty() || names_level(&u.value))
    {
        return MetaType::Level;
    }
    MetaType::Cumulative
}

/// Whether a unidad de medida names a level held all year rather than things counted.
fn names_level(unidad: &str) -> bool {
    fold(unidad)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| {
            matches!(
                w,
                "EFICIENCIA"
                    | "INDICE"
                    | "TASA"
                    | "NIVEL"
                    | "PROMEDIO"
                    | "COBERTURA"
                    | "GRADO"
                    | "CALIFICACION"
                    | "SATISFACCION"
                    | "CUMPLIMIENTO"
            )
        })
}

/// Whether a unidad de medida says PORCENTAJE (in any case, with or without accents).
fn names_percent(unidad: &str) -> bool {
    if unidad.is_ascii() {
        // What `fold` would do to ASCII text: upper case, whitespace runs collapsed (and
        // the word has none).
        unidad
            .as_bytes()
            .windows(b"PORCENTAJE".len())
            .any(|w| w.eq_ignore_ascii_case(b"PORCENTAJE"))
    } else {
        fold(unidad).contains("PORCENTAJE")
    }
}

/// The words that make a signature line a role line, [`fold`]ed.
fn is_role_word(w: &str) -> bool {
    matches!(
        w,
        "RESPONSABLE"
            | "RESP"
            | "COORDINADOR"
            | "COORDINADORA"
            | "COORDINACION"
            | "COORD"
            | "SECRETARIA"
            | "SECRETARIO"
            | "JEFE"
            | "JEFA"
            | "DIRECTOR"
            | "DIRECTORA"
            | "SUBDIRECTOR"
            | "SUBDIRECTORA"
            | "TITULAR"
            | "ENCARGADO"
            | "ENCARGADA"
            | "GERENTE"
            | "PRESIDENTE"
            | "PRESIDENTA"
            | "SINDICO"
            | "SINDICA"
            | "TESORERO"
            | "TESORERA"
            | "ADMINISTRADOR"
            | "ADMINISTRADORA"
            | "ENLACE"
            | "ANALISTA"
    )
}

/// Whether a [`fold`]ed text names a role (`COORDINADOR DE ...`, `RESPONSABLE DEL ...`).
fn is_role_folded(f: &str) -> bool {
    f.split(|c: char| !c.is_alphanumeric()).any(is_role_word)
}

/// Whether a [`fold`]ed text that is neither a role nor a signature action
/// (`ELABORÓ`...) reads like a person's name: two words or more, not a signature caption.
fn is_name_folded(f: &str) -> bool {
    f.split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .nth(1)
        .is_some()
        && !f.contains("SIGNATURE")
        && !f.contains("FIRMA")
}

/// Classifies a role line.
pub fn role_of(t: &str) -> Role {
    role_of_folded(fold(t))
}

/// [`role_of`] for a text already [`fold`]ed.
fn role_of_folded(f: String) -> Role {
    // RESPONSABLE, or abbreviated: `RESP. DEL RAMO`.
    let responsable =
        f.contains("RESPONSABLE") || f.split(|c: char| !c.is_alphanumeric()).any(|w| w == "RESP");
    if responsable && (f.contains("UNIDAD") || f.contains("EJECUTORA")) {
        Role::ResponsableUnidad
    } else if responsable && f.contains("PROGRAMA") {
        Role::ResponsablePrograma
    } else if responsable && f.contains("RAMO") {
        Role::ResponsableRamo
    } else {
        Role::Other(f)
    }
}

/// The signature block: ELABORÓ / REVISÓ / AUTORIZÓ labels, role lines and the names next to them.
fn read_signers(sc: &SheetCells<'_>, from_row: u32) -> Vec<Firmante> {
    let mut actions: Vec<Located<String>> = Vec::new();
    // Role lines, with their folded text (for `role_of`).
    let mut roles: Vec<(Located<String>, String)> = Vec::new();
    let mut names: Vec<Located<String>> = Vec::new();
    let cells = sc.grid.cells();
    let first = cells.partition_point(|(c, _)| c.row < from_row);
    for (i, (c, v)) in cells.iter().enumerate().skip(first) {
        let CellValue::Text(t) = v else { continue };
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if matches!(sc.key(i), "ELABORO" | "REVISO" | "AUTORIZO" | "VOBO") {
            actions.push(Located::new(t.to_string(), *c));
            continue;
        }
        let f = fold(t);
        if is_role_folded(&f) {
            roles.push((Located::new(t.to_string(), *c), f));
        } else if is_name_folded(&f) {
            names.push(Located::new(t.to_string(), *c));
        }
    }
    let near = |name: &Located<String>, role: &Located<String>, dr: i64| -> Option<u32> {
        let rdiff = name.cell.row as i64 - role.cell.row as i64;
        let cdiff = (name.cell.col as i64 - role.cell.col as i64).unsigned_abs() as u32;
        (rdiff == dr && cdiff <= 2).then_some(cdiff)
    };
    // Orientation: are names written above their role lines (most forms) or below?
    let above = roles
        .iter()
        .filter(|(r, _)| names.iter().any(|n| near(n, r, -1).is_some()))
        .count();
    let below = roles
        .iter()
        .filter(|(r, _)| names.iter().any(|n| near(n, r, 1).is_some()))
        .count();
    let order: [i64; 2] = if below > above { [1, -1] } else { [-1, 1] };
    let mut used = vec![false; names.len()];
    let mut out = Vec::new();
    for (role, folded) in roles {
        let mut pick: Option<usize> = None;
        for dr in order {
            let mut best: Option<(u32, usize)> = None;
            for (i, n) in names.iter().enumerate() {
                if used[i] {
                    continue;
                }
                if let Some(cd) = near(n, &role, dr)
                    && best.is_none_or(|(b, _)| cd < b)
                {
                    best = Some((cd, i));
                }
            }
            if let Some((_, i)) = best {
                pick = Some(i);
                break;
            }
        }
        if let Some(i) = pick {
            used[i] = true;
        }
        let nombre = pick.map(|i| names[i].clone());
        let top_row = nombre
            .as_ref()
            .map_or(role.cell.row, |n| n.cell.row.min(role.cell.row));
        let accion = actions
            .iter()
            .filter(|a| {
                a.cell.row < top_row && (a.cell.col as i64 - role.cell.col as i64).abs() <= 2
            })
            .max_by_key(|a| a.cell.row)
            .cloned();
        out.push(Firmante {
            accion,
            nombre,
            role: role_of_folded(folded),
            rol: role,
        });
    }
    out.sort_by_key(|f| (f.rol.cell.row, f.rol.cell.col));
    out
}

#[cfg(test)]
mod tests {
    use super::{is_name_folded, is_role_folded, names_percent};
    use crate::read::text::fold;

    #[test]
    fn signature_lines() {
        assert!(is_role_folded(&fold("Coordinador de Planeación")));
        assert!(is_role_folded(&fold("JEFA DEL DEPTO.")));
        assert!(!is_role_folded(&fold("Jefatura de área")));
        assert!(is_name_folded(&fold("Lic. Ana Pérez")));
        assert!(!is_name_folded(&fold("Firma")));
        assert!(!is_name_folded(&fold("NOMBRE Y FIRMA")));
    }

    #[test]
    fn percent_units() {
        assert!(names_percent("Porcentaje"));
        assert!(names_percent("% de PORCENTAJE alcanzado"));
        assert!(names_percent("porcentaje\tde avance"));
        assert!(!names_percent("Por centaje"));
        assert!(names_percent("PORCENTAJE DE ATENCIÓN"));
        assert!(!names_percent("Personas"));
    }
}
