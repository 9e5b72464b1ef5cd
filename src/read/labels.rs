//! The spellings of the form's labels that the reader recognises, and how they are matched.
//!
//! Matching is done on [`squash`]ed text (no accents, case, spaces or punctuation), so
//! `Línea de Acción P.M.D.`, `LINEA DE ACCION` and `L/A` need no separate entries. A policy can
//! add an ayuntamiento's own spellings (`[labels] unidad_ejecutora = ["UNIDAD ADMVA"]`).

use super::text::squash;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

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
    /// Every field, in declaration order (`Field::X as usize` is its position here).
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
    #[inline]
    fn matches(&self, sq: &str) -> bool {
        match self {
            Pattern::Exact(p) => sq == p,
            Pattern::Prefix(p) => sq.starts_with(p.as_str()),
            Pattern::All(ps) => ps.iter().all(|p| sq.contains(p.as_str())),
        }
    }
}

/// The label spellings in force: built-in ones plus the policy's aliases.
///
/// The spellings are kept per field in an array indexed by `Field as usize`, so
/// [`Labels::is`] costs no map lookup. They serialize as a map from field to spellings.
#[derive(Debug, Clone)]
pub struct Labels {
    patterns: [Vec<Pattern>; Field::ALL.len()],
    /// The header fields' spellings in one list, for [`Labels::header_label`].
    header: HeaderIndex,
}

/// The spellings of the [`HEADER_FIELDS`], numbered in the order they are tried (field by
/// field, each field's spellings in order): the first that matches names the same field as
/// trying each field in turn. Exact spellings are grouped by length, since only those as
/// long as the text can match it. Rebuilt whenever a spelling is added.
#[derive(Debug, Clone, Default)]
struct HeaderIndex {
    /// `exact[n]`: the exact spellings `n` bytes long, with their number, in order.
    exact: Vec<Vec<(String, usize, Field)>>,
    /// The other spellings ([`Pattern::Prefix`], [`Pattern::All`]), with their number, in
    /// order.
    loose: Vec<(Pattern, usize, Field)>,
}

impl HeaderIndex {
    fn new(patterns: &[Vec<Pattern>]) -> HeaderIndex {
        let mut index = HeaderIndex::default();
        let mut rank = 0;
        for f in HEADER_FIELDS {
            for p in &patterns[f as usize] {
                match p {
                    Pattern::Exact(e) => {
                        if index.exact.len() <= e.len() {
                            index.exact.resize_with(e.len() + 1, Vec::new);
                        }
                        index.exact[e.len()].push((e.clone(), rank, f));
                    }
                    _ => index.loose.push((p.clone(), rank, f)),
                }
                rank += 1;
            }
        }
        index
    }

    /// The first header field one of whose spellings squashed text `sq` matches.
    fn field(&self, sq: &str) -> Option<Field> {
        let exact = self
            .exact
            .get(sq.len())
            .and_then(|same_len| same_len.iter().find(|(e, _, _)| e == sq))
            .map(|(_, rank, f)| (*rank, *f));
        let loose = self
            .loose
            .iter()
            .take_while(|(_, rank, _)| exact.is_none_or(|(r, _)| *rank < r))
            .find(|(p, _, _)| p.matches(sq))
            .map(|(_, rank, f)| (*rank, *f));
        loose.or(exact).map(|(_, f)| f)
    }
}

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Field::ALL.len()))?;
        for f in Field::ALL {
            map.serialize_entry(&f, self.patterns(f))?;
        }
        map.end()
    }
}

/// The header-block fields, in the order a cell's text is tried against them.
const HEADER_FIELDS: [Field; 9] = [
    Field::Ramo,
    Field::Programa,
    Field::UnidadEjecutora,
    Field::Finalidad,
    Field::Funcion,
    Field::Subfuncion,
    Field::LineasAccion,
    Field::Fecha,
    Field::OtherHeader,
];

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
        let mut p: [Vec<Pattern>; Field::ALL.len()] = Default::default();
        p[Ramo as usize] = vec![
            ex("RAMO"),
            ex("RAMOADMINISTRATIVO"),
            ex("DEPENDENCIA"),
            ex("ENTIDAD"),
        ];
        p[Programa as usize] = vec![ex("PROGRAMA"), ex("PROGRAMAPRESUPUESTARIO")];
        p[UnidadEjecutora as usize] = vec![
            ex("UNIDADEJECUTORA"),
            ex("UNIDADRESPONSABLE"),
            ex("UNIDADADMINISTRATIVA"),
            ex("UE"),
            ex("UR"),
        ];
        p[Finalidad as usize] = vec![ex("FINALIDAD")];
        p[Funcion as usize] = vec![ex("FUNCION")];
        p[Subfuncion as usize] = vec![ex("SUBFUNCION")];
        p[LineasAccion as usize] = vec![
            ex("LINEASDEACCION"),
            ex("LINEADEACCION"),
            ex("LINEASDEACCIONPMD"),
        ];
        p[OtherHeader as usize] = vec![
            pre("EJEDEGOBIERNO"),
            ex("EJE"),
            pre("ESTRATEGIA"),
            pre("LIGAALPMD"),
            pre("POLITICA"),
            ex("CADMINISTRATIVA"),
            pre("CLASIFICACIONADMINISTRATIVA"),
        ];
        p[Fecha as usize] = vec![ex("FECHA"), ex("FECHADECORTE")];
        p[LineaAccion as usize] = vec![
            ex("LA"),
            ex("LIA"),
            ex("LAPMD"),
            pre("LINEADEACCION"),
            pre("LINEASDEACCION"),
        ];
        p[Clave as usize] = vec![ex("CLAVE"), ex("CVE"), ex("NO"), ex("NUM"), ex("NUMERO")];
        p[Descripcion as usize] = vec![all(&["META", "ACCION"]), pre("DESCRIPCION"), ex("METAS")];
        p[UnidadMedida as usize] = vec![pre("UNIDADDEMEDIDA"), ex("UNIDAD"), ex("UM")];
        p[MetaAnual as usize] = vec![pre("METAANUAL"), ex("METAPROGRAMADAANUAL")];
        p[Periodo as usize] = vec![ex("PERIODO")];
        p[AvanceAbsoluto as usize] = vec![pre("AVANCEABSOLUTO"), ex("AVANCE")];
        p[AcumuladoRelativo as usize] = vec![
            pre("ACUMULADORELATIVO"),
            pre("AVANCERELATIVO"),
            ex("ACUMULADO"),
            ex("RELATIVO"),
        ];
        p[Observaciones as usize] = vec![pre("OBSERVACION")];
        Labels {
            header: HeaderIndex::new(&p),
            patterns: p,
        }
    }
}

impl Labels {
    /// Adds an ayuntamiento's spelling of a label (matched exactly after squashing).
    pub fn add_alias(&mut self, field: Field, spelling: &str) {
        let sq = squash(spelling);
        if sq.is_empty() {
            return;
        }
        self.patterns[field as usize].insert(0, Pattern::Exact(sq));
        self.header = HeaderIndex::new(&self.patterns);
    }

    /// The spellings of `field`, in the order they are tried.
    pub fn patterns(&self, field: Field) -> &[Pattern] {
        &self.patterns[field as usize]
    }

    /// Whether squashed text `sq` is a label of `field`.
    #[inline]
    pub fn is(&self, field: Field, sq: &str) -> bool {
        self.patterns[field as usize].iter().any(|p| p.matches(sq))
    }

    /// The first header-block field (in [`HEADER_FIELDS`] order) squashed text `sq` names.
    fn header_field(&self, sq: &str) -> Option<Field> {
        self.header.field(sq)
    }

    /// The header-block field a cell's text names, with the inline value after the label
    /// (`"RAMO: 064 INSTITUTO"` → `(Ramo, Some("064 INSTITUTO"))`).
    pub fn header_label(&self, text: &str) -> Option<(Field, Option<String>)> {
        self.header_label_squashed(text, &squash(text))
            .map(|(f, inline)| (f, inline.map(str::to_string)))
    }

    /// [`Labels::header_label`] for a text whose [`squash`] is already known (`sq`); the
    /// inline value is a slice of `text`.
    pub fn header_label_squashed<'t>(
        &self,
        text: &'t str,
        sq: &str,
    ) -> Option<(Field, Option<&'t str>)> {
        if sq.is_empty() {
            return None;
        }
        // Whole cell is a label.
        if let Some(f) = self.header_field(sq) {
            return Some((f, None));
        }
        // Label followed by a colon and a value: "RAMO: 064 ...", "FECHA: 31 DE MARZO 2024".
        if let Some(pos) = text.find(':') {
            let (head, tail) = text.split_at(pos);
            let tail = tail[1..].trim();
            if let Some(f) = self.header_field(&squash(head)) {
                return Some((f, (!tail.is_empty()).then_some(tail)));
            }
        }
        // "FECHA 31-mar-24" without colon.
        if sq.starts_with("FECHA") && sq.len() > 5 {
            let rest = text.trim_start();
            let rest = rest
                .get(5..)
                .unwrap_or("")
                .trim_start_matches([':', ' ', '.']);
            return Some((Field::Fecha, Some(rest.trim())));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{Field, HEADER_FIELDS, Labels};
    use crate::read::text::squash;

    /// The flattened header index names the field that trying each field in turn names.
    #[test]
    fn header_index_agrees_with_field_order() {
        let mut l = Labels::default();
        l.add_alias(Field::OtherHeader, "Dependencia");
        l.add_alias(Field::Fecha, "Fecha de elaboración del informe trimestral");
        l.add_alias(Field::Fecha, "Eje de gobierno 4");
        l.add_alias(Field::OtherHeader, "Estrategia");
        for text in [
            "RAMO",
            "Dependencia",
            "UE",
            "Eje de gobierno 4",
            "Eje de gobierno 5",
            "Estrategia",
            "Estrategias",
            "EJE",
            "Fecha de elaboración del informe trimestral",
            "FECHA DE CORTE",
            "Línea de acción",
            "Clasificación administrativa del gasto público municipal",
            "",
            "texto cualquiera",
        ] {
            let sq = squash(text);
            let naive = HEADER_FIELDS.into_iter().find(|f| l.is(*f, &sq));
            assert_eq!(l.header_field(&sq), naive, "{text}");
        }
        assert_eq!(l.header_field("DEPENDENCIA"), Some(Field::Ramo));
    }

    #[test]
    fn header_labels_and_aliases() {
        let mut l = Labels::default();
        assert_eq!(
            l.header_label("RAMO: 064 INSTITUTO"),
            Some((Field::Ramo, Some("064 INSTITUTO".to_string())))
        );
        assert_eq!(
            l.header_label("Unidad Ejecutora"),
            Some((Field::UnidadEjecutora, None))
        );
        assert_eq!(
            l.header_label("FECHA 31-mar-24"),
            Some((Field::Fecha, Some("31-mar-24".to_string())))
        );
        assert_eq!(l.header_label("Porcentaje de avance"), None);
        assert!(!l.is(Field::UnidadEjecutora, "UNIDADADMVA"));
        l.add_alias(Field::UnidadEjecutora, "Unidad Admva.");
        assert!(l.is(Field::UnidadEjecutora, "UNIDADADMVA"));
        assert_eq!(l.patterns(Field::UnidadEjecutora).len(), 6);
        // Serialized as a map from field to spellings, every field present.
        let v = serde_json::to_value(&l).unwrap();
        assert_eq!(v.as_object().unwrap().len(), Field::ALL.len());
        assert_eq!(v["unidad_ejecutora"][0]["Exact"], "UNIDADADMVA");
    }
}
