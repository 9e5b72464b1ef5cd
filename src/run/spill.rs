//! Where a run keeps its findings until the report is written: a temporary file, not memory.
//!
//! A state auditor lints tens of thousands of workbooks; their findings (a path, a message and
//! a help text each, ~1 KB) would grow the process by ~70 MB per 10,000 files if kept as
//! [`Diagnostic`] values until the end. Instead each worker encodes its file's findings into a
//! compact binary chunk and appends it to one anonymous temporary file (deleted by the OS when
//! the process ends); the run keeps only where each chunk is. The reporters read the chunks
//! back in report order, one file at a time. If no temporary file can be created, the chunks
//! stay in memory (still ~4× smaller than the values).
//!
//! The encoding is private to one process run (no versioning): varint-prefixed UTF-8 strings,
//! little-endian numbers, a tag byte for options.

use crate::check::{Diagnostic, Fix, FixValue, Kind, Related, RowContext, Severity};
use crate::model::CellRef;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

/// Where one encoded chunk lives in the spill. 16 bytes, and 16 as an `Option` too (the
/// offset is kept plus one, never zero): a run keeps three of them per file until the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    offset_plus_one: std::num::NonZeroU64,
    len: u32,
}

impl Chunk {
    fn new(offset: u64, len: usize) -> std::io::Result<Chunk> {
        let len = u32::try_from(len)
            .map_err(|_| std::io::Error::other("los hallazgos de un archivo pasan de 4 GB"))?;
        let offset_plus_one = std::num::NonZeroU64::new(offset + 1)
            .ok_or_else(|| std::io::Error::other("archivo temporal demasiado grande"))?;
        Ok(Chunk {
            offset_plus_one,
            len,
        })
    }
    fn offset(&self) -> u64 {
        self.offset_plus_one.get() - 1
    }
    fn len(&self) -> u64 {
        u64::from(self.len)
    }
}

enum Backing {
    File {
        file: std::fs::File,
        /// Bytes in the file plus `pending`.
        len: u64,
        /// Appended chunks not yet written: one `write` per [`FLUSH_AT`] bytes rather than
        /// per file.
        pending: Vec<u8>,
        /// The last bytes read back, from `window_at`: the report reads the chunks in report
        /// order, and the workers appended them in nearly that order, so one read of
        /// [`WINDOW`] bytes serves the chunks of several files (a `seek` and a `read` per
        /// chunk were ~2 ms at the end of a 1,000-file run, ~13 ms for 10,000).
        window: Vec<u8>,
        window_at: u64,
    },
    Memory(Vec<u8>),
}

/// Size at which appended chunks are written to the temporary file.
const FLUSH_AT: usize = 256 * 1024;

/// Bytes read back at a time ([`Spill::read`]): the chunks of ~15 files.
const WINDOW: usize = 64 * 1024;

/// An append-only store of encoded chunks.
pub struct Spill {
    backing: Mutex<Backing>,
}

impl Default for Spill {
    fn default() -> Self {
        Spill::new()
    }
}

impl Spill {
    /// A spill on an anonymous temporary file, or in memory if none can be created.
    pub fn new() -> Spill {
        let backing = match tempfile::tempfile() {
            Ok(file) => Backing::File {
                file,
                len: 0,
                pending: Vec::new(),
                window: Vec::new(),
                window_at: 0,
            },
            Err(_) => Backing::Memory(Vec::new()),
        };
        Spill {
            backing: Mutex::new(backing),
        }
    }

    /// A spill that keeps its chunks in memory.
    pub fn in_memory() -> Spill {
        Spill {
            backing: Mutex::new(Backing::Memory(Vec::new())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Backing> {
        // A panic while holding the lock cannot leave a chunk half-recorded (the length is
        // only updated after a complete write), so a poisoned lock is still usable.
        self.backing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends one chunk.
    pub fn append(&self, bytes: &[u8]) -> std::io::Result<Chunk> {
        let mut b = self.lock();
        match &mut *b {
            Backing::File {
                file, len, pending, ..
            } => {
                let chunk = Chunk::new(*len, bytes.len())?;
                pending.extend_from_slice(bytes);
                *len += bytes.len() as u64;
                if pending.len() >= FLUSH_AT {
                    flush(file, *len, pending)?;
                }
                Ok(chunk)
            }
            Backing::Memory(v) => {
                let chunk = Chunk::new(v.len() as u64, bytes.len())?;
                v.extend_from_slice(bytes);
                Ok(chunk)
            }
        }
    }

    /// Reads one chunk back.
    pub fn read(&self, c: Chunk) -> std::io::Result<Vec<u8>> {
        let mut b = self.lock();
        match &mut *b {
            Backing::File {
                file,
                len,
                pending,
                window,
                window_at,
            } => {
                if !pending.is_empty() {
                    flush(file, *len, pending)?;
                }
                let (offset, clen) = (c.offset(), c.len());
                let end = offset + clen;
                if offset < *window_at || end > *window_at + window.len() as u64 {
                    // Written bytes never change, so the window stays good until it moves.
                    window.clear();
                    let want = (*len - offset).min(WINDOW as u64).max(clen);
                    window.reserve_exact(want as usize);
                    file.seek(SeekFrom::Start(offset))?;
                    // Into the spare capacity: nothing is zeroed first.
                    let read = (&mut *file).take(want).read_to_end(window);
                    if read.is_err() || (window.len() as u64) < clen {
                        window.clear();
                        return Err(read
                            .err()
                            .unwrap_or_else(|| std::io::ErrorKind::UnexpectedEof.into()));
                    }
                    *window_at = offset;
                }
                let from = (offset - *window_at) as usize;
                Ok(window[from..from + clen as usize].to_vec())
            }
            Backing::Memory(v) => {
                Ok(v[c.offset() as usize..(c.offset() + c.len()) as usize].to_vec())
            }
        }
    }
}

/// Writes the pending chunks at their place: the end of the file (`len` counts them).
fn flush(file: &mut std::fs::File, len: u64, pending: &mut Vec<u8>) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(len - pending.len() as u64))?;
    file.write_all(pending)?;
    pending.clear();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Builds one chunk.
#[derive(Default)]
pub struct Enc(pub Vec<u8>);

impl Enc {
    pub fn u64(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    pub fn usize(&mut self, v: usize) {
        self.u64(v as u64)
    }
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn bool(&mut self, v: bool) {
        self.0.push(v as u8);
    }
    pub fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
    pub fn cell(&mut self, c: CellRef) {
        self.u64(c.row as u64);
        self.u64(c.col as u64);
    }
    pub fn opt_cell(&mut self, c: Option<CellRef>) {
        match c {
            Some(c) => {
                self.u8(1);
                self.cell(c);
            }
            None => self.u8(0),
        }
    }
}

/// The spill was not what this process wrote (a bug, or the temporary file was altered).
#[derive(Debug)]
pub struct Corrupt;

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("el archivo temporal de hallazgos está dañado")
    }
}

/// Reads one chunk.
pub struct Dec<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Dec<'a> {
    pub fn new(bytes: &'a [u8]) -> Dec<'a> {
        Dec { bytes, at: 0 }
    }
    pub fn is_empty(&self) -> bool {
        self.at >= self.bytes.len()
    }
    pub fn u64(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Corrupt)
    }
    pub fn usize(&mut self) -> Result<usize, Corrupt> {
        usize::try_from(self.u64()?).map_err(|_| Corrupt)
    }
    pub fn u32(&mut self) -> Result<u32, Corrupt> {
        u32::try_from(self.u64()?).map_err(|_| Corrupt)
    }
    pub fn u8(&mut self) -> Result<u8, Corrupt> {
        let b = *self.bytes.get(self.at).ok_or(Corrupt)?;
        self.at += 1;
        Ok(b)
    }
    pub fn bool(&mut self) -> Result<bool, Corrupt> {
        Ok(self.u8()? != 0)
    }
    pub fn f64(&mut self) -> Result<f64, Corrupt> {
        let b = self.bytes.get(self.at..self.at + 8).ok_or(Corrupt)?;
        self.at += 8;
        Ok(f64::from_le_bytes(b.try_into().map_err(|_| Corrupt)?))
    }
    pub fn string(&mut self) -> Result<String, Corrupt> {
        let n = self.usize()?;
        let end = self.at.checked_add(n).ok_or(Corrupt)?;
        let b = self.bytes.get(self.at..end).ok_or(Corrupt)?;
        self.at = end;
        String::from_utf8(b.to_vec()).map_err(|_| Corrupt)
    }
    pub fn opt_string(&mut self) -> Result<Option<String>, Corrupt> {
        Ok(if self.bool()? {
            Some(self.string()?)
        } else {
            None
        })
    }
    pub fn cell(&mut self) -> Result<CellRef, Corrupt> {
        Ok(CellRef::new(self.u32()?, self.u32()?))
    }
    pub fn opt_cell(&mut self) -> Result<Option<CellRef>, Corrupt> {
        Ok(if self.bool()? {
            Some(self.cell()?)
        } else {
            None
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

const KINDS: [Kind; 9] = [
    Kind::Read,
    Kind::Layout,
    Kind::Header,
    Kind::Sum,
    Kind::Percent,
    Kind::Observaciones,
    Kind::Signers,
    Kind::Clave,
    Kind::Periodo,
];
const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// Appends one diagnostic to a chunk.
pub fn encode(e: &mut Enc, d: &Diagnostic) {
    e.str(&d.rule);
    e.u8(KINDS.iter().position(|k| *k == d.kind).unwrap_or(0) as u8);
    e.u8(SEVERITIES
        .iter()
        .position(|s| *s == d.severity)
        .unwrap_or(0) as u8);
    e.str(&d.file);
    e.opt_str(d.sheet.as_deref());
    e.usize(d.sheet_index);
    e.opt_cell(d.cell);
    e.opt_str(d.meta.as_deref());
    e.str(&d.message);
    e.str(&d.help);
    match &d.fix {
        None => e.u8(0),
        Some(f) => {
            match &f.value {
                FixValue::Number(n) => {
                    e.u8(1);
                    e.f64(*n);
                }
                FixValue::Text(t) => {
                    e.u8(2);
                    e.str(t);
                }
            }
            e.cell(f.cell);
        }
    }
    e.usize(d.related.len());
    for r in &d.related {
        e.cell(r.cell);
        e.str(&r.label);
    }
    e.bool(d.manual);
    match &d.context {
        None => e.u8(0),
        Some(c) => {
            e.u8(1);
            e.u64(c.row as u64);
            e.usize(c.columns.len());
            for (h, v, cell) in &c.columns {
                e.str(h);
                e.str(v);
                e.cell(*cell);
            }
        }
    }
}

/// Reads one diagnostic from a chunk.
pub fn decode(d: &mut Dec<'_>) -> Result<Diagnostic, Corrupt> {
    let rule = d.string()?;
    let kind = *KINDS.get(d.u8()? as usize).ok_or(Corrupt)?;
    let severity = *SEVERITIES.get(d.u8()? as usize).ok_or(Corrupt)?;
    let file = d.string()?;
    let sheet = d.opt_string()?;
    let sheet_index = d.usize()?;
    let cell = d.opt_cell()?;
    let meta = d.opt_string()?;
    let message = d.string()?;
    let help = d.string()?;
    let fix = match d.u8()? {
        0 => None,
        1 => {
            let v = FixValue::Number(d.f64()?);
            Some(Fix {
                value: v,
                cell: d.cell()?,
            })
        }
        2 => {
            let v = FixValue::Text(d.string()?);
            Some(Fix {
                value: v,
                cell: d.cell()?,
            })
        }
        _ => return Err(Corrupt),
    };
    let n = d.usize()?;
    let mut related = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        related.push(Related {
            cell: d.cell()?,
            label: d.string()?,
        });
    }
    let manual = d.bool()?;
    let context = match d.u8()? {
        0 => None,
        1 => {
            let row = d.u32()?;
            let n = d.usize()?;
            let mut columns = Vec::with_capacity(n.min(64));
            for _ in 0..n {
                columns.push((d.string()?, d.string()?, d.cell()?));
            }
            Some(RowContext { row, columns })
        }
        _ => return Err(Corrupt),
    };
    Ok(Diagnostic {
        rule,
        kind,
        severity,
        file,
        sheet,
        sheet_index,
        cell,
        meta,
        message,
        help,
        fix,
        related,
        manual,
        context,
    })
}

/// Encodes a file's diagnostics as one chunk.
pub fn encode_all(diags: &[Diagnostic]) -> Vec<u8> {
    let mut e = Enc::default();
    e.usize(diags.len());
    for d in diags {
        encode(&mut e, d);
    }
    e.0
}

/// Decodes a chunk written by [`encode_all`].
pub fn decode_all(bytes: &[u8]) -> Result<Vec<Diagnostic>, Corrupt> {
    let mut d = Dec::new(bytes);
    let n = d.usize()?;
    let mut out = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        out.push(decode(&mut d)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: usize) -> Diagnostic {
        Diagnostic {
            rule: "suma-programado".into(),
            kind: KINDS[i % KINDS.len()],
            severity: SEVERITIES[i % 3],
            file: format!("capturas/ñandú {i}.xlsx"),
            sheet: i.is_multiple_of(2).then(|| "Hoja «1»".to_string()),
            sheet_index: i,
            cell: (!i.is_multiple_of(3)).then(|| CellRef::new(i as u32 * 1000, 7)),
            meta: Some("1.2".into()),
            message: "La suma de lo programado (1,234.5) no es la META ANUAL".into(),
            help: String::new(),
            fix: match i % 3 {
                0 => None,
                1 => Some(Fix {
                    cell: CellRef::new(3, 4),
                    value: FixValue::Number(-0.125),
                }),
                _ => Some(Fix {
                    cell: CellRef::new(5, 6),
                    value: FixValue::Text("ÉL".into()),
                }),
            },
            related: vec![Related {
                cell: CellRef::new(1, 2),
                label: "P".into(),
            }],
            manual: i % 2 == 1,
            context: i.is_multiple_of(2).then(|| RowContext {
                row: 14,
                columns: vec![("META".into(), "12".into(), CellRef::new(13, 3))],
            }),
        }
    }

    fn same(a: &Diagnostic, b: &Diagnostic) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn diagnostics_round_trip_through_a_file_spill() {
        let spill = Spill::new();
        let a: Vec<Diagnostic> = (0..7).map(sample).collect();
        let b: Vec<Diagnostic> = (7..9).map(sample).collect();
        let ca = spill.append(&encode_all(&a)).unwrap();
        let cb = spill.append(&encode_all(&b)).unwrap();
        let back_b = decode_all(&spill.read(cb).unwrap()).unwrap();
        let back_a = decode_all(&spill.read(ca).unwrap()).unwrap();
        assert_eq!(back_a.len(), 7);
        assert!(a.iter().zip(&back_a).all(|(x, y)| same(x, y)));
        assert!(b.iter().zip(&back_b).all(|(x, y)| same(x, y)));
    }

    #[test]
    fn chunks_read_back_across_flushes_and_between_appends() {
        let spill = Spill::new();
        let mut chunks = Vec::new();
        for i in 0..3000 {
            let d: Vec<Diagnostic> = (0..(i % 7)).map(|j| sample(i + j)).collect();
            let c = spill.append(&encode_all(&d)).unwrap();
            chunks.push((c, d));
            // Reading in the middle flushes what is pending; appending goes on after it.
            if i % 797 == 0 {
                let (c, d) = &chunks[i / 2];
                let back = decode_all(&spill.read(*c).unwrap()).unwrap();
                assert!(d.iter().zip(&back).all(|(x, y)| same(x, y)));
            }
        }
        for (c, d) in chunks.iter().rev() {
            let back = decode_all(&spill.read(*c).unwrap()).unwrap();
            assert_eq!(back.len(), d.len());
            assert!(d.iter().zip(&back).all(|(x, y)| same(x, y)));
        }
    }

    #[test]
    fn the_read_window_follows_appends_and_chunks_larger_than_itself() {
        let spill = Spill::new();
        let bytes = |n: usize, seed: u8| -> Vec<u8> {
            (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
        };
        let mut chunks = Vec::new();
        for (i, n) in [
            10,
            3_000,
            WINDOW + 5_000,
            7,
            40_000,
            FLUSH_AT + 1,
            WINDOW / 2,
        ]
        .into_iter()
        .enumerate()
        {
            let b = bytes(n, i as u8);
            chunks.push((spill.append(&b).unwrap(), b));
            // Read while appending: the window holds what was written so far, and the next
            // chunk lies past it.
            let (c, b) = &chunks[i / 2];
            assert_eq!(&spill.read(*c).unwrap(), b);
        }
        // In order (served from one window where they fit), then backwards (a new window each).
        for (c, b) in chunks.iter().chain(chunks.iter().rev()) {
            assert_eq!(&spill.read(*c).unwrap(), b);
        }
    }

    #[test]
    fn a_cut_chunk_is_reported_not_misread() {
        let bytes = encode_all(&[sample(1)]);
        for cut in 0..bytes.len() {
            assert!(decode_all(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let m = Spill::in_memory();
        let c = m.append(&bytes).unwrap();
        assert!(same(
            &decode_all(&m.read(c).unwrap()).unwrap()[0],
            &sample(1)
        ));
    }
}
