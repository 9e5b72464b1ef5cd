//! `resumen.xlsx`: the planning office's view of the whole run — findings per dependencia and
//! unidad, the compliance of every meta at the cut-off, and a chart of findings per
//! dependencia.

use super::style;
use super::xlsx::{
    Archive, Book, Chart, Properties, RowSheet, Series, StreamedSheet, Styles, View,
};
use crate::check::engine::{FileStatus, cutoffs};
use crate::check::kinds::observaciones::compliance;
use crate::check::{Diagnostic, Severity};
use crate::model::Workbook;
use crate::run::spill::{Corrupt, Dec, Enc};
use crate::run::{FileSummary, RunResult};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What `resumen.xlsx` needs of one workbook, taken by the worker that read it (the workbook
/// itself is dropped right after its checks): its `metas` go into the `Metas` sheet right away
/// ([`Summary::add`]), the rest is kept in the run's spill until the end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Digest {
    /// RAMO of the first capture sheet, `code name`.
    pub ramo: String,
    pub sheets: Vec<SheetDigest>,
    pub metas: Vec<MetaDigest>,
    /// The file's rows of `Resumen`, counted by the worker from the file's own findings (the
    /// summary reads them back instead of every finding).
    pub rows: Vec<ResumenRow>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetDigest {
    pub name: String,
    pub unidad: String,
    pub metas: usize,
}

/// One row of `Resumen`: a capture sheet of a file (or the file's findings on another sheet,
/// or on the whole file) and its findings counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumenRow {
    pub hoja: String,
    pub unidad: String,
    /// Metas of a capture sheet.
    pub metas: Option<usize>,
    /// Findings by severity: error, warning, info.
    pub counts: [usize; 3],
    /// Findings by rule (rules with none left out).
    pub rules: Vec<(String, usize)>,
}

impl ResumenRow {
    fn new(hoja: String, unidad: String, metas: Option<usize>, diags: &[&Diagnostic]) -> Self {
        let mut rules: Vec<(String, usize)> = Vec::new();
        for d in diags {
            match rules.iter_mut().find(|(r, _)| *r == d.rule) {
                Some((_, n)) => *n += 1,
                None => rules.push((d.rule.clone(), 1)),
            }
        }
        ResumenRow {
            hoja,
            unidad,
            metas,
            counts: counts(diags),
            rules,
        }
    }

    fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    fn of_rule(&self, rule: &str) -> usize {
        self.rules
            .iter()
            .find(|(r, _)| r == rule)
            .map_or(0, |(_, n)| *n)
    }
}

/// The `Resumen` rows of a file read with capture sheets `sheets` and findings `diags`: one
/// per capture sheet, then one per other sheet with findings and one for findings on the whole
/// file; a single `—` row when there is none of these.
fn rows_of(sheets: &[SheetDigest], diags: &[&Diagnostic]) -> Vec<ResumenRow> {
    let on = |sheet: Option<&str>| -> Vec<&Diagnostic> {
        diags
            .iter()
            .copied()
            .filter(|d| d.sheet.as_deref() == sheet)
            .collect()
    };
    let mut rows: Vec<ResumenRow> = sheets
        .iter()
        .map(|s| {
            let ds = on(Some(&s.name));
            ResumenRow::new(s.name.clone(), s.unidad.clone(), Some(s.metas), &ds)
        })
        .collect();
    // Findings on sheets that are not captures, and on the whole file.
    let mut others: Vec<(Option<&str>, usize)> = diags
        .iter()
        .filter(|d| {
            d.sheet
                .as_ref()
                .is_none_or(|n| !sheets.iter().any(|s| &s.name == n))
        })
        .map(|d| (d.sheet.as_deref(), d.sheet_index))
        .collect();
    others.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    others.dedup();
    for (sheet, _) in others {
        let ds = on(sheet);
        let hoja = sheet.unwrap_or("(libro)").to_string();
        rows.push(ResumenRow::new(hoja, String::new(), None, &ds));
    }
    if rows.is_empty() {
        rows.push(ResumenRow::new("—".into(), String::new(), None, &[]));
    }
    rows
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
    /// What the summary needs of `wb`, checked with findings `diags`.
    pub fn of(wb: &Workbook, diags: &[&Diagnostic]) -> Digest {
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
        d.rows = rows_of(&d.sheets, diags);
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
        e.usize(self.rows.len());
        for r in &self.rows {
            e.str(&r.hoja);
            e.str(&r.unidad);
            match r.metas {
                None => e.u8(0),
                Some(n) => {
                    e.u8(1);
                    e.usize(n);
                }
            }
            for n in r.counts {
                e.usize(n);
            }
            e.usize(r.rules.len());
            for (rule, n) in &r.rules {
                e.str(rule);
                e.usize(*n);
            }
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
        let n = d.usize()?;
        let mut rows = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let hoja = d.string()?;
            let unidad = d.string()?;
            let metas = if d.bool()? { Some(d.usize()?) } else { None };
            let counts = [d.usize()?, d.usize()?, d.usize()?];
            let k = d.usize()?;
            let mut rules = Vec::with_capacity(k.min(64));
            for _ in 0..k {
                rules.push((d.string()?, d.usize()?));
            }
            rows.push(ResumenRow {
                hoja,
                unidad,
                metas,
                counts,
                rules,
            });
        }
        Ok(Digest {
            ramo,
            sheets,
            metas,
            rows,
        })
    }
}

/// One input file as the summary sees it.
pub struct FileOutcome<'a> {
    pub summary: &'a FileSummary,
    /// Its name in the summary ([`shown_name`]).
    pub name: String,
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
    if o.summary.findings() == 0 {
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

/// The folder all of a run's paths are in (its path up to and including the separator; empty
/// when they share none). What follows it names a dependencia in the summary: in a run over one
/// folder, the file name; files of one name in different folders (`mxl/ramo.xlsx`,
/// `tij/ramo.xlsx`, a state's municipalities) stay apart.
pub fn common_folder<'a>(mut paths: impl Iterator<Item = &'a str>) -> String {
    let is_sep = |b: &u8| *b == b'/' || *b == b'\\';
    let Some(first) = paths.next() else {
        return String::new();
    };
    let b = first.as_bytes();
    let mut len = b.iter().rposition(is_sep).map_or(0, |i| i + 1);
    for p in paths {
        if len == 0 {
            break;
        }
        let same = b[..len]
            .iter()
            .zip(p.as_bytes())
            .take_while(|(x, y)| x == y)
            .count();
        if same < len {
            len = b[..same].iter().rposition(is_sep).map_or(0, |i| i + 1);
        }
    }
    // Separators are ASCII: `len` is at a character boundary.
    first[..len].to_string()
}

/// A file's name in the summary: its path after the run's [`common_folder`].
fn shown_name(path: &str, folder: &str) -> String {
    path.strip_prefix(folder)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path)
        .to_string()
}

fn header<W: Write>(ws: &mut RowSheet<W>, cols: &[String], f: &Fmts) -> io::Result<()> {
    ws.row(Some(30.0))?;
    for (i, c) in cols.iter().enumerate() {
        ws.string(i as u32, c, f.header);
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

/// The style of every kind of cell the summary's sheets use, registered up front (the three
/// sheets are written in parallel; the same numbers on every run). The rows of the three
/// tables have no borders and a style only where one shows something (a fill, a percentage).
struct Fmts {
    header: u32,
    pct: u32,
    dec: u32,
    /// Finding counts above zero, by severity (error, warning, info).
    counted: [u32; 3],
    /// The status of a meta: en meta, por debajo, por encima.
    estado: [u32; 3],
}

impl Fmts {
    fn new(styles: &mut Styles) -> Fmts {
        // List tables stay one line per row (easier to filter and scan); long texts show in
        // full in the formula bar.
        let header = styles.id(&style::table_header());
        let pct = styles.id(&style::plain().num_format("0.00%"));
        let dec = styles.id(&style::plain().num_format("#,##0.##"));
        let counted = [Severity::Error, Severity::Warning, Severity::Info]
            .map(|s| styles.id(&style::plain().fill(style::fill(s))));
        let estado = [style::OK_FILL, style::ERROR_FILL, style::WARNING_FILL]
            .map(|c| styles.id(&style::plain().fill(c)));
        Fmts {
            header,
            pct,
            dec,
            counted,
            estado,
        }
    }

    /// The style of a meta's status: its fill, or the plain cell.
    fn estado(&self, e: &str) -> u32 {
        if e == "en meta" {
            self.estado[0]
        } else if e.starts_with("por debajo") {
            self.estado[1]
        } else if e.starts_with("por encima") {
            self.estado[2]
        } else {
            0
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
fn resumen_rows(ws: &mut RowSheet, o: &FileOutcome, rules: &[String], f: &Fmts) -> io::Result<()> {
    let name = &o.name;
    let status = status_of(o);
    let computed;
    let rows = match (&o.digest, o.diags.is_empty()) {
        // Counted by the worker (no findings read back: see `outcome`).
        (Some(dg), true) => &dg.rows,
        (Some(dg), false) => {
            computed = rows_of(&dg.sheets, &o.diags);
            &computed
        }
        (None, _) => {
            computed = vec![ResumenRow::new("—".into(), String::new(), None, &o.diags)];
            &computed
        }
    };
    let fixed_cols = RESUMEN_COLS.len() as u32;
    for row in rows {
        ws.row(None)?;
        ws.string(0, name, 0);
        ws.string(1, &row.hoja, 0);
        ws.string(2, &row.unidad, 0);
        if let Some(m) = row.metas {
            ws.number(3, m as f64, 0);
        }
        for (i, n) in row.counts.iter().enumerate() {
            let style = if *n > 0 { f.counted[i] } else { 0 };
            ws.number(4 + i as u32, *n as f64, style);
        }
        ws.number(7, row.total() as f64, 0);
        ws.string(8, &status, 0);
        for (j, rule) in rules.iter().enumerate() {
            ws.number(fixed_cols + j as u32, row.of_rule(rule) as f64, 0);
        }
    }
    Ok(())
}

/// `Por dependencia`: one row per workbook, its counts from its summary line. Returns its
/// finding counts by severity.
fn dependencia_row(ws: &mut RowSheet, o: &FileOutcome) -> io::Result<[usize; 3]> {
    let c = [o.summary.errors, o.summary.warnings, o.summary.infos];
    let ramo = o.digest.as_ref().map(|d| d.ramo.as_str()).unwrap_or("");
    ws.row(None)?;
    ws.string(0, &o.name, 0);
    ws.string(1, ramo, 0);
    ws.number(2, o.summary.sheets as f64, 0);
    ws.number(3, o.summary.metas as f64, 0);
    for (i, n) in c.iter().enumerate() {
        ws.number(4 + i as u32, *n as f64, 0);
    }
    ws.number(7, o.summary.findings() as f64, 0);
    ws.string(8, &status_of(o), 0);
    Ok(c)
}

/// The `Metas` rows of one file (`name`: its file name): the compliance of each meta at the
/// cut-off.
fn metas_rows<W: Write>(
    ws: &mut RowSheet<W>,
    name: &str,
    metas: &[MetaDigest],
    band: [f64; 2],
    f: &Fmts,
) -> io::Result<()> {
    for m in metas {
        ws.row(None)?;
        ws.string(0, name, 0);
        ws.string(1, &m.sheet, 0);
        ws.number(2, (m.row + 1) as f64, 0);
        ws.string(3, m.clave.as_deref().unwrap_or("—"), 0);
        ws.string(4, &m.descripcion, 0);
        ws.string(5, &m.tipo, 0);
        let estado_s = match &m.corte {
            None => {
                ws.string(6, "—", 0);
                "sin fecha de corte"
            }
            Some(q) => {
                ws.string(6, q, 0);
                estado(m.compliance.map(|x| x.0), band)
            }
        };
        if let Some((ratio, ach, prog, is_pct)) = m.compliance {
            let style = if is_pct { f.pct } else { f.dec };
            ws.number(7, prog, style);
            ws.number(8, ach, style);
            if ratio.is_finite() {
                ws.number(9, ratio, f.pct);
            } else {
                ws.string(9, "—", 0);
            }
        }
        ws.string(10, estado_s, f.estado(estado_s));
        ws.string(11, &m.observaciones, 0);
    }
    Ok(())
}

/// One file as `Resumen` and `Por dependencia` need it: its digest (without its metas, already
/// in `Metas`) and, only where its digest does not tell the whole story, its findings read back
/// from the run's spill: for a file that could not be read (its status quotes them) and, with
/// `findings`, for one that other files' findings were added to (cross-file rules: the rows
/// its worker counted miss them).
fn outcome<'a>(
    run: &'a RunResult,
    i: usize,
    folder: &str,
    owned: &'a mut Vec<Diagnostic>,
    findings: bool,
) -> FileOutcome<'a> {
    let summary = &run.files[i];
    let digest = run.digest(i).and_then(|b| Digest::decode(&b).ok());
    let added = findings && run.findings_added(i);
    *owned = if summary.findings() > 0 && (digest.is_none() || added) {
        run.file_diagnostics(i)
    } else {
        Vec::new()
    };
    FileOutcome {
        summary,
        name: shown_name(&summary.file, folder),
        digest,
        diags: owned.iter().collect(),
        correcciones: run.correcciones(i).map(str::to_string),
    }
}

/// A sheet of the summary with its header row: frozen below it and left of `freeze_cols`.
fn start_sheet(
    name: &str,
    cols: &[String],
    widths: &[f64],
    view: View,
    f: &Fmts,
) -> io::Result<RowSheet> {
    let mut ws = RowSheet::new(name, view, widths);
    header(&mut ws, cols, f)?;
    Ok(ws)
}

fn resumen_sheet(
    run: &RunResult,
    rules: &[String],
    folder: &str,
    f: &Fmts,
) -> io::Result<StreamedSheet> {
    let mut cols = strings(&RESUMEN_COLS);
    cols.extend(rules.iter().cloned());
    let mut widths = vec![30.0, 26.0, 36.0, 7.0, 9.0, 12.0, 8.0, 8.0, 44.0];
    widths.extend(
        rules
            .iter()
            .map(|rule| (rule.chars().count() as f64 + 2.0).clamp(10.0, 26.0)),
    );
    let view = View {
        selected: true,
        freeze: Some((1, 2)),
    };
    let mut ws = start_sheet("Resumen", &cols, &widths, view, f)?;
    let mut owned = Vec::new();
    for i in 0..run.files.len() {
        let o = outcome(run, i, folder, &mut owned, true);
        resumen_rows(&mut ws, &o, rules, f)?;
    }
    ws.finish(Some(cols.len() as u32 - 1), None)
}

/// The chart of `Por dependencia`: its size in pixels, and the colours of its series (errors,
/// warnings, infos).
const CHART_PX: (u32, u32) = (760, 420);
const CHART_COLORS: [u32; 3] = [0xCC4125, 0xF1C232, 0x6D9EEB];

/// `Por dependencia`, and the chart of findings per dependencia below its table.
fn dependencia_sheet(
    run: &RunResult,
    folder: &str,
    f: &Fmts,
) -> io::Result<(StreamedSheet, Option<Placed>)> {
    const NAME: &str = "Por dependencia";
    let view = View {
        selected: false,
        freeze: Some((1, 1)),
    };
    let widths = [30.0, 40.0, 7.0, 7.0, 9.0, 12.0, 8.0, 8.0, 44.0];
    let mut ws = start_sheet(NAME, &strings(&DEPENDENCIA_COLS), &widths, view, f)?;
    let mut owned = Vec::new();
    let mut names = Vec::with_capacity(run.files.len());
    let mut values: [Vec<f64>; 3] = Default::default();
    for i in 0..run.files.len() {
        let o = outcome(run, i, folder, &mut owned, false);
        let c = dependencia_row(&mut ws, &o)?;
        names.push(o.name.clone());
        for (v, n) in values.iter_mut().zip(c) {
            v.push(n as f64);
        }
    }
    if run.files.is_empty() {
        return Ok((ws.finish(Some(8), None)?, None));
    }
    let below = ws.rows() + 1;
    let from = ws.cell_at(below, 0, 0, 0);
    let to = ws.cell_at(below, 0, CHART_PX.0, CHART_PX.1);
    let series = values
        .into_iter()
        .enumerate()
        .map(|(i, values)| Series {
            col: 4 + i as u32,
            name: DEPENDENCIA_COLS[4 + i].to_string(),
            values,
            color: CHART_COLORS[i],
        })
        .collect();
    let chart = Chart {
        sheet: NAME.to_string(),
        title: "Hallazgos por dependencia".to_string(),
        y_title: "hallazgos".to_string(),
        header_row: 0,
        category_col: 0,
        categories: names,
        series,
    };
    Ok((ws.finish(Some(8), Some("rId1"))?, Some((chart, from, to))))
}

/// A chart and its corners on the sheet.
type Placed = (Chart, [u32; 4], [u32; 4]);

/// `resumen.xlsx` while the run goes on.
///
/// Its `Metas` sheet (a row per meta of every capture: by far the longest, 30,598 rows for
/// 1,000 captures) is written while the files are being checked: each worker hands over its
/// file's rows ([`Summary::add`]) and they go out in report order as soon as every file
/// before it has handed over its own. The run gives files to its workers in that order, so
/// hardly any wait. `Resumen` and `Por dependencia` need every file's findings (cross-file
/// rules included) and are written by [`Summary::finish`].
///
/// Every sheet is written row by row and deflated as it goes ([`RowSheet`]): at the scale of
/// a state `Metas` has hundreds of thousands of rows that must not stay in memory. `Metas`
/// goes straight into the book's (temporary) file, as its first part: copying its 3.6 MB
/// (1,000 captures) there after the last book, when the system was still writing the books
/// out, took 11 ms on one thread. The other two wait in temporary files until the book is
/// saved.
pub struct Summary {
    styles: Styles,
    f: Fmts,
    band: [f64; 2],
    metas: RowSheet<File>,
    /// The first error writing `Metas`, reported by [`Summary::finish`].
    error: Option<io::Error>,
    /// Each file's name and rows (`None`: no rows), by report position.
    files: InOrder<Option<(String, Vec<MetaDigest>)>>,
    /// The book's file, removed unless the summary is finished.
    file: Unfinished,
    /// The folder of all the run's files ([`common_folder`]), left out of their names.
    folder: String,
}

/// `Metas` is the book's third sheet.
const METAS_SHEET: usize = 2;

/// A file being written, removed when this is dropped before [`Unfinished::keep`] (an error,
/// a run that stopped before its summary).
struct Unfinished(Option<PathBuf>);

impl Unfinished {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
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
    /// An empty summary, to be written to `path` (created now): its styles and the header of
    /// `Metas`. `band`: the compliance band that needs no explanation.
    pub fn new(band: [f64; 2], path: &Path, folder: String) -> io::Result<Summary> {
        let mut styles = Styles::default();
        let f = Fmts::new(&mut styles);
        let view = View {
            selected: false,
            freeze: Some((1, 2)),
        };
        let widths = [
            30.0, 24.0, 6.0, 8.0, 50.0, 22.0, 10.0, 14.0, 14.0, 13.0, 18.0, 40.0,
        ];
        let cols = strings(&METAS_COLS);
        let mut file = File::create(path)?;
        let guard = Unfinished(Some(path.to_path_buf()));
        file.write_all(&Archive::header_room(&Book::part_name(METAS_SHEET)))?;
        let mut metas = RowSheet::to(file, "Metas", view, &widths);
        let error = header(&mut metas, &cols, &f).err();
        Ok(Summary {
            styles,
            f,
            band,
            metas,
            error,
            files: InOrder::new(),
            file: guard,
            folder,
        })
    }

    /// Hands over the `Metas` rows of the file at report position `rank` (`path` as shown in
    /// the report; `metas`: `None` for a file that could not be read). Rows go out in report
    /// order: this file's and any that were waiting for it.
    /// A file reported twice (again after a panic) keeps its first rows.
    pub fn add(&mut self, rank: usize, path: &str, metas: Option<Vec<MetaDigest>>) {
        let name = shown_name(path, &self.folder);
        for rows in self.files.push(rank, metas.map(|m| (name, m))) {
            self.write(rows);
        }
    }

    fn write(&mut self, rows: Option<(String, Vec<MetaDigest>)>) {
        if let (Some((name, metas)), None) = (rows, &self.error)
            && let Err(e) = metas_rows(&mut self.metas, &name, &metas, self.band, &self.f)
        {
            self.error = Some(e);
        }
    }

    /// Writes the rest of `resumen.xlsx` from the finished run: the rows of `Metas` still
    /// waiting (after a file that never reported, which only a crash can cause), then
    /// `Resumen` and `Por dependencia` in parallel, from each file's digest (and the findings
    /// of a file the digest does not tell all about) read back from the run's spill. `rules`:
    /// the rule ids with findings, sorted.
    pub fn finish(mut self, run: &RunResult, rules: &[String]) -> io::Result<()> {
        for rows in self.files.rest() {
            self.write(rows);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let metas = self.metas.finish(Some(METAS_COLS.len() as u32 - 1), None)?;
        let (f, folder) = (&self.f, self.folder.as_str());
        let (resumen, dependencia) = rayon::join(
            || resumen_sheet(run, rules, folder, f),
            || dependencia_sheet(run, folder, f),
        );
        let mut book = Book::new();
        book.styles = self.styles;
        book.push_streamed(resumen?, None);
        let (dependencia, chart) = dependencia?;
        book.push_streamed(dependencia, chart);
        book.push_written(&metas);
        // `Metas` is in the file already, after the room left for its local header.
        let (zip, header) = Archive::written_first(&Book::part_name(METAS_SHEET), metas.part.info)?;
        let mut file = metas.part.sink;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.seek(SeekFrom::End(0))?;
        let mut out = io::BufWriter::with_capacity(256 * 1024, file);
        book.save_into(
            zip,
            &Properties {
                title: "Resumen de la revisión de capturas TMM-F004",
                author: super::AUTHOR,
                comment: super::COMMENT,
                created: super::CREATED,
            },
            &mut out,
        )?;
        out.flush()?;
        self.file.keep();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Digest, InOrder, MetaDigest, ResumenRow, SheetDigest, common_folder, shown_name};

    #[test]
    fn dependencias_are_named_after_the_folder_all_files_share() {
        let f = |p: &[&str]| common_folder(p.iter().copied());
        assert_eq!(f(&["capturas/a.xlsx", "capturas/b.xlsx"]), "capturas/");
        assert_eq!(
            f(&["estado/mxl/ramo.xlsx", "estado/tij/ramo.xlsx"]),
            "estado/"
        );
        assert_eq!(
            f(&["estado/mxl/ramo.xlsx", "estado/mxlb/ramo.xlsx"]),
            "estado/"
        );
        assert_eq!(f(&["a.xlsx", "capturas/b.xlsx"]), "");
        assert_eq!(
            f(&["capturas/núm/a.xlsx", "capturas/núm/b.xlsx"]),
            "capturas/núm/"
        );
        assert_eq!(f(&[]), "");
        assert_eq!(
            shown_name("estado/mxl/ramo.xlsx", "estado/"),
            "mxl/ramo.xlsx"
        );
        assert_eq!(shown_name("otro/x.xlsx", "estado/"), "otro/x.xlsx");
    }

    #[test]
    fn a_digest_reads_back_as_it_was_written() {
        let d = Digest {
            ramo: "12 OBRAS PÚBLICAS".into(),
            sheets: vec![SheetDigest {
                name: "UE 101".into(),
                unidad: "101 DIRECCIÓN".into(),
                metas: 3,
            }],
            metas: vec![MetaDigest {
                sheet: "UE 101".into(),
                row: 20,
                clave: None,
                descripcion: "PAVIMENTAR".into(),
                tipo: "acumulable".into(),
                corte: Some("3 (inferido)".into()),
                compliance: Some((0.5, 1.0, 2.0, false)),
                observaciones: String::new(),
            }],
            rows: vec![
                ResumenRow {
                    hoja: "UE 101".into(),
                    unidad: "101 DIRECCIÓN".into(),
                    metas: Some(3),
                    counts: [2, 1, 0],
                    rules: vec![("suma-programado".into(), 2), ("sin-firmas".into(), 1)],
                },
                ResumenRow {
                    hoja: "(libro)".into(),
                    counts: [0, 0, 1],
                    rules: vec![("anio-titulo".into(), 1)],
                    ..Default::default()
                },
            ],
        };
        assert_eq!(Digest::decode(&d.encode()).expect("reads back"), d);
        // Cut short anywhere, it is refused rather than misread.
        let bytes = d.encode();
        for n in 0..bytes.len() {
            assert!(Digest::decode(&bytes[..n]).is_err(), "{n}");
        }
    }

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
