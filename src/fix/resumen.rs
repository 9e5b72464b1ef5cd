//! `resumen.xlsx`: the planning office's view of the whole run — findings per dependencia and
//! unidad, the compliance of every meta at the cut-off, and a chart of findings per
//! dependencia.

use super::style;
use crate::check::engine::{FileStatus, cutoffs};
use crate::check::kinds::observaciones::compliance;
use crate::check::{Diagnostic, Severity};
use crate::model::Workbook;
use crate::run::spill::{Corrupt, Dec, Enc};
use crate::run::{FileSummary, RunResult};
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, ExcelDateTime, Format, Workbook as XlsxBook,
    Worksheet, XlsxError,
};
use std::collections::BTreeMap;

/// What `resumen.xlsx` needs of one workbook, taken by the worker that read it (the workbook
/// itself is dropped right after its checks): its `metas` go into the `Metas` sheet right away
/// ([`Summary::add`]), the rest is kept in the run's spill until the end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Digest {
    /// RAMO of the first capture sheet, `code name`.
    pub ramo: String,
    pub sheets: Vec<SheetDigest>,
    pub metas: Vec<MetaDigest>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetDigest {
    pub name: String,
    pub unidad: String,
    pub metas: usize,
}

/// One row of the `Metas` sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetaDigest {
    pub sheet: String,
    /// 0-based row.
    pub row: u32,
    pub clave: Option<String>,
    pub descripcion: String,
    pub tipo: String,
    /// Cut-off quarter as shown (`3`, `3 (inferido)`), when the sheet has one.
    pub corte: Option<String>,
    /// (ratio, achieved, programmed, is a percentage) at the cut-off.
    pub compliance: Option<(f64, f64, f64, bool)>,
    pub observaciones: String,
}

fn code_name(cn: &crate::model::CodeName) -> String {
    [cn.code_str(), cn.name_str()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Digest {
    pub fn of(wb: &Workbook) -> Digest {
        let cuts = cutoffs(wb);
        let mut d = Digest {
            ramo: wb
                .sheets
                .first()
                .map(|s| code_name(&s.header.ramo))
                .unwrap_or_default(),
            ..Default::default()
        };
        for (si, s) in wb.sheets.iter().enumerate() {
            d.sheets.push(SheetDigest {
                name: s.name.clone(),
                unidad: code_name(&s.header.unidad_ejecutora),
                metas: s.metas.len(),
            });
            let cut = cuts.get(si).cloned().flatten();
            for m in &s.metas {
                d.metas.push(MetaDigest {
                    sheet: s.name.clone(),
                    row: m.row,
                    clave: m.clave_str().map(str::to_string),
                    descripcion: m
                        .descripcion
                        .as_ref()
                        .map(|d| d.value.clone())
                        .unwrap_or_default(),
                    tipo: m.meta_type.describe().to_string(),
                    corte: cut.as_ref().map(|c| {
                        if c.inferred {
                            format!("{} (inferido)", c.quarter)
                        } else {
                            c.quarter.to_string()
                        }
                    }),
                    compliance: cut.as_ref().and_then(|c| compliance(m, c.quarter)),
                    observaciones: m
                        .observaciones
                        .as_ref()
                        .map(|o| o.value.clone())
                        .unwrap_or_default(),
                });
            }
        }
        d
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.str(&self.ramo);
        e.usize(self.sheets.len());
        for s in &self.sheets {
            e.str(&s.name);
            e.str(&s.unidad);
            e.usize(s.metas);
        }
        e.usize(self.metas.len());
        for m in &self.metas {
            e.str(&m.sheet);
            e.u64(m.row as u64);
            e.opt_str(m.clave.as_deref());
            e.str(&m.descripcion);
            e.str(&m.tipo);
            e.opt_str(m.corte.as_deref());
            match m.compliance {
                None => e.u8(0),
                Some((r, a, p, pct)) => {
                    e.u8(1);
                    e.f64(r);
                    e.f64(a);
                    e.f64(p);
                    e.bool(pct);
                }
            }
            e.str(&m.observaciones);
        }
        e.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Digest, Corrupt> {
        let mut d = Dec::new(bytes);
        let ramo = d.string()?;
        let n = d.usize()?;
        let mut sheets = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            sheets.push(SheetDigest {
                name: d.string()?,
                unidad: d.string()?,
                metas: d.usize()?,
            });
        }
        let n = d.usize()?;
        let mut metas = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            metas.push(MetaDigest {
                sheet: d.string()?,
                row: d.u32()?,
                clave: d.opt_string()?,
                descripcion: d.string()?,
                tipo: d.string()?,
                corte: d.opt_string()?,
                compliance: if d.bool()? {
                    Some((d.f64()?, d.f64()?, d.f64()?, d.bool()?))
                } else {
                    None
                },
                observaciones: d.string()?,
            });
        }
        Ok(Digest {
            ramo,
            sheets,
            metas,
        })
    }
}

/// One input file as the summary sees it.
pub struct FileOutcome<'a> {
    pub summary: &'a FileSummary,
    /// `None` for a file that could not be read.
    pub digest: Option<Digest>,
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

fn header(ws: &mut Worksheet, row: u32, cols: &[String], f: &Fmts) -> Result<(), XlsxError> {
    for (i, c) in cols.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, c, &f.header)?;
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

/// Every format the summary's sheets use, built once. In constant-memory mode a format gets
/// its number in the workbook the first time any sheet writes it; the sheets are written in
/// parallel, so all of them are registered up front, in this order, for the same bytes on
/// every run. The rows of the three tables have no borders and a format only where one
/// shows something (a fill, a percentage): a state's summary has tens of thousands of rows, and
/// rust_xlsxwriter hashes the whole format of every cell written with one.
struct Fmts {
    header: Format,
    pct: Format,
    dec: Format,
    /// Finding counts above zero, by severity (error, warning, info).
    counted: [Format; 3],
    /// The status of a meta: en meta, por debajo, por encima.
    estado: [Format; 3],
}

impl Fmts {
    fn new() -> Fmts {
        // List tables stay one line per row (easier to filter and scan); long texts show in
        // full in the formula bar.
        let counted = [Severity::Error, Severity::Warning, Severity::Info]
            .map(|s| style::plain().fill(style::fill(s)).format());
        Fmts {
            header: style::table_header().format(),
            pct: style::plain().num_format("0.00%").format(),
            dec: style::plain().num_format("#,##0.##").format(),
            counted,
            estado: [style::OK_FILL, style::ERROR_FILL, style::WARNING_FILL]
                .map(|c| style::plain().fill(c).format()),
        }
    }

    fn all(&self) -> impl Iterator<Item = &Format> {
        [&self.header, &self.pct, &self.dec]
            .into_iter()
            .chain(&self.counted)
            .chain(&self.estado)
    }

    /// The fill of a meta's status, or the plain cell.
    fn estado(&self, e: &str) -> Option<&Format> {
        if e == "en meta" {
            Some(&self.estado[0])
        } else if e.starts_with("por debajo") {
            Some(&self.estado[1])
        } else if e.starts_with("por encima") {
            Some(&self.estado[2])
        } else {
            None
        }
    }
}

const RESUMEN_COLS: [&str; 9] = [
    "archivo",
    "hoja",
    "unidad ejecutora",
    "metas",
    "errores",
    "advertencias",
    "avisos",
    "total",
    "libro de correcciones",
];
const DEPENDENCIA_COLS: [&str; 9] = [
    "dependencia",
    "ramo",
    "hojas",
    "metas",
    "errores",
    "advertencias",
    "avisos",
    "total",
    "estado",
];
const METAS_COLS: [&str; 12] = [
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
];

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn status_of(o: &FileOutcome) -> String {
    match (&o.digest, &o.correcciones) {
        (None, _) => problem_text(o),
        (Some(_), Some(c)) => c.clone(),
        (Some(_), None) => not_written(o),
    }
}

/// `Resumen`: one row per dependencia and unidad (sheet), plus rows for findings on other
/// sheets and on the whole file.
fn resumen_rows(
    ws: &mut Worksheet,
    o: &FileOutcome,
    rules: &[String],
    f: &Fmts,
    r: &mut u32,
) -> Result<(), XlsxError> {
    let name = file_name(&o.summary.file);
    let status = status_of(o);
    // (hoja, unidad, metas, diagnostics)
    let mut rows: Vec<(String, String, Option<usize>, Vec<&Diagnostic>)> = Vec::new();
    match &o.digest {
        Some(dg) => {
            for s in &dg.sheets {
                let ds = o
                    .diags
                    .iter()
                    .copied()
                    .filter(|d| d.sheet.as_deref() == Some(s.name.as_str()))
                    .collect();
                rows.push((s.name.clone(), s.unidad.clone(), Some(s.metas), ds));
            }
            // Findings on sheets that are not captures, and on the whole file.
            let mut others: Vec<(Option<String>, usize)> = o
                .diags
                .iter()
                .filter(|d| {
                    d.sheet
                        .as_ref()
                        .is_none_or(|n| !dg.sheets.iter().any(|s| &s.name == n))
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
    let fixed_cols = RESUMEN_COLS.len();
    for (hoja, unidad, metas, ds) in rows {
        let c = counts(&ds);
        ws.write_string(*r, 0, &name)?;
        ws.write_string(*r, 1, &hoja)?;
        ws.write_string(*r, 2, &unidad)?;
        if let Some(m) = metas {
            ws.write_number(*r, 3, m as f64)?;
        }
        for (i, n) in c.iter().enumerate() {
            if *n > 0 {
                ws.write_number_with_format(*r, 4 + i as u16, *n as f64, &f.counted[i])?;
            } else {
                ws.write_number(*r, 4 + i as u16, 0.0)?;
            }
        }
        ws.write_number(*r, 7, ds.len() as f64)?;
        ws.write_string(*r, 8, &status)?;
        for (j, rule) in rules.iter().enumerate() {
            let n = ds.iter().filter(|d| &d.rule == rule).count();
            ws.write_number(*r, (fixed_cols + j) as u16, n as f64)?;
        }
        *r += 1;
    }
    Ok(())
}

/// `Por dependencia`: one row per workbook.
fn dependencia_row(ws: &mut Worksheet, o: &FileOutcome, r: &mut u32) -> Result<(), XlsxError> {
    let c = counts(&o.diags);
    let ramo = o.digest.as_ref().map(|d| d.ramo.as_str()).unwrap_or("");
    ws.write_string(*r, 0, file_name(&o.summary.file))?;
    ws.write_string(*r, 1, ramo)?;
    ws.write_number(*r, 2, o.summary.sheets as f64)?;
    ws.write_number(*r, 3, o.summary.metas as f64)?;
    for (i, n) in c.iter().enumerate() {
        ws.write_number(*r, 4 + i as u16, *n as f64)?;
    }
    ws.write_number(*r, 7, o.diags.len() as f64)?;
    ws.write_string(*r, 8, status_of(o))?;
    *r += 1;
    Ok(())
}

/// The `Metas` rows of one file (`name`: its file name): the compliance of each meta at the
/// cut-off.
fn metas_rows(
    ws: &mut Worksheet,
    name: &str,
    metas: &[MetaDigest],
    band: [f64; 2],
    f: &Fmts,
    r: &mut u32,
) -> Result<(), XlsxError> {
    for m in metas {
        ws.write_string(*r, 0, name)?;
        ws.write_string(*r, 1, &m.sheet)?;
        ws.write_number(*r, 2, (m.row + 1) as f64)?;
        ws.write_string(*r, 3, m.clave.as_deref().unwrap_or("—"))?;
        ws.write_string(*r, 4, &m.descripcion)?;
        ws.write_string(*r, 5, &m.tipo)?;
        let estado_s = match &m.corte {
            None => {
                ws.write_string(*r, 6, "—")?;
                "sin fecha de corte"
            }
            Some(q) => {
                ws.write_string(*r, 6, q)?;
                estado(m.compliance.map(|x| x.0), band)
            }
        };
        if let Some((ratio, ach, prog, is_pct)) = m.compliance {
            let fmt = if is_pct { &f.pct } else { &f.dec };
            ws.write_number_with_format(*r, 7, prog, fmt)?;
            ws.write_number_with_format(*r, 8, ach, fmt)?;
            if ratio.is_finite() {
                ws.write_number_with_format(*r, 9, ratio, &f.pct)?;
            } else {
                ws.write_string(*r, 9, "—")?;
            }
        }
        match f.estado(estado_s) {
            Some(fmt) => ws.write_string_with_format(*r, 10, estado_s, fmt)?,
            None => ws.write_string(*r, 10, estado_s)?,
        };
        ws.write_string(*r, 11, &m.observaciones)?;
        *r += 1;
    }
    Ok(())
}

fn widths(ws: &mut Worksheet, w: &[f64]) -> Result<(), XlsxError> {
    for (c, w) in w.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// One file as `Resumen` and `Por dependencia` need it: its digest (without its metas, already
/// in `Metas`) and its findings, read back from the run's spill.
fn outcome<'a>(run: &'a RunResult, i: usize, owned: &'a mut Vec<Diagnostic>) -> FileOutcome<'a> {
    let summary = &run.files[i];
    *owned = if summary.findings() > 0 {
        run.file_diagnostics(i)
    } else {
        Vec::new()
    };
    FileOutcome {
        summary,
        digest: run.digest(i).and_then(|b| Digest::decode(&b).ok()),
        diags: owned.iter().collect(),
        correcciones: run.correcciones(i).map(str::to_string),
    }
}

/// Names a constant-memory sheet and writes its header row (rows are flushed to a temporary
/// file as they are written, so they go strictly in order: the header row's height is set
/// while it is still the current row).
fn start_sheet(
    ws: Result<Worksheet, XlsxError>,
    name: &str,
    cols: &[String],
    f: &Fmts,
) -> Result<Worksheet, XlsxError> {
    let mut ws = ws?;
    ws.set_name(name)?;
    header(&mut ws, 0, cols, f)?;
    ws.set_row_height(0, 30)?;
    Ok(ws)
}

fn resumen_sheet(
    ws: Result<Worksheet, XlsxError>,
    run: &RunResult,
    rules: &[String],
    f: &Fmts,
) -> Result<Worksheet, XlsxError> {
    let mut cols = strings(&RESUMEN_COLS);
    cols.extend(rules.iter().cloned());
    let mut ws = start_sheet(ws, "Resumen", &cols, f)?;
    let mut r = 1u32;
    let mut owned = Vec::new();
    for i in 0..run.files.len() {
        let o = outcome(run, i, &mut owned);
        resumen_rows(&mut ws, &o, rules, f, &mut r)?;
    }
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), cols.len() as u16 - 1)?;
    ws.set_freeze_panes(1, 2)?;
    widths(&mut ws, &[30.0, 26.0, 36.0, 7.0, 9.0, 12.0, 8.0, 8.0, 44.0])?;
    for (j, rule) in rules.iter().enumerate() {
        let w = (rule.chars().count() as f64 + 2.0).clamp(10.0, 26.0);
        ws.set_column_width((RESUMEN_COLS.len() + j) as u16, w)?;
    }
    ws.set_active(true);
    Ok(ws)
}

fn dependencia_sheet(
    ws: Result<Worksheet, XlsxError>,
    run: &RunResult,
    f: &Fmts,
) -> Result<Worksheet, XlsxError> {
    let mut ws = start_sheet(ws, "Por dependencia", &strings(&DEPENDENCIA_COLS), f)?;
    let mut r = 1u32;
    let mut owned = Vec::new();
    for i in 0..run.files.len() {
        let o = outcome(run, i, &mut owned);
        dependencia_row(&mut ws, &o, &mut r)?;
    }
    let last = r.saturating_sub(1).max(1);
    ws.autofilter(0, 0, last, DEPENDENCIA_COLS.len() as u16 - 1)?;
    ws.set_freeze_panes(1, 1)?;
    widths(&mut ws, &[30.0, 40.0, 7.0, 7.0, 9.0, 12.0, 8.0, 8.0, 44.0])?;
    if !run.files.is_empty() {
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
    Ok(ws)
}

/// `resumen.xlsx` while the run goes on.
///
/// Its `Metas` sheet (a row per meta of every capture: by far the longest, 30,598 rows for
/// 1,000 captures) is written while the files are being checked: each worker hands over its
/// file's rows ([`Summary::add`]) and they go out in report order as soon as every file
/// before it has handed over its own. The run gives files to its workers in that order, so
/// hardly any wait; before, the whole sheet was written after the last file, on one thread,
/// while the other had little to do. `Resumen` and `Por dependencia` need every file's
/// findings (cross-file rules included) and are written by [`Summary::finish`].
///
/// Every sheet is in rust_xlsxwriter's "constant memory" mode (rows go to a temporary file as
/// they are written; strings inline): at the scale of a state `Metas` has hundreds of
/// thousands of rows that would otherwise stay in memory. Without a usable temporary folder
/// the sheets stay in memory (slower at scale, same content).
pub struct Summary {
    book: XlsxBook,
    f: Fmts,
    band: [f64; 2],
    metas: Worksheet,
    /// The first error writing `Metas`, reported by [`Summary::finish`].
    error: Option<XlsxError>,
    /// The next row of `Metas`.
    row: u32,
    /// Each file's name and rows (`None`: no rows), by report position.
    files: InOrder<Option<(String, Vec<MetaDigest>)>>,
}

/// Items handed over by position (0, 1, 2…) in any order, given back in order: each as soon
/// as every item before it has been handed over.
struct InOrder<T> {
    next: usize,
    waiting: BTreeMap<usize, T>,
}

impl<T> InOrder<T> {
    fn new() -> InOrder<T> {
        InOrder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }

    /// Hands over the item at `rank`; returns every item whose turn has come, in order. An
    /// item whose position was already handed over is dropped.
    fn push(&mut self, rank: usize, item: T) -> Vec<T> {
        let mut out = Vec::new();
        if rank < self.next || self.waiting.contains_key(&rank) {
            return out;
        }
        self.waiting.insert(rank, item);
        while let Some(item) = self.waiting.remove(&self.next) {
            out.push(item);
            self.next += 1;
        }
        out
    }

    /// The items still waiting (after a position never handed over), in order.
    fn rest(&mut self) -> Vec<T> {
        std::mem::take(&mut self.waiting).into_values().collect()
    }
}

impl Summary {
    /// An empty summary: the workbook, its formats and the header of `Metas`. `band`: the
    /// compliance band that needs no explanation.
    pub fn new(band: [f64; 2], created: &ExcelDateTime) -> Summary {
        let mut book = XlsxBook::new();
        book.set_zip_compression_level(super::ZIP_LEVEL);
        book.set_properties(&super::properties(
            "Resumen de la revisión de capturas TMM-F004",
            created,
        ));
        let f = Fmts::new();
        for format in f.all() {
            book.register_format(format);
        }
        let metas = start_sheet(new_sheet(&mut book), "Metas", &strings(&METAS_COLS), &f);
        let (metas, error) = match metas {
            Ok(ws) => (ws, None),
            Err(e) => (Worksheet::new(), Some(e)),
        };
        Summary {
            book,
            f,
            band,
            metas,
            error,
            row: 1,
            files: InOrder::new(),
        }
    }

    /// Hands over the `Metas` rows of the file at report position `rank` (`path` as shown in
    /// the report; `metas`: `None` for a file that could not be read). Rows go out in report
    /// order: this file's and any that were waiting for it.
    /// A file reported twice (again after a panic) keeps its first rows.
    pub fn add(&mut self, rank: usize, path: &str, metas: Option<Vec<MetaDigest>>) {
        for rows in self.files.push(rank, metas.map(|m| (file_name(path), m))) {
            self.write(rows);
        }
    }

    fn write(&mut self, rows: Option<(String, Vec<MetaDigest>)>) {
        if let (Some((name, metas)), None) = (rows, &self.error)
            && let Err(e) = metas_rows(
                &mut self.metas,
                &name,
                &metas,
                self.band,
                &self.f,
                &mut self.row,
            )
        {
            self.error = Some(e);
        }
    }

    /// Writes `resumen.xlsx` to `path` from the finished run: the rows of `Metas` still
    /// waiting (after a file that never reported, which only a crash can cause), then
    /// `Resumen` and `Por dependencia` in parallel, from each file's findings and digest read
    /// back from the run's spill. `rules`: the rule ids with findings, sorted.
    pub fn finish(
        mut self,
        run: &RunResult,
        rules: &[String],
        path: &std::path::Path,
    ) -> Result<(), XlsxError> {
        for rows in self.files.rest() {
            self.write(rows);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut metas = self.metas;
        metas.autofilter(
            0,
            0,
            self.row.saturating_sub(1).max(1),
            METAS_COLS.len() as u16 - 1,
        )?;
        metas.set_freeze_panes(1, 2)?;
        widths(
            &mut metas,
            &[
                30.0, 24.0, 6.0, 8.0, 50.0, 22.0, 10.0, 14.0, 14.0, 13.0, 18.0, 40.0,
            ],
        )?;
        let mut book = self.book;
        let (a, b) = (new_sheet(&mut book), new_sheet(&mut book));
        let f = &self.f;
        let (resumen, dependencia) = rayon::join(
            || resumen_sheet(a, run, rules, f),
            || dependencia_sheet(b, run, f),
        );
        book.push_worksheet(resumen?);
        book.push_worksheet(dependencia?);
        book.push_worksheet(metas);
        book.save(path)
    }
}

fn new_sheet(book: &mut XlsxBook) -> Result<Worksheet, XlsxError> {
    book.new_worksheet_with_constant_memory()
        .or_else(|_| Ok(Worksheet::new()))
}

#[cfg(test)]
mod tests {
    use super::InOrder;

    #[test]
    fn in_order_gives_items_back_in_position_order_and_keeps_the_first_of_a_repeat() {
        let mut q = InOrder::new();
        assert!(
            q.push(2, "c").is_empty(),
            "nothing goes out before position 0"
        );
        assert!(q.push(1, "b").is_empty());
        assert_eq!(q.push(0, "a"), ["a", "b", "c"]);
        assert!(q.push(1, "b again").is_empty());
        assert!(q.push(5, "f").is_empty());
        assert_eq!(q.push(3, "d"), ["d"]);
        assert!(q.push(5, "f again").is_empty());
        // Position 4 never came: what waits after it is given back, in order.
        assert_eq!(q.rest(), ["f"]);
        assert!(q.rest().is_empty());
    }
}
