//! Deflate (RFC 1951) made for the parts poalint writes: one block of fixed Huffman codes,
//! greedy matches found through a hash of the next four bytes. That is zlib's level 1
//! ("deflate_quick", what zlib-rs ran here before) without what a general stream needs: the
//! input is a slice already in memory, so nothing is copied into a sliding window, and the
//! hash table keeps absolute positions, so it is never cleared between parts (zlib-rs wiped
//! its 128 KB table for each of a book's ~25 parts: a fifth of its time here). On the parts
//! of 100 generated fix-up books (8.4 MB of XML): 672 MB/s against zlib-rs level 1's 337 MB/s,
//! and the same size (2,542,996 bytes against 2,543,301). The codes go into a scratch buffer
//! with no branch per code ([`Bits::put_at`]): on the 4,622 deflated parts of 300 fix-up books
//! (24.7 MB) in a loop, 598 → 705 MB/s, the same bytes; within a run, where the hash table is
//! cold after reading a workbook, the deflate stage only went 183.5 → 178.9 ms. `tests` reads
//! every case back with zlib.

/// Bits of the hash of four bytes: 32,768 entries (128 KB; fewer entries, more collisions: 14
/// bits was 4 % slower, 12 bits 18 %).
const HASH_BITS: u32 = 15;
/// Deflate's window: a match may start at most this many bytes back.
const WINDOW: u32 = 32_768;
const MIN_MATCH: usize = 4;
const MAX_MATCH: usize = 258;

/// `code` (of `len` bits) reversed: Huffman codes are sent most significant bit first into a
/// stream packed from the least significant bit.
const fn reverse(code: u32, len: u32) -> u32 {
    let mut r = 0;
    let mut i = 0;
    while i < len {
        r |= ((code >> i) & 1) << (len - 1 - i);
        i += 1;
    }
    r
}

/// The fixed code of a literal/length symbol (RFC 1951 3.2.6): (bits reversed, length).
const fn fixed_code(symbol: u32) -> (u32, u32) {
    match symbol {
        0..=143 => (reverse(0x30 + symbol, 8), 8),
        144..=255 => (reverse(0x190 + symbol - 144, 9), 9),
        256..=279 => (reverse(symbol - 256, 7), 7),
        _ => (reverse(0xC0 + symbol - 280, 8), 8),
    }
}

const LENGTH_BASE: [u32; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Every literal's code: (bits, length).
const LITERALS: [(u32, u32); 256] = {
    let mut t = [(0, 0); 256];
    let mut s = 0;
    while s < 256 {
        t[s] = fixed_code(s as u32);
        s += 1;
    }
    t
};

/// Every match length's code with its extra bits: (bits, length), by length (3..=258).
const LENGTHS: [(u32, u32); MAX_MATCH + 1] = {
    let mut t = [(0, 0); MAX_MATCH + 1];
    let mut len = 3;
    while len <= MAX_MATCH {
        let mut k = 28;
        while LENGTH_BASE[k] as usize > len {
            k -= 1;
        }
        // 258 has its own code (285); 227..=257 are code 284 with 5 extra bits.
        if len < 258 && k == 28 {
            k = 27;
        }
        let (code, n) = fixed_code(257 + k as u32);
        t[len] = (
            code | ((len as u32 - LENGTH_BASE[k]) << n),
            n + LENGTH_EXTRA[k],
        );
        len += 1;
    }
    t
};

/// The distance code of `d - 1` for `d` ≤ 256, and of `256 + ((d - 1) >> 7)` beyond (zlib's
/// table).
const DIST_CODE: [u8; 512] = {
    let mut t = [0u8; 512];
    let mut code = 0;
    while code < 30 {
        let first = DIST_BASE[code];
        let last = first + (1 << DIST_EXTRA[code]) - 1;
        let mut d = first;
        while d <= last {
            let i = if d <= 256 {
                (d - 1) as usize
            } else {
                256 + ((d - 1) >> 7) as usize
            };
            t[i] = code as u8;
            d += 1;
        }
        code += 1;
    }
    t
};

/// A distance's code with its extra bits: (bits, length).
#[inline]
fn distance(d: u32) -> (u32, u32) {
    // The index is chosen without a branch (a mispredicted one cost 3 % of the encoder).
    let i = if d <= 256 {
        d - 1
    } else {
        256 + ((d - 1) >> 7)
    };
    let code = DIST_CODE[i as usize & 511] as usize;
    (
        reverse_5(code as u32) | ((d - DIST_BASE[code]) << 5),
        5 + DIST_EXTRA[code],
    )
}

#[inline]
fn reverse_5(code: u32) -> u32 {
    const R: [u8; 32] = {
        let mut t = [0u8; 32];
        let mut c = 0;
        while c < 32 {
            t[c] = reverse(c as u32, 5) as u8;
            c += 1;
        }
        t
    };
    u32::from(R[code as usize])
}

/// Bits packed from the least significant end into the output: every whole byte through
/// [`Bits::put_at`], the last bits of a stream through [`Bits::flush`].
#[derive(Default)]
struct Bits {
    acc: u64,
    n: u32,
}

impl Bits {
    /// Appends the low `len` (≤ 32) bits of `bits` at `buf[*o..]`, with no branch: the
    /// whole bytes are stored (8 at a time; those past the last whole byte are written again
    /// by the next call) and `*o` moves past them. `buf` must have 8 bytes of room at `*o`,
    /// and fewer than 8 bits may be waiting (as after any call).
    #[inline]
    fn put_at(&mut self, buf: &mut [u8], o: &mut usize, bits: u32, len: u32) {
        self.acc |= u64::from(bits) << self.n;
        self.n += len;
        buf[*o..*o + 8].copy_from_slice(&self.acc.to_le_bytes());
        let whole = self.n >> 3;
        *o += whole as usize;
        self.acc >>= whole << 3;
        self.n &= 7;
    }

    /// Writes out what is left, padded to a whole byte.
    fn flush(&mut self, out: &mut Vec<u8>) {
        while self.n > 0 {
            out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
        self.acc = 0;
    }
}

/// A deflate encoder: one compressed stream at a time, made of one block of fixed codes,
/// given in one piece ([`Encoder::compress`]) or in several ([`Encoder::begin`],
/// [`Encoder::feed`], [`Encoder::end`]; a match never reaches into an earlier piece).
pub struct Encoder {
    /// Absolute position (see `next`) of the last place each hash was seen.
    table: Box<[u32; 1 << HASH_BITS]>,
    /// Absolute position of the next byte fed: positions keep growing across parts and
    /// pieces, so an entry from an earlier one is recognised (it is before the piece's start)
    /// and the table never needs clearing.
    next: u32,
    bits: Bits,
    /// Where a piece's codes are written before they are appended to the output: sized for
    /// the worst case of [`SEGMENT`] bytes, so the bits go out without a test of the room left
    /// (`Vec::extend` on every code was 14 % of the encoder's time).
    scratch: Vec<u8>,
}

/// Bytes of a piece deflated into [`Encoder::scratch`] before it is appended to the output.
const SEGMENT: usize = 32 * 1024;

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder {
            table: Box::new([0; 1 << HASH_BITS]),
            next: 0,
            bits: Bits::default(),
            scratch: Vec::new(),
        }
    }
}

#[inline]
fn read4(data: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(data[i..i + 4].try_into().unwrap_or([0; 4]))
}

#[inline]
fn hash(v: u32) -> usize {
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// How many bytes from `a` and `b` (`a` < `b`) are the same, up to `max`.
#[inline]
fn match_len(data: &[u8], a: usize, b: usize, max: usize) -> usize {
    let mut n = 0;
    while n + 8 <= max {
        let x = u64::from_le_bytes(data[a + n..a + n + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(data[b + n..b + n + 8].try_into().unwrap_or([0; 8]));
        let diff = x ^ y;
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && data[a + n] == data[b + n] {
        n += 1;
    }
    n
}

impl Encoder {
    /// `data` deflated, appended to `out`.
    pub fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.begin();
        self.feed(data, out);
        self.end(out);
    }

    /// Starts a stream: the header of its one (and so last) block of fixed codes.
    pub fn begin(&mut self) {
        // BFINAL = 1, BTYPE = 01: three bits waiting for the first code.
        self.bits = Bits { acc: 0b011, n: 3 };
    }

    /// Deflates the next piece of the stream into `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<u8>) {
        if data.len() as u64 + u64::from(self.next) >= u64::from(u32::MAX) {
            // After 4 GB: start the positions again.
            self.table.fill(0);
            self.next = 0;
        }
        let start = self.next;
        let n = data.len();
        // Room for the worst case of a segment: a literal takes at most 9 bits (a match
        // started in the segment may run past its end, but takes fewer bits than its bytes
        // would as literals), and the last code stores 8 bytes.
        let room = SEGMENT.min(n) * 9 / 8 + 16;
        if self.scratch.len() < room {
            self.scratch.resize(room, 0);
        }
        let buf = &mut self.scratch[..];
        let mut bits = std::mem::take(&mut self.bits);
        let mut i = 0;
        // The last place a match may start: four bytes to compare.
        let last = n.saturating_sub(MIN_MATCH - 1);
        while i < n {
            let end = (i + SEGMENT).min(n);
            let mut o = 0;
            while i < end.min(last) {
                let v = read4(data, i);
                let h = hash(v);
                let here = start + i as u32;
                let seen = self.table[h];
                self.table[h] = here;
                if seen >= start && seen < here && here - seen <= WINDOW {
                    let j = (seen - start) as usize;
                    if read4(data, j) == v {
                        let len =
                            MIN_MATCH + match_len(data, j + 4, i + 4, (n - i).min(MAX_MATCH) - 4);
                        let (lc, ll) = LENGTHS[len];
                        let (dc, dl) = distance(here - seen);
                        bits.put_at(buf, &mut o, lc | (dc << ll), ll + dl);
                        i += len;
                        continue;
                    }
                }
                let (c, l) = LITERALS[data[i] as usize];
                bits.put_at(buf, &mut o, c, l);
                i += 1;
            }
            // The last bytes of the piece, too few to start a match.
            while i < end {
                let (c, l) = LITERALS[data[i] as usize];
                bits.put_at(buf, &mut o, c, l);
                i += 1;
            }
            out.extend_from_slice(&buf[..o]);
        }
        self.bits = bits;
        self.next = start + n as u32;
    }

    /// Ends the stream: the end-of-block code, and the last bits padded to a byte.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        // Symbol 256 is seven 0 bits, after the fewer than 8 waiting.
        self.bits.n += 7;
        self.bits.flush(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid deflate");
        out
    }

    /// A deterministic mix of bytes: `kind` 0 random, 1 XML-like, 2 runs.
    fn sample(len: usize, seed: u64, kind: u8) -> Vec<u8> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            match kind {
                0 => v.push(next() as u8),
                1 => {
                    let r = next();
                    v.extend_from_slice(
                        format!(
                            "<row r=\"{}\"><c r=\"A{}\" s=\"{}\" t=\"inlineStr\"><is><t>{}</t></is></c></row>",
                            r % 5000,
                            r % 5000,
                            r % 9,
                            ["RAMO", "PROGRAMA", "ñandú é", "&amp;", ""][(r % 5) as usize]
                        )
                        .as_bytes(),
                    );
                }
                _ => {
                    let (b, n) = (next() as u8 % 3, (next() % 700) as usize);
                    v.extend(std::iter::repeat_n(b'a' + b, n));
                }
            }
        }
        v.truncate(len);
        v
    }

    #[test]
    fn every_kind_of_input_reads_back_with_zlib() {
        let mut enc = Encoder::default();
        for len in [0, 1, 3, 4, 5, 7, 8, 9, 257, 258, 259, 1000, 40_000, 100_000] {
            for kind in 0..3 {
                for seed in 1..4 {
                    let data = sample(len, seed, kind);
                    let mut out = Vec::new();
                    enc.compress(&data, &mut out);
                    assert!(inflate(&out) == data, "len {len} kind {kind} seed {seed}");
                }
            }
        }
    }

    #[test]
    fn pieces_of_one_stream_read_back_as_the_whole_and_xml_shrinks() {
        let mut enc = Encoder::default();
        let data = sample(300_000, 7, 1);
        let mut out = Vec::new();
        enc.begin();
        for piece in data.chunks(32 * 1024 + 17) {
            enc.feed(piece, &mut out);
        }
        enc.end(&mut out);
        assert!(inflate(&out) == data);
        assert!(out.len() * 4 < data.len(), "{} → {}", data.len(), out.len());
        // The longest match (258) and the farthest distance (32,768) are reached.
        let mut far = sample(32_768, 3, 0);
        far.extend_from_within(..1000);
        far.extend(std::iter::repeat_n(b'x', 10_000));
        let mut out = Vec::new();
        enc.compress(&far, &mut out);
        assert!(inflate(&out) == far);
        assert!(out.len() < 32_768 * 9 / 8 + 200, "{}", out.len());
    }

    #[test]
    fn pieces_of_nine_bit_literals_only_fill_the_scratch_room_and_read_back() {
        // Bytes 144..=255 take 9 bits each as literals, the worst case the room is sized for;
        // pieces longer than a segment, shorter, and ending in the last three bytes.
        let data: Vec<u8> = sample(3 * SEGMENT + 5, 11, 0)
            .into_iter()
            .map(|b| 144 + b % 112)
            .collect();
        let mut enc = Encoder::default();
        for piece in [data.len(), SEGMENT, SEGMENT + 1, 3, 0] {
            let mut out = Vec::new();
            enc.compress(&data[..piece], &mut out);
            assert!(inflate(&out) == data[..piece], "piece {piece}");
        }
    }

    #[test]
    fn positions_start_again_after_4_gb() {
        let mut enc = Encoder {
            next: u32::MAX - 10,
            ..Encoder::default()
        };
        let data = sample(5000, 2, 1);
        let mut out = Vec::new();
        enc.compress(&data, &mut out);
        assert!(inflate(&out) == data);
        assert_eq!(enc.next, 5000);
    }
}
