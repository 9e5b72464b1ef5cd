//! What cross-sheet and cross-file checks need of a sheet, and nothing more: codes and names of
//! the header, the signers, the claves. Workbooks are dropped after their per-file checks; only
//! these facts are kept for checks whose scope is wider than one workbook.

use crate::model::{CaptureSheet, CellRef, Role};
use crate::read::text::name_key;

#[derive(Debug, Clone)]
pub struct CodeNameFact {
    pub code: String,
    pub name: String,
    pub cell: CellRef,
}

#[derive(Debug, Clone)]
pub struct SignerFact {
    pub role: Role,
    pub rol_text: String,
    pub nombre: Option<String>,
    pub key: Option<String>,
    pub cell: CellRef,
    /// The same role appears more than once on this sheet.
    pub duplicated: bool,
}

#[derive(Debug, Clone)]
pub struct ClaveFact {
    pub clave: String,
    pub cell: CellRef,
    pub descripcion: String,
}

#[derive(Debug, Clone)]
pub struct SheetFacts {
    pub file: String,
    pub sheet: String,
    pub sheet_index: usize,
    pub ramo: Option<CodeNameFact>,
    pub programa: Option<CodeNameFact>,
    pub unidad: Option<String>,
    pub signers: Vec<SignerFact>,
    pub claves: Vec<ClaveFact>,
}

fn cn(c: &crate::model::CodeName) -> Option<CodeNameFact> {
    let code = c.code.as_ref()?;
    Some(CodeNameFact {
        code: code.value.trim().to_string(),
        name: c.name.as_ref().map(|n| n.value.clone()).unwrap_or_default(),
        cell: c.anchor().unwrap_or(code.cell),
    })
}

/// Signer names already reduced with [`name_key`] while summarising one workbook: the same
/// people sign most of its sheets, and reducing a name is the costly part of a summary.
#[derive(Debug, Default)]
pub struct NameKeys<'a>(std::collections::HashMap<&'a str, Option<String>>);

impl<'a> NameKeys<'a> {
    /// The reduced name, or `None` when nothing is left of it.
    fn get(&mut self, name: &'a str) -> Option<String> {
        self.0
            .entry(name)
            .or_insert_with(|| Some(name_key(name)).filter(|k| !k.is_empty()))
            .clone()
    }
}

impl SheetFacts {
    pub fn of(file: &str, s: &CaptureSheet) -> SheetFacts {
        SheetFacts::of_with(file, s, &mut NameKeys::default())
    }

    /// [`SheetFacts::of`] reusing the names reduced for earlier sheets of the workbook.
    pub fn of_with<'a>(file: &str, s: &'a CaptureSheet, keys: &mut NameKeys<'a>) -> SheetFacts {
        let signers = s
            .firmantes
            .iter()
            .map(|f| SignerFact {
                role: f.role.clone(),
                rol_text: f.rol.value.clone(),
                nombre: f.nombre.as_ref().map(|n| n.value.clone()),
                key: f.nombre.as_ref().and_then(|n| keys.get(&n.value)),
                cell: f.anchor(),
                duplicated: s.firmantes.iter().filter(|g| g.role == f.role).count() > 1,
            })
            .collect();
        SheetFacts {
            file: file.to_string(),
            sheet: s.name.clone(),
            sheet_index: s.index,
            ramo: cn(&s.header.ramo),
            programa: cn(&s.header.programa),
            unidad: s
                .header
                .unidad_ejecutora
                .code_str()
                .map(|c| c.trim().to_string()),
            signers,
            claves: s
                .metas
                .iter()
                .filter_map(|m| {
                    m.clave.as_ref().map(|c| ClaveFact {
                        clave: c.value.clone(),
                        cell: c.cell,
                        descripcion: m.short_description(),
                    })
                })
                .collect(),
        }
    }
}

/// How far a cross-sheet comparison reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Sheet,
    Unidad,
    Programa,
    Workbook,
    /// Every file of the same ramo code in the run (a ramo split over several files).
    Ramo,
    Run,
}

impl Scope {
    /// Whether the scope can be checked inside one workbook.
    pub fn within_workbook(&self) -> bool {
        !matches!(self, Scope::Ramo | Scope::Run)
    }

    /// The group a sheet belongs to under this scope.
    pub fn key(&self, f: &SheetFacts) -> String {
        // `file`, a separator, then a tag and a code (or the sheet's index).
        let in_file = |tag: &str, code: &str| {
            let mut k = String::with_capacity(f.file.len() + 2 + tag.len() + code.len());
            k.push_str(&f.file);
            k.push('\u{1}');
            k.push_str(tag);
            k.push_str(code);
            k
        };
        let sheet = || in_file("", &f.sheet_index.to_string());
        match self {
            Scope::Sheet => sheet(),
            Scope::Unidad => f
                .unidad
                .as_ref()
                .map(|u| in_file("u", norm_code_str(u)))
                .unwrap_or_else(sheet),
            Scope::Programa => f
                .programa
                .as_ref()
                .map(|p| in_file("p", norm_code_str(&p.code)))
                .unwrap_or_else(sheet),
            Scope::Workbook => f.file.clone(),
            Scope::Ramo => f
                .ramo
                .as_ref()
                .map(|r| format!("ramo\u{1}{}", norm_code_str(&r.code)))
                .unwrap_or_else(|| f.file.clone()),
            Scope::Run => String::new(),
        }
    }

    pub fn spanish(&self) -> &'static str {
        match self {
            Scope::Sheet => "hoja",
            Scope::Unidad => "unidad ejecutora",
            Scope::Programa => "programa",
            Scope::Workbook => "libro",
            Scope::Ramo => "ramo",
            Scope::Run => "conjunto revisado",
        }
    }
}

/// `064` and `64`, `8.7.2.` and `8.7.2` are the same code.
pub fn norm_code(c: &str) -> String {
    norm_code_str(c).to_string()
}

/// [`norm_code`] without allocating.
pub fn norm_code_str(c: &str) -> &str {
    let t = c.trim().trim_end_matches('.');
    let t2 = t.trim_start_matches('0');
    if t2.is_empty() { "0" } else { t2 }
}
