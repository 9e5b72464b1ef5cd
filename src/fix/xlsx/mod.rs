//! A direct SpreadsheetML writer for the fix-up workbooks: worksheets of inline strings,
//! numbers and booleans with styles, merged ranges, links within the book, notes, an
//! autofilter and a frozen header row; nothing else.
//!
//! Why not rust_xlsxwriter, which writes `resumen.xlsx`: a fix-up book is written for every
//! capture with findings, ~1,000 per run for a state, and rust_xlsxwriter's general API cost
//! 2.3 ms of CPU a book (perf, 200 generated captures, `--jobs 1`): a hash of the whole
//! `Format` for every cell written (14 % of the run), a temporary file per sheet, a deflate
//! stream started for each of ~30 parts. Here a cell's style is an index found once per
//! distinct style, each cell is one XML fragment appended to one buffer, small parts are
//! stored and large ones deflated by one compressor per thread.
//!
//! The XML is what rust_xlsxwriter writes for the same book (same elements, order and
//! attributes; the theme is its theme): books it wrote open in Excel, LibreOffice and
//! openpyxl, and tests/fix.rs reads these back with calamine and converts one with
//! LibreOffice.

mod sheet;
mod styles;
mod xml;
mod zip;

pub use sheet::Sheet;
pub use styles::Styles;

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
    sheets: Vec<Sheet>,
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
        self.sheets.push(sheet);
    }

    /// The `.xlsx` file's bytes.
    pub fn save(mut self, props: &Properties) -> Vec<u8> {
        self.styles.has_notes = self.sheets.iter().any(Sheet::has_notes);
        // The sheets with notes; the k-th (from 1) has commentsk.xml and vmlDrawingk.vml.
        let noted: Vec<usize> = (0..self.sheets.len())
            .filter(|&i| self.sheets[i].has_notes())
            .collect();
        let mut zip = zip::Archive::with_capacity(64 * 1024);
        zip.add(
            "[Content_Types].xml",
            self.content_types(noted.len()).as_bytes(),
        );
        zip.add("_rels/.rels", package_rels().as_bytes());
        zip.add(
            "xl/_rels/workbook.xml.rels",
            self.workbook_rels().as_bytes(),
        );
        zip.add_deflated("xl/theme/theme1.xml", theme());
        zip.add("xl/styles.xml", self.styles.xml().as_bytes());
        zip.add("xl/workbook.xml", self.workbook().as_bytes());
        // Sheets, then their notes (VML blocks numbered across the book, from 1).
        let mut data_id = 1;
        let mut notes = Vec::new();
        for (i, s) in self.sheets.iter().enumerate() {
            let k = noted.iter().position(|&j| j == i).map(|k| k + 1);
            let sheet = format!("xl/worksheets/sheet{}.xml", i + 1);
            zip.add(&sheet, s.xml(k.map(|_| "rId1")).as_bytes());
            if let Some(k) = k {
                let rels = format!("xl/worksheets/_rels/sheet{}.xml.rels", i + 1);
                zip.add(&rels, notes_rels(k).as_bytes());
                let (comments, vml, blocks) = s.notes_xml(data_id);
                data_id += blocks;
                notes.push((k, comments, vml));
            }
        }
        zip.add("docProps/core.xml", core(props).as_bytes());
        zip.add("docProps/app.xml", self.app().as_bytes());
        for (k, _, vml) in &notes {
            zip.add(&format!("xl/drawings/vmlDrawing{k}.vml"), vml.as_bytes());
        }
        for (k, comments, _) in &notes {
            zip.add(&format!("xl/comments{k}.xml"), comments.as_bytes());
        }
        self.sheets.clear();
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
            xml::attr(&mut x, &s.name);
            x.push_str(&format!(r#"" sheetId="{0}" r:id="rId{0}"/>"#, i + 1));
        }
        x.push_str("</sheets>");
        let filters: Vec<(usize, String)> = self
            .sheets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.autofilter_range().map(|r| (i, r)))
            .collect();
        if !filters.is_empty() {
            x.push_str("<definedNames>");
            for (i, range) in filters {
                x.push_str(&format!(
                    r#"<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">"#
                ));
                let mut name = String::new();
                xml::quoted_sheet(&mut name, &self.sheets[i].name);
                xml::text(&mut x, &name);
                x.push('!');
                x.push_str(&range);
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
            xml::text(&mut x, &s.name);
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
