//! A worksheet written row by row, in order, and deflated as it goes: for the sheets of
//! `resumen.xlsx`, whose rows grow with the run (a state's `Metas` has hundreds of thousands)
//! and must not stay in memory. Its compressed XML goes to a sink: a [`Spool`] (a temporary
//! file) where it waits until the book is saved, or the book's own file (`Metas`, written
//! straight into `resumen.xlsx` during the run). Its head (how it opens, its columns) goes out
//! first, so it has no `<dimension>` (optional: Excel, LibreOffice and calamine work the range
//! out from the rows).

use super::sheet::{self, Tail, View};
use super::xml;
use super::zip::{DeflateStream, Streamed};
use std::collections::BTreeMap;
use std::io::{self, Read, Seek, Write};

/// Where a streamed part's compressed bytes wait: an anonymous temporary file, or memory when
/// there is no usable temporary folder (same bytes in the end).
pub enum Spool {
    File(std::fs::File),
    Memory(Vec<u8>),
}

impl Spool {
    pub fn new() -> Spool {
        tempfile::tempfile().map_or_else(|_| Spool::Memory(Vec::new()), Spool::File)
    }

    /// Reads back what was written, from the start.
    pub fn reader(&mut self) -> io::Result<Box<dyn Read + '_>> {
        Ok(match self {
            Spool::File(f) => {
                f.rewind()?;
                Box::new(f)
            }
            Spool::Memory(v) => Box::new(v.as_slice()),
        })
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Spool::File(f) => f.write(buf),
            Spool::Memory(v) => v.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Spool::File(f) => f.flush(),
            Spool::Memory(_) => Ok(()),
        }
    }
}

/// A worksheet whose rows are given in order, each row's cells in column order. Its XML is
/// deflated every 64 KB.
pub struct RowSheet<W: Write = Spool> {
    pub name: String,
    widths: BTreeMap<u32, u32>,
    /// Row 0's height in pixels (the header's), if set.
    header_px: Option<u32>,
    /// XML not yet deflated.
    xml: String,
    stream: DeflateStream<W>,
    /// Rows started so far (the current one is `rows - 1`).
    rows: u32,
    /// The last column with a cell.
    last_col: u32,
}

/// XML gathered before it is handed to the compressor.
const BATCH: usize = 32 * 1024;

/// A sheet written by [`RowSheet`], ready for the book.
pub struct StreamedSheet<W = Spool> {
    pub name: String,
    pub part: Streamed<W>,
    pub autofilter: Option<[u32; 4]>,
}

impl RowSheet<Spool> {
    /// A sheet named `name` that opens as `view`, its columns `widths` characters wide, whose
    /// compressed rows wait in a [`Spool`].
    pub fn new(name: &str, view: View, widths: &[f64]) -> RowSheet {
        RowSheet::to(Spool::new(), name, view, widths)
    }
}

impl<W: Write> RowSheet<W> {
    /// A sheet like [`RowSheet::new`]'s whose compressed XML goes to `sink`.
    pub fn to(sink: W, name: &str, view: View, widths: &[f64]) -> RowSheet<W> {
        let widths: BTreeMap<u32, u32> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| (c as u32, sheet::width_px(*w)))
            .collect();
        let mut xml = String::with_capacity(2 * BATCH);
        sheet::head(&mut xml, None, view, &widths);
        xml.push_str("<sheetData>");
        RowSheet {
            name: name.to_string(),
            widths,
            header_px: None,
            xml,
            stream: DeflateStream::new(sink),
            rows: 0,
            last_col: 0,
        }
    }

    /// Starts the next row (`points` high, or the default height).
    pub fn row(&mut self, points: Option<f64>) -> io::Result<()> {
        if self.rows > 0 {
            self.xml.push_str("</row>");
        }
        let r = self.rows;
        let px = points.map(sheet::height_px);
        if r == 0 {
            self.header_px = px;
        }
        sheet::row_open(&mut self.xml, r, px);
        self.xml.push('>');
        self.rows += 1;
        if self.xml.len() >= BATCH {
            self.stream.write(self.xml.as_bytes())?;
            self.xml.clear();
        }
        Ok(())
    }

    /// Appends a cell of the current row with `write`.
    fn cell(&mut self, col: u32, write: impl FnOnce(&mut String, u32)) {
        let before = self.xml.len();
        write(&mut self.xml, self.rows.saturating_sub(1));
        if self.xml.len() > before {
            self.last_col = self.last_col.max(col);
        }
    }

    /// A text cell in the current row.
    pub fn string(&mut self, col: u32, text: &str, style: u32) {
        self.cell(col, |x, row| xml::string_cell(x, row, col, text, style));
    }

    /// A number cell in the current row.
    pub fn number(&mut self, col: u32, n: f64, style: u32) {
        self.cell(col, |x, row| xml::number_cell(x, row, col, n, style));
    }

    /// How many rows were started.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// The cell (column, offset, row, offset) `x` and `y` pixels right of and below the top
    /// left corner of cell (`row`, `col`): where a chart's corner falls.
    pub fn cell_at(&self, row: u32, col: u32, x: u32, y: u32) -> [u32; 4] {
        let col_px = |c| {
            self.widths
                .get(&c)
                .copied()
                .unwrap_or(sheet::DEFAULT_COL_PX)
        };
        let row_px = |r| match (r, self.header_px) {
            (0, Some(px)) => px,
            _ => sheet::DEFAULT_ROW_PX,
        };
        let (c, dx) = sheet::skip_cells(col, x, sheet::MAX_COL, col_px);
        let (r, dy) = sheet::skip_cells(row, y, sheet::MAX_ROW, row_px);
        [c, dx, r, dy]
    }

    /// Ends the sheet: an autofilter over its columns `0..=last_col` (header row and every row
    /// after it), and `drawing`, the relationship of its charts' drawing.
    pub fn finish(
        mut self,
        filter_to_col: Option<u32>,
        drawing: Option<&str>,
    ) -> io::Result<StreamedSheet<W>> {
        if self.rows > 0 {
            self.xml.push_str("</row>");
        }
        self.xml.push_str("</sheetData>");
        let autofilter = filter_to_col.map(|c| [0, 0, self.rows.saturating_sub(1).max(1), c]);
        sheet::tail(
            &mut self.xml,
            &Tail {
                autofilter,
                merges: &[],
                links: &[],
                drawing,
                legacy_drawing: None,
            },
        );
        self.stream.write(self.xml.as_bytes())?;
        Ok(StreamedSheet {
            name: self.name,
            part: self.stream.finish()?,
            autofilter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn rows_come_back_after_the_head_and_a_chart_corner_is_placed_like_excel() {
        let view = View {
            selected: true,
            freeze: Some((1, 2)),
        };
        let mut ws = RowSheet::new("Resumen", view, &[30.0, 40.0, 7.0, 7.0, 9.0, 12.0]);
        ws.row(Some(30.0)).unwrap();
        ws.string(0, "archivo", 1);
        for i in 0..3000 {
            ws.row(None).unwrap();
            ws.string(0, &format!("libro {i}.xlsx"), 0);
            ws.number(3, i as f64, 0);
        }
        // 760 × 420 px from A3002 (two rows below the table): rust_xlsxwriter's anchor for the
        // same widths ends in F3023, 84 px in (800100 EMU).
        assert_eq!(ws.cell_at(3002, 0, 760, 420), [5, 84, 3023, 0]);
        // Under the 40 px header row, 10 px into the row after it.
        assert_eq!(ws.cell_at(0, 0, 0, 50), [0, 0, 1, 10]);
        let mut done = ws.finish(Some(3), Some("rId1")).unwrap();
        let mut deflated = Vec::new();
        done.part
            .sink
            .reader()
            .unwrap()
            .read_to_end(&mut deflated)
            .unwrap();
        assert_eq!(deflated.len() as u64, done.part.info.compressed);
        let mut xml = String::new();
        flate2::read::DeflateDecoder::new(deflated.as_slice())
            .read_to_string(&mut xml)
            .unwrap();
        assert_eq!(xml.len() as u64, done.part.info.len);
        assert_eq!(crc32fast::hash(xml.as_bytes()), done.part.info.crc);
        assert!(!xml.contains("<dimension"), "{}", &xml[..400]);
        assert!(xml.contains(r#"<pane xSplit="2" ySplit="1" topLeftCell="C2" activePane="bottomRight" state="frozen"/>"#));
        assert!(xml.contains(r#"<row r="1" ht="30" customHeight="1"><c r="A1" s="1" t="inlineStr"><is><t>archivo</t></is></c></row><row r="2">"#));
        assert!(xml.contains(r#"<row r="3001"><c r="A3001" t="inlineStr"><is><t>libro 2999.xlsx</t></is></c><c r="D3001"><v>2999</v></c></row></sheetData><autoFilter ref="A1:D3001"/>"#));
        assert!(xml.ends_with(r#"<drawing r:id="rId1"/></worksheet>"#));
        assert_eq!(done.autofilter, Some([0, 0, 3000, 3]));
    }
}
