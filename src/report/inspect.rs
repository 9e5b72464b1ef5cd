//! `poalint inspect`: what the reader understood of each sheet, with every value's cell, so a
//! user can see why a sheet was misread.

use crate::model::{CodeName, Located, Num};
use crate::read::FileRead;
use serde_json::json;

fn loc(l: &Option<Located<String>>) -> String {
    match l {
        Some(l) => format!("{} [{}]", l.value, l.cell.a1()),
        None => "—".into(),
    }
}

fn cn(c: &CodeName) -> String {
    match (&c.code, &c.name) {
        (None, None) => "—".into(),
        _ => format!(
            "{} {}",
            c.code
                .as_ref()
                .map(|x| format!("{} [{}]", x.value, x.cell.a1()))
                .unwrap_or_else(|| "—".into()),
            c.name
                .as_ref()
                .map(|x| format!("{} [{}]", x.value, x.cell.a1()))
                .unwrap_or_default()
        ),
    }
}

fn num(n: &Num) -> String {
    // A value whose column the table does not have carries no cell.
    if n.cell.col == u32::MAX {
        return "— [sin columna]".into();
    }
    let at = n.cell.a1();
    if let Some(p) = &n.problem {
        return format!("¡{p}! [{at}]");
    }
    match n.quantity {
        crate::model::Quantity::Blank => format!("· [{at}]"),
        crate::model::Quantity::Number(v) => format!("{} [{at}]", crate::model::fmt_num(v)),
        crate::model::Quantity::Percent(v) => {
            format!("{}% [{at}]", crate::model::fmt_num(v * 100.0))
        }
    }
}

/// What the reader made of the file `shown` (its path as given), sheet by sheet; for a file
/// that could not be read, what is wrong with it and what to do.
pub fn human(shown: &str, read: &FileRead) -> String {
    let mut o = String::new();
    let (wb, broken) = match read {
        FileRead::Failed(p) => {
            return format!("{shown}: {}\n  ayuda: {}\n", p.message(), p.help());
        }
        FileRead::Ok { workbook, broken } => (workbook, broken),
    };
    o.push_str(&format!(
        "{} ({:?}): {} hojas de captura, {} metas\n",
        wb.path,
        wb.format,
        wb.sheets.len(),
        wb.metas()
    ));
    if !wb.skipped.is_empty() {
        o.push_str(&format!(
            "Hojas que no son capturas: {}\n",
            wb.skipped.join(", ")
        ));
    }
    for b in broken {
        o.push_str(&format!("Hoja «{}» ilegible: {}\n", b.sheet, b.reason));
    }
    for s in &wb.sheets {
        o.push_str(&format!("\n═══ Hoja «{}»\n", s.name));
        for l in &s.title.lines {
            o.push_str(&format!("  título: {} [{}]\n", l.value, l.cell.a1()));
        }
        if let Some(y) = &s.title.year {
            o.push_str(&format!(
                "  año del título: {} [{}]\n",
                y.value,
                y.cell.a1()
            ));
        }
        if let Some(q) = &s.title.quarter {
            o.push_str(&format!(
                "  trimestre del título: {} [{}]\n",
                q.value,
                q.cell.a1()
            ));
        }
        o.push_str(&format!("  formato: {}\n", loc(&s.form_code)));
        let h = &s.header;
        o.push_str(&format!("  RAMO: {}\n", cn(&h.ramo)));
        o.push_str(&format!("  PROGRAMA: {}\n", cn(&h.programa)));
        o.push_str(&format!(
            "  UNIDAD EJECUTORA: {}\n",
            cn(&h.unidad_ejecutora)
        ));
        o.push_str(&format!("  FINALIDAD: {}\n", cn(&h.finalidad)));
        o.push_str(&format!("  FUNCIÓN: {}\n", cn(&h.funcion)));
        o.push_str(&format!("  SUBFUNCIÓN: {}\n", cn(&h.subfuncion)));
        for l in &h.lineas_accion {
            o.push_str(&format!("  LÍNEA DE ACCIÓN: {}\n", cn(l)));
        }
        let f = &s.fecha;
        o.push_str(&format!(
            "  FECHA: {} [{}] → {} (trimestre de corte: {})\n",
            f.raw.as_deref().unwrap_or("—"),
            f.cell.map(|c| c.a1()).unwrap_or_else(|| "—".into()),
            f.date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "no se pudo leer".into()),
            f.quarter()
                .map(|q| q.to_string())
                .unwrap_or_else(|| "?".into())
        ));
        let t = &s.table;
        o.push_str(&format!(
            "  tabla: encabezado filas {}–{}; AVANCE ABSOLUTO {}\n",
            t.header_rows.0 + 1,
            t.header_rows.1 + 1,
            if t.avance_absoluto.is_some() {
                "presente"
            } else {
                "ausente"
            }
        ));
        for (c, p) in &s.layout_problems {
            o.push_str(&format!(
                "  ¡problema! {p} {}\n",
                c.map(|c| c.a1()).unwrap_or_default()
            ));
        }
        for m in &s.metas {
            o.push_str(&format!(
                "  · meta {} (fila {}, {}): {}\n",
                m.clave_str().unwrap_or("SIN CLAVE"),
                m.row + 1,
                m.meta_type.describe(),
                m.short_description()
            ));
            o.push_str(&format!(
                "      L/A {} | unidad {}\n",
                loc(&m.linea_accion),
                loc(&m.unidad_medida)
            ));
            o.push_str(&format!("      META ANUAL {}\n", num(&m.meta_anual)));
            for q in 0..4 {
                o.push_str(&format!(
                    "      {}: P {} | A {}\n",
                    crate::check::kinds::percent::QUARTERS[q],
                    num(&m.programado[q]),
                    num(&m.alcanzado[q])
                ));
            }
            o.push_str(&format!(
                "      AVANCE ABSOLUTO {} | ACUMULADO RELATIVO {}\n",
                m.avance_absoluto
                    .as_ref()
                    .map(num)
                    .unwrap_or_else(|| "(sin columna)".into()),
                m.acumulado_relativo
                    .as_ref()
                    .map(num)
                    .unwrap_or_else(|| "(sin columna)".into())
            ));
            o.push_str(&format!("      OBSERVACIONES {}\n", loc(&m.observaciones)));
        }
        o.push_str("  firmas:\n");
        for f in &s.firmantes {
            o.push_str(&format!(
                "    {} — {} — {}\n",
                f.accion
                    .as_ref()
                    .map(|a| a.value.clone())
                    .unwrap_or_else(|| "—".into()),
                loc(&f.nombre),
                loc(&Some(f.rol.clone()))
            ));
        }
    }
    o
}

pub fn json(read: &FileRead) -> String {
    let v = match read {
        FileRead::Failed(p) => {
            json!({"status": "unreadable", "problem": p.code(), "message": p.message()})
        }
        FileRead::Ok { workbook, broken } => json!({
            "status": "ok",
            "workbook": workbook,
            "broken_sheets": broken.iter().map(|b| json!({"sheet": b.sheet, "reason": b.reason})).collect::<Vec<_>>(),
        }),
    };
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
