//! The number formats of an .xlsx, read by poalint itself from `xl/styles.xml`.
//!
//! All poalint needs of a workbook's styles is, per cell format (`<cellXfs>`), whether its
//! number format shows a date or a percentage. calamine's `Xlsx::new` parses the whole part
//! (fonts, fills, borders, alignment, protection, one `Style` each), about 5 % of
//! `poalint lint` on 1,000 captures. So [`super::trim`] inflates the part, [`parse`] reads the
//! two things, and the part is taken out of what calamine is handed: calamine then sees no
//! styles, gives every number as a number, and [`super::grid`] applies these formats instead.
//!
//! [`parse`] reads the part the way calamine 0.38 does (`numFmt` inside `<numFmts>`, `xf`
//! inside `<cellXfs>`, a custom code looked up by the raw `numFmtId`, the same date detection
//! as calamine's `detect_custom_number_format` and `builtin_format_by_id`), so the cells come
//! out the same (`tests` compares both ways on real and made-up workbooks). One difference, on
//! purpose: a cell without an `s` attribute takes the first format, as in Excel (calamine reads
//! it as General; the two differ only in a workbook whose first format is a date format).
//!
//! A part [`parse`] cannot read to its end (malformed XML, an attribute it cannot decode, no
//! closing `</styleSheet>`) is left to calamine, which reports it as before.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::collections::HashMap;

/// What a cell format (`<xf>` of `<cellXfs>`) does to a number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NumberFormat {
    /// Shown as a date or a time (calamine's `CellFormat::DateTime` and `TimeDelta`).
    pub date: bool,
    /// Shown as a percentage, with this many decimals.
    pub percent: Option<u8>,
}

/// Per cell format id, in order; `None` when the part cannot be read as calamine would.
pub fn parse(xml: &[u8]) -> Option<Vec<NumberFormat>> {
    let mut reader = Reader::from_reader(xml);
    // As calamine reads it: mismatched end tags are not an error.
    reader.config_mut().check_end_names = false;
    // Custom codes by their raw `numFmtId`.
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => loop {
                match reader.read_event().ok()? {
                    Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "numFmt" => {
                        if let (Some(id), Some(code)) =
                            (attr(&e, "numFmtId")?, attr(&e, "formatCode")?)
                        {
                            let code = quick_xml::escape::unescape(&code).ok()?.into_owned();
                            custom.insert(id.into_owned(), code);
                        }
                    }
                    Event::End(e) if e.local_name().as_ref() == "numFmts" => break,
                    Event::Eof => return None,
                    _ => {}
                }
            },
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => loop {
                match reader.read_event().ok()? {
                    Event::Start(e) if e.local_name().as_ref() == "xf" => {
                        out.push(cell_format(&e, &custom)?);
                        // Its body (alignment, protection) up to its end.
                        loop {
                            match reader.read_event().ok()? {
                                Event::End(e) if e.local_name().as_ref() == "xf" => break,
                                Event::Eof => return None,
                                _ => {}
                            }
                        }
                    }
                    Event::Empty(e) if e.local_name().as_ref() == "xf" => {
                        out.push(cell_format(&e, &custom)?);
                    }
                    Event::End(e) if e.local_name().as_ref() == "cellXfs" => break,
                    Event::Eof => return None,
                    _ => {}
                }
            },
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => return Some(out),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The raw value of attribute `key` (exact name, as calamine matches it); `None` (outer)
/// when the attributes cannot be read.
fn attr<'e>(e: &'e BytesStart<'_>, key: &str) -> Option<Option<Cow<'e, str>>> {
    for a in e.attributes() {
        let a = a.ok()?;
        if a.key.as_ref() == key {
            return Some(Some(a.value));
        }
    }
    Some(None)
}

/// One `<xf>`: its `numFmtId`, custom or built in. As in calamine, the date test looks the id
/// up as written and the number format (here, its percent) needs an id that reads as a number.
fn cell_format(e: &BytesStart<'_>, custom: &HashMap<String, String>) -> Option<NumberFormat> {
    let Some(id) = attr(e, "numFmtId")? else {
        return Some(NumberFormat::default());
    };
    let code = custom.get(id.as_ref()).map(String::as_str);
    let numeric = id.parse::<u32>().ok();
    Some(NumberFormat {
        date: code.map_or_else(|| builtin_is_date(&id), custom_is_date),
        percent: numeric
            .and_then(|n| code.or_else(|| builtin_code(n)))
            .and_then(super::grid::percent_decimals),
    })
}

/// The built-in codes that show a percentage (ECMA-376 18.8.30); the others do not matter here.
fn builtin_code(id: u32) -> Option<&'static str> {
    match id {
        9 => Some("0%"),
        10 => Some("0.00%"),
        _ => None,
    }
}

/// calamine's `builtin_format_by_id`: the built-in ids of dates, times and durations.
fn builtin_is_date(id: &str) -> bool {
    matches!(
        id,
        "14" | "15"
            | "16"
            | "17"
            | "18"
            | "19"
            | "20"
            | "21"
            | "22"
            | "45"
            | "46"
            | "47"
            | "27"
            | "28"
            | "29"
            | "30"
            | "31"
            | "32"
            | "33"
            | "34"
            | "35"
            | "36"
            | "50"
            | "51"
            | "52"
            | "53"
            | "54"
            | "55"
            | "56"
            | "57"
            | "58"
    )
}

/// calamine's `detect_custom_number_format`, reduced to "a date, a time or a duration": a
/// day, month, year, hour or second token in the first section, outside quotes, brackets and
/// escapes (`[h]` makes a duration, also a date here).
fn custom_is_date(format: &str) -> bool {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for c in format.chars() {
        match (c, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => {}
            ('"', ..) => quoted = true,
            (';', ..) => return false,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return true,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return true,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return true;
            }
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{NumberFormat, custom_is_date, parse};

    #[test]
    fn custom_codes() {
        for date in [
            "DD/MM/YY",
            "H:MM:SS;@",
            "dd/mm/yyyy",
            "d-mmm-yy",
            "[h]:mm:ss",
            "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy",
            "yyyy-mm-dd;@",
            "am/pm h",
        ] {
            assert!(custom_is_date(date), "{date}");
        }
        for other in [
            "0%",
            "0.00%",
            "#,##0",
            "\"day\" 0",
            "0\\d",
            "[Red]0.0",
            "General",
            "#,##0 ;[Red](#,##0)",
            "_(* #,##0_)",
            "0;dd/mm",
        ] {
            assert!(!custom_is_date(other), "{other}");
        }
    }

    #[test]
    fn reads_cell_formats_like_calamine() {
        let xml = br#"<?xml version="1.0"?>
<x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:numFmts count="3"><x:numFmt numFmtId="164" formatCode="0.0%"/><x:numFmt numFmtId="165" formatCode="dd/mm/yyyy"/><x:numFmt numFmtId="166" formatCode="&quot;d&quot;0"/></x:numFmts>
<x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs>
<x:cellXfs count="8"><x:xf numFmtId="0"/><x:xf numFmtId="9"><x:alignment wrapText="1"/></x:xf><x:xf numFmtId="10"/><x:xf numFmtId="14"/><x:xf numFmtId="164"/><x:xf numFmtId="165"/><x:xf numFmtId="166"/><x:xf fontId="1"/></x:cellXfs>
</x:styleSheet>"#;
        let f = parse(xml).unwrap();
        let n = |date, percent| NumberFormat { date, percent };
        assert_eq!(
            f,
            [
                n(false, None),
                n(false, Some(0)),
                n(false, Some(2)),
                n(true, None),
                n(false, Some(1)),
                n(true, None),
                n(false, None),
                n(false, None),
            ]
        );
    }

    #[test]
    fn leaves_what_it_cannot_read_to_calamine() {
        // No end of the style sheet, a cut cell format list, a broken attribute.
        for xml in [
            &br#"<styleSheet><cellXfs><xf numFmtId="9"/></cellXfs>"#[..],
            br#"<styleSheet><cellXfs><xf numFmtId="9"/>"#,
            br#"<styleSheet><cellXfs><xf numFmtId="9></cellXfs></styleSheet>"#,
            br#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="&bogus;"/></numFmts></styleSheet>"#,
        ] {
            assert_eq!(parse(xml), None, "{}", String::from_utf8_lossy(xml));
        }
        assert_eq!(parse(b"<styleSheet/>"), None);
        assert_eq!(parse(b"<styleSheet></styleSheet>"), Some(Vec::new()));
    }
}
