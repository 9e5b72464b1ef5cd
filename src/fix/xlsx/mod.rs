//! A direct SpreadsheetML writer for the fix-up workbooks and `resumen.xlsx`: worksheets of
//! inline strings, numbers and booleans with styles, merged ranges, links within the book,
//! notes, an autofilter, frozen panes and a stacked column chart; nothing else. A sheet is
//! built in memory in any order ([`Sheet`]: a capture rebuilt) or written row by row and
//! deflated as it goes ([`RowSheet`]: the summary's long lists).
//!
//! Why not rust_xlsxwriter: a fix-up book is written for every
//! capture with findings, ~1,000 per run for a state, and rust_xlsxwriter's general API cost
//! 2.3 ms of CPU a book (perf, 200 generated captures, `--jobs 1`): a hash of the whole
//! `Format` for every cell written (14 % of the run), a temporary file per sheet, a deflate
//! stream started for each of ~30 parts. Here a cell's style is an index found once per
//! distinct style, each cell is one XML fragment appended to one buffer, small parts are
//! stored and large ones deflated by one compressor per thread.
//!
//! The summary's sheets cost it as much again: a hash of every `Format` and a temporary file
//! read back and deflated after the last book, on one thread (~0.1 s a 1,000-capture run).
//!
//! The XML is what rust_xlsxwriter writes for the same book (same elements, order and
//! attributes; the theme is its theme; the chart's data cache filled in): books it wrote open
//! in Excel, LibreOffice and openpyxl, and tests/fix.rs reads these back with calamine and
//! converts two with LibreOffice.

mod chart;
mod deflate;
mod sheet;
mod stream;
mod styles;
mod xml;
mod zip;

pub use chart::{Chart, Series};
pub use sheet::{Sheet, View};
pub use stream::{RowSheet, StreamedSheet};
pub use styles::Styles;
pub use zip::Archive;

use std::io::{self, Write};
use std::sync::OnceLock;

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// The document properties of a book.
pub struct Properties<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub comment: &'a str,
    /// `2000-01-01T00:00:00Z`
    pub created: &'a str,
}

/// A workbook: its styles and its sheets, in order.
#[derive(Default)]
pub struct Book {
    pub styles: Styles,
    sheets: Vec<Part>,
    /// Each chart, the sheet it is drawn on and its corners (column, x offset, row, y offset,
    /// in pixels); the k-th (from 1) is `chartk.xml` in `drawingk.xml`.
    charts: Vec<(usize, Chart, [u32; 4], [u32; 4])>,
}

/// A sheet of a book: built in memory, written row by row beforehand, or already in the
/// book's file (its name and autofilter: see [`Book::push_written`]).
enum Part {
    Cells(Sheet),
    Rows(StreamedSheet),
    Written(String, Option<[u32; 4]>),
}

impl Part {
    fn name(&self) -> &str {
        match self {
            Part::Cells(s) => &s.name,
            Part::Rows(s) => &s.name,
            Part::Written(name, _) => name,
        }
    }

    fn autofilter(&self) -> Option<[u32; 4]> {
        match self {
            Part::Cells(s) => s.autofilter_range(),
            Part::Rows(s) => s.autofilter,
            Part::Written(_, autofilter) => *autofilter,
        }
    }

    fn has_notes(&self) -> bool {
        matches!(self, Part::Cells(s) if s.has_notes())
    }
}

/// `xl/theme/theme1.xml` (rust_xlsxwriter's, which is Excel 2007's), deflated once.
fn theme() -> &'static zip::Deflated {
    static THEME: OnceLock<zip::Deflated> = OnceLock::new();
    THEME.get_or_init(|| zip::deflate(include_bytes!("theme1.xml")))
}

const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const CONTENT: &str = "application/vnd.openxmlformats-officedocument";

impl Book {
    pub fn new() -> Book {
        Book::default()
    }

    pub fn push(&mut self, sheet: Sheet) {
        self.sheets.push(Part::Cells(sheet));
    }

    /// Adds a sheet written row by row; with a chart drawn on it between two cell corners
    /// (column, x offset, row, y offset, in pixels; the sheet was finished with the drawing's
    /// relationship, `rId1`).
    pub fn push_streamed(
        &mut self,
        sheet: StreamedSheet,
        chart: Option<(Chart, [u32; 4], [u32; 4])>,
    ) {
        if let Some((chart, from, to)) = chart {
            self.charts.push((self.sheets.len(), chart, from, to));
        }
        self.sheets.push(Part::Rows(sheet));
    }

    /// Adds a sheet whose part is already at the start of the book's file: written row by row
    /// straight into it ([`Archive::written_first`], named [`Book::part_name`] of its place),
    /// for [`Book::save_into`] to write the rest after it.
    pub fn push_written<W>(&mut self, sheet: &StreamedSheet<W>) {
        self.sheets
            .push(Part::Written(sheet.name.clone(), sheet.autofilter));
    }

    /// The part of the `i`-th sheet (from 0).
    pub fn part_name(i: usize) -> String {
        format!("xl/worksheets/sheet{}.xml", i + 1)
    }

    /// The `.xlsx` file's bytes.
    pub fn save(self, props: &Properties) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let rest = self.save_parts(zip::Archive::with_capacity(64 * 1024), props, &mut out)?;
        if out.is_empty() {
            // No streamed sheet went out first (a fix-up book): the archive is the file.
            return Ok(rest);
        }
        out.extend_from_slice(&rest);
        Ok(out)
    }

    /// Writes the rest of the `.xlsx` file to `w`, after what `zip` holds: the parts of
    /// sheets added with [`Book::push_written`].
    pub fn save_into(self, zip: Archive, props: &Properties, w: &mut impl Write) -> io::Result<()> {
        let rest = self.save_parts(zip, props, w)?;
        w.write_all(&rest)
    }

    /// Adds the book's parts to `zip` (a streamed sheet's part goes to `w` with the archive
    /// before it); returns the archive's bytes not yet written to `w`.
    fn save_parts(
        mut self,
        mut zip: Archive,
        props: &Properties,
        w: &mut impl Write,
    ) -> io::Result<Vec<u8>> {
        self.styles.has_notes = self.sheets.iter().any(Part::has_notes);
        // The sheets with notes; the k-th (from 1) has commentsk.xml and vmlDrawingk.vml.
        let noted: Vec<usize> = (0..self.sheets.len())
            .filter(|&i| self.sheets[i].has_notes())
            .collect();
        zip.add(
            "[Content_Types].xml",
            self.content_types(noted.len()).as_bytes(),
        )?;
        zip.add("_rels/.rels", package_rels().as_bytes())?;
        zip.add(
            "xl/_rels/workbook.xml.rels",
            self.workbook_rels().as_bytes(),
        )?;
        zip.add_deflated("xl/theme/theme1.xml", theme())?;
        zip.add("xl/styles.xml", self.styles.xml().as_bytes())?;
        zip.add("xl/workbook.xml", self.workbook().as_bytes())?;
        // Sheets, then their notes (VML blocks numbered across the book, from 1).
        let mut data_id = 1;
        let mut notes = Vec::new();
        for (i, s) in self.sheets.iter_mut().enumerate() {
            let sheet = Book::part_name(i);
            let rels = format!("xl/worksheets/_rels/sheet{}.xml.rels", i + 1);
            match s {
                Part::Cells(s) => {
                    let k = noted.iter().position(|&j| j == i).map(|k| k + 1);
                    zip.add(&sheet, s.xml(k.map(|_| "rId1")).as_bytes())?;
                    if let Some(k) = k {
                        zip.add(&rels, notes_rels(k).as_bytes())?;
                        let (comments, vml, blocks) = s.notes_xml(data_id);
                        data_id += blocks;
                        notes.push((k, comments, vml));
                    }
                }
                Part::Rows(s) => {
                    let info = s.part.info;
                    zip.add_streamed(&sheet, info, &mut s.part.sink.reader()?, w)?;
                }
                Part::Written(..) => {
                    if zip.first() != Some(sheet.as_str()) {
                        return Err(io::Error::other(format!("falta la parte {sheet}")));
                    }
                }
            }
            if !matches!(s, Part::Cells(_))
                && let Some(k) = self.charts.iter().position(|c| c.0 == i)
            {
                zip.add(&rels, drawing_rel(k + 1).as_bytes())?;
            }
        }
        zip.add("docProps/core.xml", core(props).as_bytes())?;
        zip.add("docProps/app.xml", self.app().as_bytes())?;
        for (k, _, vml) in &notes {
            zip.add(&format!("xl/drawings/vmlDrawing{k}.vml"), vml.as_bytes())?;
        }
        for (k, comments, _) in &notes {
            zip.add(&format!("xl/comments{k}.xml"), comments.as_bytes())?;
        }
        for (k, (_, chart, from, to)) in self.charts.iter().enumerate() {
            let k = k + 1;
            zip.add(
                &format!("xl/drawings/drawing{k}.xml"),
                chart::drawing_xml(*from, *to).as_bytes(),
            )?;
            zip.add(
                &format!("xl/drawings/_rels/drawing{k}.xml.rels"),
                chart_rel(k).as_bytes(),
            )?;
            zip.add(&format!("xl/charts/chart{k}.xml"), chart.xml().as_bytes())?;
        }
        zip.finish()
    }

    /// `[Content_Types].xml`; `noted`: how many sheets have notes.
    fn content_types(&self, noted: usize) -> String {
        let mut x = String::with_capacity(4096);
        x.push_str(XML_DECLARATION);
        x.push_str(r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#);
        if noted > 0 {
            x.push_str(&format!(
                r#"<Default Extension="vml" ContentType="{CONTENT}.vmlDrawing"/>"#
            ));
        }
        x.push_str(&format!(r#"<Override PartName="/docProps/app.xml" ContentType="{CONTENT}.extended-properties+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/xl/styles.xml" ContentType="{CONTENT}.spreadsheetml.styles+xml"/><Override PartName="/xl/theme/theme1.xml" ContentType="{CONTENT}.theme+xml"/><Override PartName="/xl/workbook.xml" ContentType="{CONTENT}.spreadsheetml.sheet.main+xml"/>"#));
        for i in 1..=self.sheets.len() {
            x.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CONTENT}.spreadsheetml.worksheet+xml"/>"#));
        }
        for k in 1..=noted {
            x.push_str(&format!(r#"<Override PartName="/xl/comments{k}.xml" ContentType="{CONTENT}.spreadsheetml.comments+xml"/>"#));
        }
        for k in 1..=self.charts.len() {
            x.push_str(&format!(r#"<Override PartName="/xl/drawings/drawing{k}.xml" ContentType="{CONTENT}.drawing+xml"/><Override PartName="/xl/charts/chart{k}.xml" ContentType="{CONTENT}.drawingml.chart+xml"/>"#));
        }
        x.push_str("</Types>");
        x
    }

    /// `xl/_rels/workbook.xml.rels`: the sheets, the theme, the styles.
    fn workbook_rels(&self) -> String {
        let n = self.sheets.len();
        let mut x = String::with_capacity(2048);
        x.push_str(XML_DECLARATION);
        x.push_str(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
        for i in 1..=n {
            x.push_str(&format!(r#"<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>"#));
        }
        x.push_str(&format!(
            r#"<Relationship Id="rId{}" Type="{REL}/theme" Target="theme/theme1.xml"/><Relationship Id="rId{}" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#,
            n + 1,
            n + 2
        ));
        x
    }

    /// `xl/workbook.xml`: the sheets and their autofilters' defined names.
    fn workbook(&self) -> String {
        let mut x = String::with_capacity(2048);
        x.push_str(XML_DECLARATION);
        x.push_str(r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/><workbookPr defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews><sheets>"#);
        for (i, s) in self.sheets.iter().enumerate() {
            x.push_str(r#"<sheet name=""#);
            xml::attr(&mut x, s.name());
            x.push_str(&format!(r#"" sheetId="{0}" r:id="rId{0}"/>"#, i + 1));
        }
        x.push_str("</sheets>");
        let filters: Vec<(usize, [u32; 4])> = self
            .sheets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.autofilter().map(|r| (i, r)))
            .collect();
        if !filters.is_empty() {
            x.push_str("<definedNames>");
            for (i, range) in filters {
                x.push_str(&format!(
                    r#"<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">"#
                ));
                let mut name = String::new();
                xml::quoted_sheet(&mut name, self.sheets[i].name());
                xml::text(&mut x, &name);
                x.push('!');
                sheet::absolute_range(&mut x, range);
                x.push_str("</definedName>");
            }
            x.push_str("</definedNames>");
        }
        x.push_str(r#"<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>"#);
        x
    }

    /// `docProps/app.xml`: the sheet names.
    fn app(&self) -> String {
        let n = self.sheets.len();
        let mut x = String::with_capacity(1024);
        x.push_str(XML_DECLARATION);
        x.push_str(&format!(r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{n}" baseType="lpstr">"#));
        for s in &self.sheets {
            x.push_str("<vt:lpstr>");
            xml::text(&mut x, s.name());
            x.push_str("</vt:lpstr>");
        }
        x.push_str("</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>");
        x
    }
}

/// `_rels/.rels`: the workbook and the document properties.
fn package_rels() -> String {
    format!(
        r#"{XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/></Relationships>"#
    )
}

/// `xl/worksheets/_rels/sheetN.xml.rels` of the `k`-th sheet with notes.
fn notes_rels(k: usize) -> String {
    format!(
        r#"{XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/vmlDrawing" Target="../drawings/vmlDrawing{k}.vml"/><Relationship Id="rId2" Type="{REL}/comments" Target="../comments{k}.xml"/></Relationships>"#
    )
}

/// `xl/worksheets/_rels/sheetN.xml.rels` of a sheet with the `k`-th drawing.
fn drawing_rel(k: usize) -> String {
    format!(
        r#"{XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/drawing" Target="../drawings/drawing{k}.xml"/></Relationships>"#
    )
}

/// `xl/drawings/_rels/drawingk.xml.rels`: its chart.
fn chart_rel(k: usize) -> String {
    format!(
        r#"{XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/chart" Target="../charts/chart{k}.xml"/></Relationships>"#
    )
}

/// `docProps/core.xml`.
fn core(props: &Properties) -> String {
    let mut x = String::with_capacity(1024);
    x.push_str(XML_DECLARATION);
    x.push_str(r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>"#);
    xml::text(&mut x, props.title);
    x.push_str("</dc:title><dc:creator>");
    xml::text(&mut x, props.author);
    x.push_str("</dc:creator><dc:description>");
    xml::text(&mut x, props.comment);
    x.push_str("</dc:description><cp:lastModifiedBy>");
    xml::text(&mut x, props.author);
    x.push_str(&format!(r#"</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">{0}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{0}</dcterms:modified></cp:coreProperties>"#, props.created));
    x
}
