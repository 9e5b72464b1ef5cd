//! Replays every input under `fuzz/regressions/` (crashes, hangs and out-of-memory inputs the
//! `reader` fuzz target found, once fixed) through the fuzz target's own body, without
//! libFuzzer, so they stay fixed in a plain `cargo test`.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;
use std::time::Instant;

#[test]
fn fuzz_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"));
    files.sort();
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        let start = Instant::now();
        harness::check(&bytes);
        let secs = start.elapsed().as_secs_f64();
        assert!(secs < 10.0, "{} took {secs:.1} s", p.display());
    }
    eprintln!("{} entradas de fuzz/regressions revisadas", files.len());
}

/// The fixtures go through the harness too (they are the fuzzer's seed corpus).
#[test]
fn fuzz_harness_accepts_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        harness::check(&std::fs::read(&p).unwrap());
    }
}

#[path = "common/bad_gen.rs"]
mod bad_gen;

/// xorshift64*: a fixed seed, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A small random edit: flip or overwrite bytes, delete, duplicate or insert a span, or put a
/// big number where a digit was.
fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        data.push(0);
    }
    let at = rng.below(data.len());
    match rng.below(6) {
        0 => data[at] ^= 1 << rng.below(8),
        1 => {
            for i in at..(at + 1 + rng.below(8)).min(data.len()) {
                data[i] = rng.next() as u8;
            }
        }
        2 => {
            let end = (at + 1 + rng.below(64)).min(data.len());
            data.drain(at..end);
        }
        3 => {
            let end = (at + 1 + rng.below(256)).min(data.len());
            let span = data[at..end].to_vec();
            let to = rng.below(data.len());
            data.splice(to..to, span);
        }
        4 => {
            let junk: &[&[u8]] = &[
                b"<",
                b">",
                b"\"",
                b"/>",
                b"&#0;",
                b"</row>",
                b"\xff\xfe",
                b"]]>",
            ];
            let j = junk[rng.below(junk.len())];
            data.splice(at..at, j.iter().copied());
        }
        _ => {
            if let Some(d) = data[at..].iter().position(|b| b.is_ascii_digit()) {
                let big: &[&[u8]] = &[
                    b"4294967295",
                    b"18446744073709551616",
                    b"1048576",
                    b"-1",
                    b"99999999999",
                ];
                let b = big[rng.below(big.len())];
                data.splice(at + d..at + d + 1, b.iter().copied());
            }
        }
    }
}

/// The mutated inputs, generated up front (same seed, same inputs on every run).
fn mutated_inputs() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(0x005E_ED0F_1551_E007);
    let mut out = Vec::new();
    let xls = bad_gen::fixture("01-PRESIDENCIA-2T2020.xls");
    for i in 0..150 {
        let mut d = xls.clone();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut d);
        }
        out.push((format!("xls-{i}"), d));
    }
    for (name, rounds) in [
        ("064-IMIP-1T2024.xlsx", 80),
        ("60-IMACUM-4T2020.ods", 80),
        ("01-PRESIDENCIA-2T2020.xlsx", 40),
    ] {
        let parts = bad_gen::unzip(&bad_gen::fixture(name));
        let xml: Vec<usize> = (0..parts.len())
            .filter(|i| parts[*i].0.ends_with(".xml"))
            .collect();
        for r in 0..rounds {
            let mut p = parts.clone();
            let i = xml[rng.below(xml.len())];
            for _ in 0..1 + rng.below(4) {
                mutate(&mut rng, &mut p[i].1);
            }
            out.push((
                format!("{name}-{r}-{}", p[i].0.replace('/', "_")),
                bad_gen::zip_of(&p),
            ));
        }
    }
    out
}

/// A libFuzzer-free smoke fuzz that runs in every `cargo test`: random edits of the fixtures'
/// BIFF bytes and of the XML inside their zips (re-zipped with honest sizes and checksums, so
/// the edits reach calamine instead of stopping at the zip checks). A watchdog turns a hang
/// into a failure and saves the input.
#[test]
fn mutated_fixtures_never_crash_the_reader() {
    use std::sync::mpsc;
    use std::time::Duration;
    let inputs = mutated_inputs();
    let total = inputs.len();
    let (tx, rx) = mpsc::channel::<Option<usize>>();
    let shared = std::sync::Arc::new(inputs);
    let work = shared.clone();
    std::thread::spawn(move || {
        for (i, (_, bytes)) in work.iter().enumerate() {
            tx.send(Some(i)).unwrap();
            harness::check(bytes);
        }
        tx.send(None).unwrap();
    });
    let mut current = None;
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(i)) => current = Some(i),
            Ok(None) => break,
            Err(e) => {
                let i = current.expect("started");
                let (name, bytes) = &shared[i];
                let path = std::env::temp_dir().join(format!("poalint-mutacion-{name}"));
                std::fs::write(&path, bytes).unwrap();
                let what = match e {
                    mpsc::RecvTimeoutError::Timeout => "hangs",
                    mpsc::RecvTimeoutError::Disconnected => "panicked",
                };
                panic!(
                    "the reader {what} on mutated input {name} (saved to {})",
                    path.display()
                );
            }
        }
    }
    eprintln!("{total} entradas mutadas revisadas");
}
