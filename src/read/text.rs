//! Text helpers shared by the reader and the checks: folding labels, reading numbers,
//! percentages, dates, claves and names the way people type them in the captures.

use crate::model::Date;
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Upper case, accents removed, runs of whitespace collapsed, trimmed.
/// `"  Línea de  Acción "` → `"LINEA DE ACCION"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c.is_ascii() {
            out.push(c.to_ascii_uppercase());
        } else {
            push_folded(c, &mut out);
        }
    }
    out
}

/// Pushes one non-ASCII character upper-cased and without accents (ASCII is upper-cased by
/// the callers): the Spanish letters through [`spanish_base`], anything else through
/// [`push_decomposed`].
#[inline]
fn push_folded(c: char, out: &mut String) {
    match spanish_base(c) {
        Some(base) => out.push(base),
        None => push_decomposed(c, out),
    }
}

/// The upper-case letter without accent of the accented Spanish (and a few neighbouring)
/// letters, all of them alphabetic; `None` for any other character.
#[inline]
fn spanish_base(c: char) -> Option<char> {
    let base = match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'A',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'ñ' | 'Ñ' => 'N',
        'ç' | 'Ç' => 'C',
        _ => return None,
    };
    Some(base)
}

/// Pushes a character through Unicode decomposition: combining marks dropped, the rest
/// upper-cased. What it pushes is not always a letter or a digit.
fn push_decomposed(c: char, out: &mut String) {
    for d in c.nfd() {
        if unicode_normalization::char::is_combining_mark(d) {
            continue;
        }
        for u in d.to_uppercase() {
            out.push(u);
        }
    }
}

/// What [`squash`] keeps of each ASCII byte: its upper-case form for letters and digits, 0
/// for the rest.
const SQUASH_ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_uppercase();
        }
        b += 1;
    }
    t
};

/// [`fold`], then only letters and digits: `"P E R I O D O"` → `"PERIODO"`, `"L/A"` → `"LA"`.
pub fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    squash_into(s, &mut out);
    out
}

/// [`squash`] of `s` into `out`, which is cleared first: a caller that squashes many texts
/// reuses one buffer.
pub fn squash_into(s: &str, out: &mut String) {
    out.clear();
    // Whether a character went through Unicode decomposition, which may yield characters
    // that are not letters or digits (ASCII and the Spanish letters never do): only then is
    // the result filtered again.
    let mut decomposed = false;
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            let kept = SQUASH_ASCII[usize::from(b)];
            if kept != 0 {
                out.push(char::from(kept));
            }
            i += 1;
        } else {
            // `i` is always at a character boundary: it only moves by whole characters.
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            if let Some(base) = spanish_base(c) {
                out.push(base);
            } else if c.is_alphanumeric() {
                push_decomposed(c, out);
                decomposed = true;
            }
            i += c.len_utf8();
        }
    }
    if decomposed {
        out.retain(|c| c.is_alphanumeric());
    }
}

/// Reads a number typed as text: `"7,000"`, `" 4 "`, `"0.90"`, `"$1,200.50"`, and with a
/// decimal comma, `"12,5"` or `"1.200,50"`.
pub fn parse_number(s: &str) -> Option<f64> {
    // Spaces, thousands separators and the dollar sign are dropped, a decimal comma becomes
    // a point; a copy is made only when there is something to change.
    let t = s.trim();
    let decimal = decimal_comma(t);
    let dropped = |c: char| c.is_whitespace() || c == '$' || c == if decimal { '.' } else { ',' };
    let kept: String;
    let t = if t.contains(dropped) || decimal {
        kept = t
            .chars()
            .filter(|c| !dropped(*c))
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        kept.as_str()
    } else {
        t
    };
    if t.is_empty() {
        return None;
    }
    let ok = t
        .bytes()
        .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+');
    if !ok {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Whether the comma of a number typed as text is its decimal point: a single comma not
/// followed by a group of three digits (`12,5`, `6,25`; `7,000` is seven thousand), or one
/// after the dots (`1.200,50`). Several commas are thousands separators (`1,000,000`).
fn decimal_comma(t: &str) -> bool {
    let Some(comma) = t.rfind(',') else {
        return false;
    };
    if t[..comma].contains(',') {
        return false;
    }
    match t.rfind('.') {
        Some(dot) => dot < comma,
        None => {
            let after = &t[comma + 1..];
            after.len() != 3 || !after.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

/// Reads a percentage typed as text: `"60%"`, `"25.00 %"` → the fraction (0.6, 0.25).
pub fn parse_percent(s: &str) -> Option<f64> {
    let t = s.trim();
    let body = t.strip_suffix('%')?;
    parse_number(body).map(|v| v / 100.0)
}

const MONTHS: [(&str, u32); 24] = [
    ("ENERO", 1),
    ("FEBRERO", 2),
    ("MARZO", 3),
    ("ABRIL", 4),
    ("MAYO", 5),
    ("JUNIO", 6),
    ("JULIO", 7),
    ("AGOSTO", 8),
    ("SEPTIEMBRE", 9),
    ("SETIEMBRE", 9),
    ("OCTUBRE", 10),
    ("NOVIEMBRE", 11),
    ("DICIEMBRE", 12),
    ("ENE", 1),
    ("FEB", 2),
    ("MAR", 3),
    ("ABR", 4),
    ("JUN", 6),
    ("JUL", 7),
    ("AGO", 8),
    ("SEP", 9),
    ("OCT", 10),
    ("NOV", 11),
    ("DIC", 12),
];

fn month_of(word: &str) -> Option<u32> {
    let w = fold(word);
    let w = w.trim_matches(|c: char| !c.is_alphabetic());
    if w.is_empty() {
        return None;
    }
    // Full names first, then 3-letter abbreviations (also "SEPT", "DIC.").
    for (name, m) in MONTHS.iter() {
        if name.len() > 3 && w == *name {
            return Some(*m);
        }
    }
    if w.len() >= 3 {
        let p = &w[..3];
        for (name, m) in MONTHS.iter() {
            if name.len() == 3 && p == *name {
                return Some(*m);
            }
        }
        if p == "MAY" {
            return Some(5);
        }
    }
    None
}

fn expand_year(y: i64) -> Option<i32> {
    match y {
        0..=99 => Some(2000 + y as i32),
        1900..=2199 => Some(y as i32),
        _ => None,
    }
}

fn valid(y: i32, m: u32, d: u32) -> Option<Date> {
    if (1..=12).contains(&m) && (1..=31).contains(&d) {
        Some(Date {
            year: y,
            month: m,
            day: d,
        })
    } else {
        None
    }
}

/// Reads a Spanish date as typed: `31 DE MARZO 2024`, `31 de diciembre del 2023`,
/// `30-jun-20`, `31-dic.-20`, `30/06/2024`, `2024-03-31`. Text before the date
/// (`FECHA:`) is ignored.
pub fn parse_date(s: &str) -> Option<Date> {
    let f = fold(s);
    let f = f.strip_prefix("FECHA").unwrap_or(&f);
    // Tokens of letters or digits.
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = None;
    for c in f.chars() {
        let d = c.is_ascii_digit();
        if c.is_alphanumeric() {
            if cur_digit.is_some_and(|cd| cd != d) {
                tokens.push(std::mem::take(&mut cur));
            }
            cur.push(c);
            cur_digit = Some(d);
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
            cur_digit = None;
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let tokens: Vec<&str> = tokens
        .iter()
        .map(|s| s.as_str())
        .filter(|t| !matches!(*t, "DE" | "DEL" | "AL" | "A"))
        .collect();
    // day month-name year
    for w in tokens.windows(3) {
        if let (Ok(d), Some(m), Ok(y)) = (w[0].parse::<u32>(), month_of(w[1]), w[2].parse::<i64>())
            && let Some(y) = expand_year(y)
            && let Some(date) = valid(y, m, d)
        {
            return Some(date);
        }
    }
    // numeric: d/m/y or y-m-d
    let nums: Vec<i64> = tokens
        .iter()
        .filter_map(|t| t.parse::<i64>().ok())
        .collect();
    if nums.len() >= 3 && tokens.iter().take(3).all(|t| t.parse::<i64>().is_ok()) {
        let (a, b, c) = (nums[0], nums[1], nums[2]);
        if a > 31 {
            if let Some(y) = expand_year(a) {
                return valid(y, b as u32, c as u32);
            }
        } else if let Some(y) = expand_year(c) {
            return valid(y, b as u32, a as u32);
        }
    }
    // No day: a month and a year (`JUNIO 2024`, `ABRIL-JUNIO 2024`) stand for the month's last
    // day; a quarter in words and a year (`SEGUNDO TRIMESTRE 2024`), for the quarter's.
    let year = tokens
        .iter()
        .filter_map(|t| t.parse::<i32>().ok())
        .rfind(|y| (1990..=2100).contains(y))?;
    let month = tokens
        .iter()
        .rev()
        .find_map(|t| {
            MONTHS
                .iter()
                .find(|(name, _)| name.len() > 3 && name == t)
                .map(|(_, m)| *m)
        })
        .or_else(|| find_quarter_word_folded(f).map(|q| u32::from(q) * 3))?;
    valid(year, month, days_in_month(year, month))
}

/// The number of days of a month (February of leap years: 29).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Converts an Excel serial date (1900 system) to a date.
pub fn excel_serial_to_date(serial: f64) -> Option<Date> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // Days since 1899-12-30 (accounts for Excel's 1900 leap-year bug for dates after Feb 1900).
    let days = serial.floor() as i64;
    let (y, m, d) = civil_from_days(days - 25569); // 25569 = 1970-01-01
    Some(Date {
        year: y as i32,
        month: m,
        day: d,
    })
}

/// Days since 1970-01-01 → (year, month, day). Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A year written in a title line (`PROGRAMA OPERATIVO ANUAL 2024`). A range of years is an
/// administration's period, not the year of the POA (`XXIV AYUNTAMIENTO 2021-2024`): skipped.
pub fn find_year(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 4 <= b.len() {
        let w = &b[i..i + 4];
        let before = i == 0 || !b[i - 1].is_ascii_digit();
        let after = i + 4 == b.len() || !b[i + 4].is_ascii_digit();
        if before && after && w.iter().all(|c| c.is_ascii_digit()) {
            if let Some(end) = year_range_end(s, i + 4) {
                i = end;
                continue;
            }
            let y: i32 = std::str::from_utf8(w).ok()?.parse().ok()?;
            if (1990..=2100).contains(&y) {
                return Some(y);
            }
        }
        i += 1;
    }
    None
}

/// Where a range of years that began with the year ending at `from` ends (`2021-2024`,
/// `2021 – 2024`), or `None` when no second year follows.
fn year_range_end(s: &str, from: usize) -> Option<usize> {
    let rest = s.get(from..)?.trim_start();
    let rest = rest.strip_prefix(['-', '–', '/'])?.trim_start();
    let b = rest.as_bytes();
    let year = b.len() >= 4
        && b[..4].iter().all(u8::is_ascii_digit)
        && b.get(4).is_none_or(|c| !c.is_ascii_digit());
    year.then(|| s.len() - rest.len() + 4)
}

/// A quarter named in words (`PRIMER TRIMESTRE`, `SEGUNDO TRIMESTRE`...).
pub fn find_quarter_word(s: &str) -> Option<u8> {
    find_quarter_word_folded(&fold(s))
}

/// [`find_quarter_word`] of a text already [`fold`]ed.
pub fn find_quarter_word_folded(f: &str) -> Option<u8> {
    if !f.contains("TRIMESTRE") {
        return None;
    }
    for (w, q) in [
        ("PRIMER", 1),
        ("SEGUNDO", 2),
        ("TERCER", 3),
        ("CUARTO", 4),
        ("1ER", 1),
        ("2DO", 2),
        ("3ER", 3),
        ("4TO", 4),
    ] {
        if f.contains(w) {
            return Some(q);
        }
    }
    None
}

/// Splits a clave from the start of a description: `"100.- FOMENTAR"` → `("100", "FOMENTAR")`,
/// `"2.1.-IMPULSAR"`, `"400. ELABORAR"`, `"207 - Gestionar"`, `"3.3- -SEGUIMIENTO"`.
/// A number must be followed by a separator (`.`, `-`) to count as a clave.
pub fn split_clave(desc: &str) -> Option<(String, String)> {
    let t = desc.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    let mut clave_end = 0;
    // digits ( . digits )*
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            break;
        }
        clave_end = i;
        if i < b.len() && b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            i += 1;
            continue;
        }
        break;
    }
    if clave_end == 0 || clave_end > 24 {
        return None;
    }
    let clave = &t[..clave_end];
    let rest = &t[clave_end..];
    // separator: any mix of '.', '-', spaces, at least one '.' or '-'
    let sep_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_whitespace() || *c == '.' || *c == '-' || *c == '–'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let sep = &rest[..sep_len];
    // "10.7 Realizar": a dotted clave needs no more than a space before the text;
    // a bare number ("60 formatos") needs a '.' or '-' to count as a clave.
    let dashed = sep.contains(['.', '-', '–']);
    let dotted_clave = clave.contains('.') && !sep.is_empty();
    if !dashed && !dotted_clave {
        return None;
    }
    let body = rest[sep_len..].trim();
    // "5.1.-1-INTEGRAR": a stray digit and dash after the separator belongs to the text.
    Some((clave.to_string(), body.to_string()))
}

/// A cell that holds only a clave (`"300.-"`, `"100."`, `"101.-"`, `"102"`), as in the CLAVE or
/// `No.` column, or a clave typed in the L/A column.
pub fn clave_only(s: &str) -> Option<String> {
    let t = s.trim();
    let core = t.trim_end_matches(['.', '-', ' ', '–']);
    if core.is_empty() || core.len() > 24 {
        return None;
    }
    if core
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        Some(core.to_string())
    } else {
        None
    }
}

/// Academic and courtesy titles that prefix names on signature lines.
pub const TITLES: &[&str] = &[
    "LIC",
    "LICDA",
    "LICENCIADO",
    "LICENCIADA",
    "DR",
    "DRA",
    "DOCTOR",
    "DOCTORA",
    "MTRO",
    "MTRA",
    "MAESTRO",
    "MAESTRA",
    "MC",
    "M",
    "C",
    "CP",
    "ARQ",
    "LAP",
    "ING",
    "PROF",
    "PROFA",
    "ENF",
    "QFB",
    "MVZ",
    "SR",
    "SRA",
    "SRITA",
    "LAE",
    "LCP",
    "LDG",
    "MBA",
    "PSIC",
    "ABOG",
    "TEC",
    "TS",
    "MED",
    "ING.",
    "LCDO",
    "LCDA",
];

/// A name reduced for comparison: accents, case, punctuation, extra spaces and leading titles
/// removed. `"DR. AGUSTÍN  Sánchez Pérez"` → `"AGUSTIN SANCHEZ PEREZ"`.
pub fn name_key(name: &str) -> String {
    let f = fold(name);
    let words: Vec<&str> = f
        .split(|c: char| c.is_whitespace())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let mut start = 0;
    // Titles are written with a dot ("LIC.") or alone; strip any leading run of them.
    let raw: Vec<&str> = f.split_whitespace().collect();
    while start < words.len() {
        let w: Cow<'_, str> = if words[start].contains('.') {
            Cow::Owned(words[start].replace('.', ""))
        } else {
            Cow::Borrowed(words[start])
        };
        let had_dot = raw.get(start).is_some_and(|r| r.ends_with('.'));
        if TITLES.contains(&w.as_ref()) && (had_dot || w.len() > 1 || words.len() - start > 2) {
            start += 1;
        } else {
            break;
        }
    }
    // The remaining words but the ones made of digits, space-separated; the usual
    // abbreviations of first names written out (`MA. FERNANDA` is `MARIA FERNANDA`).
    let mut key = String::with_capacity(f.len());
    for w in words[start..]
        .iter()
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(match *w {
            "MA" => "MARIA",
            "FCO" => "FRANCISCO",
            "GPE" => "GUADALUPE",
            w => w,
        });
    }
    key
}

/// Whether a piece of text is written like a code (`064`, `3.6.1`, `1000`).
pub fn looks_like_code(s: &str) -> bool {
    let t = s.trim().trim_end_matches(['.', ':']);
    !t.is_empty()
        && t.len() <= 12
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && t.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_labels() {
        assert_eq!(fold("  Línea de  Acción "), "LINEA DE ACCION");
        assert_eq!(squash("P E R I O D O"), "PERIODO");
        assert_eq!(squash("L/A"), "LA");
        assert_eq!(squash("P.E.R.I.O.D.O"), "PERIODO");
        assert_eq!(fold("Ñandú Çà ﬁn Ŝ"), "NANDU CA FIN S");
        assert_eq!(squash("Línea de Acción P.M.D."), "LINEADEACCIONPMD");
        // Decomposed characters: marks dropped, what is not a letter or digit filtered out.
        assert_eq!(squash("ﬁn Ŝ e\u{301} ½ ℃"), "FINSE½");
        assert_eq!(squash("Año: 2024 — ÑÚ"), "ANO2024NU");
        // The buffer is cleared, then reused.
        let mut buf = String::from("RESTO");
        squash_into("Ene - Mar", &mut buf);
        assert_eq!(buf, "ENEMAR");
        squash_into("l/a", &mut buf);
        assert_eq!(buf, "LA");
    }

    #[test]
    fn numbers_and_percents() {
        assert_eq!(parse_number("7,000"), Some(7000.0));
        assert_eq!(parse_number(" 4 "), Some(4.0));
        assert_eq!(parse_number("0.90"), Some(0.9));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("$1,200.50"), Some(1200.5));
        assert_eq!(parse_number(" 1 000 "), Some(1000.0));
        assert_eq!(parse_number("1,2a"), None);
        assert_eq!(parse_number(" , "), None);
        // A decimal comma: not a thousands separator, which groups three digits.
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("250,5"), Some(250.5));
        assert_eq!(parse_number("6,25"), Some(6.25));
        assert_eq!(parse_number("1.200,50"), Some(1200.5));
        assert_eq!(parse_number("1,000,000"), Some(1_000_000.0));
        assert_eq!(parse_number("1,200.50"), Some(1200.5));
        assert_eq!(parse_percent("12,5%"), Some(0.125));
        assert_eq!(parse_number("4º"), None);
        assert_eq!(parse_percent("60%"), Some(0.6));
        assert_eq!(parse_percent("25.00%"), Some(0.25));
        assert_eq!(parse_percent("25"), None);
    }

    #[test]
    fn dates() {
        let d = |y, m, d| {
            Some(Date {
                year: y,
                month: m,
                day: d,
            })
        };
        assert_eq!(parse_date("FECHA: 31 DE MARZO 2024"), d(2024, 3, 31));
        assert_eq!(
            parse_date("FECHA: 31 de diciembre del 2023"),
            d(2023, 12, 31)
        );
        assert_eq!(parse_date("30-jun-20"), d(2020, 6, 30));
        assert_eq!(parse_date("31-dic.-20"), d(2020, 12, 31));
        assert_eq!(parse_date("30-sep.-24"), d(2024, 9, 30));
        assert_eq!(parse_date("30/06/2024"), d(2024, 6, 30));
        assert_eq!(parse_date("FECHA: 31-mar-24"), d(2024, 3, 31));
        assert_eq!(parse_date("2024-03-31"), d(2024, 3, 31));
        assert_eq!(parse_date("FECHA:"), None);
        // Without the day: the last day of the month or of the quarter.
        assert_eq!(parse_date("JUNIO 2024"), d(2024, 6, 30));
        assert_eq!(parse_date("FECHA: ABRIL-JUNIO 2024"), d(2024, 6, 30));
        assert_eq!(parse_date("SEGUNDO TRIMESTRE 2024"), d(2024, 6, 30));
        assert_eq!(parse_date("FEBRERO 2024"), d(2024, 2, 29));
        assert_eq!(parse_date("FECHA DE CORTE"), None);
        assert_eq!(parse_date("JUNIO"), None);
        assert_eq!(excel_serial_to_date(45382.0), d(2024, 3, 31));
    }

    #[test]
    fn claves() {
        let s = |a: &str| split_clave(a).map(|(c, _)| c);
        assert_eq!(s("100.- FOMENTAR"), Some("100".into()));
        assert_eq!(s("2.1.-IMPULSAR"), Some("2.1".into()));
        assert_eq!(s("400. ELABORAR"), Some("400".into()));
        assert_eq!(s("207 - Gestionar"), Some("207".into()));
        assert_eq!(s("3.3- -SEGUIMIENTO"), Some("3.3".into()));
        assert_eq!(s("5.1.-1-INTEGRAR"), Some("5.1".into()));
        assert_eq!(s("300. - INCREMENTAR"), Some("300".into()));
        assert_eq!(s("Porcentaje de acuerdos"), None);
        assert_eq!(s("60 formatos aplicables"), None);
        assert_eq!(s("10.7 Realizar compilación"), Some("10.7".into()));
        assert_eq!(clave_only("300.-"), Some("300".into()));
        assert_eq!(clave_only("101."), Some("101".into()));
        assert_eq!(clave_only("texto"), None);
    }

    #[test]
    fn names() {
        assert_eq!(
            name_key("DR. AGUSTÍN  Sánchez Pérez"),
            "AGUSTIN SANCHEZ PEREZ"
        );
        assert_eq!(
            name_key("C. LUIS HERIBERTO PUIG GONZALEZ"),
            "LUIS HERIBERTO PUIG GONZALEZ"
        );
        assert_eq!(name_key("LAP. MARIA DE JESUS SOTO"), "MARIA DE JESUS SOTO");
        assert_eq!(
            name_key("Lic. Jorge Alberto Alonso Gameros"),
            "JORGE ALBERTO ALONSO GAMEROS"
        );
        assert_eq!(
            name_key("J. HUMBERTO RENTERÍA CERVANTES"),
            "J HUMBERTO RENTERIA CERVANTES"
        );
        assert_eq!(name_key("M.C. Juan  Pérez 123"), "JUAN PEREZ");
        assert_eq!(name_key("Ing. C. Ana"), "ANA");
        assert_eq!(name_key(" -- "), "");
        assert_eq!(
            name_key("ARQ. MA. FERNANDA SOTO"),
            name_key("Arq. María Fernanda Soto")
        );
    }

    #[test]
    fn title_words() {
        assert_eq!(find_year("PROGRAMA OPERATIVO ANUAL 2024"), Some(2024));
        assert_eq!(find_year("PROGRAMA OPERATIVO ANUAL"), None);
        assert_eq!(find_year("XXIV AYUNTAMIENTO DE MEXICALI 2021-2024"), None);
        assert_eq!(find_year("AYUNTAMIENTO 2021 – 2024, POA 2023"), Some(2023));
        assert_eq!(find_year("FECHA 2024-06-30"), Some(2024));
        assert_eq!(find_quarter_word("PRIMER TRIMESTRE."), Some(1));
    }
}
