//! A stacked column chart over a sheet's columns (`xl/charts/chartN.xml`) and the drawing that
//! places it on the sheet (`xl/drawings/drawingN.xml`): the one chart `resumen.xlsx` has. The
//! XML is what rust_xlsxwriter writes for `ChartType::ColumnStacked`, with the data's cache
//! filled in up to [`MAX_CACHED_POINTS`] categories (viewers that draw from the cache show the
//! same bars).

use super::xml::{self, col_name, push_f64, push_num, quoted_sheet};

/// One series: a column of numbers, its name in the header cell above it.
pub struct Series {
    /// Column of its values (from 0).
    pub col: u32,
    pub name: String,
    pub values: Vec<f64>,
    /// Fill colour, `0xRRGGBB`.
    pub color: u32,
}

/// A stacked column chart over rows `first_row..first_row + categories.len()` of `sheet`:
/// categories in column `category_col`, a [`Series`] per column of values.
pub struct Chart {
    pub sheet: String,
    pub title: String,
    pub y_title: String,
    /// The header row (series names); the data starts on the next row.
    pub header_row: u32,
    pub category_col: u32,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

const C: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
/// Up to this many categories the chart carries a copy of its data (viewers that do not read
/// the cells draw from it); beyond, only the references (Excel reads the cells when it opens
/// the book): a state's run has ~10,000 and the copy would weigh megabytes.
const MAX_CACHED_POINTS: usize = 1000;
/// English Metric Units per pixel (at 96 dpi).
const EMU_PER_PX: u64 = 9525;

/// `<c:ptCount val="…"/>` and a `<c:pt>` per value: a chart's copy of the cells it refers to.
fn cache<T>(x: &mut String, values: &[T], write: impl Fn(&mut String, &T)) {
    x.push_str(r#"<c:ptCount val=""#);
    push_num(x, values.len() as u32);
    x.push_str(r#""/>"#);
    for (k, v) in values.iter().enumerate() {
        x.push_str(r#"<c:pt idx=""#);
        push_num(x, k as u32);
        x.push_str(r#""><c:v>"#);
        write(x, v);
        x.push_str("</c:v></c:pt>");
    }
}

impl Chart {
    /// `'Sheet'!$E$2:$E$9` (or one cell, `'Sheet'!$E$1`, without `last`).
    fn reference(&self, x: &mut String, col: u32, first: u32, last: Option<u32>) {
        quoted_sheet(x, &self.sheet);
        x.push('!');
        for (i, r) in [Some(first), last].into_iter().flatten().enumerate() {
            x.push_str(if i == 0 { "$" } else { ":$" });
            col_name(x, col);
            x.push('$');
            push_num(x, r + 1);
        }
    }

    fn rich_title(x: &mut String, text: &str) {
        x.push_str(r#"<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:rPr lang="en-US"/><a:t>"#);
        xml::text(x, text);
        x.push_str("</a:t></a:r></a:p></c:rich></c:tx><c:layout/></c:title>");
    }

    /// `xl/charts/chartN.xml`.
    pub fn xml(&self) -> String {
        let n = self.categories.len() as u32;
        let cached = self.categories.len() <= MAX_CACHED_POINTS;
        let (first, last) = (self.header_row + 1, self.header_row + n.max(1));
        // Room for the caches only when they are written (a state's 10,000 dependencias
        // reserved 2.6 MB for nothing at the end of the run).
        let points = if cached { n as usize } else { 0 };
        let mut x = String::with_capacity(4096 + 64 * points * (1 + self.series.len()));
        x.push_str(super::XML_DECLARATION);
        x.push_str(&format!(
            r#"<c:chartSpace xmlns:c="{C}" xmlns:a="{A}" xmlns:r="{R}"><c:lang val="en-US"/><c:chart>"#
        ));
        Self::rich_title(&mut x, &self.title);
        x.push_str(r#"<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="stacked"/>"#);
        for (i, s) in self.series.iter().enumerate() {
            x.push_str(r#"<c:ser><c:idx val=""#);
            push_num(&mut x, i as u32);
            x.push_str(r#""/><c:order val=""#);
            push_num(&mut x, i as u32);
            x.push_str(r#""/><c:tx><c:strRef><c:f>"#);
            self.reference(&mut x, s.col, self.header_row, None);
            x.push_str("</c:f><c:strCache>");
            cache(&mut x, &[&s.name], |x, name| xml::text(x, name));
            x.push_str(r#"</c:strCache></c:strRef></c:tx><c:spPr><a:solidFill><a:srgbClr val=""#);
            x.push_str(&format!("{:06X}", s.color));
            x.push_str(r#""/></a:solidFill></c:spPr><c:cat><c:strRef><c:f>"#);
            self.reference(&mut x, self.category_col, first, Some(last));
            x.push_str("</c:f>");
            if cached {
                x.push_str("<c:strCache>");
                cache(&mut x, &self.categories, |x, c| xml::text(x, c));
                x.push_str("</c:strCache>");
            }
            x.push_str(r#"</c:strRef></c:cat><c:val><c:numRef><c:f>"#);
            self.reference(&mut x, s.col, first, Some(last));
            x.push_str("</c:f>");
            if cached {
                x.push_str("<c:numCache><c:formatCode>General</c:formatCode>");
                cache(&mut x, &s.values, |x, v| push_f64(x, *v));
                x.push_str("</c:numCache>");
            }
            x.push_str("</c:numRef></c:val></c:ser>");
        }
        x.push_str(r#"<c:overlap val="100"/><c:axId val="50010001"/><c:axId val="50010002"/></c:barChart><c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:axPos val="b"/><c:tickLblPos val="nextTo"/><c:crossAx val="50010002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx><c:valAx><c:axId val="50010002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:axPos val="l"/><c:majorGridlines/>"#);
        Self::rich_title(&mut x, &self.y_title);
        x.push_str(r#"<c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/><c:crossAx val="50010001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx></c:plotArea><c:legend><c:legendPos val="r"/><c:layout/></c:legend><c:plotVisOnly val="1"/></c:chart><c:printSettings><c:headerFooter/><c:pageMargins b="0.75" l="0.7" r="0.7" t="0.75" header="0.3" footer="0.3"/><c:pageSetup/></c:printSettings></c:chartSpace>"#);
        x
    }
}

/// `xl/drawings/drawingN.xml`: the chart (relationship `rId1`) between two cell corners,
/// each (column, x offset, row, y offset) in pixels.
pub fn drawing_xml(from: [u32; 4], to: [u32; 4]) -> String {
    let mut x = String::with_capacity(1024);
    x.push_str(super::XML_DECLARATION);
    x.push_str(&format!(
        r#"<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="{A}"><xdr:twoCellAnchor>"#
    ));
    for (tag, [col, dx, row, dy]) in [("from", from), ("to", to)] {
        x.push_str(&format!(
            "<xdr:{tag}><xdr:col>{col}</xdr:col><xdr:colOff>{}</xdr:colOff><xdr:row>{row}</xdr:row><xdr:rowOff>{}</xdr:rowOff></xdr:{tag}>",
            u64::from(dx) * EMU_PER_PX,
            u64::from(dy) * EMU_PER_PX
        ));
    }
    x.push_str(&format!(
        r#"<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="{C}"><c:chart xmlns:c="{C}" xmlns:r="{R}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>"#
    ));
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(n: usize) -> Chart {
        Chart {
            sheet: "Por dependencia".into(),
            title: "Hallazgos".into(),
            y_title: "hallazgos".into(),
            header_row: 0,
            category_col: 0,
            categories: (0..n).map(|i| format!("libro {i} & otro")).collect(),
            series: vec![Series {
                col: 4,
                name: "errores".into(),
                values: (0..n).map(|i| i as f64).collect(),
                color: 0xCC4125,
            }],
        }
    }

    #[test]
    fn a_chart_refers_to_its_cells_and_copies_them_while_they_are_few() {
        let x = chart(3).xml();
        assert!(x.contains("<c:f>'Por dependencia'!$E$1</c:f>"), "{x}");
        assert!(x.contains("<c:f>'Por dependencia'!$A$2:$A$4</c:f><c:strCache><c:ptCount val=\"3\"/><c:pt idx=\"0\"><c:v>libro 0 &amp; otro</c:v></c:pt>"), "{x}");
        assert!(x.contains("<c:f>'Por dependencia'!$E$2:$E$4</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val=\"3\"/><c:pt idx=\"0\"><c:v>0</c:v></c:pt><c:pt idx=\"1\"><c:v>1</c:v></c:pt>"), "{x}");
        assert!(x.contains("<a:srgbClr val=\"CC4125\"/>"));
        // A state's run: the references only.
        let x = chart(MAX_CACHED_POINTS + 1).xml();
        assert!(
            x.contains("<c:f>'Por dependencia'!$E$2:$E$1002</c:f></c:numRef>"),
            "{x}"
        );
        assert!(!x.contains("<c:numCache>") && !x.contains("libro 0"));
        assert!(
            x.contains("<c:v>errores</c:v>"),
            "the series name is always there"
        );
    }

    #[test]
    fn the_drawing_places_the_chart_between_two_corners_in_emu() {
        let x = drawing_xml([0, 0, 9, 0], [5, 84, 30, 0]);
        assert!(x.contains("<xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>9</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>5</xdr:col><xdr:colOff>800100</xdr:colOff><xdr:row>30</xdr:row>"), "{x}");
    }
}
