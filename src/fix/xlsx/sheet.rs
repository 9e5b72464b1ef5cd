//! One worksheet: its cells as XML fragments in the order they were given, put in sheet order
//! when the book is saved, plus what goes around them (widths, heights, merges, links, notes,
//! autofilter, frozen header).

use super::xml::{self, attr, cell_ref, col_name, push_f64, push_num};
use std::collections::BTreeMap;

/// Excel's default column width (8.43 characters) and row height (15 pt), in pixels.
pub(super) const DEFAULT_COL_PX: u32 = 64;
pub(super) const DEFAULT_ROW_PX: u32 = 20;
/// Excel's last column and row (from 0).
pub(super) const MAX_COL: u32 = 16_383;
pub(super) const MAX_ROW: u32 = 1_048_575;

/// A note (comment) on a cell, with the size of its box in pixels.
struct Note {
    row: u32,
    col: u32,
    text: String,
    width: u32,
    height: u32,
}

/// A worksheet being written. Cells may be given in any order; a cell given twice keeps the
/// last value.
pub struct Sheet {
    pub name: String,
    /// Every cell's `<c>` element, one after the other.
    fragments: String,
    /// (row, col, start, end) of each fragment in `fragments`, in the order given.
    index: Vec<(u32, u32, u32, u32)>,
    /// Column widths and row heights in pixels.
    widths: BTreeMap<u32, u32>,
    heights: BTreeMap<u32, u32>,
    merges: Vec<[u32; 4]>,
    /// Cell → location (`'Sheet'!A1`) and the text shown.
    links: Vec<(u32, u32, String, String)>,
    notes: Vec<Note>,
    autofilter: Option<[u32; 4]>,
    view: View,
}

/// How a sheet opens: whether its tab is the one selected, and the rows and columns frozen.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    pub selected: bool,
    /// Rows above and columns left of the frozen panes' corner.
    pub freeze: Option<(u32, u32)>,
}

impl Sheet {
    pub fn new(name: &str) -> Sheet {
        Sheet {
            name: name.to_string(),
            fragments: String::with_capacity(16 * 1024),
            index: Vec::with_capacity(256),
            widths: BTreeMap::new(),
            heights: BTreeMap::new(),
            merges: Vec::new(),
            links: Vec::new(),
            notes: Vec::new(),
            autofilter: None,
            view: View::default(),
        }
    }

    /// Width of a column in characters of the default font (as Excel's column dialog).
    pub fn set_width(&mut self, col: u32, chars: f64) {
        self.widths.insert(col, width_px(chars));
    }

    /// Height of a row in points.
    pub fn set_height(&mut self, row: u32, points: f64) {
        self.heights.insert(row, height_px(points));
    }

    /// Appends one cell's element with `write` and indexes it.
    fn cell(&mut self, row: u32, col: u32, write: impl FnOnce(&mut String)) {
        let start = self.fragments.len() as u32;
        write(&mut self.fragments);
        let end = self.fragments.len() as u32;
        if end > start {
            self.index.push((row, col, start, end));
        }
    }

    /// A text cell (inline string). An empty text is a blank cell with the style; a text
    /// longer than a cell holds (32,767 UTF-16 units) is cut there.
    pub fn string(&mut self, row: u32, col: u32, text: &str, style: u32) {
        self.cell(row, col, |x| xml::string_cell(x, row, col, text, style));
    }

    /// A number cell; not finite numbers (Excel has none) are written as text.
    pub fn number(&mut self, row: u32, col: u32, n: f64, style: u32) {
        self.cell(row, col, |x| xml::number_cell(x, row, col, n, style));
    }

    pub fn boolean(&mut self, row: u32, col: u32, b: bool, style: u32) {
        self.cell(row, col, |x| xml::boolean_cell(x, row, col, b, style));
    }

    /// A cell with a style and no value (nothing at all without a style).
    pub fn blank(&mut self, row: u32, col: u32, style: u32) {
        self.cell(row, col, |x| xml::blank_cell(x, row, col, style));
    }

    /// Merges a range: every cell but the first is written blank with `style` (so borders and
    /// fills cover the range); the first cell's value is written by the caller.
    pub fn merge(&mut self, (r1, c1): (u32, u32), (r2, c2): (u32, u32), style: u32) {
        for r in r1..=r2 {
            for c in c1..=c2 {
                if (r, c) != (r1, c1) {
                    self.blank(r, c, style);
                }
            }
        }
        self.merges.push([r1, c1, r2, c2]);
    }

    /// A text cell that links to a cell of the same book.
    pub fn link(&mut self, row: u32, col: u32, sheet: &str, a1: &str, text: &str, style: u32) {
        self.string(row, col, text, style);
        let mut location = String::new();
        xml::quoted_sheet(&mut location, sheet);
        location.push('!');
        location.push_str(a1);
        self.links.push((row, col, location, text.to_string()));
    }

    /// A note on a cell, its box `width` × `height` pixels.
    pub fn note(&mut self, row: u32, col: u32, text: String, width: u32, height: u32) {
        self.notes.push(Note {
            row,
            col,
            text,
            width,
            height,
        });
    }

    pub fn has_notes(&self) -> bool {
        !self.notes.is_empty()
    }

    pub fn autofilter(&mut self, (r1, c1): (u32, u32), (r2, c2): (u32, u32)) {
        self.autofilter = Some([r1, c1, r2, c2]);
    }

    pub fn autofilter_range(&self) -> Option<[u32; 4]> {
        self.autofilter
    }

    pub fn freeze_top_row(&mut self) {
        self.view.freeze = Some((1, 0));
    }

    /// The sheet shown when the book opens.
    pub fn select(&mut self) {
        self.view.selected = true;
    }

    /// The cells in sheet order, the last given of each.
    fn cells_in_order(&self) -> Vec<(u32, u32, u32, u32)> {
        let mut cells = self.index.clone();
        // Stable: among equal cells the order given stays, and the last one is kept.
        cells.sort_by_key(|&(r, c, _, _)| (r, c));
        let mut out: Vec<(u32, u32, u32, u32)> = Vec::with_capacity(cells.len());
        for cell in cells {
            match out.last_mut() {
                Some(last) if (last.0, last.1) == (cell.0, cell.1) => *last = cell,
                _ => out.push(cell),
            }
        }
        out
    }

    /// `xl/worksheets/sheetN.xml`. `drawing`: the relationship of its notes' VML, if any.
    pub fn xml(&self, drawing: Option<&str>) -> String {
        let cells = self.cells_in_order();
        let mut x = String::with_capacity(self.fragments.len() + 2048 + 40 * cells.len());
        // An empty sheet's range is A1.
        let dimension = cells.first().map_or([0; 4], |&(r1, _, _, _)| {
            let (r2, c1, c2) = cells.iter().fold((r1, u32::MAX, 0), |(r2, c1, c2), c| {
                (r2.max(c.0), c1.min(c.1), c2.max(c.1))
            });
            [r1, c1, r2, c2]
        });
        head(&mut x, Some(dimension), self.view, &self.widths);
        x.push_str("<sheetData>");
        let mut heights = self.heights.iter().peekable();
        let mut open: Option<u32> = None;
        for &(r, _, start, end) in &cells {
            if open != Some(r) {
                if open.is_some() {
                    x.push_str("</row>");
                }
                // Rows with a height and no cells before this one.
                while let Some((&hr, &px)) = heights.next_if(|&(&hr, _)| hr < r) {
                    row_open(&mut x, hr, Some(px));
                    x.push_str("/>");
                }
                row_open(
                    &mut x,
                    r,
                    heights.next_if(|&(&hr, _)| hr == r).map(|(_, &px)| px),
                );
                x.push('>');
                open = Some(r);
            }
            x.push_str(&self.fragments[start as usize..end as usize]);
        }
        if open.is_some() {
            x.push_str("</row>");
        }
        for (&hr, &px) in heights {
            row_open(&mut x, hr, Some(px));
            x.push_str("/>");
        }
        x.push_str("</sheetData>");
        tail(
            &mut x,
            &Tail {
                autofilter: self.autofilter,
                merges: &self.merges,
                links: &self.links,
                drawing: None,
                legacy_drawing: drawing,
            },
        );
        x
    }

    fn col_px(&self, col: u32) -> u32 {
        self.widths.get(&col).copied().unwrap_or(DEFAULT_COL_PX)
    }

    fn row_px(&self, row: u32) -> u32 {
        self.heights.get(&row).copied().unwrap_or(DEFAULT_ROW_PX)
    }

    /// The notes' `xl/commentsN.xml` and `xl/drawings/vmlDrawingN.vml`. `data_id`: the
    /// first VML block of this sheet (each block holds 1,024 shapes); returns also how many
    /// blocks the sheet takes.
    pub fn notes_xml(&self, data_id: u32) -> (String, String, u32) {
        let mut notes: Vec<&Note> = self.notes.iter().collect();
        notes.sort_by_key(|n| (n.row, n.col));
        notes.dedup_by_key(|n| (n.row, n.col));
        let blocks = 1 + notes.len() as u32 / 1024;

        let mut c =
            String::with_capacity(512 + notes.iter().map(|n| n.text.len() + 160).sum::<usize>());
        c.push_str(super::XML_DECLARATION);
        c.push_str(r#"<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>poalint</author></authors><commentList>"#);
        for n in &notes {
            c.push_str(r#"<comment ref=""#);
            cell_ref(&mut c, n.row, n.col);
            c.push_str(r#"" authorId="0"><text><r><rPr><sz val="8"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/></rPr>"#);
            xml::t_element(&mut c, &n.text);
            c.push_str("</r></text></comment>");
        }
        c.push_str("</commentList></comments>");

        let mut v = String::with_capacity(1024 + 900 * notes.len());
        v.push_str(r#"<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data=""#);
        for b in 0..blocks {
            if b > 0 {
                v.push(',');
            }
            push_num(&mut v, data_id + b);
        }
        v.push_str(r#""/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>"#);
        for (i, n) in notes.iter().enumerate() {
            let p = self.note_position(n);
            let pt = |px: u32| (f64::from(px) + 0.25).floor() * 0.75;
            v.push_str(r#"<v:shape id="_x0000_s"#);
            push_num(&mut v, 1024 * data_id + 1 + i as u32);
            v.push_str(r##"" type="#_x0000_t202" style="position:absolute;margin-left:"##);
            push_f64(&mut v, pt(p.x_abs));
            v.push_str("pt;margin-top:");
            push_f64(&mut v, pt(p.y_abs));
            v.push_str("pt;width:");
            push_f64(&mut v, pt(n.width));
            v.push_str("pt;height:");
            push_f64(&mut v, pt(n.height));
            v.push_str("pt;z-index:");
            push_num(&mut v, i + 1);
            v.push_str(r##";visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>"##);
            for (k, a) in p.anchor.iter().enumerate() {
                if k > 0 {
                    v.push_str(", ");
                }
                push_num(&mut v, *a);
            }
            v.push_str("</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>");
            push_num(&mut v, n.row);
            v.push_str("</x:Row><x:Column>");
            push_num(&mut v, n.col);
            v.push_str("</x:Column></x:ClientData></v:shape>");
        }
        v.push_str("</xml>");
        (c, v, blocks)
    }

    /// Where Excel puts a note's box: one column right of its cell and one row up (15 and 10
    /// pixels in), as rust_xlsxwriter and Excel itself place a new note.
    fn note_position(&self, n: &Note) -> NotePosition {
        let (col, row) = ((n.col + 1).min(MAX_COL), n.row.saturating_sub(1));
        let (x1, y1) = (15, if n.row == 0 { 2 } else { 10 });
        let x_abs = (0..col).map(|c| self.col_px(c)).sum::<u32>() + x1;
        let y_abs = (0..row).map(|r| self.row_px(r)).sum::<u32>() + y1;
        let across = |from, offset| skip_cells(from, offset, MAX_COL, |c| self.col_px(c));
        let down = |from, offset| skip_cells(from, offset, MAX_ROW, |r| self.row_px(r));
        let ((col, x1), (row, y1)) = (across(col, x1), down(row, y1));
        let ((col2, x2), (row2, y2)) = (across(col, x1 + n.width), down(row, y1 + n.height));
        NotePosition {
            x_abs,
            y_abs,
            anchor: [col, x1, row, y1, col2, x2, row2, y2],
        }
    }
}

/// Appends `$A$1:$H$10` (first row, first column, last row, last column).
pub(super) fn absolute_range(x: &mut String, [r1, c1, r2, c2]: [u32; 4]) {
    for (r, c, sep) in [(r1, c1, ":"), (r2, c2, "")] {
        x.push('$');
        col_name(x, c);
        x.push('$');
        push_num(x, r + 1);
        x.push_str(sep);
    }
}

/// A column `chars` characters of the default font wide (as Excel's column dialog), in pixels.
pub(super) fn width_px(chars: f64) -> u32 {
    let px = if chars <= 0.0 {
        0
    } else if chars < 1.0 {
        (chars * 12.0).round() as u32
    } else {
        (chars * 7.0).round() as u32 + 5
    };
    // Excel's limit: 255 characters.
    px.min(1790)
}

/// A row `points` high, in pixels.
pub(super) fn height_px(points: f64) -> u32 {
    (points * 4.0 / 3.0).round().clamp(0.0, 546.0) as u32
}

/// Appends a `<row>` start tag, left open (`height` in pixels, if not the default).
pub(super) fn row_open(x: &mut String, row: u32, height: Option<u32>) {
    x.push_str("<row r=\"");
    push_num(x, row + 1);
    x.push('"');
    if let Some(px) = height {
        x.push_str(" ht=\"");
        push_f64(x, f64::from(px) * 0.75);
        x.push_str("\" customHeight=\"1\"");
    }
}

/// Appends a worksheet's XML up to `<sheetData>`: the range its cells take (`dimension`:
/// first row, first column, last row, last column; optional in the format, and left out by a
/// sheet written row by row, whose head goes out before its rows), how it opens, its column
/// widths (pixels).
pub(super) fn head(
    x: &mut String,
    dimension: Option<[u32; 4]>,
    view: View,
    widths: &BTreeMap<u32, u32>,
) {
    x.push_str(super::XML_DECLARATION);
    x.push_str(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#);
    if let Some([r1, c1, r2, c2]) = dimension {
        x.push_str(r#"<dimension ref=""#);
        cell_ref(x, r1, c1);
        if (r1, c1) != (r2, c2) {
            x.push(':');
            cell_ref(x, r2, c2);
        }
        x.push_str(r#""/>"#);
    }
    x.push_str(r#"<sheetViews><sheetView"#);
    if view.selected {
        x.push_str(r#" tabSelected="1""#);
    }
    x.push_str(r#" workbookViewId="0""#);
    match view.freeze {
        Some((rows, cols)) if rows > 0 || cols > 0 => {
            x.push_str("><pane");
            if cols > 0 {
                x.push_str(r#" xSplit=""#);
                push_num(x, cols);
                x.push('"');
            }
            if rows > 0 {
                x.push_str(r#" ySplit=""#);
                push_num(x, rows);
                x.push('"');
            }
            x.push_str(r#" topLeftCell=""#);
            cell_ref(x, rows, cols);
            // The selections Excel writes for each kind of frozen pane.
            let selection = |x: &mut String, pane: &str, cell: Option<(u32, u32)>| {
                x.push_str(r#"<selection pane=""#);
                x.push_str(pane);
                x.push('"');
                if let Some((r, c)) = cell {
                    for attribute in [" activeCell=\"", "\" sqref=\""] {
                        x.push_str(attribute);
                        cell_ref(x, r, c);
                    }
                    x.push('"');
                }
                x.push_str("/>");
            };
            if rows > 0 && cols > 0 {
                x.push_str(r#"" activePane="bottomRight" state="frozen"/>"#);
                selection(x, "topRight", Some((0, cols)));
                selection(x, "bottomLeft", Some((rows, 0)));
                selection(x, "bottomRight", None);
            } else {
                let pane = if cols > 0 { "topRight" } else { "bottomLeft" };
                x.push_str(r#"" activePane=""#);
                x.push_str(pane);
                x.push_str(r#"" state="frozen"/>"#);
                selection(x, pane, None);
            }
            x.push_str("</sheetView>");
        }
        _ => x.push_str("/>"),
    }
    x.push_str(r#"</sheetViews><sheetFormatPr defaultRowHeight="15"/>"#);
    if !widths.is_empty() {
        x.push_str("<cols>");
        let mut widths = widths.iter().peekable();
        while let Some((&first, &px)) = widths.next() {
            let mut last = first;
            while let Some((&c, _)) = widths.next_if(|&(&c, &w)| c == last + 1 && w == px) {
                last = c;
            }
            x.push_str("<col min=\"");
            push_num(x, first + 1);
            x.push_str("\" max=\"");
            push_num(x, last + 1);
            x.push_str("\" width=\"");
            push_f64(x, f64::from(px * 256 / 7) / 256.0);
            x.push_str("\" customWidth=\"1\"/>");
        }
        x.push_str("</cols>");
    }
}

/// What follows a worksheet's `<sheetData>`.
pub(super) struct Tail<'a> {
    pub autofilter: Option<[u32; 4]>,
    pub merges: &'a [[u32; 4]],
    /// Cell → location (`'Sheet'!A1`) and the text shown.
    pub links: &'a [(u32, u32, String, String)],
    /// Relationship of the sheet's drawing (charts), if any.
    pub drawing: Option<&'a str>,
    /// Relationship of its notes' VML, if any.
    pub legacy_drawing: Option<&'a str>,
}

/// Appends a worksheet's XML after `</sheetData>`, to its end.
pub(super) fn tail(x: &mut String, t: &Tail) {
    if let Some([r1, c1, r2, c2]) = t.autofilter {
        x.push_str(r#"<autoFilter ref=""#);
        cell_ref(x, r1, c1);
        x.push(':');
        cell_ref(x, r2, c2);
        x.push_str(r#""/>"#);
    }
    if !t.merges.is_empty() {
        x.push_str(r#"<mergeCells count=""#);
        push_num(x, t.merges.len());
        x.push_str(r#"">"#);
        for [r1, c1, r2, c2] in t.merges {
            x.push_str(r#"<mergeCell ref=""#);
            cell_ref(x, *r1, *c1);
            x.push(':');
            cell_ref(x, *r2, *c2);
            x.push_str(r#""/>"#);
        }
        x.push_str("</mergeCells>");
    }
    if !t.links.is_empty() {
        x.push_str("<hyperlinks>");
        let mut links: Vec<_> = t.links.iter().collect();
        links.sort_by_key(|l| (l.0, l.1));
        links.dedup_by_key(|l| (l.0, l.1));
        for (r, c, location, display) in links {
            x.push_str(r#"<hyperlink ref=""#);
            cell_ref(x, *r, *c);
            x.push_str(r#"" location=""#);
            attr(x, location);
            x.push_str(r#"" display=""#);
            attr(x, display);
            x.push_str(r#""/>"#);
        }
        x.push_str("</hyperlinks>");
    }
    x.push_str(r#"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><pageSetup fitToHeight="0" orientation="landscape" horizontalDpi="200" verticalDpi="200"/>"#);
    for (element, id) in [("drawing", t.drawing), ("legacyDrawing", t.legacy_drawing)] {
        if let Some(id) = id {
            x.push('<');
            x.push_str(element);
            x.push_str(r#" r:id=""#);
            x.push_str(id);
            x.push_str(r#""/>"#);
        }
    }
    x.push_str("</worksheet>");
}

/// The cell (column or row) `offset` pixels after the start of cell `from`, and the offset
/// within it; `size` gives each cell's size in pixels.
pub(super) fn skip_cells(
    mut from: u32,
    mut offset: u32,
    last: u32,
    size: impl Fn(u32) -> u32,
) -> (u32, u32) {
    while offset >= size(from) && from < last {
        offset -= size(from);
        from += 1;
    }
    (from, offset)
}

struct NotePosition {
    x_abs: u32,
    y_abs: u32,
    /// Start column, x offset, start row, y offset, end column, x offset, end row, y offset.
    anchor: [u32; 8],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_go_out_in_sheet_order_the_last_value_of_a_cell_wins_and_height_rows_interleave() {
        let mut s = Sheet::new("x");
        s.set_height(0, 30.0);
        s.set_height(3, 24.75);
        s.set_height(9, 15.0);
        s.string(4, 2, "c5", 1);
        s.number(1, 1, 2.5, 0);
        s.string(1, 0, "old", 0);
        s.string(1, 0, "new", 0);
        s.blank(4, 0, 0); // no style: nothing to write
        s.boolean(4, 1, true, 2);
        let xml = s.xml(None);
        let data = &xml[xml.find("<sheetData>").unwrap()..xml.find("</sheetData>").unwrap()];
        assert_eq!(
            data,
            "<sheetData>\
             <row r=\"1\" ht=\"30\" customHeight=\"1\"/>\
             <row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>new</t></is></c><c r=\"B2\"><v>2.5</v></c></row>\
             <row r=\"4\" ht=\"24.75\" customHeight=\"1\"/>\
             <row r=\"5\"><c r=\"B5\" s=\"2\" t=\"b\"><v>1</v></c><c r=\"C5\" s=\"1\" t=\"inlineStr\"><is><t>c5</t></is></c></row>\
             <row r=\"10\" ht=\"15\" customHeight=\"1\"/>"
        );
        assert!(xml.contains(r#"<dimension ref="A2:C5"/>"#), "{xml}");
    }

    #[test]
    fn widths_merge_into_runs_and_a_note_box_sits_right_of_its_cell() {
        let mut s = Sheet::new("x");
        s.set_width(0, 17.0);
        s.set_width(1, 46.0);
        for c in 4..12 {
            s.set_width(c, 7.0);
        }
        let xml = s.xml(None);
        assert!(xml.contains(
            r#"<cols><col min="1" max="1" width="17.7109375" customWidth="1"/><col min="2" max="2" width="46.7109375" customWidth="1"/><col min="5" max="12" width="7.7109375" customWidth="1"/></cols>"#
        ), "{xml}");
        // Note on B23: box from C22 (15 px, 10 px in), 340 × 106 px: Excel’s own placement
        // (the VML of the fixtures’ books is the same bytes rust_xlsxwriter wrote for them).
        s.note(22, 1, "texto".into(), 340, 106);
        let (comments, vml, blocks) = s.notes_xml(1);
        assert_eq!(blocks, 1);
        assert!(comments.contains(r#"<comment ref="B23" authorId="0">"#));
        assert!(
            vml.contains("margin-left:349.5pt;margin-top:322.5pt;width:255pt;height:79.5pt"),
            "{vml}"
        );
        assert!(
            vml.contains("<x:Anchor>2, 15, 21, 10, 8, 11, 26, 16</x:Anchor>"),
            "{vml}"
        );
    }
}
