//! Escaping and number formatting for the parts' XML.

use std::fmt::Write;

/// Appends an integer in decimal (the hot path: every cell's reference).
pub fn push_num(x: &mut String, n: impl itoa::Integer) {
    x.push_str(itoa::Buffer::new().format(n));
}

/// Appends a finite number as Rust (and Excel) read it back exactly, as Rust's `{}` writes
/// it; whole numbers, most of a capture's, and multiples of 1/256 below 2^20 (the widths,
/// heights and positions in points of a sheet: pixels × 0.75, characters in 256ths) without
/// going through float formatting.
pub fn push_f64(x: &mut String, n: f64) {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        x.push_str(itoa::Buffer::new().format(n as i64));
    } else if (n * 256.0).fract() == 0.0 && n.abs() < 1_048_576.0 {
        // n = k / 256 exactly: at most 8 decimals, and at most 15 significant digits, so no
        // shorter decimal reads back as n: the exact expansion is what `{}` writes.
        let k = (n * 256.0) as i64;
        if k < 0 {
            x.push('-');
        }
        let k = k.unsigned_abs();
        x.push_str(itoa::Buffer::new().format(k / 256));
        // The fraction in units of 10^-8 (1/256 = 0.00390625), never 0 here.
        let mut frac = (k % 256) * 390_625;
        let mut digits = [b'0'; 8];
        for d in digits.iter_mut().rev() {
            *d = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        let len = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
        x.push('.');
        x.push_str(std::str::from_utf8(&digits[..len]).unwrap_or("0"));
    } else {
        let _ = write!(x, "{n}");
    }
}

/// Appends `s` escaped as element text, the way Excel does: `&`, `<`, `>`, and the control
/// characters XML cannot hold (all but tab and newline) as `_xHHHH_`; a literal `_xHHHH_` in
/// the text gets its underscore escaped (`_x005F_xHHHH_`) so it reads back as written.
pub fn text(x: &mut String, s: &str) {
    // Bytes that may need escaping: `&`, `<`, `>`, `_`, control characters, and the first byte
    // of U+FFFE and U+FFFF (0xEF). A byte scan: texts are mostly plain.
    const SPECIAL: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            t[b] = b != b'\t' as usize && b != b'\n' as usize;
            b += 1;
        }
        t[b'&' as usize] = true;
        t[b'<' as usize] = true;
        t[b'>' as usize] = true;
        t[b'_' as usize] = true;
        t[0xEF] = true;
        t
    };
    let bytes = s.as_bytes();
    let (mut done, mut i) = (0, 0);
    while i < bytes.len() {
        if !SPECIAL[bytes[i] as usize] {
            i += 1;
            continue;
        }
        let rest = &s[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let escaped = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '_' if is_escape(rest) => Some("_x005F_"),
            '\u{FFFE}' | '\u{FFFF}' => None,
            c if c < ' ' => None,
            _ => {
                i += c.len_utf8();
                continue;
            }
        };
        x.push_str(&s[done..i]);
        match escaped {
            Some(e) => x.push_str(e),
            None => {
                let _ = write!(x, "_x{:04X}_", c as u32);
            }
        }
        i += c.len_utf8();
        done = i;
    }
    x.push_str(&s[done..]);
}

/// Appends a `<t>` element holding `s` (with `xml:space="preserve"` when leading or trailing
/// spaces would otherwise be dropped): the text of a cell and of a note.
pub fn t_element(x: &mut String, s: &str) {
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        x.push_str("<t xml:space=\"preserve\">");
    } else {
        x.push_str("<t>");
    }
    text(x, s);
    x.push_str("</t>");
}

/// Whether `s` starts with `_xHHHH_`.
fn is_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 7 && b[1] == b'x' && b[6] == b'_' && b[2..6].iter().all(u8::is_ascii_hexdigit)
}

/// Appends `s` escaped as an attribute value.
pub fn attr(x: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['&', '"', '<', '>', '\n']) {
        x.push_str(&rest[..i]);
        x.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&#xA;",
        });
        rest = &rest[i + 1..];
    }
    x.push_str(rest);
}

/// Appends the A1 name of a cell (`row`, `col` from 0).
pub fn cell_ref(x: &mut String, row: u32, col: u32) {
    col_name(x, col);
    push_num(x, row + 1);
}

/// Appends the letters of a column (from 0).
pub fn col_name(x: &mut String, col: u32) {
    if col < 26 {
        // A to Z: every column of a capture, one push.
        x.push(char::from(b'A' + col as u8));
        return;
    }
    let mut letters = [0u8; 3];
    let mut n = col + 1;
    let mut i = letters.len();
    while n > 0 {
        i -= 1;
        letters[i] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    x.push_str(std::str::from_utf8(&letters[i..]).unwrap_or("A"));
}

/// `'Sheet name'` for a formula or a defined name.
pub fn quoted_sheet(x: &mut String, name: &str) {
    x.push('\'');
    x.push_str(&name.replace('\'', "''"));
    x.push('\'');
}

/// Excel's limit for the text of a cell, in UTF-16 units.
const MAX_CELL_TEXT: usize = 32_767;

/// `text`, cut to what a cell holds.
pub fn cut_to_cell(text: &str) -> &str {
    if text.len() <= MAX_CELL_TEXT {
        return text; // UTF-8 bytes ≥ UTF-16 units
    }
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_TEXT {
            return &text[..i];
        }
    }
    text
}

/// Appends the start of a `<c>` element, `<c r="B2" s="3"` (style 0, Excel's default, has no
/// `s`), left open for its type and value.
fn cell_start(x: &mut String, row: u32, col: u32, style: u32) {
    x.push_str("<c r=\"");
    cell_ref(x, row, col);
    if style > 0 {
        x.push_str("\" s=\"");
        push_num(x, style);
    }
    x.push('"');
}

/// Appends a text cell (an inline string, cut to what a cell holds); an empty text is a blank
/// cell with the style.
pub fn string_cell(x: &mut String, row: u32, col: u32, text: &str, style: u32) {
    if text.is_empty() {
        return blank_cell(x, row, col, style);
    }
    cell_start(x, row, col, style);
    x.push_str(" t=\"inlineStr\"><is>");
    t_element(x, cut_to_cell(text));
    x.push_str("</is></c>");
}

/// Appends a number cell; not finite numbers (Excel has none) are written as text.
pub fn number_cell(x: &mut String, row: u32, col: u32, n: f64, style: u32) {
    if !n.is_finite() {
        return string_cell(x, row, col, &n.to_string(), style);
    }
    cell_start(x, row, col, style);
    x.push_str("><v>");
    push_f64(x, n);
    x.push_str("</v></c>");
}

/// Appends a boolean cell.
pub fn boolean_cell(x: &mut String, row: u32, col: u32, b: bool, style: u32) {
    cell_start(x, row, col, style);
    x.push_str(if b {
        " t=\"b\"><v>1</v></c>"
    } else {
        " t=\"b\"><v>0</v></c>"
    });
}

/// Appends a cell with a style and no value (nothing at all without a style).
pub fn blank_cell(x: &mut String, row: u32, col: u32, style: u32) {
    if style > 0 {
        cell_start(x, row, col, style);
        x.push_str("/>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_excel() {
        let mut x = String::new();
        text(&mut x, "a & b <c> \"d\"\n\t\u{1}_x0041_ _xZZ_");
        assert_eq!(x, "a &amp; b &lt;c&gt; \"d\"\n\t_x0001__x005F_x0041_ _xZZ_");
        let mut x = String::new();
        attr(&mut x, "a&\"<>\nb");
        assert_eq!(x, "a&amp;&quot;&lt;&gt;&#xA;b");
    }

    /// The escaping as first written, a character at a time.
    fn text_by_chars(x: &mut String, s: &str) {
        let mut rest = s;
        while let Some(i) = rest.find(|c: char| {
            matches!(c, '&' | '<' | '>' | '_' | '\u{FFFE}' | '\u{FFFF}')
                || (c < ' ' && c != '\t' && c != '\n')
        }) {
            x.push_str(&rest[..i]);
            let c = rest[i..].chars().next().unwrap_or(' ');
            match c {
                '&' => x.push_str("&amp;"),
                '<' => x.push_str("&lt;"),
                '>' => x.push_str("&gt;"),
                '_' if is_escape(&rest[i..]) => x.push_str("_x005F_"),
                '_' => x.push('_'),
                c => {
                    let _ = write!(x, "_x{:04X}_", c as u32);
                }
            }
            rest = &rest[i + c.len_utf8()..];
        }
        x.push_str(rest);
    }

    #[test]
    fn the_byte_scan_escapes_as_the_character_scan() {
        let pieces = [
            "a", "ñandú", "&", "<", ">", "_", "_x0041_", "_xZZ_", "\u{1}", "\t", "\n", "\u{1F}",
            "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "\u{F000}", "\u{E000}", "😀", " ", "x",
        ];
        let mut seed = 7u64;
        for _ in 0..5000 {
            let mut s = String::new();
            for _ in 0..(seed % 12) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            seed = seed.wrapping_add(3);
            let (mut a, mut b) = (String::new(), String::new());
            text(&mut a, &s);
            text_by_chars(&mut b, &s);
            assert_eq!(a, b, "{s:?}");
        }
    }

    #[test]
    fn numbers_read_back_exactly() {
        for n in [
            0.0,
            -0.0,
            7.0,
            -12.0,
            0.95,
            1.0 / 3.0,
            123456789012345.0,
            1e15,
            1e21,
            2.5e-7,
        ] {
            let mut x = String::new();
            push_f64(&mut x, n);
            assert_eq!(x.parse::<f64>().unwrap(), n, "{x}");
        }
    }

    #[test]
    fn multiples_of_a_256th_are_written_as_rust_writes_them() {
        for k in -300_000i64..300_000 {
            let n = k as f64 / 256.0;
            let mut x = String::new();
            push_f64(&mut x, n);
            assert_eq!(x, format!("{n}"), "{k}/256");
        }
        for n in [1_048_576.5, 123_456_789.00390625, 0.1, 1.0 / 3.0, 2.5e-7] {
            let mut x = String::new();
            push_f64(&mut x, n);
            assert_eq!(x, format!("{n}"));
        }
    }

    #[test]
    fn cell_names() {
        let mut x = String::new();
        for (r, c) in [
            (0, 0),
            (9, 25),
            (0, 26),
            (99, 701),
            (0, 702),
            (1_048_575, 16_383),
        ] {
            cell_ref(&mut x, r, c);
            x.push(' ');
        }
        assert_eq!(x, "A1 Z10 AA1 ZZ100 AAA1 XFD1048576 ");
    }

    #[test]
    fn a_text_longer_than_a_cell_holds_is_cut_at_the_limit() {
        let long = "é".repeat(40_000); // 2 bytes, 1 UTF-16 unit each
        assert_eq!(cut_to_cell(&long).chars().count(), MAX_CELL_TEXT);
        let emoji = "😀".repeat(20_000); // 2 UTF-16 units each
        assert_eq!(cut_to_cell(&emoji).chars().count(), MAX_CELL_TEXT / 2);
        assert_eq!(cut_to_cell("corto"), "corto");
    }
}
