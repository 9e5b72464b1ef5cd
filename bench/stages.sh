#!/usr/bin/env bash
# Dónde se va el tiempo de `poalint lint`, etapa por etapa, con un solo hilo, frente al piso
# (calamine solo, también con un hilo) sobre bench/data/c1000-s42. Compila poalint con la
# característica `stage-timings` (src/stages.rs) en target/stages: el binario normal no mide nada.
#
#   bench/stages.sh                 # 5 rondas; mediana de cada etapa
#   BENCH_RUNS=9 bench/stages.sh
#
# Antes de cada corrida se leen los archivos una vez (esta VM vacía la caché de páginas en
# segundos: sin eso, «leer el archivo» mide el disco).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${BENCH_DATA:-$ROOT/bench/data/c1000-s42}"
RUNS="${BENCH_RUNS:-5}"
[ -d "$DATA" ] || { echo "falta $DATA: corra antes bash bench/run.sh"; exit 2; }
(cd "$ROOT" && cargo build --release --locked --quiet --features stage-timings --target-dir target/stages)
(cd "$ROOT/bench/gen" && cargo build --release --quiet)
POALINT="$ROOT/target/stages/release/poalint"
FLOOR="$ROOT/bench/gen/target/release/floor"
TMP="$(mktemp -d /tmp/poalint-stages.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

warm() { find "$DATA" -maxdepth 1 -name '*.xlsx' -exec cat {} + >/dev/null; }
for i in $(seq 1 "$RUNS"); do
    warm
    /usr/bin/time -f "%e %U %S" -o "$TMP/floor.$i" "$FLOOR" "$DATA" --jobs 1 >/dev/null
    warm
    /usr/bin/time -f "%e %U %S" -o "$TMP/lint.$i" "$POALINT" lint "$DATA" --jobs 1 \
        --format json -o /dev/null 2>"$TMP/stages.$i" || true
done

python3 - "$TMP" "$RUNS" "$DATA" <<'PY'
import re, statistics, sys
tmp, runs, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def times(name):
    out = []
    for i in range(1, runs + 1):
        e, u, s = open(f"{tmp}/{name}.{i}").read().split()[-3:]
        out.append((float(e), float(u) + float(s)))
    return out
floor, lint = times("floor"), times("lint")
stages = {}
for i in range(1, runs + 1):
    for line in open(f"{tmp}/stages.{i}"):
        m = re.match(r"\s+(.+?)\s+([\d.]+) ms", line)
        if m and m.group(1) != "total":
            stages.setdefault(m.group(1), []).append(float(m.group(2)))
med = lambda xs: statistics.median(xs)
f_wall, l_wall = med([w for w, _ in floor]), med([w for w, _ in lint])
f_cpu = med([c for _, c in floor])
print(f"{data}, un hilo, {runs} rondas (mediana)")
print(f"  piso (calamine lee todo)             {f_wall * 1000:8.1f} ms  (CPU {f_cpu * 1000:.0f} ms)")
print(f"  poalint lint                         {l_wall * 1000:8.1f} ms  = {l_wall / f_wall:.2f} × el piso")
print("  etapas de poalint (suma de los archivos):")
total = 0.0
for name, xs in stages.items():
    v = med(xs)
    total += v
    print(f"    {name:<36} {v:8.1f} ms  = {v / (f_wall * 1000):.3f} × el piso")
print(f"    {'suma de las etapas':<36} {total:8.1f} ms; fuera de ellas (arranque, recorrer, informe final): {l_wall * 1000 - total:.1f} ms")
PY
