#!/usr/bin/env bash
# Instrucciones ejecutadas (valgrind --tool=callgrind) por el piso y por `poalint lint`, sobre
# las primeras N capturas de bench/data/c1000-s42, con un solo hilo. A diferencia del reloj,
# no depende de lo que hagan otros procesos en la máquina: sirve para comparar dos commits
# cuando la VM está ruidosa.
#
#   bench/instructions.sh                 # 200 capturas; compila poalint y bench/gen (release)
#   BENCH_POALINT=ruta bench/instructions.sh   # otro binario de poalint (p. ej. otro commit)
#   BENCH_SAMPLE=100 bench/instructions.sh
#
# Requiere que bench/run.sh haya generado bench/data/c1000-s42 (o lo genera con bench/gen).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
SAMPLE="${BENCH_SAMPLE:-200}"
DATA="$BENCH/data/c1000-s42"
command -v valgrind >/dev/null 2>&1 || { echo "falta valgrind"; exit 2; }

(cd "$BENCH/gen" && cargo build --release --quiet)
if [ ! -d "$DATA" ]; then
    "$BENCH/gen/target/release/generate" --count 1000 --seed 42 --out "$DATA" >/dev/null
fi
if [ -n "${BENCH_POALINT:-}" ]; then
    POALINT="$BENCH_POALINT"
else
    (cd "$ROOT" && cargo build --release --locked --quiet)
    POALINT="$ROOT/target/release/poalint"
fi

TMP="$(mktemp -d /tmp/poalint-instr.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/in"
# (no `find | head` pipe: with pipefail, head closing early can fail the script)
find "$DATA" -maxdepth 1 -name '*.xlsx' | sort >"$TMP/all"
head -n "$SAMPLE" "$TMP/all" >"$TMP/list"
while read -r f; do
    cp "$f" "$TMP/in/"
done <"$TMP/list"

count() {
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "$@" >/dev/null 2>"$TMP/vg"
    grep -E 'refs:' "$TMP/vg" | sed -E 's/.*refs: *//; s/,//g'
}
floor=$(count "$BENCH/gen/target/release/floor" "$TMP/in" --jobs 1)
lint=$(count "$POALINT" lint "$TMP/in" --format json -o /dev/null --jobs 1 || true)
python3 - "$SAMPLE" "$floor" "$lint" <<'PY'
import sys
n, floor, lint = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{n} capturas, un hilo (valgrind --tool=callgrind)")
print(f"  piso              {floor / 1e9:.3f} G instrucciones")
print(f"  poalint lint      {lint / 1e9:.3f} G instrucciones = {lint / floor:.2f} × el piso")
PY
