#!/usr/bin/env python3
"""Compara el informe JSON de poalint con el manifiesto del generador.

    python3 bench/check.py DATA_DIR/manifest.json informe.json

Comprueba, archivo por archivo, que poalint leyó cada captura con estado "ok", con las hojas y
metas que el generador escribió, y que los hallazgos de cada regla son exactamente los errores
inyectados (ni más ni menos). Termina con 1 si algo no coincide.
"""
import collections
import json
import sys


def main() -> int:
    manifest = json.load(open(sys.argv[1], encoding="utf-8"))
    report = json.load(open(sys.argv[2], encoding="utf-8"))
    by_name = {}
    for f in report["files"]:
        by_name[f["file"].replace("\\", "/").rsplit("/", 1)[-1]] = f
    found = collections.defaultdict(collections.Counter)
    for d in report["diagnostics"]:
        found[d["file"].replace("\\", "/").rsplit("/", 1)[-1]][d["rule"]] += 1

    problems = []
    files_with_findings = 0
    for m in manifest["files"]:
        name = m["file"]
        f = by_name.get(name)
        if f is None:
            problems.append(f"{name}: no aparece en el informe")
            continue
        if f["status"] != "ok":
            problems.append(f"{name}: estado {f['status']} ({f.get('problem')})")
        if f["sheets"] != m["sheets"]:
            problems.append(f"{name}: {f['sheets']} hojas leídas, {m['sheets']} escritas")
        if f["metas"] != m["metas"]:
            problems.append(f"{name}: {f['metas']} metas leídas, {m['metas']} escritas")
        exp = collections.Counter(m["expect"])
        got = found.get(name, collections.Counter())
        if got:
            files_with_findings += 1
        for rule in sorted(set(exp) | set(got)):
            if exp[rule] != got[rule]:
                problems.append(f"{name}: {rule} esperados {exp[rule]}, encontrados {got[rule]}")
    extra = set(by_name) - {m["file"] for m in manifest["files"]}
    for name in sorted(extra):
        problems.append(f"{name}: en el informe pero no en el manifiesto")

    totals_found = collections.Counter()
    for c in found.values():
        totals_found.update(c)
    s = report["summary"]
    n_files = len(manifest["files"])
    print(
        f"check: {n_files} archivos, {s['sheets']} hojas (esperadas {manifest['sheets']}), "
        f"{s['metas']} metas (esperadas {manifest['metas']}); "
        f"{manifest['errored_metas']} metas con error inyectado "
        f"({100.0 * manifest['errored_metas'] / max(1, manifest['metas']):.1f} %), "
        f"{files_with_findings} archivos con hallazgos"
    )
    print("  regla                     esperados  encontrados")
    for rule in sorted(set(manifest["expect"]) | set(totals_found)):
        e = manifest["expect"].get(rule, 0)
        g = totals_found.get(rule, 0)
        mark = "" if e == g else "   <-- distinto"
        print(f"  {rule:<25} {e:>9}  {g:>11}{mark}")
    if problems:
        print(f"check: FALLA, {len(problems)} diferencias; las primeras:")
        for p in problems[:25]:
            print("   ", p)
        return 1
    print("check: OK, cada archivo se leyó con estado ok, con sus hojas y metas, y cada error inyectado dio exactamente un hallazgo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
