//! The ZIP container of a workbook: local headers, data, central directory. Only what an
//! `.xlsx` needs (no ZIP64, no encryption, names in ASCII, every date 1980-01-01 00:00 so the
//! same book gives the same bytes).
//!
//! Parts under [`STORE_BELOW`] bytes are stored as they are: deflating them would save a few
//! hundred bytes a book but start a compressor for each (resetting its 128 KB hash table), and
//! a book has ~30 parts, most of them small.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::cell::RefCell;

/// Parts smaller than this are stored, not deflated.
pub const STORE_BELOW: usize = 1024;

const LOCAL: u32 = 0x0403_4b50;
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
    /// One compressor per thread, reset for each part (creating one allocates ~300 KB).
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(
        Compression::new(u32::from(super::super::ZIP_LEVEL)),
        false,
    ));
}

/// Raw deflate of `data` at the workbooks' level.
pub fn deflate(data: &[u8]) -> Deflated {
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    COMPRESSOR.with_borrow_mut(|c| {
        c.reset();
        loop {
            let consumed = c.total_in() as usize;
            let status = c
                .compress_vec(&data[consumed..], &mut out, FlushCompress::Finish)
                .expect("deflate of an in-memory buffer");
            if status == Status::StreamEnd {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
    });
    Deflated {
        data: out,
        crc: crc32fast::hash(data),
        len: data.len() as u32,
    }
}

/// A ZIP archive being written to memory.
#[derive(Default)]
pub struct Archive {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl Archive {
    pub fn with_capacity(bytes: usize) -> Archive {
        Archive {
            out: Vec::with_capacity(bytes),
            ..Archive::default()
        }
    }

    /// Adds a part: stored when small, deflated otherwise.
    pub fn add(&mut self, name: &str, data: &[u8]) {
        if data.len() < STORE_BELOW {
            self.entry(name, 0, crc32fast::hash(data), data.len() as u32, data);
        } else {
            let d = deflate(data);
            self.add_deflated(name, &d);
        }
    }

    /// Adds a part compressed beforehand (a part that is the same in every book).
    pub fn add_deflated(&mut self, name: &str, d: &Deflated) {
        self.entry(name, 8, d.crc, d.len, &d.data);
    }

    fn entry(&mut self, name: &str, method: u16, crc: u32, len: u32, data: &[u8]) {
        let offset = self.out.len() as u32;
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
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
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
    }

    /// The archive's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let at = self.out.len() as u32;
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
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn zip_reads_every_part_back_stored_or_deflated() {
        let big: String = (0..5000).map(|i| format!("<c r=\"A{i}\"/>")).collect();
        let mut a = Archive::default();
        a.add("small.xml", b"<a/>");
        a.add("dir/big.xml", big.as_bytes());
        a.add_deflated("pre.xml", &deflate(b"the same in every book"));
        let bytes = a.finish();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(z.len(), 3);
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
    }
}
