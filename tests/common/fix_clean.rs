//! A small TMM-F004 capture with no mistakes, for the fix-up tests (a workbook without
//! findings must not get a correcciones file).
#![allow(dead_code)]

use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

/// Writes a clean capture, cut-off at the end of the first quarter of 2024. With
/// `stale_subtitle`, the title says SEGUNDO TRIMESTRE (left over from another quarter's
/// template): only an `info` under the mexicali policy (`trimestre-titulo`).
pub fn write_clean(path: &Path, stale_subtitle: bool) {
    let mut wb = Workbook::new();
    let pct = Format::new().set_num_format("0.00%");
    let ws = wb.add_worksheet();
    ws.set_name("101").unwrap();
    ws.write_string(0, 0, "XXIV AYUNTAMIENTO DE MEXICALI, B.C.")
        .unwrap();
    ws.write_string(1, 0, "PROGRAMA OPERATIVO ANUAL 2024")
        .unwrap();
    ws.write_string(
        2,
        0,
        if stale_subtitle {
            "SEGUNDO TRIMESTRE"
        } else {
            "PRIMER TRIMESTRE"
        },
    )
    .unwrap();
    for (r, (label, code, name)) in [
        ("RAMO:", "12", "DIRECCIÓN DE OBRAS PÚBLICAS"),
        ("PROGRAMA:", "120", "CONDUCCIÓN DE LA OBRA PÚBLICA"),
        ("UNIDAD EJECUTORA:", "101", "DIRECCIÓN"),
        ("FINALIDAD:", "2", "DESARROLLO SOCIAL"),
        ("LÍNEAS DE ACCIÓN:", "3.6.4", "OBRA PÚBLICA DE CALIDAD"),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string(4 + r as u32, 0, label).unwrap();
        ws.write_string(4 + r as u32, 1, code).unwrap();
        ws.write_string(4 + r as u32, 2, name).unwrap();
    }
    ws.write_string(10, 0, "TMM-F004").unwrap();
    ws.write_string(11, 0, "FECHA: 31 DE MARZO DE 2024")
        .unwrap();
    let h = 13;
    ws.write_string(h, 0, "L/A").unwrap();
    ws.write_string(h, 1, "METAS Y ACCIONES").unwrap();
    ws.write_string(h, 2, "UNIDAD DE MEDIDA").unwrap();
    ws.write_string(h, 3, "META ANUAL").unwrap();
    ws.write_string(h, 4, "PERIODO").unwrap();
    for (i, q) in ["Ene-Mar", "Abr-Jun", "Jul-Sep", "Oct-Dic"]
        .iter()
        .enumerate()
    {
        ws.write_string(h + 1, 4 + 2 * i as u16, *q).unwrap();
        ws.write_string(h + 2, 4 + 2 * i as u16, "P").unwrap();
        ws.write_string(h + 2, 5 + 2 * i as u16, "A").unwrap();
    }
    ws.write_string(h, 12, "AVANCE ABSOLUTO").unwrap();
    ws.write_string(h, 13, "ACUMULADO RELATIVO").unwrap();
    ws.write_string(h, 14, "OBSERVACIONES").unwrap();
    for (i, (desc, meta)) in [
        ("100.- COORDINAR LA OBRA PÚBLICA", 4.0),
        ("101.- SUPERVISAR LAS OBRAS", 8.0),
    ]
    .into_iter()
    .enumerate()
    {
        let r = 17 + i as u32;
        let p = meta / 4.0;
        ws.write_string(r, 0, "3.6.4").unwrap();
        ws.write_string(r, 1, desc).unwrap();
        ws.write_string(r, 2, "INFORME").unwrap();
        ws.write_number(r, 3, meta).unwrap();
        for q in 0..4u16 {
            ws.write_number(r, 4 + 2 * q, p).unwrap();
        }
        ws.write_number(r, 5, p).unwrap();
        ws.write_number(r, 12, p).unwrap();
        ws.write_number_with_format(r, 13, 0.25, &pct).unwrap();
    }
    let sr = 21;
    for (i, (accion, nombre, rol)) in [
        (
            "ELABORÓ",
            "ING. ANA LÓPEZ RUIZ",
            "RESPONSABLE DE LA UNIDAD EJECUTORA",
        ),
        (
            "REVISÓ",
            "LIC. JOSÉ LUIS URIAS FÉLIX",
            "RESPONSABLE DEL PROGRAMA",
        ),
        (
            "AUTORIZÓ",
            "LIC. JOSÉ LUIS URIAS FÉLIX",
            "RESPONSABLE DEL RAMO",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let c = 1 + 5 * i as u16;
        ws.write_string(sr, c, accion).unwrap();
        ws.write_string(sr + 3, c, nombre).unwrap();
        ws.write_string(sr + 4, c, rol).unwrap();
    }
    wb.save(path).unwrap();
}
