//! Una captura TMM-F004 completa: un libro por ramo, una hoja por unidad ejecutora.
//!
//! Cada libro toma una plantilla (`Style`) con las variantes de formato que el lector de
//! poalint admite, y cada hoja puede desviarse un poco de la plantilla del libro, como pasa en
//! las capturas reales. Alrededor del 20 % de las metas lleva uno de los errores que poalint
//! detecta; cada error inyectado produce exactamente un hallazgo, así que el manifiesto dice
//! cuántos hallazgos de cada regla deben salir por archivo.

use crate::pools::*;
use crate::rng::Rng;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};
use std::path::Path;

/// Reglas de poalint cuyos hallazgos inyecta el generador (índices de `Expect`).
pub const RULES: [&str; 8] = [
    "suma-programado",
    "avance-absoluto",
    "acumulado-relativo",
    "observaciones-faltantes",
    "clave-faltante",
    "clave-repetida",
    "firmante-mal-escrito",
    "anio-titulo",
];
const R_SUMA: usize = 0;
const R_AVANCE: usize = 1;
const R_RELATIVO: usize = 2;
const R_OBS: usize = 3;
const R_SIN_CLAVE: usize = 4;
const R_DUP_CLAVE: usize = 5;
const R_FIRMANTE: usize = 6;
const R_ANIO: usize = 7;

/// Lo que se escribió en un archivo (para el manifiesto).
pub struct BookOut {
    pub file: String,
    pub sheets: usize,
    pub metas: usize,
    pub errored_metas: usize,
    pub expect: [usize; 8],
    pub bytes: u64,
}

/// Probabilidad de que una meta lleve un error.
const ERROR_RATE: f64 = 0.20;

// ---------------------------------------------------------------------------------------------
// Plantilla
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum ClaveMode {
    /// "100.- FOMENTAR…" al inicio de la descripción.
    InDesc,
    /// Columna CLAVE / No. propia.
    Own,
    /// La clave en la columna L/A ("300.-"), la descripción sin clave (IMIP 201).
    InLa,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Scheme {
    /// 100, 101, 102… / 200, 201… por hoja.
    Hundreds,
    /// 6, 6.1, 6.2… / 7, 7.1… por hoja.
    Dotted,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum TextNums {
    No,
    /// Algunas celdas como texto (" 1 ", "1,749").
    Some,
    /// Toda la tabla como texto (COPLADEMM).
    All,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum RelStyle {
    /// "25.00%"
    Text2,
    /// "25%"
    Text0,
    /// 0.25 con formato 0%
    Pct0,
    /// 0.25 con formato 0.00%
    Pct2,
    /// =N24/E24 con resultado en caché y formato 0%
    Formula,
    /// 0.25 sin formato (COTUCO "0.67")
    Fraction,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum FechaStyle {
    /// "FECHA: 31 DE MARZO 2024" en una celda.
    OneCell,
    /// "FECHA:" y una fecha real en la celda siguiente.
    LabelDate,
    /// "FECHA" y el texto "30/06/2024" o "30 de junio de 2024" al lado.
    LabelText,
    /// "FECHA DE CORTE:" y una fecha real.
    CorteDate,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Case {
    Upper,
    NoAccents,
    Title,
}

#[derive(Clone)]
struct Style {
    start_col: u16,
    top_row: u32,
    spacer: bool,
    header3: bool,
    case: Case,
    colon: bool,
    clave_mode: ClaveMode,
    scheme: Scheme,
    text_nums: TextNums,
    rel: RelStyle,
    fecha: FechaStyle,
    avance_formula: bool,
    has_avance: bool,
    sig_name_above: bool,
    sig_labels: bool,
    title_year: bool,
    title_quarter: bool,
    zeros_after_cutoff: bool,
    zero_p_written: bool,
    thousands_fmt: bool,
    la_label: &'static str,
    desc_label: &'static str,
    meta_label: &'static str,
    periodo_label: &'static str,
    clave_label: &'static str,
    ue_label: &'static str,
    lineas_label: &'static str,
    quarters: [&'static str; 4],
    desc_sep: usize,
    avance_sum_style: bool,
}

const QUARTER_LABELS: [[&str; 4]; 4] = [
    ["Ene-Mar", "Abr-Jun", "Jul-Sep", "Oct-Dic"],
    ["ENE-MAR", "ABR-JUN", "JUL-SEP", "OCT-DIC"],
    ["ENERO-MARZO", "ABRIL-JUNIO", "JULIO-SEPTIEMBRE", "OCTUBRE-DICIEMBRE"],
    ["Ene - Mar", "Abr - Jun", "Jul - Sep", "Oct - Dic"],
];

fn draw_style(rng: &mut Rng) -> Style {
    let clave_mode = match rng.weighted(&[70, 24, 6]) {
        0 => ClaveMode::InDesc,
        1 => ClaveMode::Own,
        _ => ClaveMode::InLa,
    };
    Style {
        start_col: *rng.pick(&[0u16, 0, 0, 1, 2]),
        top_row: rng.below(2) as u32,
        spacer: rng.chance(0.2),
        header3: rng.chance(0.65),
        case: match rng.weighted(&[60, 15, 25]) {
            0 => Case::Upper,
            1 => Case::NoAccents,
            _ => Case::Title,
        },
        colon: rng.chance(0.5),
        clave_mode,
        scheme: if rng.chance(0.6) { Scheme::Hundreds } else { Scheme::Dotted },
        text_nums: match rng.weighted(&[70, 18, 12]) {
            0 => TextNums::No,
            1 => TextNums::Some,
            _ => TextNums::All,
        },
        rel: match rng.weighted(&[15, 8, 25, 12, 32, 8]) {
            0 => RelStyle::Text2,
            1 => RelStyle::Text0,
            2 => RelStyle::Pct0,
            3 => RelStyle::Pct2,
            4 => RelStyle::Formula,
            _ => RelStyle::Fraction,
        },
        fecha: match rng.weighted(&[35, 40, 15, 10]) {
            0 => FechaStyle::OneCell,
            1 => FechaStyle::LabelDate,
            2 => FechaStyle::LabelText,
            _ => FechaStyle::CorteDate,
        },
        avance_formula: rng.chance(0.5),
        has_avance: rng.chance(0.8),
        sig_name_above: rng.chance(0.55),
        sig_labels: rng.chance(0.75),
        title_year: rng.chance(0.85),
        title_quarter: rng.chance(0.5),
        zeros_after_cutoff: rng.chance(0.2),
        zero_p_written: rng.chance(0.25),
        thousands_fmt: rng.chance(0.6),
        la_label: *rng.pick(&["L/A", "L/A", "LÍNEA DE ACCIÓN P.M.D.", "LÍNEA DE ACCIÓN", "L/a"]),
        desc_label: *rng.pick(&[
            "METAS Y ACCIONES",
            "DESCRIPCIÓN DE METAS Y ACCIONES",
            "DESCRIPCIÓN DE METAS Y ACCIONES (Subprograma Gob. Y Proyecto-Proceso)",
        ]),
        meta_label: *rng.pick(&["META ANUAL", "META ANUAL", "META ANUAL AUTORIZADA"]),
        periodo_label: *rng.pick(&["PERIODO", "PERÍODO", "P E R I O D O", "P.E.R.I.O.D.O"]),
        clave_label: *rng.pick(&["CLAVE", "No.", "CVE"]),
        ue_label: *rng.pick(&["UNIDAD EJECUTORA", "UNIDAD EJECUTORA", "UNIDAD RESPONSABLE"]),
        lineas_label: *rng.pick(&["LÍNEAS DE ACCIÓN", "LÍNEA DE ACCIÓN", "LINEAS DE ACCION"]),
        quarters: *rng.pick(&QUARTER_LABELS),
        desc_sep: rng.below(4),
        avance_sum_style: rng.chance(0.7),
    }
}

/// Las hojas de un libro comparten plantilla, pero cada jefatura la toca un poco.
fn vary(base: &Style, rng: &mut Rng) -> Style {
    let mut s = base.clone();
    if rng.chance(0.25) {
        let other = draw_style(rng);
        match rng.below(8) {
            0 => s.has_avance = other.has_avance,
            1 => s.rel = other.rel,
            2 => s.colon = other.colon,
            3 => s.sig_name_above = other.sig_name_above,
            4 => s.spacer = other.spacer,
            5 => s.header3 = other.header3,
            6 => s.fecha = other.fecha,
            _ => s.text_nums = other.text_nums,
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Texto
// ---------------------------------------------------------------------------------------------

fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' => 'U',
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            other => other,
        })
        .collect()
}

fn title_case(s: &str) -> String {
    const SMALL: &[&str] = &["de", "del", "la", "las", "los", "y", "a", "e", "en", "al", "por", "para"];
    s.split(' ')
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i > 0 && SMALL.contains(&lower.as_str()) {
                lower
            } else {
                let mut cs = lower.chars();
                match cs.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + cs.as_str(),
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cased(s: &str, case: Case) -> String {
    match case {
        Case::Upper => s.to_string(),
        Case::NoAccents => strip_accents(s),
        Case::Title => title_case(s),
    }
}

fn col_name(mut c: u16) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

fn a1(row: u32, col: u16) -> String {
    format!("{}{}", col_name(col), row + 1)
}

/// "7,000"
fn thousands(v: i64) -> String {
    let s = v.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// Resultado en caché de una fórmula, como lo guarda Excel.
fn cached(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn person(rng: &mut Rng) -> String {
    let t = rng.pick(TITULOS);
    let n = rng.pick(NOMBRES);
    let a1 = rng.pick(APELLIDOS);
    let mut a2 = rng.pick(APELLIDOS);
    while a2 == a1 {
        a2 = rng.pick(APELLIDOS);
    }
    let full = format!("{t}{n} {a1} {a2}");
    if rng.chance(0.08) { title_case(&full) } else { full }
}

/// Una errata de una letra en un apellido: SÁNCHEZ → SANDEZ, RENTERÍA → KENTERÍA.
fn misspell(name: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    // El último apellido con al menos 4 letras ASCII.
    let wi = (0..words.len())
        .rev()
        .find(|i| words[*i].chars().filter(|c| c.is_ascii_alphabetic()).count() >= 4)
        .unwrap_or(words.len() - 1);
    let chars: Vec<char> = words[wi].chars().collect();
    let ascii_pos: Vec<usize> = (0..chars.len())
        .filter(|i| chars[*i].is_ascii_alphabetic())
        .collect();
    let pos = *rng.pick(&ascii_pos);
    let upper = chars[pos].is_ascii_uppercase();
    let orig = chars[pos].to_ascii_uppercase();
    let mut rep = *rng.pick(&['B', 'D', 'G', 'K', 'L', 'M', 'N', 'R', 'S', 'T', 'Z']);
    if rep == orig {
        rep = if orig == 'Z' { 'B' } else { 'Z' };
    }
    let rep = if upper { rep } else { rep.to_ascii_lowercase() };
    let mut nc = chars.clone();
    nc[pos] = rep;
    let new_word: String = nc.into_iter().collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[wi] = new_word;
    out.join(" ")
}

// ---------------------------------------------------------------------------------------------
// Celdas
// ---------------------------------------------------------------------------------------------

struct Fmts {
    title: Format,
    label: Format,
    head: Format,
    cell: Format,
    num: Format,
    num_k: Format,
    pct0: Format,
    pct2: Format,
    date: Format,
    sig: Format,
    plain: Format,
}

impl Fmts {
    fn new(date_fmt: &str) -> Fmts {
        let base = Format::new().set_font_name("Arial").set_font_size(9);
        let num = base
            .clone()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::Top)
            .set_border(FormatBorder::Thin);
        Fmts {
            title: base.clone().set_bold().set_font_size(11).set_align(FormatAlign::Center),
            label: base.clone().set_bold(),
            head: base
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(0xD9D9D9),
            cell: base
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border(FormatBorder::Thin),
            num_k: num.clone().set_num_format("#,##0"),
            pct0: num.clone().set_num_format("0%"),
            pct2: num.clone().set_num_format("0.00%"),
            num,
            date: base.clone().set_num_format(date_fmt).set_align(FormatAlign::Left),
            sig: base.clone().set_align(FormatAlign::Center),
            plain: base,
        }
    }
}

/// Un valor numérico de la tabla tal como se captura.
enum Out {
    Blank,
    N(f64),
    NK(f64),
    T(String),
    /// Porcentaje numérico con formato (decimales 0 o 2).
    P(f64, u8),
    /// Fórmula, resultado en caché, formato de porcentaje (None = número).
    F(String, f64, Option<u8>),
}

fn put(ws: &mut Worksheet, r: u32, c: u16, v: &Out, f: &Fmts) -> Result<(), XlsxError> {
    match v {
        Out::Blank => {
            ws.write_blank(r, c, &f.num)?;
        }
        Out::N(x) => {
            ws.write_number_with_format(r, c, *x, &f.num)?;
        }
        Out::NK(x) => {
            ws.write_number_with_format(r, c, *x, &f.num_k)?;
        }
        Out::T(s) => {
            ws.write_string_with_format(r, c, s, &f.num)?;
        }
        Out::P(x, d) => {
            ws.write_number_with_format(r, c, *x, if *d == 0 { &f.pct0 } else { &f.pct2 })?;
        }
        Out::F(fx, val, pct) => {
            let fo = Formula::new(fx.as_str()).set_result(cached(*val));
            let fmt = match pct {
                None => &f.num,
                Some(0) => &f.pct0,
                Some(_) => &f.pct2,
            };
            ws.write_formula_with_format(r, c, fo, fmt)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Libro
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mistake {
    Suma,
    Avance,
    Relativo,
    Obs,
    SinClave,
    DupClave,
}

/// Reparte la meta anual en cuatro trimestres.
fn distribute(rng: &mut Rng, m: i64) -> [i64; 4] {
    let mut p = [0i64; 4];
    if m < 4 {
        for _ in 0..m {
            p[rng.below(4)] += 1;
        }
    } else {
        let b = m / 4;
        p = [b; 4];
        for _ in 0..(m % 4) {
            p[rng.below(4)] += 1;
        }
        if b >= 2 && rng.chance(0.35) {
            let k = rng.range(1, b / 2);
            let from = rng.below(4);
            let to = rng.below(4);
            p[from] -= k;
            p[to] += k;
        }
    }
    p
}

struct Signer {
    role: String,
    name: String,
}

pub fn make_book(seed: u64, index: u64, out_dir: &Path, zip_level: Option<u8>) -> Result<BookOut, XlsxError> {
    let mut rng = Rng::for_file(seed, index);
    let (ramo_code, ramo_name, siglas) = *rng.pick(RAMOS);
    let ayuntamiento = *rng.pick(AYUNTAMIENTOS);
    let year: i32 = rng.range(2020, 2025) as i32;
    let quarter = rng.range(1, 4) as usize; // corte 1..=4
    let (fm, fd) = [(3u8, 31u8), (6, 30), (9, 30), (12, 31)][quarter - 1];
    let style = draw_style(&mut rng);

    let n_sheets = *rng.pick(&[3usize, 4, 5, 5, 5, 5, 6, 6, 7]);
    let file = match rng.below(3) {
        0 => format!("{index:05}-{ramo_code}-{}-{quarter}T{year}.xlsx", siglas.replace(' ', "_")),
        1 => format!("{index:05} TMM-F004 {siglas} {year}-T{quarter}.xlsx"),
        _ => format!("{index:05}_POA_{ramo_code}_{}_{quarter}T{year}.xlsx", siglas.replace(' ', "_")),
    };

    // Programas del ramo (1 a 3) y el programa de cada hoja.
    let n_prog = rng.range(1, 3.min(n_sheets as i64)) as usize;
    let prog_names = rng.sample(PROGRAMAS, n_prog);
    let mut prog_codes: Vec<String> = Vec::new();
    while prog_codes.len() < n_prog {
        let c = format!("{}", rng.range(10, 99) * 10 + rng.range(0, 9));
        let c = if c.len() < 3 { format!("0{c}") } else { c };
        if !prog_codes.contains(&c) {
            prog_codes.push(c);
        }
    }
    let prog_people: Vec<String> = (0..n_prog).map(|_| person(&mut rng)).collect();
    let ramo_person = person(&mut rng);
    let coord_person = person(&mut rng);
    let role_set_b = rng.chance(0.2);
    let coord_role = *rng.pick(&["COORDINADOR ADMINISTRATIVO", "COORDINADORA ADMINISTRATIVA"]);
    let ue_role = *rng.pick(&["RESPONSABLE DE LA UNIDAD EJECUTORA", "RESPONSABLE DE LA UNIDAD EJECUTORA", "RESPONSABLE DE LA UNIDAD"]);
    let role_case = if rng.chance(0.15) { Case::Title } else { Case::Upper };

    // Unidades (hojas).
    let unidades = rng.sample(UNIDADES, n_sheets);
    let ue_scheme = rng.below(2);
    let ue_codes: Vec<String> = (0..n_sheets)
        .map(|i| match ue_scheme {
            0 => format!("{}", 100 * (1 + i / 2) + (i % 2) + 1),
            _ => format!("{:03}", i + 1),
        })
        .collect();
    let sheet_name_style = rng.below(4);

    // Errores de hoja.
    let misspelled_sheet = (n_sheets >= 3 && rng.chance(0.25)).then(|| 1 + rng.below(n_sheets - 1));
    let year_error_sheet = rng.chance(0.12).then(|| rng.below(n_sheets));

    let date_fmt = *rng.pick(&["d-mmm-yy", "dd/mm/yyyy", "d-mmm-yyyy"]);
    let f = Fmts::new(date_fmt);
    let mut wb = Workbook::new();
    if let Some(l) = zip_level {
        wb.set_zip_compression_level(l);
    }
    let created = ExcelDateTime::from_ymd(2024, 1, 1)?.and_hms(0, 0, 0)?;
    wb.set_properties(&DocProperties::new().set_author("poalint bench").set_creation_datetime(&created));

    let extra_sheet = rng.weighted(&[85, 10, 5]); // 0 ninguna, 1 hoja vacía, 2 instrucciones
    let mut expect = [0usize; 8];
    let mut all_claves: Vec<String> = Vec::new();
    let mut metas_total = 0usize;
    let mut errored = 0usize;
    let mut used_names: Vec<String> = Vec::new();

    for si in 0..n_sheets {
        let st = vary(&style, &mut rng);
        let ws = wb.add_worksheet();
        let mut sname = match sheet_name_style {
            0 => ue_codes[si].clone(),
            1 => format!("UE {}", ue_codes[si]),
            2 => format!("{} {}", ue_codes[si], unidades[si]),
            _ => unidades[si].to_string(),
        };
        sname = sname.chars().take(31).collect::<String>().trim().to_string();
        if used_names.contains(&sname) {
            sname = format!("UE {}", ue_codes[si]);
        }
        used_names.push(sname.clone());
        ws.set_name(&sname)?;
        let prog = si % n_prog;

        // Columnas de la tabla.
        let c0 = st.start_col;
        let mut col = c0;
        let la_col = col;
        col += 1;
        let clave_col = (st.clave_mode == ClaveMode::Own).then(|| {
            col += 1;
            col - 1
        });
        let desc_col = col;
        let unidad_col = col + 1;
        let meta_col = col + 2;
        col += 3;
        if st.spacer {
            col += 1;
        }
        let p_cols: [u16; 4] = [col, col + 2, col + 4, col + 6];
        let a_cols: [u16; 4] = [col + 1, col + 3, col + 5, col + 7];
        col += 8;
        let avance_col = st.has_avance.then(|| {
            col += 1;
            col - 1
        });
        let rel_col = col;
        let obs_col = col + 1;
        let last_col = obs_col;

        ws.set_column_width(la_col, 9)?;
        if let Some(c) = clave_col {
            ws.set_column_width(c, 7)?;
        }
        ws.set_column_width(desc_col, 46)?;
        ws.set_column_width(unidad_col, 14)?;
        ws.set_column_width(meta_col, 10)?;
        if st.spacer {
            ws.set_column_width(meta_col + 1, 1.5)?;
        }
        for c in p_cols.iter().chain(a_cols.iter()) {
            ws.set_column_width(*c, 5.5)?;
        }
        if let Some(c) = avance_col {
            ws.set_column_width(c, 10)?;
        }
        ws.set_column_width(rel_col, 11)?;
        ws.set_column_width(obs_col, 32)?;

        // Título.
        let mut r = st.top_row;
        let title_lines: Vec<String> = {
            let mut v = vec![ayuntamiento.to_string()];
            if rng.chance(0.3) {
                v.push(ramo_name.to_string());
            }
            let y_err = year_error_sheet == Some(si);
            if st.title_year || y_err {
                let y = if y_err { year - rng.range(1, 2) as i32 } else { year };
                v.push(format!("PROGRAMA OPERATIVO ANUAL {y}"));
            } else {
                v.push("PROGRAMA OPERATIVO ANUAL".into());
            }
            v.push(rng.pick(&["AVANCE FÍSICO PROGRAMÁTICO", "AVANCE FISICO DE LOS PROGRAMAS", "AVANCE FÍSICO PROGRAMÁTICO"]).to_string());
            if st.title_quarter {
                v.push(TRIMESTRES[quarter - 1].to_string());
            }
            v
        };
        if year_error_sheet == Some(si) {
            expect[R_ANIO] += 1;
        }
        for line in &title_lines {
            ws.merge_range(r, c0, r, last_col, line, &f.title)?;
            r += if rng.chance(0.3) { 2 } else { 1 };
        }
        r += 1;

        // Bloque de encabezado.
        let hl = |s: &str| -> String {
            let t = cased(s, st.case);
            if st.colon { format!("{t}:") } else { t }
        };
        let name_end = (c0 + 9).min(last_col);
        let mut header: Vec<(String, String, String)> = vec![
            (hl("RAMO"), ramo_code.to_string(), ramo_name.to_string()),
            (hl("PROGRAMA"), prog_codes[prog].clone(), prog_names[prog].to_string()),
            (hl(st.ue_label), ue_codes[si].clone(), unidades[si].to_string()),
        ];
        let fi = *rng.pick(FINALIDADES);
        let fu = *rng.pick(FUNCIONES);
        let sf = *rng.pick(SUBFUNCIONES);
        header.push((hl("FINALIDAD"), fi.0.into(), fi.1.into()));
        header.push((hl("FUNCIÓN"), fu.0.into(), fu.1.into()));
        header.push((hl("SUBFUNCIÓN"), sf.0.into(), sf.1.into()));
        if rng.chance(0.2) {
            header.push((hl("EJE DE GOBIERNO"), "4".into(), "GOBERNAR PARA SERVIR".into()));
        }
        for (label, code, name) in &header {
            ws.write_string_with_format(r, c0, label, &f.label)?;
            ws.write_string_with_format(r, c0 + 1, code, &f.plain)?;
            ws.merge_range(r, c0 + 2, r, name_end, name, &f.plain)?;
            r += 1;
        }
        let n_lineas = rng.range(1, 3) as usize;
        let lineas = rng.sample(LINEAS, n_lineas);
        for (i, (code, name)) in lineas.iter().enumerate() {
            if i == 0 {
                ws.write_string_with_format(r, c0, &hl(st.lineas_label), &f.label)?;
            }
            ws.write_string_with_format(r, c0 + 1, *code, &f.plain)?;
            ws.merge_range(r, c0 + 2, r, name_end, name, &f.plain)?;
            r += 1;
        }
        r += 1;
        ws.write_string_with_format(r, c0, "TMM-F004", &f.label)?;
        r += 2;

        // FECHA.
        let mes = MESES[fm as usize - 1];
        match st.fecha {
            FechaStyle::OneCell => {
                let t = match rng.below(3) {
                    0 => format!("FECHA: {fd} DE {mes} {year}"),
                    1 => format!("FECHA: {fd} de {} del {year}", mes.to_lowercase()),
                    _ => format!("FECHA: {fd}-{}-{:02}", MESES3[fm as usize - 1], year % 100),
                };
                ws.write_string_with_format(r, c0, &t, &f.label)?;
            }
            FechaStyle::LabelDate | FechaStyle::CorteDate => {
                let label = if st.fecha == FechaStyle::CorteDate { "FECHA DE CORTE:" } else { "FECHA:" };
                ws.write_string_with_format(r, c0, label, &f.label)?;
                let d = ExcelDateTime::from_ymd(year as u16, fm, fd)?;
                ws.write_datetime_with_format(r, c0 + 1, &d, &f.date)?;
            }
            FechaStyle::LabelText => {
                ws.write_string_with_format(r, c0, &hl("FECHA"), &f.label)?;
                let t = if rng.chance(0.5) {
                    format!("{fd:02}/{fm:02}/{year}")
                } else {
                    format!("{fd} de {} de {year}", mes.to_lowercase())
                };
                ws.write_string_with_format(r, c0 + 1, &t, &f.plain)?;
            }
        }
        r += 2;

        // Encabezado de la tabla (2 o 3 renglones combinados).
        let h0 = r;
        let hrows = if st.header3 { 3 } else { 2 };
        let pa_row = h0 + hrows - 1;
        let tl = |s: &str| cased(s, st.case);
        let mut vlabels: Vec<(u16, String)> = vec![(la_col, tl(st.la_label))];
        if let Some(c) = clave_col {
            vlabels.push((c, tl(st.clave_label)));
        }
        vlabels.push((desc_col, tl(st.desc_label)));
        vlabels.push((unidad_col, tl("UNIDAD DE MEDIDA")));
        vlabels.push((meta_col, tl(st.meta_label)));
        if let Some(c) = avance_col {
            vlabels.push((c, tl("AVANCE ABSOLUTO")));
        }
        vlabels.push((rel_col, tl("ACUMULADO RELATIVO")));
        vlabels.push((obs_col, tl("OBSERVACIONES")));
        for (c, text) in &vlabels {
            ws.merge_range(h0, *c, pa_row, *c, text, &f.head)?;
        }
        let qrow = if st.header3 {
            ws.merge_range(h0, p_cols[0], h0, a_cols[3], &tl(st.periodo_label), &f.head)?;
            h0 + 1
        } else {
            h0
        };
        for q in 0..4 {
            ws.merge_range(qrow, p_cols[q], qrow, a_cols[q], st.quarters[q], &f.head)?;
            ws.write_string_with_format(pa_row, p_cols[q], "P", &f.head)?;
            ws.write_string_with_format(pa_row, a_cols[q], "A", &f.head)?;
        }
        r = pa_row + 1;

        // Metas.
        let n_metas = rng.range(4, 8) as usize;
        let cut = quarter;
        for j in 0..n_metas {
            let row = r;
            r += 1;
            metas_total += 1;
            let is_pct = rng.chance(0.1);
            let text_row = match st.text_nums {
                TextNums::All => true,
                TextNums::No => false,
                TextNums::Some => rng.chance(0.3),
            };
            // Error de la meta (si aplica).
            let mut mistake = None;
            if rng.chance(ERROR_RATE) {
                let mut options = vec![Mistake::Relativo, Mistake::SinClave];
                if !all_claves.is_empty() {
                    options.push(Mistake::DupClave);
                }
                if !is_pct {
                    options.push(Mistake::Suma);
                    options.push(Mistake::Obs);
                    options.push(Mistake::Obs);
                    if avance_col.is_some() {
                        options.push(Mistake::Avance);
                    }
                }
                mistake = Some(*rng.pick(&options));
                errored += 1;
            }

            // Clave.
            let clave = match st.scheme {
                Scheme::Hundreds => format!("{}", 100 * (si + 1) + j),
                Scheme::Dotted => {
                    if j == 0 { format!("{}", si + 1) } else { format!("{}.{}", si + 1, j) }
                }
            };
            let clave = if mistake == Some(Mistake::DupClave) {
                rng.pick(&all_claves).clone()
            } else {
                clave
            };
            let has_clave = mistake != Some(Mistake::SinClave);
            if has_clave {
                all_claves.push(clave.clone());
            }
            match mistake {
                Some(Mistake::SinClave) => expect[R_SIN_CLAVE] += 1,
                Some(Mistake::DupClave) => expect[R_DUP_CLAVE] += 1,
                _ => {}
            }

            let (desc, unidad, m_true): (String, String, i64) = if is_pct {
                let (d, u) = *rng.pick(METAS_PCT);
                (d.to_string(), u.to_string(), *rng.pick(&[80i64, 90, 95, 100]))
            } else {
                let (d, u, ms) = *rng.pick(METAS);
                (d.to_string(), u.to_string(), *rng.pick(ms))
            };

            // L/A, clave y descripción.
            let la_text = rng.pick(LINEAS).0.to_string();
            let mut la_out = Some(la_text);
            let mut desc_out = desc.clone();
            match st.clave_mode {
                ClaveMode::InDesc => {
                    if has_clave {
                        // "10.7 Realizar…": una clave punteada no necesita más que un espacio;
                        // un número solo ("100 Realizar") no sería clave, lleva "." o "-".
                        desc_out = match (clave.contains('.'), (st.desc_sep + j) % 4) {
                            (_, 0) => format!("{clave}.- {desc}"),
                            (_, 1) => format!("{clave}.-{desc}"),
                            (true, 2) => format!("{clave} {}", title_case(&desc)),
                            (false, 2) => format!("{clave}. {desc}"),
                            _ => format!("{clave} - {desc}"),
                        };
                    }
                }
                ClaveMode::Own => {
                    if has_clave {
                        let t = match j % 3 {
                            0 => format!("{clave}."),
                            1 => format!("{clave}.-"),
                            _ => clave.clone(),
                        };
                        ws.write_string_with_format(row, clave_col.unwrap(), &t, &f.cell)?;
                    } else {
                        ws.write_blank(row, clave_col.unwrap(), &f.cell)?;
                    }
                }
                ClaveMode::InLa => {
                    la_out = has_clave.then(|| format!("{clave}.-"));
                }
            }
            match &la_out {
                Some(t) => ws.write_string_with_format(row, la_col, t, &f.cell)?,
                None => ws.write_blank(row, la_col, &f.cell)?,
            };
            ws.write_string_with_format(row, desc_col, &desc_out, &f.cell)?;
            ws.write_string_with_format(row, unidad_col, &unidad, &f.cell)?;
            if st.spacer {
                ws.write_blank(row, meta_col + 1, &f.plain)?;
            }

            let mut obs: Option<String> = None;
            if is_pct {
                // Meta de nivel en porcentaje: P = A = meta en cada trimestre al corte.
                let v = m_true as f64 / 100.0;
                let as_text = text_row || rng.chance(0.3);
                let pv = |x: f64| -> Out {
                    if as_text { Out::T(format!("{}%", (x * 100.0).round() as i64)) } else { Out::P(x, 0) }
                };
                put(ws, row, meta_col, &pv(v), &f)?;
                for q in 0..4 {
                    put(ws, row, p_cols[q], &pv(v), &f)?;
                    let a = if q < cut {
                        pv(v)
                    } else if st.zeros_after_cutoff {
                        Out::N(0.0)
                    } else {
                        Out::Blank
                    };
                    put(ws, row, a_cols[q], &a, &f)?;
                }
                if let Some(c) = avance_col {
                    let last = a_cols[cut - 1];
                    let out = if !as_text && st.avance_formula {
                        Out::F(format!("={}", a1(row, last)), v, Some(0))
                    } else {
                        pv(v)
                    };
                    put(ws, row, c, &out, &f)?;
                }
                let mut rel = 1.0;
                if mistake == Some(Mistake::Relativo) {
                    rel -= rng.range(5, 40) as f64 / 100.0;
                    expect[R_RELATIVO] += 1;
                }
                write_rel(ws, row, rel_col, rel, &st, mistake == Some(Mistake::Relativo) || as_text, None, &f)?;
            } else {
                let p = distribute(&mut rng, m_true);
                let mut a: [Option<i64>; 4] = [None; 4];
                for q in 0..4 {
                    if q < cut {
                        a[q] = if p[q] > 0 || st.zero_p_written { Some(p[q]) } else { None };
                    } else if st.zeros_after_cutoff {
                        a[q] = Some(0);
                    }
                }
                // Desviación al corte: explicada (limpia) o sin OBSERVACIONES (error).
                let deviate = mistake == Some(Mistake::Obs) || (mistake.is_none() && rng.chance(0.12));
                if deviate {
                    let q = rng.below(cut);
                    let cur = a[q].unwrap_or(0);
                    let d = rng.range(1, 3.min(cur.max(1)));
                    let newv = if cur >= d && rng.chance(0.6) { cur - d } else { cur + d };
                    a[q] = Some(newv);
                }
                let prog_cut: i64 = p[..cut].iter().sum();
                let ach_cut: i64 = a[..cut].iter().map(|x| x.unwrap_or(0)).sum();
                let compliant = !(prog_cut != ach_cut && (prog_cut != 0 || ach_cut != 0));
                if mistake == Some(Mistake::Obs) {
                    expect[R_OBS] += 1;
                } else if !compliant || rng.chance(0.05) {
                    obs = Some(rng.pick(OBSERVACIONES).to_string());
                }
                // META ANUAL escrita (con error: no es la suma de P).
                let mut m_written = m_true;
                if mistake == Some(Mistake::Suma) {
                    expect[R_SUMA] += 1;
                    let all_equal = p.iter().all(|x| *x == p[0]);
                    loop {
                        let d = rng.range(1, 4.max(m_true / 10));
                        let cand = if m_true > d && rng.chance(0.5) { m_true - d } else { m_true + d };
                        if cand >= 1 && !(all_equal && cand == p[0]) {
                            m_written = cand;
                            break;
                        }
                    }
                }
                let numv = |x: i64, rng: &mut Rng| -> Out {
                    if text_row {
                        if x >= 1000 {
                            Out::T(thousands(x))
                        } else if rng.chance(0.2) {
                            Out::T(format!(" {x} "))
                        } else {
                            Out::T(x.to_string())
                        }
                    } else if x >= 1000 && st.thousands_fmt {
                        Out::NK(x as f64)
                    } else {
                        Out::N(x as f64)
                    }
                };
                let mv = numv(m_written, &mut rng);
                put(ws, row, meta_col, &mv, &f)?;
                for q in 0..4 {
                    let pv = if p[q] > 0 || st.zero_p_written { numv(p[q], &mut rng) } else { Out::Blank };
                    put(ws, row, p_cols[q], &pv, &f)?;
                    let av = match a[q] {
                        Some(x) => numv(x, &mut rng),
                        None => Out::Blank,
                    };
                    put(ws, row, a_cols[q], &av, &f)?;
                }
                // AVANCE ABSOLUTO.
                let sum_a = ach_cut;
                let mut avance_written = sum_a;
                let a_refs: Vec<String> = (0..cut).map(|q| a1(row, a_cols[q])).collect();
                if let Some(c) = avance_col {
                    let out = if mistake == Some(Mistake::Avance) {
                        expect[R_AVANCE] += 1;
                        let d = rng.range(1, 3);
                        avance_written = if sum_a >= d && rng.chance(0.5) { sum_a - d } else { sum_a + d };
                        Out::N(avance_written as f64)
                    } else if st.avance_formula && !text_row {
                        let fx = if st.avance_sum_style || cut == 1 {
                            format!("=SUM({})", a_refs.join(","))
                        } else {
                            format!("={}", a_refs.join("+"))
                        };
                        Out::F(fx, sum_a as f64, None)
                    } else {
                        numv(sum_a, &mut rng)
                    };
                    put(ws, row, c, &out, &f)?;
                }
                // ACUMULADO RELATIVO.
                let mut rel = avance_written as f64 / m_written as f64;
                let typed = mistake == Some(Mistake::Relativo) || text_row || mistake == Some(Mistake::Avance);
                if mistake == Some(Mistake::Relativo) {
                    expect[R_RELATIVO] += 1;
                    let off = rng.range(5, 35) as f64 / 100.0;
                    rel = if rel - off >= 0.0 && rng.chance(0.5) { rel - off } else { rel + off };
                }
                let fx = match avance_col {
                    Some(c) => format!("={}/{}", a1(row, c), a1(row, meta_col)),
                    None => format!("=SUM({})/{}", a_refs.join(","), a1(row, meta_col)),
                };
                write_rel(ws, row, rel_col, rel, &st, typed, Some(fx), &f)?;
            }
            match &obs {
                Some(t) => ws.write_string_with_format(row, obs_col, t, &f.cell)?,
                None => ws.write_blank(row, obs_col, &f.cell)?,
            };
        }

        // Firmas.
        r += rng.range(2, 4) as u32;
        let unidad_person = if si == 0 && rng.chance(0.3) { ramo_person.clone() } else { person(&mut rng) };
        let mut ramo_name_here = ramo_person.clone();
        if misspelled_sheet == Some(si) {
            ramo_name_here = misspell(&ramo_person, &mut rng);
            expect[R_FIRMANTE] += 1;
        }
        let signers: Vec<Signer> = if role_set_b {
            vec![
                Signer { role: "RESPONSABLE DEL PROGRAMA".into(), name: prog_people[prog].clone() },
                Signer { role: "RESPONSABLE DEL RAMO".into(), name: ramo_name_here },
                Signer { role: coord_role.into(), name: coord_person.clone() },
            ]
        } else {
            vec![
                Signer { role: ue_role.into(), name: unidad_person },
                Signer { role: "RESPONSABLE DEL PROGRAMA".into(), name: prog_people[prog].clone() },
                Signer { role: "RESPONSABLE DEL RAMO".into(), name: ramo_name_here },
            ]
        };
        let positions: [(u16, u16); 3] = [(desc_col, desc_col), (p_cols[1], a_cols[2]), (rel_col, obs_col)];
        if st.sig_labels {
            for (k, act) in ["ELABORÓ", "REVISÓ", "AUTORIZÓ"].iter().enumerate() {
                ws.write_string_with_format(r, positions[k].0, *act, &f.label)?;
            }
            r += 3;
        }
        let (name_row, role_row) = if st.sig_name_above { (r, r + 1) } else { (r + 1, r) };
        for (k, s) in signers.iter().enumerate() {
            let (c1, c2) = positions[k];
            let role = cased(&s.role, role_case);
            if c1 == c2 {
                ws.write_string_with_format(name_row, c1, &s.name, &f.sig)?;
                ws.write_string_with_format(role_row, c1, &role, &f.sig)?;
            } else {
                ws.merge_range(name_row, c1, name_row, c2, &s.name, &f.sig)?;
                ws.merge_range(role_row, c1, role_row, c2, &role, &f.sig)?;
            }
        }
    }

    match extra_sheet {
        1 => {
            let ws = wb.add_worksheet();
            ws.set_name(format!("Hoja{}", n_sheets + 1))?;
        }
        2 => {
            let ws = wb.add_worksheet();
            ws.set_name("INSTRUCCIONES")?;
            let lines = [
                "Capture el avance de cada trimestre en las columnas A del periodo.",
                "No modifique las fórmulas de avance absoluto y acumulado relativo.",
                "Justifique en observaciones toda desviación respecto de lo programado.",
            ];
            for (i, l) in lines.iter().enumerate() {
                ws.write_string(i as u32 + 1, 1, *l)?;
            }
        }
        _ => {}
    }

    let path = out_dir.join(&file);
    wb.save(&path)?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok(BookOut {
        file,
        sheets: n_sheets,
        metas: metas_total,
        errored_metas: errored,
        expect,
        bytes,
    })
}

/// ACUMULADO RELATIVO en el estilo de la hoja; `typed` = valor tecleado (no fórmula).
#[allow(clippy::too_many_arguments)]
fn write_rel(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    rel: f64,
    st: &Style,
    typed: bool,
    formula: Option<String>,
    f: &Fmts,
) -> Result<(), XlsxError> {
    let style = if st.text_nums == TextNums::All {
        // Toda la tabla como texto: el relativo también.
        if st.rel == RelStyle::Text0 { RelStyle::Text0 } else { RelStyle::Text2 }
    } else {
        st.rel
    };
    let out = match style {
        RelStyle::Text2 => Out::T(format!("{:.2}%", rel * 100.0)),
        RelStyle::Text0 => Out::T(format!("{:.0}%", rel * 100.0)),
        RelStyle::Pct0 => Out::P(rel, 0),
        RelStyle::Pct2 => Out::P(rel, 2),
        RelStyle::Fraction => Out::N((rel * 100.0).round() / 100.0),
        RelStyle::Formula => match formula {
            Some(fx) if !typed => Out::F(fx, rel, Some(0)),
            _ => Out::P(rel, 0),
        },
    };
    put(ws, row, col, &out, f)
}
