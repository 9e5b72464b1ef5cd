//! `generate`: escribe N capturas TMM-F004 (.xlsx) variadas y realistas en una carpeta, de forma
//! rápida y determinista, más `manifest.json` con lo que cada archivo debe dar en poalint.
//!
//! ```text
//! generate --count 1000 --seed 42 --out bench/data/c1000-s42 [--jobs N] [--zip-level 0-9]
//! ```
//!
//! La salida es idéntica byte a byte para la misma semilla, con cualquier número de hilos: cada
//! archivo usa su propio generador derivado de (semilla, índice) y la fecha de creación del libro
//! es fija.

mod book;
mod pools;
mod rng;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Args {
    count: usize,
    seed: u64,
    out: PathBuf,
    jobs: usize,
    zip_level: Option<u8>,
}

fn usage() -> ! {
    eprintln!("uso: generate --count N --seed S --out CARPETA [--jobs N] [--zip-level 0-9]");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        count: 1000,
        seed: 42,
        out: PathBuf::new(),
        jobs: 0,
        zip_level: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match k.as_str() {
            "--count" | "-n" => a.count = val().parse().unwrap_or_else(|_| usage()),
            "--seed" | "-s" => a.seed = val().parse().unwrap_or_else(|_| usage()),
            "--out" | "-o" => a.out = PathBuf::from(val()),
            "--jobs" | "-j" => a.jobs = val().parse().unwrap_or_else(|_| usage()),
            "--zip-level" => a.zip_level = Some(val().parse().unwrap_or_else(|_| usage())),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    if a.out.as_os_str().is_empty() {
        usage();
    }
    a
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn main() {
    let args = parse_args();
    std::fs::create_dir_all(&args.out).unwrap_or_else(|e| {
        eprintln!("no se pudo crear {}: {e}", args.out.display());
        std::process::exit(2)
    });
    let jobs = if args.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        args.jobs
    };
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<book::BookOut>>> =
        Mutex::new((0..args.count).map(|_| None).collect());
    let failed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= args.count {
                        break;
                    }
                    match book::make_book(args.seed, i as u64, &args.out, args.zip_level) {
                        Ok(b) => results.lock().unwrap()[i] = Some(b),
                        Err(e) => {
                            eprintln!("archivo {i}: {e}");
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed();
    if failed.load(Ordering::Relaxed) > 0 {
        eprintln!("{} archivos fallaron", failed.load(Ordering::Relaxed));
        std::process::exit(1);
    }
    let books: Vec<book::BookOut> = results.into_inner().unwrap().into_iter().flatten().collect();

    // Manifiesto: lo que poalint debe encontrar en cada archivo.
    let mut totals = [0usize; 8];
    let (mut sheets, mut metas, mut errored, mut bytes) = (0usize, 0usize, 0usize, 0u64);
    let mut files_json = Vec::with_capacity(books.len());
    for b in &books {
        sheets += b.sheets;
        metas += b.metas;
        errored += b.errored_metas;
        bytes += b.bytes;
        let mut exp = Vec::new();
        for (k, n) in b.expect.iter().enumerate() {
            totals[k] += n;
            if *n > 0 {
                exp.push(format!("{}: {n}", json_str(book::RULES[k])));
            }
        }
        files_json.push(format!(
            "    {{\"file\": {}, \"sheets\": {}, \"metas\": {}, \"errored_metas\": {}, \"bytes\": {}, \"expect\": {{{}}}}}",
            json_str(&b.file),
            b.sheets,
            b.metas,
            b.errored_metas,
            b.bytes,
            exp.join(", ")
        ));
    }
    let totals_json: Vec<String> = book::RULES
        .iter()
        .zip(totals.iter())
        .map(|(r, n)| format!("{}: {n}", json_str(r)))
        .collect();
    let manifest = format!(
        "{{\n  \"seed\": {},\n  \"count\": {},\n  \"sheets\": {sheets},\n  \"metas\": {metas},\n  \"errored_metas\": {errored},\n  \"bytes\": {bytes},\n  \"expect\": {{{}}},\n  \"files\": [\n{}\n  ]\n}}\n",
        args.seed,
        args.count,
        totals_json.join(", "),
        files_json.join(",\n")
    );
    std::fs::write(args.out.join("manifest.json"), manifest).expect("manifest.json");
    let findings: usize = totals.iter().sum();
    eprintln!(
        "generate: {} archivos, {sheets} hojas, {metas} metas ({errored} con error, {:.1} %), {findings} hallazgos esperados, {:.1} MB en {:.2} s con {jobs} hilos",
        books.len(),
        100.0 * errored as f64 / metas.max(1) as f64,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64()
    );
}
