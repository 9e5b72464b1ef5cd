//! The spellings of the form's labels that the reader recognises, and how they are matched.
//!
//! Matching is done on [`squash`]ed text (no accents, case, spaces or punctuation), so
//! `Línea de Acción P.M.D.`, `LINEA DE ACCION` and `L/A` need no separate entries. A policy can
//! add an ayuntamiento's own spellings (`[labels] unidad_ejecutora = ["UNIDAD ADMVA"]`).

use super::text::squash;
use serde::Serialize;
use std::collections::BTreeMap;

/// Form concepts located by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    // header block
    Ramo,
    Programa,
    UnidadEjecutora,
    Finalidad,
    Funcion,
    Subfuncion,
    LineasAccion,
    /// Other header labels that are recognised (so their values are not misread) but not used.
    OtherHeader,
    Fecha,
    // metas table
    LineaAccion,
    Clave,
    Descripcion,
    UnidadMedida,
    MetaAnual,
    Periodo,
    AvanceAbsoluto,
    AcumuladoRelativo,
    Observaciones,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::Ramo,
        Field::Programa,
        Field::UnidadEjecutora,
        Field::Finalidad,
        Field::Funcion,
        Field::Subfuncion,
        Field::LineasAccion,
        Field::OtherHeader,
        Field::Fecha,
        Field::LineaAccion,
        Field::Clave,
        Field::Descripcion,
        Field::UnidadMedida,
        Field::MetaAnual,
        Field::Periodo,
        Field::AvanceAbsoluto,
        Field::AcumuladoRelativo,
        Field::Observaciones,
    ];

    /// The key used in policy files (`[labels]` table).
    pub fn key(&self) -> &'static str {
        match self {
            Field::Ramo => "ramo",
            Field::Programa => "programa",
            Field::UnidadEjecutora => "unidad_ejecutora",
            Field::Finalidad => "finalidad",
            Field::Funcion => "funcion",
            Field::Subfuncion => "subfuncion",
            Field::LineasAccion => "lineas_accion",
            Field::OtherHeader => "otro_encabezado",
            Field::Fecha => "fecha",
            Field::LineaAccion => "linea_accion",
            Field::Clave => "clave",
            Field::Descripcion => "descripcion",
            Field::UnidadMedida => "unidad_medida",
            Field::MetaAnual => "meta_anual",
            Field::Periodo => "periodo",
            Field::AvanceAbsoluto => "avance_absoluto",
            Field::AcumuladoRelativo => "acumulado_relativo",
            Field::Observaciones => "observaciones",
        }
    }

    pub fn from_key(k: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == k)
    }

    pub fn is_header(&self) -> bool {
        matches!(
            self,
            Field::Ramo
                | Field::Programa
                | Field::UnidadEjecutora
                | Field::Finalidad
                | Field::Funcion
                | Field::Subfuncion
                | Field::LineasAccion
                | Field::OtherHeader
                | Field::Fecha
        )
    }
}

/// How a spelling matches a squashed cell text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Pattern {
    /// The whole label, nothing else (`LA`, `NO`).
    Exact(String),
    /// The label followed by anything (`METAANUAL...`, `OBSERVACION...`).
    Prefix(String),
    /// All the parts appear (`META` and `ACCION`).
    All(Vec<String>),
}

impl Pattern {
    fn matches(&self, sq: &str) -> bool {
        match self {
            Pattern::Exact(p) => sq == p,
            Pattern::Prefix(p) => sq.starts_with(p.as_str()),
            Pattern::All(ps) => ps.iter().all(|p| sq.contains(p.as_str())),
        }
    }
}

/// The label spellings in force: built-in ones plus the policy's aliases.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub patterns: BTreeMap<Field, Vec<Pattern>>,
}

fn ex(s: &str) -> Pattern {
    Pattern::Exact(s.into())
}
fn pre(s: &str) -> Pattern {
    Pattern::Prefix(s.into())
}
fn all(s: &[&str]) -> Pattern {
    Pattern::All(s.iter().map(|x| x.to_string()).collect())
}

impl Default for Labels {
    fn default() -> Self {
        use Field::*;
        let mut p = BTreeMap::new();
        p.insert(
            Ramo,
            vec![
                ex("RAMO"),
                ex("RAMOADMINISTRATIVO"),
                ex("DEPENDENCIA"),
                ex("ENTIDAD"),
            ],
        );
        p.insert(Programa, vec![ex("PROGRAMA"), ex("PROGRAMAPRESUPUESTARIO")]);
        p.insert(
            UnidadEjecutora,
            vec![
                ex("UNIDADEJECUTORA"),
                ex("UNIDADRESPONSABLE"),
                ex("UNIDADADMINISTRATIVA"),
                ex("UE"),
                ex("UR"),
            ],
        );
        p.insert(Finalidad, vec![ex("FINALIDAD")]);
        p.insert(Funcion, vec![ex("FUNCION")]);
        p.insert(Subfuncion, vec![ex("SUBFUNCION")]);
        p.insert(
            LineasAccion,
            vec![
                ex("LINEASDEACCION"),
                ex("LINEADEACCION"),
                ex("LINEASDEACCIONPMD"),
            ],
        );
        p.insert(
            OtherHeader,
            vec![
                pre("EJEDEGOBIERNO"),
                ex("EJE"),
                pre("ESTRATEGIA"),
                pre("LIGAALPMD"),
                pre("POLITICA"),
                ex("CADMINISTRATIVA"),
                pre("CLASIFICACIONADMINISTRATIVA"),
            ],
        );
        p.insert(Fecha, vec![ex("FECHA"), ex("FECHADECORTE")]);
        p.insert(
            LineaAccion,
            vec![
                ex("LA"),
                ex("LIA"),
                ex("LAPMD"),
                pre("LINEADEACCION"),
                pre("LINEASDEACCION"),
            ],
        );
        p.insert(
            Clave,
            vec![ex("CLAVE"), ex("CVE"), ex("NO"), ex("NUM"), ex("NUMERO")],
        );
        p.insert(
            Descripcion,
            vec![all(&["META", "ACCION"]), pre("DESCRIPCION"), ex("METAS")],
        );
        p.insert(
            UnidadMedida,
            vec![pre("UNIDADDEMEDIDA"), ex("UNIDAD"), ex("UM")],
        );
        p.insert(MetaAnual, vec![pre("METAANUAL"), ex("METAPROGRAMADAANUAL")]);
        p.insert(Periodo, vec![ex("PERIODO")]);
        p.insert(AvanceAbsoluto, vec![pre("AVANCEABSOLUTO"), ex("AVANCE")]);
        p.insert(
            AcumuladoRelativo,
            vec![
                pre("ACUMULADORELATIVO"),
                pre("AVANCERELATIVO"),
                ex("ACUMULADO"),
                ex("RELATIVO"),
            ],
        );
        p.insert(Observaciones, vec![pre("OBSERVACION")]);
        Labels { patterns: p }
    }
}

impl Labels {
    /// Adds an ayuntamiento's spelling of a label (matched exactly after squashing).
    pub fn add_alias(&mut self, field: Field, spelling: &str) {
        let sq = squash(spelling);
        if sq.is_empty() {
            return;
        }
        self.patterns
            .entry(field)
            .or_default()
            .insert(0, Pattern::Exact(sq));
    }

    /// Whether squashed text `sq` is a label of `field`.
    pub fn is(&self, field: Field, sq: &str) -> bool {
        self.patterns
            .get(&field)
            .is_some_and(|ps| ps.iter().any(|p| p.matches(sq)))
    }

    /// The header-block field a cell's text names, with the inline value after the label
    /// (`"RAMO: 064 INSTITUTO"` → `(Ramo, Some("064 INSTITUTO"))`).
    pub fn header_label(&self, text: &str) -> Option<(Field, Option<String>)> {
        let sq = squash(text);
        if sq.is_empty() {
            return None;
        }
        // Whole cell is a label.
        for f in [
            Field::Ramo,
            Field::Programa,
            Field::UnidadEjecutora,
            Field::Finalidad,
            Field::Funcion,
            Field::Subfuncion,
            Field::LineasAccion,
            Field::Fecha,
            Field::OtherHeader,
        ] {
            if self.is(f, &sq) {
                return Some((f, None));
            }
        }
        // Label followed by a colon and a value: "RAMO: 064 ...", "FECHA: 31 DE MARZO 2024".
        if let Some(pos) = text.find(':') {
            let (head, tail) = text.split_at(pos);
            let hsq = squash(head);
            let tail = tail[1..].trim();
            for f in [
                Field::Ramo,
                Field::Programa,
                Field::UnidadEjecutora,
                Field::Finalidad,
                Field::Funcion,
                Field::Subfuncion,
                Field::LineasAccion,
                Field::Fecha,
                Field::OtherHeader,
            ] {
                if self.is(f, &hsq) {
                    return Some((f, (!tail.is_empty()).then(|| tail.to_string())));
                }
            }
        }
        // "FECHA 31-mar-24" without colon.
        if sq.starts_with("FECHA") && sq.len() > 5 {
            let rest = text.trim_start();
            let rest = rest
                .get(5..)
                .unwrap_or("")
                .trim_start_matches([':', ' ', '.']);
            return Some((Field::Fecha, Some(rest.trim().to_string())));
        }
        None
    }
}
