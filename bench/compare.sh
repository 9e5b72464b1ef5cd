#!/usr/bin/env bash
# Compara dos binarios de poalint en rondas intercaladas (bench/timing.py): la forma de saber si
# un cambio ayuda cuando el reloj de la VM varía ±20 % entre corridas de minutos distintos.
# Una ronda corre ANTES y luego DESPUÉS; la siguiente, al revés (el primero de cada ronda corría
# ~4 % más lento: el mismo binario contra sí mismo daba 0.955 ×).
#
#   bench/compare.sh ANTES DESPUÉS [ARGUMENTOS DE lint...]
#
#   # ¿el commit actual acelera --fix-dir respecto del anterior?
#   git stash; cargo build --release; cp target/release/poalint /tmp/antes; git stash pop
#   cargo build --release
#   bash bench/compare.sh /tmp/antes target/release/poalint --fix-dir @OUT
#
# Los argumentos por omisión son `--format json -o /dev/null` sobre bench/data/c1000-s42 (que
# genera bench/run.sh). `@OUT` se reemplaza por una carpeta nueva por binario, que se borra antes
# de cada corrida (para --fix-dir). Variables: BENCH_RUNS (7), BENCH_DATA (la carpeta),
# BENCH_TMPDIR (dónde van esas carpetas; /tmp por omisión; /dev/shm quita el ruido de ext4),
# BENCH_IDLE_MAX (15 % de un núcleo que otros procesos pueden usar sin descartar la corrida).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 2 ]; then
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
fi
A="$(realpath "$1")"
B="$(realpath "$2")"
shift 2
DATA="${BENCH_DATA:-$ROOT/bench/data/c1000-s42}"
RUNS="${BENCH_RUNS:-7}"
IDLE_MAX="${BENCH_IDLE_MAX:-15}"
[ -d "$DATA" ] || { echo "falta $DATA: corra antes bash bench/run.sh"; exit 2; }
TMP="$(mktemp -d "${BENCH_TMPDIR:-/tmp}/poalint-compare.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

python3 - "$TMP" "$RUNS" "$IDLE_MAX" "$DATA" "$A" "$B" "$@" <<'PY'
import json, sys
tmp, runs, idle, data, a, b, *args = sys.argv[1:]
args = args or ["--format", "json", "-o", "/dev/null"]
if "--format" not in args:
    args += ["--format", "json", "-o", "/dev/null"]
cmds = []
for name, binary in (("antes", a), ("después", b)):
    out = f"{tmp}/out-{name}"
    uses_out = "@OUT" in args
    cmd = [binary, "lint", data] + [out if x == "@OUT" else x for x in args]
    cmds.append({"name": name, "prepare_rmtree": out if uses_out else None, "cmd": cmd})
json.dump({"runs": int(runs), "warmup": 1, "idle_max": int(idle) / 100, "idle_timeout": 180,
           "warm": data, "rotate": True, "commands": cmds}, open(f"{tmp}/spec.json", "w"), indent=1)
PY
python3 "$ROOT/bench/timing.py" "$TMP/spec.json" "$TMP/times.json" >/dev/null
python3 - "$TMP/times.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
for name, r in t.items():
    print(f"{name:<8} mediana {r['median']:.3f} s  (mín {r['min']:.3f}; CPU usuario {r['user']:.2f} s, "
          f"sistema {r['system']:.2f} s)  [{r['clean_runs']} corridas limpias]")
a, b = t["antes"], t["después"]
print(f"después / antes: mediana {b['median'] / a['median']:.3f} ×, mínimo {b['min'] / a['min']:.3f} ×, "
      f"CPU {(b['user'] + b['system']) / (a['user'] + a['system']):.3f} ×")
PY
