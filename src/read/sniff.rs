//! Telling what a file really is from its first bytes, not its extension, and refusing the
//! files that would hurt the reader (zip bombs, encrypted packages) before calamine sees them.

use crate::model::Format;
use std::io::{Cursor, Read};

/// Why a file cannot be read. Each variant is one clear Spanish diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    ZeroBytes,
    Encrypted,
    NotSpreadsheet(String),
    Truncated(String),
    ZipNotWorkbook,
    TooLarge(String),
    Corrupt(String),
    Io(String),
}

impl ReadProblem {
    /// A short machine-friendly code (`read_zero_byte`, ...), added to the JSON report.
    pub fn code(&self) -> &'static str {
        match self {
            ReadProblem::ZeroBytes => "zero-byte",
            ReadProblem::Encrypted => "encrypted",
            ReadProblem::NotSpreadsheet(_) => "not-a-spreadsheet",
            ReadProblem::Truncated(_) => "truncated",
            ReadProblem::ZipNotWorkbook => "zip-not-workbook",
            ReadProblem::TooLarge(_) => "too-large",
            ReadProblem::Corrupt(_) => "corrupt",
            ReadProblem::Io(_) => "io",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ReadProblem::ZeroBytes => {
                "El archivo está vacío (0 bytes): no contiene ningún libro de Excel".into()
            }
            ReadProblem::Encrypted => {
                "El libro está protegido con contraseña (cifrado): poalint no puede leerlo".into()
            }
            ReadProblem::NotSpreadsheet(what) => {
                format!("El archivo no es una hoja de cálculo: {what}")
            }
            ReadProblem::Truncated(why) => {
                format!("El archivo está truncado o incompleto (copia interrumpida): {why}")
            }
            ReadProblem::ZipNotWorkbook => {
                "El archivo es un ZIP pero no contiene un libro de Excel ni de OpenDocument".into()
            }
            ReadProblem::TooLarge(why) => {
                format!("El archivo excede los límites de lectura: {why}")
            }
            ReadProblem::Corrupt(why) => format!("El libro está dañado y no se puede leer: {why}"),
            ReadProblem::Io(why) => format!("No se pudo leer el archivo: {why}"),
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            ReadProblem::ZeroBytes | ReadProblem::Truncated(_) => {
                "Pida a la dependencia que envíe de nuevo el archivo completo"
            }
            ReadProblem::Encrypted => {
                "Pida a la dependencia el archivo sin contraseña (Archivo › Información › Proteger libro)"
            }
            ReadProblem::NotSpreadsheet(_) | ReadProblem::ZipNotWorkbook => {
                "Pida el libro original en formato .xlsx, .xls u .ods"
            }
            _ => "Abra el archivo en Excel, guárdelo de nuevo como .xlsx y vuelva a revisarlo",
        }
    }
}

/// Limits on what a workbook may unpack to. A real capture is a few hundred KB.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
pub const MAX_ENTRY_INFLATED: u64 = 256 * 1024 * 1024;
pub const MAX_TOTAL_INFLATED: u64 = 1024 * 1024 * 1024;

/// Decides the format from the bytes and checks a zip's entries before calamine opens it.
pub fn sniff(bytes: &[u8]) -> Result<Format, ReadProblem> {
    if bytes.is_empty() {
        return Err(ReadProblem::ZeroBytes);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if contains_utf16(bytes, "EncryptedPackage") || contains_utf16(bytes, "EncryptionInfo") {
            return Err(ReadProblem::Encrypted);
        }
        if bytes.len() < 1536 {
            return Err(ReadProblem::Truncated(
                "el documento compuesto de Excel 97-2003 está incompleto".into(),
            ));
        }
        return Ok(Format::Xls);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(ReadProblem::NotSpreadsheet(
            "es un documento PDF con otra extensión".into(),
        ));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    if head.contains("<html") || head.contains("<!doctype html") || head.contains("<table") {
        return Err(ReadProblem::NotSpreadsheet(
            "es una página HTML guardada con extensión de Excel".into(),
        ));
    }
    if head.trim_start().starts_with("<?xml") {
        return Err(ReadProblem::NotSpreadsheet(
            "es un archivo XML (posiblemente «Hoja de cálculo XML 2003»), no un libro .xlsx".into(),
        ));
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let printable = sample
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    if printable * 10 >= sample.len() * 9 {
        return Err(ReadProblem::NotSpreadsheet(
            "es un archivo de texto (por ejemplo CSV o TXT) renombrado con extensión de Excel"
                .into(),
        ));
    }
    Err(ReadProblem::NotSpreadsheet(
        "su contenido no corresponde a ningún formato de hoja de cálculo conocido".into(),
    ))
}

fn contains_utf16(bytes: &[u8], s: &str) -> bool {
    let pat: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(pat.len()).any(|w| w == pat.as_slice())
}

fn sniff_zip(bytes: &[u8]) -> Result<Format, ReadProblem> {
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            return Err(ReadProblem::Truncated(format!(
                "falta el directorio central del ZIP ({e})"
            )));
        }
    };
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(ReadProblem::TooLarge(format!(
            "el ZIP tiene {} entradas",
            zip.len()
        )));
    }
    let mut has_workbook = false;
    let mut has_ods = false;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                return Err(ReadProblem::Corrupt(format!(
                    "entrada {i} del ZIP ilegible ({e})"
                )));
            }
        };
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("#{i}"));
        if name == "xl/workbook.xml" || name == "xl/workbook.bin" {
            has_workbook = true;
        }
        if name == "content.xml" {
            has_ods = true;
        }
        // The declared size can lie: inflate through a bounded reader to learn the real one.
        let declared = entry.size();
        if declared > MAX_ENTRY_INFLATED {
            return Err(ReadProblem::TooLarge(format!(
                "la entrada «{name}» se descomprime a {} MB",
                declared / (1024 * 1024)
            )));
        }
        // Deflate cannot expand more than ~1032:1, so only entries whose compressed size
        // could hide more than the limit are inflated (through a bounded reader) to learn
        // their real size. Normal captures skip this entirely.
        let bound = entry.compressed_size().saturating_mul(1032);
        let real = if bound > MAX_ENTRY_INFLATED {
            let mut limited = (&mut entry).take(MAX_ENTRY_INFLATED + 1);
            let n = match std::io::copy(&mut limited, &mut std::io::sink()) {
                Ok(n) => n,
                Err(e) => {
                    return Err(ReadProblem::Truncated(format!(
                        "la entrada «{name}» no se puede descomprimir ({e})"
                    )));
                }
            };
            if n > MAX_ENTRY_INFLATED {
                return Err(ReadProblem::TooLarge(format!(
                    "la entrada «{name}» se descomprime a más de {} MB (posible bomba ZIP)",
                    MAX_ENTRY_INFLATED / (1024 * 1024)
                )));
            }
            n
        } else {
            bound.min(declared.max(1))
        };
        total += real;
        if total > MAX_TOTAL_INFLATED {
            return Err(ReadProblem::TooLarge(
                "el contenido descomprimido excede 1 GB (posible bomba ZIP)".into(),
            ));
        }
    }
    if has_workbook {
        Ok(Format::Xlsx)
    } else if has_ods {
        Ok(Format::Ods)
    } else {
        Err(ReadProblem::ZipNotWorkbook)
    }
}
