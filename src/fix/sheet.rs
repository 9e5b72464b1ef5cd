//! One capture sheet rebuilt as a clean TMM-F004, every value at the cell it had in the input,
//! with the computable corrections applied and every flagged cell filled and annotated.

use super::style::{self, Mark, Role};
use super::xlsx::{Sheet, Styles};
use crate::check::{Diagnostic, FixValue, Kind, Severity};
use crate::model::{CaptureSheet, CellRef, CellValue, CodeName, Date, Located, Meta, Num};
use foldhash::fast::FixedState;
use rust_xlsxwriter::ExcelDateTime;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Excel's grid: 1,048,576 rows × 16,384 columns.
const MAX_ROW: u32 = 1_048_575;
const MAX_COL: u32 = 16_383;

/// Whether a cell exists in an Excel sheet (the model uses `u32::MAX` for missing columns).
pub fn valid(c: CellRef) -> bool {
    c.row <= MAX_ROW && c.col <= MAX_COL
}

/// Excel's limit for a note is 32,767 characters; long lists are cut well before.
const MAX_NOTE_CHARS: usize = 8000;

/// Quarter labels of the rebuilt table header.
const QUARTER_LABELS: [&str; 4] = ["ENE-MAR", "ABR-JUN", "JUL-SEP", "OCT-DIC"];

/// A value as written in the rebuilt sheet; a text is borrowed from the model when it is
/// written as read (most are), so rebuilding a sheet does not copy them.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Text(Cow<'a, str>),
    Number(f64),
    Date(Date),
    Bool(bool),
    Blank,
}

impl Val<'_> {
    fn display(&self, num_format: Option<&str>) -> String {
        match self {
            Val::Text(t) => t.to_string(),
            Val::Number(n) if num_format.is_some_and(|f| f.ends_with('%')) => {
                crate::check::kinds::pct(*n)
            }
            Val::Number(n) => crate::model::fmt_num(*n),
            Val::Date(d) => d.to_string(),
            Val::Bool(b) => b.to_string(),
            Val::Blank => String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cell<'a> {
    pub val: Val<'a>,
    pub role: Role,
    pub num_format: Option<&'static str>,
    /// Bottom-right corner when this cell starts a merged range.
    pub merge_to: Option<(u32, u32)>,
}

/// Everything the diagnostics say about one cell.
#[derive(Debug, Clone, Default)]
pub struct Flag {
    /// The most severe diagnostic touching the cell.
    pub severity: Option<Severity>,
    pub manual: bool,
    pub fixed: bool,
    pub lines: Vec<String>,
}

impl Flag {
    fn add(&mut self, severity: Severity, manual: bool, line: String) {
        self.severity = Some(self.severity.map_or(severity, |s| s.min(severity)));
        self.manual |= manual;
        if !self.lines.contains(&line) {
            self.lines.push(line);
        }
    }
    fn mark(&self) -> Mark {
        Mark {
            severity: self.severity,
            manual: self.manual,
            fixed: self.fixed,
        }
    }
    pub fn note_text(&self) -> String {
        self.lines.join("\n\n")
    }
}

/// Rows and columns that [`ByCell`] keeps in a dense grid: every capture fits (a few hundred
/// rows, a few dozen columns); cells beyond go to a hash map.
const DENSE_ROWS: u32 = 2048;
const DENSE_COLS: u32 = 128;
/// Cells a row of [`ByCell`] has room for when it gets its first.
const ROW_ROOM: usize = 16;

/// Cell (row, col) → value. Building a sheet looks cells up thousands of times (is it free, is
/// it merged), so cells sit in a grid of rows indexed directly: a lookup is two indexings, and
/// the cells come out in sheet order without sorting (ordered maps of tuple keys were most of
/// the rebuild's time, hash maps still a sixth of it). A cell beyond [`DENSE_ROWS`] ×
/// [`DENSE_COLS`] (only odd or forged sheets have them) goes to a hash map with a fixed seed,
/// so every run is the same.
#[derive(Debug)]
struct ByCell<V> {
    rows: Vec<Vec<Option<V>>>,
    far: HashMap<(u32, u32), V, FixedState>,
}

impl<V> Default for ByCell<V> {
    fn default() -> Self {
        ByCell {
            rows: Vec::new(),
            far: HashMap::default(),
        }
    }
}

impl<V> ByCell<V> {
    fn dense((r, c): (u32, u32)) -> bool {
        r < DENSE_ROWS && c < DENSE_COLS
    }

    fn get(&self, k: &(u32, u32)) -> Option<&V> {
        if Self::dense(*k) {
            self.rows.get(k.0 as usize)?.get(k.1 as usize)?.as_ref()
        } else {
            self.far.get(k)
        }
    }

    fn contains_key(&self, k: &(u32, u32)) -> bool {
        self.get(k).is_some()
    }

    /// The slot of a dense cell, created empty.
    fn slot(&mut self, (r, c): (u32, u32)) -> &mut Option<V> {
        let (r, c) = (r as usize, c as usize);
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut self.rows[r];
        if row.len() <= c {
            // A capture's rows are a dozen or two cells wide: room for them at once rather
            // than growing the row cell by cell.
            row.reserve((c + 1).max(ROW_ROOM) - row.len());
            row.resize_with(c + 1, || None);
        }
        &mut row[c]
    }

    fn insert(&mut self, k: (u32, u32), v: V) -> Option<V> {
        if Self::dense(k) {
            self.slot(k).replace(v)
        } else {
            self.far.insert(k, v)
        }
    }

    fn entry_or_default(&mut self, k: (u32, u32)) -> &mut V
    where
        V: Default,
    {
        if Self::dense(k) {
            self.slot(k).get_or_insert_with(V::default)
        } else {
            self.far.entry(k).or_default()
        }
    }

    /// Every cell: those of the grid in sheet order, then the far ones in no order.
    fn iter(&self) -> impl Iterator<Item = ((u32, u32), &V)> {
        self.rows
            .iter()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .filter_map(move |(c, v)| Some(((r as u32, c as u32), v.as_ref()?)))
            })
            .chain(self.far.iter().map(|(k, v)| (*k, v)))
    }

    /// Every cell, in sheet order (row, then column).
    fn sorted(&self) -> Vec<((u32, u32), &V)> {
        let mut out: Vec<((u32, u32), &V)> = self.iter().collect();
        if !self.far.is_empty() {
            out.sort_unstable_by_key(|(k, _)| *k);
        }
        out
    }
}

/// The rebuilt sheet, before it is written.
#[derive(Debug, Default)]
pub struct Rebuilt<'a> {
    cells: ByCell<Cell<'a>>,
    /// Cells covered by a merged range (top-left included).
    merged: ByCell<()>,
    flags: ByCell<Flag>,
    widths: BTreeMap<u32, f64>,
    /// Rows that need more than one line for their wrapped texts.
    heights: BTreeMap<u32, f64>,
    /// Values replaced by a fix: cell → (before, after), as shown.
    fixes: ByCell<(String, String)>,
}

fn from_raw(raw: &CellValue) -> Option<(Val<'_>, Option<&'static str>)> {
    Some(match raw {
        CellValue::Empty => return None,
        CellValue::Text(t) if t.trim().is_empty() => return None,
        CellValue::Text(t) => (Val::Text(Cow::Borrowed(t)), None),
        CellValue::Number(n) => (Val::Number(*n), None),
        CellValue::PercentNumber(n, d) => (Val::Number(*n), Some(style::percent_format(*d))),
        CellValue::Date(d) => (Val::Date(*d), Some(style::DATE_FORMAT)),
        CellValue::Bool(b) => (Val::Bool(*b), None),
        CellValue::Error(e) => (Val::Text(Cow::Borrowed(e)), None),
    })
}

/// The meta whose row holds a cell.
fn meta_at(sheet: &CaptureSheet, cell: CellRef) -> Option<&Meta> {
    sheet.metas.iter().find(|m| m.row == cell.row)
}

/// Whether a fix value is a fraction to be shown as a percentage.
pub fn fix_is_percent(sheet: Option<&CaptureSheet>, d: &Diagnostic, cell: CellRef) -> bool {
    if d.kind == Kind::Percent {
        return true;
    }
    let Some(sheet) = sheet else { return false };
    if sheet.table.acumulado_relativo == Some(cell.col) {
        return true;
    }
    let Some(m) = meta_at(sheet, cell) else {
        return false;
    };
    if m.avance_absoluto.as_ref().is_some_and(|a| a.cell == cell) {
        return !m.meta_type.is_cumulative()
            && (m.meta_anual.quantity.is_percent()
                || m.alcanzado.iter().any(|n| n.quantity.is_percent()));
    }
    false
}

impl<'a> Rebuilt<'a> {
    fn free(&self, r: u32, c: u32) -> bool {
        !self.cells.contains_key(&(r, c)) && !self.merged.contains_key(&(r, c))
    }

    /// Puts a value in a free cell; returns whether it was placed.
    fn put(
        &mut self,
        c: CellRef,
        val: Val<'a>,
        role: Role,
        num_format: Option<&'static str>,
    ) -> bool {
        if !valid(c) || !self.free(c.row, c.col) {
            return false;
        }
        self.cells.insert(
            (c.row, c.col),
            Cell {
                val,
                role,
                num_format,
                merge_to: None,
            },
        );
        true
    }

    fn put_text(&mut self, l: &'a Located<String>, role: Role) -> bool {
        if l.value.trim().is_empty() {
            return false;
        }
        self.put(l.cell, Val::Text(Cow::Borrowed(&l.value)), role, None)
    }

    fn put_num(&mut self, n: &'a Num) {
        if let Some((v, nf)) = from_raw(&n.raw) {
            self.put(n.cell, v, Role::BodyNum, nf);
        }
    }

    /// A label (possibly merged over a range) in free cells only.
    fn label(&mut self, r1: u32, c1: u32, r2: u32, c2: u32, text: &'static str) {
        if r2 > MAX_ROW || c2 > MAX_COL || !self.free(r1, c1) {
            return;
        }
        let single = r1 == r2 && c1 == c2;
        let range_ok = !single
            && (r1..=r2).all(|r| {
                (c1..=c2).all(|c| {
                    self.free(r, c) && ((r, c) == (r1, c1) || !self.flags.contains_key(&(r, c)))
                })
            });
        let merge_to = range_ok.then_some((r2, c2));
        if range_ok {
            for r in r1..=r2 {
                for c in c1..=c2 {
                    self.merged.insert((r, c), ());
                }
            }
        }
        self.cells.insert(
            (r1, c1),
            Cell {
                val: Val::Text(Cow::Borrowed(text)),
                role: Role::TableHeader,
                num_format: None,
                merge_to,
            },
        );
    }

    fn code_name(&mut self, cn: &'a CodeName, generic: Option<&'static str>) {
        let label_cell = cn.label.as_ref().map(|l| l.cell);
        if let Some(l) = &cn.label {
            self.put_text(l, Role::Label);
        }
        match (&cn.code, &cn.name) {
            (Some(code), Some(name)) if code.cell == name.cell => {
                if Some(code.cell) != label_cell {
                    self.put(
                        code.cell,
                        Val::Text(Cow::Owned([code.value.as_str(), " ", &name.value].concat())),
                        Role::Value,
                        None,
                    );
                }
            }
            (code, name) => {
                for l in [code, name].into_iter().flatten() {
                    if Some(l.cell) != label_cell {
                        self.put_text(l, Role::Value);
                    }
                }
            }
        }
        // No label in the input: a generic one just left of the value, when that cell is free.
        if let (None, Some(generic)) = (&cn.label, generic)
            && let Some(first) = [&cn.code, &cn.name]
                .into_iter()
                .flatten()
                .map(|l| l.cell)
                .min_by_key(|c| c.col)
            && first.col > 0
        {
            self.put(
                CellRef::new(first.row, first.col - 1),
                Val::Text(Cow::Borrowed(generic)),
                Role::Label,
                None,
            );
        }
    }

    fn width(&mut self, col: Option<u32>, w: f64) {
        if let Some(c) = col.filter(|c| *c <= MAX_COL) {
            let e = self.widths.entry(c).or_insert(0.0);
            *e = e.max(w);
        }
    }
}

/// Rebuilds one capture sheet. `diags` are the diagnostics of this sheet, in report order.
pub fn rebuild<'a>(sheet: &'a CaptureSheet, diags: &[&Diagnostic]) -> Rebuilt<'a> {
    let mut rb = Rebuilt::default();

    // Title block and form code.
    for l in &sheet.title.lines {
        rb.put_text(l, Role::Title);
    }
    if let Some(f) = &sheet.form_code {
        rb.put_text(f, Role::FormCode);
    }
    if sheet.title.lines.is_empty() && sheet.table.header_rows.0 > 0 {
        rb.put(
            CellRef::new(0, 0),
            Val::Text(Cow::Borrowed("AVANCE FÍSICO PROGRAMÁTICO")),
            Role::Title,
            None,
        );
    }

    // Header block.
    let h = &sheet.header;
    rb.code_name(&h.ramo, Some("RAMO:"));
    rb.code_name(&h.programa, Some("PROGRAMA:"));
    rb.code_name(&h.unidad_ejecutora, Some("UNIDAD EJECUTORA:"));
    rb.code_name(&h.finalidad, Some("FINALIDAD:"));
    rb.code_name(&h.funcion, Some("FUNCIÓN:"));
    rb.code_name(&h.subfuncion, Some("SUBFUNCIÓN:"));
    for (i, la) in h.lineas_accion.iter().enumerate() {
        // Continuation rows of LÍNEAS DE ACCIÓN have no label of their own.
        rb.code_name(la, (i == 0).then_some("LÍNEAS DE ACCIÓN:"));
    }

    // FECHA.
    let f = &sheet.fecha;
    match (f.label, f.cell) {
        (Some(l), Some(c)) if l == c => {
            let raw = f.raw.clone().unwrap_or_default();
            rb.put(
                l,
                Val::Text(Cow::Owned(["FECHA: ", raw.as_str()].concat())),
                Role::Label,
                None,
            );
        }
        (label, cell) => {
            if let Some(l) = label {
                rb.put(l, Val::Text(Cow::Borrowed("FECHA:")), Role::Label, None);
            }
            if let Some(c) = cell {
                let raw = f.raw.clone().unwrap_or_default();
                let was_date = f
                    .date
                    .is_some_and(|d| raw == d.to_string() || raw.trim().parse::<f64>().is_ok());
                match f.date {
                    Some(d) if was_date => {
                        rb.put(c, Val::Date(d), Role::Value, Some(style::DATE_FORMAT));
                    }
                    _ => {
                        rb.put(c, Val::Text(Cow::Owned(raw)), Role::Value, None);
                    }
                }
                if label.is_none() && c.col > 0 {
                    rb.put(
                        CellRef::new(c.row, c.col - 1),
                        Val::Text(Cow::Borrowed("FECHA:")),
                        Role::Label,
                        None,
                    );
                }
            }
        }
    }

    // Metas.
    for m in &sheet.metas {
        if let Some(la) = &m.linea_accion {
            rb.put_text(la, Role::Body);
        }
        match (&m.clave, &m.descripcion) {
            (Some(c), Some(d)) if c.cell == d.cell => {
                let text = if d.value.is_empty() {
                    [c.value.as_str(), ".-"].concat()
                } else {
                    [c.value.as_str(), ".- ", &d.value].concat()
                };
                rb.put(c.cell, Val::Text(Cow::Owned(text)), Role::BodyWrap, None);
            }
            (c, d) => {
                if let Some(c) = c {
                    rb.put_text(c, Role::Body);
                }
                if let Some(d) = d {
                    rb.put_text(d, Role::BodyWrap);
                }
            }
        }
        if let Some(u) = &m.unidad_medida {
            rb.put_text(u, Role::Body);
        }
        rb.put_num(&m.meta_anual);
        for q in 0..4 {
            rb.put_num(&m.programado[q]);
            rb.put_num(&m.alcanzado[q]);
        }
        if let Some(a) = &m.avance_absoluto {
            rb.put_num(a);
        }
        if let Some(r) = &m.acumulado_relativo {
            rb.put_num(r);
        }
        if let Some(o) = &m.observaciones {
            rb.put_text(o, Role::BodyWrap);
        }
    }

    // Signatures.
    for s in &sheet.firmantes {
        if let Some(a) = &s.accion {
            rb.put_text(a, Role::SignAction);
        }
        if let Some(n) = &s.nombre {
            rb.put_text(n, Role::SignName);
        }
        rb.put_text(&s.rol, Role::SignPosition);
    }

    apply_fixes(&mut rb, sheet, diags);
    flag(&mut rb, diags);
    table_header(&mut rb, sheet);
    table_grid(&mut rb, sheet);
    widths(&mut rb, sheet);
    heights(&mut rb);
    rb
}

/// Taller rows where a description or an observation wraps.
fn heights(rb: &mut Rebuilt) {
    let mut lines: BTreeMap<u32, usize> = BTreeMap::new();
    for ((r, c), cell) in rb.cells.iter() {
        if cell.role != Role::BodyWrap || cell.merge_to.is_some() {
            continue;
        }
        if let Val::Text(t) = &cell.val {
            let w = rb.widths.get(&c).copied().unwrap_or(8.43);
            let n = style::text_lines(t, w);
            let e = lines.entry(r).or_insert(1);
            *e = (*e).max(n);
        }
    }
    for (r, n) in lines {
        if n > 1 {
            rb.heights.insert(r, style::row_height(n.min(12)));
        }
    }
}

/// Writes exactly the `fix` values of the diagnostics (the first fix of a cell wins).
fn apply_fixes(rb: &mut Rebuilt, sheet: &CaptureSheet, diags: &[&Diagnostic]) {
    for d in diags {
        let Some(fix) = &d.fix else { continue };
        let c = fix.cell;
        if !valid(c) || rb.fixes.contains_key(&(c.row, c.col)) {
            continue;
        }
        let before = rb
            .cells
            .get(&(c.row, c.col))
            .map(|x| x.val.display(x.num_format))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "(vacío)".into());
        let role = rb
            .cells
            .get(&(c.row, c.col))
            .map(|x| x.role)
            .unwrap_or(Role::BodyNum);
        let (val, nf) = match &fix.value {
            FixValue::Number(n) if fix_is_percent(Some(sheet), d, c) => {
                (Val::Number(*n), Some(style::FIX_PERCENT_FORMAT))
            }
            FixValue::Number(n) => (Val::Number(*n), None),
            FixValue::Text(t) => (Val::Text(Cow::Owned(t.clone())), None),
        };
        let after = val.display(nf);
        rb.cells.insert(
            (c.row, c.col),
            Cell {
                val,
                role,
                num_format: nf,
                merge_to: None,
            },
        );
        rb.fixes.insert((c.row, c.col), (before, after));
    }
}

fn flag(rb: &mut Rebuilt, diags: &[&Diagnostic]) {
    for d in diags {
        let sev = format!("{}, {}", d.severity.spanish(), d.kind.as_str());
        let manual = if d.manual {
            "Corrección manual — "
        } else {
            ""
        };
        let fix_cell = d.fix.as_ref().map(|f| f.cell).filter(|c| valid(*c));
        let mut at_fix = false;
        if let Some(c) = d.cell.filter(|c| valid(*c)) {
            let mut head = format!("{manual}{} ({sev})", d.rule);
            if fix_cell == Some(c)
                && let Some((b, a)) = rb.fixes.get(&(c.row, c.col))
            {
                head = format!("{head} — corregido por poalint: {b} → {a}");
                at_fix = true;
            }
            let mut line = format!("{head}\n{}", d.message);
            if !d.help.is_empty() {
                line.push_str(&format!("\nAyuda: {}", d.help));
            }
            let e = rb.flags.entry_or_default((c.row, c.col));
            e.add(d.severity, d.manual, line);
            e.fixed |= at_fix;
            for r in &d.related {
                if !valid(r.cell) || r.cell == c {
                    continue;
                }
                let line = format!(
                    "{manual}{} ({sev}) — celda relacionada ({}) con {}\n{}",
                    d.rule,
                    r.label,
                    c.a1(),
                    d.message
                );
                rb.flags
                    .entry_or_default((r.cell.row, r.cell.col))
                    .add(d.severity, d.manual, line);
            }
        } else {
            for r in &d.related {
                if !valid(r.cell) {
                    continue;
                }
                let line = format!(
                    "{manual}{} ({sev}) — celda relacionada ({})\n{}",
                    d.rule, r.label, d.message
                );
                rb.flags
                    .entry_or_default((r.cell.row, r.cell.col))
                    .add(d.severity, d.manual, line);
            }
        }
        // A fix written somewhere else than the diagnostic's cell.
        if let Some(c) = fix_cell
            && !at_fix
            && let Some((b, a)) = rb.fixes.get(&(c.row, c.col)).cloned()
        {
            let line = format!(
                "{} ({sev}) — corregido por poalint: {b} → {a}\n{}",
                d.rule, d.message
            );
            let e = rb.flags.entry_or_default((c.row, c.col));
            e.add(d.severity, false, line);
            e.fixed = true;
        }
    }
}

/// The columns of the metas table with their generic labels.
fn table_columns(sheet: &CaptureSheet) -> Vec<(u32, &'static str)> {
    let t = &sheet.table;
    let mut out: Vec<(u32, &'static str)> = Vec::new();
    for (col, label) in [
        (t.linea_accion, "L/A"),
        (t.clave, "CLAVE"),
        (t.descripcion, "METAS Y ACCIONES"),
        (t.unidad_medida, "UNIDAD DE MEDIDA"),
        (t.meta_anual, "META ANUAL"),
        (t.avance_absoluto, "AVANCE ABSOLUTO"),
        (t.acumulado_relativo, "ACUMULADO RELATIVO"),
        (t.observaciones, "OBSERVACIONES"),
    ] {
        if let Some(c) = col
            && c <= MAX_COL
            && !out.iter().any(|(x, _)| *x == c)
        {
            out.push((c, label));
        }
    }
    out
}

fn pa_columns(sheet: &CaptureSheet) -> Vec<u32> {
    let t = &sheet.table;
    let mut v: Vec<u32> = t
        .programado
        .iter()
        .chain(t.alcanzado.iter())
        .flatten()
        .copied()
        .filter(|c| *c <= MAX_COL)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The merged header of the metas table, with generic labels, in cells the model left free.
fn table_header(rb: &mut Rebuilt, sheet: &CaptureSheet) {
    let t = &sheet.table;
    let (h0, h1) = t.header_rows;
    if h1 > MAX_ROW {
        return;
    }
    let pa = pa_columns(sheet);
    for (col, label) in table_columns(sheet) {
        if pa.contains(&col) {
            continue;
        }
        rb.label(h0, col, h1, col, label);
    }
    // P / A.
    for q in 0..4 {
        if let Some(c) = t.programado[q].filter(|c| *c <= MAX_COL) {
            rb.label(h1, c, h1, c, "P");
        }
        if let Some(c) = t.alcanzado[q].filter(|c| *c <= MAX_COL) {
            rb.label(h1, c, h1, c, "A");
        }
    }
    // Quarters over their P and A.
    if h1 > h0 {
        let qrow = h1 - 1;
        for (q, label) in QUARTER_LABELS.iter().enumerate() {
            let cols: Vec<u32> = [t.programado[q], t.alcanzado[q]]
                .into_iter()
                .flatten()
                .filter(|c| *c <= MAX_COL)
                .collect();
            let (Some(lo), Some(hi)) = (cols.iter().min(), cols.iter().max()) else {
                continue;
            };
            rb.label(qrow, *lo, qrow, *hi, label);
        }
    }
    // PERIODO over all the quarters.
    if h1 >= h0 + 2
        && let (Some(lo), Some(hi)) = (pa.first(), pa.last())
    {
        rb.label(h0, *lo, h0, *hi, "PERIODO");
    }
}

/// Borders for the whole table: header cells and every meta row, from its first to its last
/// column.
fn table_grid(rb: &mut Rebuilt, sheet: &CaptureSheet) {
    let mut cols: Vec<u32> = table_columns(sheet).iter().map(|(c, _)| *c).collect();
    cols.extend(pa_columns(sheet));
    let (Some(first), Some(last)) = (cols.iter().min().copied(), cols.iter().max().copied()) else {
        return;
    };
    let (h0, h1) = sheet.table.header_rows;
    if h1 > MAX_ROW {
        return;
    }
    let numeric: BTreeSet<u32> = {
        let t = &sheet.table;
        [t.meta_anual, t.avance_absoluto, t.acumulado_relativo]
            .into_iter()
            .chain(t.programado)
            .chain(t.alcanzado)
            .flatten()
            .collect()
    };
    let wrap: BTreeSet<u32> = [sheet.table.descripcion, sheet.table.observaciones]
        .into_iter()
        .flatten()
        .collect();
    for r in h0..=h1 {
        for c in first..=last {
            if rb.free(r, c) {
                rb.put(CellRef::new(r, c), Val::Blank, Role::TableHeader, None);
            }
        }
    }
    for m in &sheet.metas {
        for c in first..=last {
            let role = if numeric.contains(&c) {
                Role::BodyNum
            } else if wrap.contains(&c) {
                Role::BodyWrap
            } else {
                Role::Body
            };
            if rb.free(m.row, c) {
                rb.put(CellRef::new(m.row, c), Val::Blank, role, None);
            }
        }
    }
}

fn widths(rb: &mut Rebuilt, sheet: &CaptureSheet) {
    let t = &sheet.table;
    rb.width(t.linea_accion, 9.0);
    rb.width(t.clave, 8.0);
    rb.width(t.descripcion, 46.0);
    rb.width(t.unidad_medida, 14.0);
    rb.width(t.meta_anual, 11.0);
    for q in 0..4 {
        rb.width(t.programado[q], 7.0);
        rb.width(t.alcanzado[q], 7.0);
    }
    rb.width(t.avance_absoluto, 11.0);
    rb.width(t.acumulado_relativo, 11.0);
    rb.width(t.observaciones, 32.0);
    // Short header labels and codes should be readable in their own column.
    let mut extra: Vec<(u32, f64, bool)> = Vec::new();
    for ((_, c), cell) in rb.cells.iter() {
        if let (Role::Label | Role::Body | Role::BodyNum, Val::Text(s)) = (cell.role, &cell.val) {
            let n = s.chars().count() as f64 + 1.0;
            if n <= 24.0 {
                extra.push((c, n, cell.role == Role::Label));
            }
        }
    }
    let table_cols: BTreeSet<u32> = table_columns(sheet)
        .iter()
        .map(|(c, _)| *c)
        .chain(pa_columns(sheet))
        .collect();
    for (c, n, label) in extra {
        // Inside the table only widen, never beyond a readable width.
        let cap = if label {
            20.0
        } else if table_cols.contains(&c) {
            14.0
        } else {
            24.0
        };
        rb.width(Some(c), n.min(cap));
    }
}

fn note_size(text: &str) -> (u32, u32) {
    let width = 340u32;
    let per_line = 52usize;
    let lines: usize = text
        .lines()
        .map(|l| l.chars().count().max(1).div_ceil(per_line))
        .sum();
    (width, (lines as u32 * 15 + 16).clamp(60, 600))
}

/// Excel's serial number of a date (1900 date system), if Excel can show it.
fn excel_date(d: Date) -> Option<f64> {
    let y = u16::try_from(d.year).ok()?;
    ExcelDateTime::from_ymd(y, u8::try_from(d.month).ok()?, u8::try_from(d.day).ok()?)
        .ok()
        .map(|dt| dt.to_excel())
}

impl Rebuilt<'_> {
    /// Writes the sheet.
    pub fn write<'s>(&'s self, ws: &mut Sheet, styles: &mut Styles) {
        for (c, w) in &self.widths {
            ws.set_width(*c, *w);
        }
        for (r, h) in &self.heights {
            ws.set_height(*r, *h);
        }
        // A sheet uses a handful of distinct styles: each is looked up once.
        let mut ids: Vec<(Role, Option<&'s str>, Mark, u32)> = Vec::new();
        let mut style_of = |role: Role, nf: Option<&'s str>, mark: Mark| -> u32 {
            match ids
                .iter()
                .find(|(r, n, m, _)| (*r, *n, *m) == (role, nf, mark))
            {
                Some(&(_, _, _, id)) => id,
                None => {
                    let id = styles.id(&style::cell_style(role, nf, mark));
                    ids.push((role, nf, mark, id));
                    id
                }
            }
        };
        let mark_at = |k: &(u32, u32)| self.flags.get(k).map(Flag::mark).unwrap_or_default();
        // In sheet order, so that styles are numbered the same way on every run.
        let flags = self.flags.sorted();
        for ((r, c), cell) in self.cells.sorted() {
            let s = style_of(cell.role, cell.num_format, mark_at(&(r, c)));
            if let Some(to) = cell.merge_to {
                ws.merge((r, c), to, s);
            }
            match &cell.val {
                Val::Text(t) => ws.string(r, c, t, s),
                Val::Number(n) => ws.number(r, c, *n, s),
                Val::Date(d) => match excel_date(*d) {
                    Some(serial) => ws.number(r, c, serial, s),
                    None => ws.string(r, c, &d.to_string(), s),
                },
                Val::Bool(b) => ws.boolean(r, c, *b, s),
                Val::Blank => ws.blank(r, c, s),
            }
        }
        // Flagged cells that hold nothing.
        for &(k, flag) in &flags {
            if !self.cells.contains_key(&k) && !self.merged.contains_key(&k) {
                ws.blank(k.0, k.1, style_of(Role::Body, None, flag.mark()));
            }
        }
        for ((r, c), flag) in flags {
            let mut text = flag.note_text();
            if text.chars().count() > MAX_NOTE_CHARS {
                text = text.chars().take(MAX_NOTE_CHARS).collect::<String>() + "…";
            }
            let (w, h) = note_size(&text);
            ws.note(r, c, text, w, h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ByCell, DENSE_COLS, DENSE_ROWS};
    use std::collections::BTreeMap;

    /// `ByCell` against an ordered map, with cells inside the dense grid, on its edges and far
    /// beyond (rows and columns past it, the last cell of Excel's grid), inserted out of order
    /// and overwritten.
    #[test]
    fn by_cell_keeps_and_orders_cells_as_an_ordered_map_would() {
        let keys: Vec<(u32, u32)> = vec![
            (5, 3),
            (0, 0),
            (DENSE_ROWS - 1, DENSE_COLS - 1),
            (DENSE_ROWS, 0),
            (3, DENSE_COLS),
            (3, 2),
            (1_048_575, 16_383),
            (5, 1),
            (0, DENSE_COLS + 7),
            (5, 3),
            (2, 0),
        ];
        let mut m: ByCell<usize> = ByCell::default();
        let mut reference = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(m.insert(*k, i), reference.insert(*k, i), "{k:?}");
        }
        *m.entry_or_default((9, 9)) += 100;
        *reference.entry((9, 9)).or_default() += 100;
        *m.entry_or_default((DENSE_ROWS + 9, 1)) += 7;
        *reference.entry((DENSE_ROWS + 9, 1)).or_default() += 7;
        *m.entry_or_default((5, 3)) += 1000;
        *reference.entry((5, 3)).or_default() += 1000;
        let sorted: Vec<((u32, u32), usize)> =
            m.sorted().into_iter().map(|(k, v)| (k, *v)).collect();
        let want: Vec<((u32, u32), usize)> = reference.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(sorted, want);
        for probe in [
            (5, 2),
            (4, 3),
            (DENSE_ROWS + 1, 0),
            (0, 1),
            (7, DENSE_COLS + 7),
        ] {
            assert_eq!(
                m.contains_key(&probe),
                reference.contains_key(&probe),
                "{probe:?}"
            );
        }
        for k in reference.keys() {
            assert_eq!(m.get(k), reference.get(k));
        }
    }
}
