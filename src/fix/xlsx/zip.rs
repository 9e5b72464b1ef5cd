//! The ZIP container of a workbook: local headers, data, central directory. Only what an
//! `.xlsx` needs (no ZIP64, no encryption, names in ASCII, every date 1980-01-01 00:00 so the
//! same book gives the same bytes).
//!
//! Parts under [`STORE_BELOW`] bytes are stored as they are: deflating them would save a few
//! hundred bytes a book; the others are deflated by `deflate.rs`.

use super::deflate::Encoder;
use crate::stages::{self, Stage};
use std::cell::RefCell;
use std::io::{self, Read, Write};

/// Parts smaller than this are stored, not deflated.
pub const STORE_BELOW: usize = 1024;

const LOCAL: u32 = 0x0403_4b50;
/// Length of a local header before the part's name (no extra field).
const LOCAL_HEADER: usize = 30;
/// Where the compressed size is in a local header (in a central directory record, 2 bytes
/// further: the record starts with the version that made it).
const COMPRESSED_AT: usize = 18;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
/// DOS date of 1980-01-01 (day 1, month 1, year 0).
const DATE: u16 = (1 << 5) | 1;

/// A part already compressed: raw deflate bytes, CRC-32 and length of the original.
pub struct Deflated {
    pub data: Vec<u8>,
    pub crc: u32,
    pub len: u32,
}

thread_local! {
    /// One encoder per thread (its 128 KB hash table is never cleared: see `deflate.rs`).
    static ENCODER: RefCell<Encoder> = RefCell::new(Encoder::default());
}

/// Raw deflate of `data`.
pub fn deflate(data: &[u8]) -> Deflated {
    stages::time(Stage::FixDeflate, || {
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        ENCODER.with_borrow_mut(|e| e.compress(data, &mut out));
        Deflated {
            data: out,
            crc: crc32fast::hash(data),
            len: data.len() as u32,
        }
    })
}

/// A part deflated as it is written, for parts too long to hold in memory: its compressed
/// bytes go to `sink` every 64 KB.
pub struct DeflateStream<W: Write> {
    encoder: Encoder,
    out: Vec<u8>,
    sink: W,
    crc: crc32fast::Hasher,
    len: u64,
    written: u64,
}

/// A part deflated by a [`DeflateStream`]: where its compressed bytes went, and what the
/// archive's directory needs.
pub struct Streamed<W> {
    pub sink: W,
    pub info: StreamedInfo,
}

/// CRC-32 and lengths of a streamed part.
#[derive(Debug, Clone, Copy)]
pub struct StreamedInfo {
    pub crc: u32,
    /// Length of the part and of its compressed bytes.
    pub len: u64,
    pub compressed: u64,
}

const STREAM_CHUNK: usize = 64 * 1024;

impl<W: Write> DeflateStream<W> {
    pub fn new(sink: W) -> DeflateStream<W> {
        let mut s = DeflateStream {
            encoder: Encoder::default(),
            out: Vec::with_capacity(2 * STREAM_CHUNK),
            sink,
            crc: crc32fast::Hasher::new(),
            len: 0,
            written: 0,
        };
        s.encoder.begin();
        s
    }

    /// Deflates the next piece of the part (matches stay within a piece: give pieces of
    /// tens of KB).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        stages::time(Stage::FixDeflate, || {
            self.crc.update(data);
            self.encoder.feed(data, &mut self.out);
        });
        self.len += data.len() as u64;
        if self.out.len() >= STREAM_CHUNK {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> io::Result<()> {
        self.sink.write_all(&self.out)?;
        self.written += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    /// Ends the part.
    pub fn finish(mut self) -> io::Result<Streamed<W>> {
        self.encoder.end(&mut self.out);
        self.drain()?;
        Ok(Streamed {
            info: StreamedInfo {
                crc: self.crc.finalize(),
                len: self.len,
                compressed: self.written,
            },
            sink: self.sink,
        })
    }
}

/// A ZIP archive being written: to memory, and for a book with streamed parts, on to a file
/// as it goes ([`Archive::add_streamed`]).
#[derive(Default)]
pub struct Archive {
    /// The part written at the start of the file before the archive was made
    /// ([`Archive::written_first`]).
    first: Option<String>,
    /// Bytes not yet flushed.
    out: Vec<u8>,
    /// Bytes already flushed.
    flushed: u64,
    central: Vec<u8>,
    entries: u16,
}

/// The ZIP format without ZIP64: sizes and offsets fit in 32 bits.
fn zip32(n: u64, what: &str) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| {
        io::Error::other(format!(
            "{what} pasa de 4 GB, el límite de un .xlsx sin ZIP64"
        ))
    })
}

impl Archive {
    pub fn with_capacity(bytes: usize) -> Archive {
        Archive {
            out: Vec::with_capacity(bytes),
            ..Archive::default()
        }
    }

    /// Adds a part deflated by a [`DeflateStream`]: its `info`, and its compressed bytes,
    /// which `read` reads back from where they waited. The archive so far and the part go to
    /// `w`.
    pub fn add_streamed(
        &mut self,
        name: &str,
        info: StreamedInfo,
        read: &mut impl Read,
        w: &mut impl Write,
    ) -> io::Result<()> {
        let len = zip32(info.len, name)?;
        let compressed = zip32(info.compressed, name)?;
        self.entry(name, 8, info.crc, len, compressed, &[])?;
        w.write_all(&self.out)?;
        self.flushed += self.out.len() as u64;
        self.out.clear();
        let copied = io::copy(&mut read.take(info.compressed), w)?;
        if copied != info.compressed {
            return Err(io::Error::other(format!(
                "{name}: se leyeron {copied} de {} bytes",
                info.compressed
            )));
        }
        self.flushed += copied;
        Ok(())
    }

    /// The room a part's local header takes at the start of the file, for a part written
    /// there (compressed by a [`DeflateStream`]) before its CRC and sizes are known: see
    /// [`Archive::written_first`].
    pub fn header_room(name: &str) -> Vec<u8> {
        vec![0; LOCAL_HEADER + name.len()]
    }

    /// The archive of a file that begins with part `name` (deflated, `info`), written after the
    /// room [`Archive::header_room`] left; returns it and the part's local header, to be
    /// written over that room. Other parts follow, from `info.compressed` bytes after it.
    pub fn written_first(name: &str, info: StreamedInfo) -> io::Result<(Archive, Vec<u8>)> {
        let mut zip = Archive::with_capacity(64 * 1024);
        let len = zip32(info.len, name)?;
        let compressed = zip32(info.compressed, name)?;
        zip.entry(name, 8, info.crc, len, compressed, &[])?;
        let header = std::mem::take(&mut zip.out);
        zip.flushed = header.len() as u64 + info.compressed;
        zip.first = Some(name.to_string());
        Ok((zip, header))
    }

    /// The part written at the start of the file ([`Archive::written_first`]), if any.
    pub fn first(&self) -> Option<&str> {
        self.first.as_deref()
    }

    /// Adds a part: stored when small, deflated otherwise.
    pub fn add(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        if data.len() < STORE_BELOW {
            let len = zip32(data.len() as u64, name)?;
            self.entry(name, 0, crc32fast::hash(data), len, len, data)
        } else {
            // Deflated straight after its local header, whose compressed size (and the central
            // directory's) is filled in afterwards: no copy of the compressed bytes.
            let len = zip32(data.len() as u64, name)?;
            let crc = stages::time(Stage::FixDeflate, || crc32fast::hash(data));
            let (local, central) = (self.out.len(), self.central.len());
            self.entry(name, 8, crc, len, 0, &[])?;
            let start = self.out.len();
            stages::time(Stage::FixDeflate, || {
                ENCODER.with_borrow_mut(|e| e.compress(data, &mut self.out))
            });
            let compressed = zip32((self.out.len() - start) as u64, name)?.to_le_bytes();
            self.out[local + COMPRESSED_AT..][..4].copy_from_slice(&compressed);
            self.central[central + COMPRESSED_AT + 2..][..4].copy_from_slice(&compressed);
            Ok(())
        }
    }

    /// Adds a part compressed beforehand (a part that is the same in every book).
    pub fn add_deflated(&mut self, name: &str, d: &Deflated) -> io::Result<()> {
        let compressed = zip32(d.data.len() as u64, name)?;
        self.entry(name, 8, d.crc, d.len, compressed, &d.data)
    }

    /// A local header and `data`, and the part's entry in the central directory.
    /// `compressed`: length of the compressed data (`data` may be empty when it follows
    /// separately).
    fn entry(
        &mut self,
        name: &str,
        method: u16,
        crc: u32,
        len: u32,
        compressed: u32,
        data: &[u8],
    ) -> io::Result<()> {
        let offset = zip32(self.flushed + self.out.len() as u64, "el libro")?;
        let header = |out: &mut Vec<u8>, signature: u32| {
            out.extend_from_slice(&signature.to_le_bytes());
            if signature == CENTRAL {
                out.extend_from_slice(&20u16.to_le_bytes()); // made by: 2.0
            }
            out.extend_from_slice(&20u16.to_le_bytes()); // needed: 2.0
            out.extend_from_slice(&0u16.to_le_bytes()); // flags
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // time 00:00
            out.extend_from_slice(&DATE.to_le_bytes());
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&compressed.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // extra field
        };
        header(&mut self.out, LOCAL);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(data);
        header(&mut self.central, CENTRAL);
        self.central.extend_from_slice(&0u16.to_le_bytes()); // comment
        self.central.extend_from_slice(&0u16.to_le_bytes()); // disk
        self.central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        self.central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name.as_bytes());
        self.entries += 1;
        Ok(())
    }

    /// The archive's bytes (those not yet flushed, for a book with streamed parts).
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        let at = zip32(self.flushed + self.out.len() as u64, "el libro")?;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&END.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // this disk
        self.out.extend_from_slice(&0u16.to_le_bytes()); // disk of the central directory
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out
            .extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        self.out.extend_from_slice(&at.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // comment
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn zip_reads_every_part_back_stored_or_deflated_or_streamed() {
        let big: String = (0..5000).map(|i| format!("<c r=\"A{i}\"/>")).collect();
        let mut out = Vec::new();
        let mut a = Archive::default();
        a.add("small.xml", b"<a/>").unwrap();
        a.add("dir/big.xml", big.as_bytes()).unwrap();
        a.add_deflated("pre.xml", &deflate(b"the same in every book"))
            .unwrap();
        // A streamed part: written in pieces (more than one 64 KB chunk of output).
        let part = streamed(&rows());
        assert!(part.sink.len() > 2 * STREAM_CHUNK);
        a.add_streamed(
            "streamed.xml",
            part.info,
            &mut part.sink.as_slice(),
            &mut out,
        )
        .unwrap();
        a.add("after.xml", b"<after/>").unwrap();
        out.extend(a.finish().unwrap());
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
        assert_eq!(z.len(), 5);
        let mut read = |name: &str| {
            let mut f = z.by_name(name).unwrap();
            let method = f.compression();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (s, method)
        };
        assert_eq!(
            read("small.xml"),
            ("<a/>".to_string(), zip::CompressionMethod::Stored)
        );
        let (s, m) = read("dir/big.xml");
        assert_eq!((s == big, m), (true, zip::CompressionMethod::Deflated));
        assert_eq!(read("pre.xml").0, "the same in every book");
        // zip checks the CRC when the entry has been read to the end.
        let (s, m) = read("streamed.xml");
        assert_eq!(m, zip::CompressionMethod::Deflated);
        assert!(s == rows().concat(), "streamed part differs");
        assert_eq!(read("after.xml").0, "<after/>");
    }

    fn rows() -> Vec<String> {
        (0..40_000)
            .map(|i| format!("<row r=\"{i}\"><c><v>{}</v></c></row>", i * 7919 % 10007))
            .collect()
    }

    /// `rows` deflated by a stream into memory.
    fn streamed(rows: &[String]) -> Streamed<Vec<u8>> {
        let mut stream = DeflateStream::new(Vec::new());
        for r in rows {
            stream.write(r.as_bytes()).unwrap();
        }
        stream.finish().unwrap()
    }

    #[test]
    fn a_part_written_first_before_its_size_was_known_reads_back() {
        let name = "xl/worksheets/sheet3.xml";
        // The room for its header, the part as it was deflated, then the header over the room.
        let mut file = Archive::header_room(name);
        let part = streamed(&rows());
        file.extend_from_slice(&part.sink);
        let (mut a, header) = Archive::written_first(name, part.info).unwrap();
        assert_eq!(header.len(), Archive::header_room(name).len());
        assert_eq!(a.first(), Some(name));
        file[..header.len()].copy_from_slice(&header);
        a.add("[Content_Types].xml", b"<Types/>").unwrap();
        a.add("after.xml", "<after/>".repeat(500).as_bytes())
            .unwrap();
        file.extend(a.finish().unwrap());
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(file)).unwrap();
        assert_eq!(z.len(), 3);
        let mut read = |name: &str| {
            let mut s = String::new();
            z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        assert!(read(name) == rows().concat(), "the first part differs");
        assert_eq!(read("[Content_Types].xml"), "<Types/>");
        assert_eq!(read("after.xml"), "<after/>".repeat(500));
        let z = z.into_inner().into_inner();
        assert_eq!(
            &z[30..30 + name.len()],
            name.as_bytes(),
            "first in the file"
        );
    }
}
