//! `xl/styles.xml`: every [`Style`] a book uses, numbered in the order of first use.

use super::xml::{attr, push_num};
use crate::fix::style::{Border, FONT, HAlign, MANUAL_BORDER, Style, VAlign};

/// The styles of one book. Index 0 is Excel's default cell format; a style's index is the
/// `s` attribute of its cells.
#[derive(Default)]
pub struct Styles {
    styles: Vec<Style>,
    /// Whether the book has notes (Excel lists their font among the fonts).
    pub has_notes: bool,
}

impl Styles {
    /// The index of `style`, added if new. A book uses a few dozen styles: a linear scan
    /// beats hashing a `Style` (callers keep their own small caches in front of it).
    pub fn id(&mut self, style: &Style) -> u32 {
        let i = match self.styles.iter().position(|s| s == style) {
            Some(i) => i,
            None => {
                self.styles.push(style.clone());
                self.styles.len() - 1
            }
        };
        i as u32 + 1
    }

    pub fn xml(&self) -> String {
        let mut num_formats: Vec<&str> = Vec::new();
        let mut fonts: Vec<(bool, u8, Option<u32>, bool)> = Vec::new();
        let mut fills: Vec<u32> = Vec::new();
        let mut borders: Vec<Border> = Vec::new();
        let mut xfs = Vec::new();
        fn index<T: PartialEq>(v: &mut Vec<T>, x: T) -> usize {
            v.iter().position(|y| *y == x).unwrap_or_else(|| {
                v.push(x);
                v.len() - 1
            })
        }
        for s in &self.styles {
            let num = s
                .num_format
                .as_deref()
                .map(|f| 164 + index(&mut num_formats, f));
            let font = 1 + index(&mut fonts, (s.bold, s.size, s.color, s.underline));
            let fill = s.fill.map_or(0, |c| 2 + index(&mut fills, c));
            let border = match s.border {
                Border::None => 0,
                b => 1 + index(&mut borders, b),
            };
            xfs.push((num, font, fill, border, s));
        }
        let mut x = String::with_capacity(2048 + 300 * xfs.len());
        x.push_str(super::XML_DECLARATION);
        x.push_str(
            r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
        );
        if !num_formats.is_empty() {
            x.push_str(r#"<numFmts count=""#);
            push_num(&mut x, num_formats.len());
            x.push_str(r#"">"#);
            for (i, f) in num_formats.iter().enumerate() {
                x.push_str(r#"<numFmt numFmtId=""#);
                push_num(&mut x, 164 + i);
                x.push_str(r#"" formatCode=""#);
                attr(&mut x, f);
                x.push_str(r#""/>"#);
            }
            x.push_str("</numFmts>");
        }
        let note_font = usize::from(self.has_notes);
        x.push_str(r#"<fonts count=""#);
        push_num(&mut x, 1 + fonts.len() + note_font);
        x.push_str(r#""><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>"#);
        for (bold, size, color, underline) in &fonts {
            x.push_str("<font>");
            if *bold {
                x.push_str("<b/>");
            }
            if *underline {
                x.push_str("<u/>");
            }
            x.push_str(r#"<sz val=""#);
            push_num(&mut x, *size);
            match color {
                Some(c) => x.push_str(&format!(r#""/><color rgb="FF{c:06X}"/>"#)),
                None => x.push_str(r#""/><color theme="1"/>"#),
            }
            x.push_str(r#"<name val=""#);
            x.push_str(FONT);
            x.push_str(r#""/><family val="2"/></font>"#);
        }
        if self.has_notes {
            x.push_str(r#"<font><sz val="8"/><color indexed="81"/><name val="Tahoma"/><family val="2"/></font>"#);
        }
        x.push_str(r#"</fonts><fills count=""#);
        push_num(&mut x, 2 + fills.len());
        x.push_str(r#""><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#);
        for c in &fills {
            x.push_str(&format!(
                r#"<fill><patternFill patternType="solid"><fgColor rgb="FF{c:06X}"/><bgColor indexed="64"/></patternFill></fill>"#
            ));
        }
        x.push_str(r#"</fills><borders count=""#);
        push_num(&mut x, 1 + borders.len());
        x.push_str(r#""><border><left/><right/><top/><bottom/><diagonal/></border>"#);
        for b in &borders {
            let (style, color) = match b {
                Border::Manual => ("mediumDashed", format!(r#"rgb="FF{MANUAL_BORDER:06X}""#)),
                _ => ("thin", r#"auto="1""#.to_string()),
            };
            x.push_str("<border>");
            for side in ["left", "right", "top", "bottom"] {
                x.push_str(&format!(
                    r#"<{side} style="{style}"><color {color}/></{side}>"#
                ));
            }
            x.push_str("<diagonal/></border>");
        }
        x.push_str(r#"</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count=""#);
        push_num(&mut x, 1 + xfs.len());
        x.push_str(r#""><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#);
        for (num, font, fill, border, s) in xfs {
            x.push_str(r#"<xf numFmtId=""#);
            push_num(&mut x, num.unwrap_or(0));
            x.push_str(r#"" fontId=""#);
            push_num(&mut x, font);
            x.push_str(r#"" fillId=""#);
            push_num(&mut x, fill);
            x.push_str(r#"" borderId=""#);
            push_num(&mut x, border);
            x.push_str(r#"" xfId="0""#);
            if num.is_some() {
                x.push_str(r#" applyNumberFormat="1""#);
            }
            x.push_str(r#" applyFont="1""#);
            if fill > 0 {
                x.push_str(r#" applyFill="1""#);
            }
            if border > 0 {
                x.push_str(r#" applyBorder="1""#);
            }
            let h = match s.h_align {
                HAlign::General => "",
                HAlign::Left => r#" horizontal="left""#,
                HAlign::Center => r#" horizontal="center""#,
                HAlign::Right => r#" horizontal="right""#,
            };
            let v = match s.v_align {
                VAlign::Bottom => "",
                VAlign::Top => r#" vertical="top""#,
                VAlign::Center => r#" vertical="center""#,
            };
            let wrap = if s.wrap { r#" wrapText="1""# } else { "" };
            if h.is_empty() && v.is_empty() && wrap.is_empty() {
                x.push_str("/>");
            } else {
                x.push_str(r#" applyAlignment="1"><alignment"#);
                x.push_str(h);
                x.push_str(v);
                x.push_str(wrap);
                x.push_str("/></xf>");
            }
        }
        x.push_str(r#"</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/></styleSheet>"#);
        x
    }
}
