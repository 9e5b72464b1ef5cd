#!/usr/bin/env bash
# Dónde se va el tiempo de `poalint lint`, etapa por etapa, con un solo hilo, frente al piso
# (calamine solo, también con un hilo) sobre bench/data/c1000-s42. Compila poalint con la
# característica `stage-timings` (src/stages.rs) en target/stages: el binario normal no mide nada.
# Mide también `lint --fix-dir` (etapas «fix: …»: Metas, hojas reconstruidas, el resto del libro,
# deflate, crear el archivo), cada corrida en una carpeta nueva que se borra al final: crear
# miles de archivos justo después de borrar otros miles es varias veces más lento en ext4.
#
#   bench/stages.sh                 # 5 rondas; mediana de cada etapa
#   BENCH_RUNS=9 bench/stages.sh
#   BENCH_FIX=0 bench/stages.sh     # sin --fix-dir
#
# Antes de cada corrida se leen los archivos una vez (esta VM vacía la caché de páginas en
# segundos: sin eso, «leer el archivo» mide el disco).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${BENCH_DATA:-$ROOT/bench/data/c1000-s42}"
RUNS="${BENCH_RUNS:-5}"
FIX="${BENCH_FIX:-1}"
[ -d "$DATA" ] || { echo "falta $DATA: corra antes bash bench/run.sh"; exit 2; }
(cd "$ROOT" && cargo build --release --locked --quiet --features stage-timings --target-dir target/stages)
(cd "$ROOT/bench/gen" && cargo build --release --quiet)
POALINT="$ROOT/target/stages/release/poalint"
FLOOR="$ROOT/bench/gen/target/release/floor"
TMP="$(mktemp -d /tmp/poalint-stages.XXXXXX)"
trap 'rm -rf "$TMP"; python3 "$ROOT/bench/timing.py" --deleted' EXIT
# Crear archivos justo después de que otra corrida borró miles es más lento (bench/timing.py).
python3 "$ROOT/bench/timing.py" --settle

warm() { find "$DATA" -maxdepth 1 -name '*.xlsx' -exec cat {} + >/dev/null; }
for i in $(seq 1 "$RUNS"); do
    warm
    /usr/bin/time -f "%e %U %S" -o "$TMP/floor.$i" "$FLOOR" "$DATA" --jobs 1 >/dev/null
    warm
    /usr/bin/time -f "%e %U %S" -o "$TMP/lint.$i" "$POALINT" lint "$DATA" --jobs 1 \
        --format json -o /dev/null -q 2>"$TMP/stages.$i" || true
    if [ "$FIX" = 1 ]; then
        warm
        /usr/bin/time -f "%e %U %S" -o "$TMP/fix.$i" "$POALINT" lint "$DATA" --jobs 1 \
            --format json -o /dev/null -q --fix-dir "$TMP/out.$i" 2>"$TMP/fixstages.$i" || true
        sync
    fi
done

python3 - "$TMP" "$RUNS" "$DATA" "$FIX" <<'PY'
import re, statistics, sys
tmp, runs, data, fix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
def times(name):
    out = []
    for i in range(1, runs + 1):
        e, u, s = open(f"{tmp}/{name}.{i}").read().split()[-3:]
        out.append((float(e), float(u) + float(s)))
    return out
floor, lint = times("floor"), times("lint")
med = lambda xs: statistics.median(xs)


def stages_of(name):
    """Median of each stage over the runs, in the order printed."""
    by = {}
    for i in range(1, runs + 1):
        for line in open(f"{tmp}/{name}.{i}"):
            m = re.match(r"\s+(.+?)\s+([\d.]+) ms", line)
            if m and m.group(1) != "total":
                by.setdefault(m.group(1), []).append(float(m.group(2)))
    return {k: med(v) for k, v in by.items()}


f_wall, l_wall = med([w for w, _ in floor]), med([w for w, _ in lint])
f_cpu = med([c for _, c in floor])
print(f"{data}, un hilo, {runs} rondas (mediana)")
print(f"  piso (calamine lee todo)             {f_wall * 1000:8.1f} ms  (CPU {f_cpu * 1000:.0f} ms)")
print(f"  poalint lint                         {l_wall * 1000:8.1f} ms  = {l_wall / f_wall:.2f} × el piso")
print("  etapas de poalint (suma de los archivos):")
total = 0.0
plain = stages_of("stages")
for name, v in plain.items():
    total += v
    print(f"    {name:<36} {v:8.1f} ms  = {v / (f_wall * 1000):.3f} × el piso")
print(f"    {'suma de las etapas':<36} {total:8.1f} ms; fuera de ellas (arranque, recorrer, informe final): {l_wall * 1000 - total:.1f} ms")
if fix:
    x_wall = med([w for w, _ in times("fix")])
    added = x_wall - l_wall
    print(f"  poalint lint --fix-dir               {x_wall * 1000:8.1f} ms: añade {added * 1000:.1f} ms = {added / f_wall:.2f} × el piso")
    print("  etapas de --fix-dir (suma de los archivos):")
    fix_total = 0.0
    for name, v in stages_of("fixstages").items():
        if name.startswith("fix:"):
            fix_total += v
            print(f"    {name:<36} {v:8.1f} ms  = {v / (f_wall * 1000):.3f} × el piso")
        elif name in plain:
            # The same stage, slower or faster than in the run without --fix-dir (the fix-up
            # work between two files takes the CPU caches from the reader).
            fix_total += v - plain[name]
            print(f"    {name + ' (diferencia)':<36} {v - plain[name]:+8.1f} ms")
    print(f"    {'suma':<36} {fix_total:8.1f} ms; el resto de lo añadido: {added * 1000 - fix_total:.1f} ms")
PY
