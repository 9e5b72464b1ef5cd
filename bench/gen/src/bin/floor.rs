//! `floor`: el piso de lectura. Abre cada libro .xlsx de una carpeta con calamine 0.38 (la misma
//! versión que poalint) y lee todas las celdas de todas las hojas con
//! `worksheet_cells_reader` + `next_cell_with_style_id`, igual que `poalint::read::grid`, en
//! paralelo sobre los archivos (`--jobs N`, 0 = todos los núcleos, como poalint). No interpreta
//! nada: es lo mínimo que cualquier linter de estos libros tiene que pagar.
//!
//! ```text
//! floor CARPETA [--jobs N]
//! ```

use calamine::{DataRef, Reader, Xlsx};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("xlsx") || x.eq_ignore_ascii_case("xlsm"))
        {
            out.push(p);
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    sheets: usize,
    cells: usize,
    non_empty: usize,
    /// Suma de longitudes de texto y valores: obliga a tocar cada valor.
    check: u64,
}

fn read_one(path: &Path) -> Result<Tally, String> {
    // Como poalint: el archivo entero en memoria, luego calamine sobre un Cursor.
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e: calamine::XlsxError| e.to_string())?;
    let names: Vec<String> = wb.sheet_names().to_vec();
    let mut t = Tally::default();
    for name in names {
        let mut reader = wb.worksheet_cells_reader(&name).map_err(|e| e.to_string())?;
        t.sheets += 1;
        let n_styles = reader.styles().len();
        while let Some((cell, style)) = reader
            .next_cell_with_style_id()
            .map_err(|e: calamine::XlsxError| e.to_string())?
        {
            t.cells += 1;
            let (r, c) = cell.get_position();
            let v: u64 = match cell.get_value() {
                DataRef::Empty => continue,
                DataRef::String(s) => s.len() as u64,
                DataRef::SharedString(s) => s.len() as u64,
                DataRef::Float(f) => f.to_bits() & 0xff,
                DataRef::Int(i) => *i as u64,
                DataRef::Bool(b) => *b as u64,
                DataRef::DateTime(d) => d.as_f64() as u64,
                DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len() as u64,
                DataRef::Error(_) => 1,
            };
            t.non_empty += 1;
            t.check = t
                .check
                .wrapping_add(v ^ (r as u64) ^ ((c as u64) << 20) ^ (style.min(n_styles) as u64));
        }
    }
    Ok(t)
}

fn main() {
    let mut dir: Option<PathBuf> = None;
    let mut jobs = 0usize;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--jobs" | "-j" => jobs = it.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => {
                eprintln!("uso: floor CARPETA [--jobs N]");
                std::process::exit(2)
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("uso: floor CARPETA [--jobs N]");
        std::process::exit(2)
    };
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    let start = Instant::now();
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let next = AtomicUsize::new(0);
    let totals: Vec<(Tally, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| {
                    let mut acc = Tally::default();
                    let mut errors = 0usize;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = files.get(i) else { break };
                        match read_one(p) {
                            Ok(t) => {
                                acc.sheets += t.sheets;
                                acc.cells += t.cells;
                                acc.non_empty += t.non_empty;
                                acc.check = acc.check.wrapping_add(t.check);
                            }
                            Err(e) => {
                                eprintln!("{}: {e}", p.display());
                                errors += 1;
                            }
                        }
                    }
                    (acc, errors)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed();
    let mut t = Tally::default();
    let mut errors = 0;
    for (x, e) in totals {
        t.sheets += x.sheets;
        t.cells += x.cells;
        t.non_empty += x.non_empty;
        t.check = t.check.wrapping_add(x.check);
        errors += e;
    }
    println!(
        "floor: {} archivos, {} hojas, {} celdas ({} con valor), {errors} errores, suma {:x}, {:.3} s con {jobs} hilos",
        files.len(),
        t.sheets,
        t.cells,
        t.non_empty,
        t.check,
        elapsed.as_secs_f64()
    );
    if errors > 0 {
        std::process::exit(1);
    }
}
