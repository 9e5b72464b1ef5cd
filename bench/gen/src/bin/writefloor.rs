//! `writefloor`: el piso de escritura de `--fix-dir`. Toma los libros de correcciones que ya
//! escribió poalint (una carpeta de `--fix-dir`), carga en memoria las partes de cada uno sin
//! comprimir (fuera del tiempo medido) y mide lo mínimo que cualquier escritor de *esos mismos
//! libros* tiene que pagar: comprimir cada parte con deflate nivel 1 (zlib-rs, como poalint; las
//! partes que poalint guardó sin comprimir se copian, y el tema, igual en todos, se comprime una
//! vez), calcular su CRC-32 y crear cada archivo (nombre temporal y renombrar, como poalint), en
//! paralelo (`--jobs N`, 0 = todos los núcleos). No arma XML ni lee capturas: si esto ya cuesta
//! tanto como el piso de lectura, `--fix-dir` no puede añadir menos que eso.
//!
//! ```text
//! writefloor CARPETA_DE_CORRECCIONES [--jobs N] [--runs N] [--out CARPETA]
//! ```
//! Imprime la mediana y el mínimo de `--runs` rondas (7), cada una en una carpeta nueva dentro de
//! `--out` (que queda escrita, para que quien llama la borre cuando ya no mida nada: borrar miles
//! de archivos vuelve más lenta la creación de los siguientes en ext4); sin `--out`, en una
//! carpeta temporal que se borra al final.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Una parte de un libro: sus bytes sin comprimir y si poalint la comprimió.
struct Part {
    deflate: bool,
    bytes: Vec<u8>,
}

fn load(path: &Path) -> Result<Vec<Part>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut z = zip::ZipArchive::new(f).map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).map_err(|e| e.to_string())?;
        let theme = e.name().is_ok_and(|n| n == "xl/theme/theme1.xml");
        let deflate = e.compression() != zip::CompressionMethod::Stored && !theme;
        let mut bytes = Vec::with_capacity(e.size() as usize);
        e.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        if !theme {
            parts.push(Part { deflate, bytes });
        }
    }
    Ok(parts)
}

fn deflate(c: &mut Compress, data: &[u8], out: &mut Vec<u8>) {
    c.reset();
    let start = out.len();
    out.reserve(data.len() / 2 + 64);
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], out, FlushCompress::Finish)
            .expect("deflate");
        if status == Status::StreamEnd {
            break;
        }
        out.reserve(out.capacity().max(1024));
    }
    std::hint::black_box(&out[start..]);
}

fn main() {
    let usage = "uso: writefloor CARPETA_DE_CORRECCIONES [--jobs N] [--runs N] [--out CARPETA]";
    let (mut dir, mut jobs, mut runs) = (None::<PathBuf>, 0usize, 7usize);
    let mut keep: Option<PathBuf> = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--jobs" | "-j" => jobs = it.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).unwrap_or(7).max(1),
            "--out" => keep = it.next().map(PathBuf::from),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => {
                eprintln!("{usage}");
                std::process::exit(2)
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("{usage}");
        std::process::exit(2)
    };
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with("-correcciones.xlsx"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let books: Vec<(String, Vec<Part>)> = names
        .into_iter()
        .filter_map(|n| match load(&dir.join(&n)) {
            Ok(p) => Some((n, p)),
            Err(e) => {
                eprintln!("{n}: {e}");
                None
            }
        })
        .collect();
    if books.is_empty() {
        eprintln!("writefloor: no hay libros *-correcciones.xlsx en {}", dir.display());
        std::process::exit(2);
    }
    let parts: usize = books.iter().map(|(_, p)| p.len()).sum();
    let xml: usize = books.iter().flat_map(|(_, p)| p).map(|p| p.bytes.len()).sum();

    let out_root = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("writefloor-{}", std::process::id()))
    });
    let mut times = Vec::new();
    let mut written = 0u64;
    // Una carpeta nueva por ronda, y se borran todas al final: borrar 1,000 archivos y crear
    // otros tantos enseguida vuelve lenta la creación de inodos en ext4 (`recently_deleted`).
    for round in 0..runs {
        let out_root = out_root.join(format!("ronda-{round}"));
        std::fs::create_dir_all(&out_root).expect("carpeta de salida");
        let next = AtomicUsize::new(0);
        let start = Instant::now();
        let sizes: Vec<u64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..jobs)
                .map(|_| {
                    s.spawn(|| {
                        let mut c = Compress::new(Compression::new(1), false);
                        let theme = {
                            let mut t = Vec::new();
                            deflate(&mut c, b"theme", &mut t);
                            t
                        };
                        let mut total = 0u64;
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some((name, parts)) = books.get(i) else { break };
                            let mut out: Vec<u8> = Vec::with_capacity(64 * 1024);
                            out.extend_from_slice(&theme);
                            for p in parts {
                                let crc = crc32fast::hash(&p.bytes);
                                out.extend_from_slice(&crc.to_le_bytes());
                                if p.deflate {
                                    deflate(&mut c, &p.bytes, &mut out);
                                } else {
                                    out.extend_from_slice(&p.bytes);
                                }
                            }
                            let tmp = out_root.join(format!(".~{name}.tmp"));
                            let out_root = &out_root;
                            let mut f = std::fs::File::create(&tmp).expect("crear");
                            f.write_all(&out).expect("escribir");
                            drop(f);
                            std::fs::rename(&tmp, out_root.join(name)).expect("renombrar");
                            total += out.len() as u64;
                        }
                        total
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        times.push(start.elapsed().as_secs_f64());
        written = sizes.iter().sum();
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&out_root);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!(
        "writefloor: {} libros, {} partes, {:.1} MB de XML -> {:.1} MB; {} hilos; mediana {:.3} s (mín {:.3} s, {} rondas)",
        books.len(),
        parts,
        xml as f64 / 1e6,
        written as f64 / 1e6,
        jobs,
        median,
        sorted[0],
        runs
    );
    println!("median_s={median:.6}");
}
