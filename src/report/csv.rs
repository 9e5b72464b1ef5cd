//! CSV (`--format csv`): one row per finding, UTF-8 with BOM so Excel shows accents, and every
//! cell that begins with `=`, `+`, `-`, `@` (or a tab/CR) neutralised with a leading `'` so a
//! message can never run as a formula.

use crate::check::FixValue;
use crate::run::RunResult;

/// Quotes a field (RFC 4180) after neutralising formula triggers.
pub fn field(s: &str) -> String {
    let mut v = s.to_string();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r', ';']) || v != v.trim() {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// Writes the CSV one finding at a time.
pub fn write(run: &RunResult, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    out.write_all(
        b"archivo,hoja,celda,fila,meta,regla,tipo,severidad,mensaje,ayuda,valor_sugerido\r\n",
    )?;
    for d in run.each_diagnostic() {
        let fix = d.fix.as_ref().map(|f| match &f.value {
            FixValue::Number(n) => crate::model::fmt_num(*n),
            FixValue::Text(t) => t.clone(),
        });
        let cols = [
            d.file.clone(),
            d.sheet.clone().unwrap_or_default(),
            d.cell.map(|c| c.a1()).unwrap_or_default(),
            d.cell.map(|c| c.row1().to_string()).unwrap_or_default(),
            d.meta.clone().unwrap_or_default(),
            d.rule.clone(),
            d.kind.as_str().to_string(),
            d.severity.as_str().to_string(),
            d.message.clone(),
            d.help.clone(),
            fix.unwrap_or_default(),
        ];
        let mut line = cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub fn render(run: &RunResult) -> String {
    super::to_string(|out| write(run, out))
}
