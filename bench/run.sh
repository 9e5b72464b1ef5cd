#!/usr/bin/env bash
# Benchmark de poalint a escala de un estado entero (issue 6).
#
#   bench/run.sh
#
# 1. compila poalint (release) y el paquete bench/gen (release);
# 2. genera —o reutiliza, según cantidad y semilla— 1,000 capturas de ~5 hojas en
#    bench/data/c1000-s42 (y 10,000 en bench/data/c10000-s42) y comprueba con bench/check.py
#    que poalint lee cada archivo con estado ok, con sus hojas y metas, y que cada error
#    inyectado da exactamente un hallazgo;
# 3. mide, sobre la misma carpeta y en la misma corrida: el piso (calamine leyendo todas las
#    celdas), `poalint lint --format json`, lo mismo con --fix-dir, --jobs 1 contra todos los
#    núcleos, y la memoria máxima (max RSS) con 1,000 y 10,000 archivos;
# 4. imprime PASS/FAIL por objetivo y por cuánto se falla; todo queda en bench/results/<fecha>/.
#
# Variables:
#   BENCH_COUNT (1000), BENCH_BIG (10000), BENCH_SEED (42), BENCH_RUNS (21 corridas limpias)
#   BENCH_SKIP_10K=1      no genera ni mide las 10,000
#   BENCH_POALINT=ruta    mide ese binario en lugar de compilar el árbol de trabajo
#   BENCH_TIMER=hyperfine bloques de hyperfine en lugar del cronómetro intercalado (bench/timing.py)
#   BENCH_IDLE_MAX (15)   % de UN núcleo que otros procesos pueden usar durante una corrida
#                         sin que se descarte (la máquina es compartida)
#   BENCH_IDLE_TIMEOUT (180) segundos máximos de espera a que la máquina se desocupe
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
COUNT="${BENCH_COUNT:-1000}"
BIG="${BENCH_BIG:-10000}"
SEED="${BENCH_SEED:-42}"
RUNS="${BENCH_RUNS:-21}"
IDLE_MAX="${BENCH_IDLE_MAX:-15}"
IDLE_TIMEOUT="${BENCH_IDLE_TIMEOUT:-180}"
NPROC="$(nproc)"
STAMP="$(date +%Y%m%d-%H%M%S)"
OUT="$BENCH/results/$STAMP"
mkdir -p "$OUT/bin"
TMP="$(mktemp -d /tmp/poalint-bench.XXXXXX)"
# Al salir se borra todo lo escrito, y se anota cuándo (bench/timing.py --deleted): la próxima
# corrida espera a que esos inodos dejen de ser «recién borrados» antes de medir --fix-dir.
trap 'rm -rf "$TMP"; python3 "$BENCH/timing.py" --deleted' EXIT

say() { printf '%s\n' "$*" | tee -a "$OUT/summary.txt"; }
step() { printf '\n== %s\n' "$*" | tee -a "$OUT/summary.txt"; }

# --- herramientas -------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1; } || true
fi
if ! command -v hyperfine >/dev/null 2>&1; then
    apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1; } || true
fi
HAVE_HYPERFINE=0
command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1
[ -x /usr/bin/time ] || { echo "falta /usr/bin/time (apt-get install -y time)"; exit 2; }

# --- máquina ------------------------------------------------------------------------------------
step "Máquina"
say "nproc: $NPROC"
lscpu | sed -n '1,15s/^/  /p' | tee -a "$OUT/summary.txt" >/dev/null
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|Hypervisor)' | sed 's/^/  /'
say "  memoria: $(free -m | awk '/^Mem:/ {print $2 " MB total, " $7 " MB disponibles"}')"
say "  kernel: $(uname -r); repositorio: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet -- src Cargo.toml 2>/dev/null || echo ' (src/ con cambios sin commit)')"
say "  hyperfine: $([ $HAVE_HYPERFINE = 1 ] && hyperfine --version || echo 'no; mediana de corridas propias')"

# --- compilación --------------------------------------------------------------------------------
step "Compilación (release)"
if [ -n "${BENCH_POALINT:-}" ]; then
    say "poalint: $BENCH_POALINT (BENCH_POALINT; no se compila)"
    cp "$BENCH_POALINT" "$OUT/bin/poalint"
elif cargo build --release --manifest-path "$ROOT/Cargo.toml" > "$OUT/build-poalint.log" 2>&1; then
    say "poalint: $(tail -n 1 "$OUT/build-poalint.log")"
    cp "$ROOT/target/release/poalint" "$OUT/bin/poalint"
elif [ -x "$ROOT/target/release/poalint" ]; then
    say "AVISO: poalint no compila ahora (vea $OUT/build-poalint.log); se usa el último binario,"
    say "       target/release/poalint del $(date -r "$ROOT/target/release/poalint" '+%Y-%m-%d %H:%M:%S')"
    cp "$ROOT/target/release/poalint" "$OUT/bin/poalint"
else
    say "ERROR: poalint no compila y no hay binario previo (vea $OUT/build-poalint.log)"
    exit 2
fi
cargo build --release --manifest-path "$BENCH/gen/Cargo.toml" > "$OUT/build-gen.log" 2>&1 \
    || { say "ERROR: bench/gen no compila (vea $OUT/build-gen.log)"; exit 2; }
say "bench/gen: $(tail -n 1 "$OUT/build-gen.log")"
# Copias congeladas: otros pueden recompilar target/ mientras corre el benchmark.
cp "$BENCH/gen/target/release/generate" "$BENCH/gen/target/release/floor" \
    "$BENCH/gen/target/release/writefloor" "$OUT/bin/"
POALINT="$OUT/bin/poalint"
FLOOR="$OUT/bin/floor"
GEN="$OUT/bin/generate"
WFLOOR="$OUT/bin/writefloor"

# --- datos --------------------------------------------------------------------------------------
dataset() { # n -> carpeta (generada si falta)
    local n="$1" dir="$BENCH/data/c$1-s$SEED"
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"
        "$GEN" --count "$n" --seed "$SEED" --out "$dir" 2>&1 | tee -a "$OUT/summary.txt" >&2
        touch "$dir/.complete"
    else
        echo "reutilizada: $dir ($(find "$dir" -name '*.xlsx' | wc -l) archivos)" | tee -a "$OUT/summary.txt" >&2
    fi
    echo "$dir"
}
step "Capturas"
DATA="$(dataset "$COUNT")"
SKIP_BIG="${BENCH_SKIP_10K:-0}"
if [ "$SKIP_BIG" != 1 ]; then DATA_BIG="$(dataset "$BIG")"; fi

step "Validación (poalint lee lo que el generador escribió)"
set +e
"$POALINT" lint "$DATA" --format json > "$OUT/lint-$COUNT.json" 2> "$OUT/lint-$COUNT.err"
set -e
python3 "$BENCH/check.py" "$DATA/manifest.json" "$OUT/lint-$COUNT.json" | tee -a "$OUT/summary.txt" \
    || say "AVISO: la validación falló (¿cambió el lector de poalint?); las cifras siguen, pero revise $OUT"
if [ "$SKIP_BIG" != 1 ]; then
    set +e
    "$POALINT" lint "$DATA_BIG" --format json > "$OUT/lint-$BIG.json" 2> "$OUT/lint-$BIG.err"
    set -e
    python3 "$BENCH/check.py" "$DATA_BIG/manifest.json" "$OUT/lint-$BIG.json" > "$OUT/check-$BIG.txt" \
        || say "AVISO: la validación de las $BIG falló; vea $OUT/check-$BIG.txt"
    tail -n 1 "$OUT/check-$BIG.txt" | sed "s/^/[$BIG] /" | tee -a "$OUT/summary.txt"
    rm -f "$OUT/lint-$BIG.json"
fi

# --- medición -----------------------------------------------------------------------------------
cpu_busy() { # CPU ocupada durante 1 s, en % de UN núcleo (200 = dos núcleos llenos)
    local a b
    read -r -a a < /proc/stat; sleep 1; read -r -a b < /proc/stat
    local t1=0 t2=0 k
    for k in 1 2 3 4 5 6 7 8; do t1=$((t1 + a[k])); t2=$((t2 + b[k])); done
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) tot=$((t2 - t1))
    echo $(( tot > 0 ? 100 * NPROC * (tot - idle) / tot : 0 ))
}
wait_idle() { # espera a que otros procesos dejen la CPU (compilaciones ajenas)
    local start=$SECONDS busy
    busy="$(cpu_busy)"
    while [ "$busy" -gt "$IDLE_MAX" ] && [ $((SECONDS - start)) -lt "$IDLE_TIMEOUT" ]; do
        sleep 2; busy="$(cpu_busy)"
    done
    if [ "$busy" -gt "$IDLE_MAX" ]; then
        say "  AVISO: la máquina sigue ocupada (otros procesos usan ${busy} % de un núcleo); las cifras pueden salir infladas"
    fi
    echo "$busy" >> "$OUT/busy.txt"
}

# Tiempos: TIMER=interleaved (bench/timing.py: rondas intercaladas, descarta corridas en las que
# otros procesos usaron la CPU) o TIMER=hyperfine (bloques por comando). Resultado común en
# $OUT/times.json: {nombre: {median, mean, stddev, min, user, system, clean_runs, ...}}.
TIMER="${BENCH_TIMER:-interleaved}"
[ "$TIMER" = hyperfine ] && [ $HAVE_HYPERFINE = 0 ] && TIMER=interleaved
CMDS=()   # "nombre|prepare_rmtree|cmd..."
add_cmd() { local IFS='|'; CMDS+=("$*"); }
run_timings() {
    if [ "$TIMER" = interleaved ]; then
        python3 - "$OUT/spec.json" "$RUNS" "$IDLE_MAX" "$IDLE_TIMEOUT" "$DATA" "${CMDS[@]}" <<'PY'
import json, sys
out, runs, idle_max, timeout, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 100, float(sys.argv[4]), sys.argv[5]
cmds = []
for c in sys.argv[6:]:
    name, prep, *cmd = c.split("|")
    cmds.append({"name": name, "prepare_rmtree": prep or None, "cmd": cmd})
# The captures are read into the page cache before every run (bench/timing.py, `warm`).
json.dump({"runs": runs, "warmup": 1, "idle_max": idle_max, "idle_timeout": timeout, "warm": warm, "rotate": True, "commands": cmds}, open(out, "w"), indent=1)
PY
        python3 "$BENCH/timing.py" "$OUT/spec.json" "$OUT/times.json"
    else
        local c name prep cmd
        echo '{}' > "$OUT/times.json"
        for c in "${CMDS[@]}"; do
            IFS='|' read -r name prep cmd <<< "$c"
            local prepare=()
            [ -n "$prep" ] && prepare=(--prepare "rm -rf $prep")
            wait_idle
            hyperfine -N -i --style basic --output null --warmup 1 --runs "$RUNS" "${prepare[@]}" \
                --export-json "$OUT/$name.hf.json" -n "$name" "${cmd//|/ }" > "$OUT/$name.hf.txt" 2>&1
            python3 - "$OUT/$name.hf.json" "$OUT/times.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = json.load(open(sys.argv[2]))
t[sys.argv[3]] = {k: r[k] for k in ("median", "mean", "stddev", "user", "system", "min", "max")}
t[sys.argv[3]].update(clean_runs=len(r["times"]), discarded=0, noisy=False)
json.dump(t, open(sys.argv[2], "w"), indent=1)
PY
        done
    fi
    python3 - "$OUT/times.json" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
for name, r in json.load(open(sys.argv[1])).items():
    note = f"{r['clean_runs']} corridas limpias" + (f", {r['discarded']} descartadas" if r.get("discarded") else "")
    if r.get("noisy"):
        note += "; POCAS CORRIDAS LIMPIAS: cifra ruidosa"
    print(f"  {name:<10} mediana {r['median']:7.3f} s  (mín {r['min']:.3f}, ±{r['stddev']:.3f}; CPU {r['user'] + r['system']:6.2f} s)  [{note}]")
PY
}

# peak_rss NAME CMD... -> mediana de max RSS (KB) de 3 corridas en $OUT/NAME.rss
# (PREPARE=carpeta: se borra antes de cada corrida)
peak_rss() {
    local name="$1"; shift
    wait_idle
    : > "$OUT/$name.rss.runs"
    local i
    for i in 1 2 3; do
        [ -n "${PREPARE:-}" ] && rm -rf "$PREPARE"   # carpeta de --fix-dir nueva en cada corrida
        /usr/bin/time -f "%M %e %x" -a -o "$OUT/$name.rss.runs" "$@" > /dev/null 2>&1 || true
    done
    python3 - "$OUT/$name.rss.runs" "$OUT/$name.rss" "$name" <<'EOF' | tee -a "$OUT/summary.txt"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l[0].isdigit()]
bad = [r[2] for r in rows if len(r) > 2 and r[2] not in ("0", "1")]
if bad:
    print(f"  AVISO: {sys.argv[3]}: {len(bad)} corridas terminaron con estado {', '.join(bad)}")
kb = statistics.median(int(r[0]) for r in rows)
secs = statistics.median(float(r[1]) for r in rows)
open(sys.argv[2], "w").write(str(int(kb)))
print(f"  {sys.argv[3]:<34} max RSS {kb / 1024:7.1f} MB   ({secs:.2f} s)")
EOF
}

FIX_OK=0
PROBE="$TMP/fix-probe"
# Antes de escribir nada: si otra corrida de este benchmark acaba de borrar sus miles de
# archivos, crear archivos cuesta en ext4 hasta 15 veces más durante un minuto (bench/timing.py,
# settle); se espera a que pase.
SETTLE="$(python3 "$BENCH/timing.py" --settle)"
set +e
"$POALINT" lint "$DATA" --format json --fix-dir "$PROBE" > /dev/null 2> "$OUT/fix-probe.err"
rc=$?
set -e
if [ $rc -le 1 ] && ! grep -qi "no está disponible\|not available\|unexpected argument" "$OUT/fix-probe.err"; then
    FIX_OK=1
fi

if [ $FIX_OK = 1 ]; then
    # Piso de escritura: comprimir las partes de esos mismos libros y crear los archivos (ver
    # gen/src/bin/writefloor.rs), antes de los tiempos y sin borrar nada todavía (en ext4, crear
    # archivos justo después de borrar miles es más lento). Mide por dentro, sin la carga.
    "$WFLOOR" "$PROBE" --jobs 0 --runs "$RUNS" --out "$TMP/writefloor" > "$OUT/writefloor.txt"
fi

step "Tiempos sobre $DATA ($RUNS corridas + 1 de calentamiento; mediana; cronómetro: $TIMER)"
add_cmd floor "" "$FLOOR" "$DATA" --jobs 0
add_cmd floor-j1 "" "$FLOOR" "$DATA" --jobs 1
add_cmd lint "" "$POALINT" lint "$DATA" --format json
add_cmd lint-j1 "" "$POALINT" lint "$DATA" --format json --jobs 1
if [ $FIX_OK = 1 ]; then
    add_cmd lint-fix "$TMP/fix" "$POALINT" lint "$DATA" --format json --fix-dir "$TMP/fix"
fi
run_timings
if [ $FIX_OK = 1 ]; then
    say "  --fix-dir disponible: $(find "$PROBE" -type f | wc -l) archivos escritos en la prueba"
    say "  $(head -n 1 "$OUT/writefloor.txt")"
    say "  antes de escribir: $SETTLE"
else
    say "  --fix-dir NO disponible todavía (salida $rc: $(tail -n 1 "$OUT/fix-probe.err")); se omite"
fi

step "Memoria máxima (max RSS, mediana de 3 corridas)"
peak_rss mem-small "$POALINT" lint "$DATA" --format json
if [ $FIX_OK = 1 ]; then
    PREPARE="$TMP/fixsmall" peak_rss mem-small-fix "$POALINT" lint "$DATA" --format json --fix-dir "$TMP/fixsmall"
    rm -rf "$TMP/fixsmall"
fi
if [ "$SKIP_BIG" != 1 ]; then
    peak_rss mem-big "$POALINT" lint "$DATA_BIG" --format json
    peak_rss floor-mem-big "$FLOOR" "$DATA_BIG"
    if [ $FIX_OK = 1 ]; then
        PREPARE="$TMP/fixbig" peak_rss mem-big-fix "$POALINT" lint "$DATA_BIG" --format json --fix-dir "$TMP/fixbig"
        rm -rf "$TMP/fixbig"
    fi
fi

# --- objetivos ----------------------------------------------------------------------------------
step "Objetivos ($NPROC núcleos, $COUNT capturas)"
python3 - "$OUT" "$FIX_OK" "$SKIP_BIG" "$COUNT" "$BIG" <<'EOF' | tee -a "$OUT/summary.txt"
import json, os, random, sys
from statistics import median
out, fix_ok, skip_big, n, big = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4], sys.argv[5]
T = json.load(open(os.path.join(out, "times.json")))
J = lambda k: T[k]
cpu = lambda r: r["user"] + r["system"]
floor, floor1, lint, lint1 = J("floor"), J("floor-j1"), J("lint"), J("lint-j1")
rows = []
def verdict(ok, miss):
    return "PASS" if ok else f"FAIL ({miss})"

def by_round(*cmds):
    """The times of the rounds in which every one of `cmds` ran clean, one tuple per round."""
    if not all(c.get("rounds") for c in cmds):
        return []
    maps = [dict(zip(c["rounds"], c["times"])) for c in cmds]
    return [tuple(m[k] for m in maps) for k in sorted(set.intersection(*(set(m) for m in maps)))]

def noise(f, *cmds):
    """How sure a figure is, from its rounds: f over each round's times (median of those), and
    the 90 % interval of f over the medians when the rounds are drawn again (bootstrap)."""
    rounds = by_round(*cmds)
    if len(rounds) < 5:
        return None
    rnd, est = random.Random(1), []
    for _ in range(2000):
        draw = [rnd.choice(rounds) for _ in rounds]
        est.append(f(*(median(t[i] for t in draw) for i in range(len(cmds)))))
    est.sort()
    return median(f(*t) for t in rounds), est[len(est) // 20], est[len(est) - 1 - len(est) // 20]

def add(row, target, f, *cmds):
    """A target's row and, under it, how sure its figure is (`noise` of f over `cmds`); a FAIL
    whose interval contains the target says so."""
    a, b, c = row
    n = noise(f, *cmds)
    if n and n[1] <= target <= n[2] and c.startswith("FAIL ("):
        c = c[:-1] + "; dentro del intervalo 90 %)"
    rows.append((a, b, c))
    if n:
        rows.append(("  (por rondas)", f"mediana de cada ronda {n[0]:.2f} ×; intervalo 90 % {n[1]:.2f}–{n[2]:.2f} ×", "info"))

r = lint["median"] / floor["median"]
add((f"lint ≤ 1.3 × piso", f"{lint['median']:.3f} s / {floor['median']:.3f} s = {r:.2f} ×",
     verdict(r <= 1.3, f"{r / 1.3:.2f} veces el objetivo; sobran {lint['median'] - 1.3 * floor['median']:.3f} s")),
    1.3, lambda l, f: l / f, lint, floor)
rows.append(("  (en tiempo de CPU)", f"{cpu(lint):.2f} s / {cpu(floor):.2f} s = {cpu(lint) / cpu(floor):.2f} ×", "info"))
s = lint1["median"] / lint["median"]
fs = floor1["median"] / floor["median"]
# A miss the floor shares is the machine's: with two threads, reading the files alone does
# not get there either.
machine = f"; el piso mismo da {fs:.2f} ×" if fs < 1.8 else ""
add((f"--jobs {os.cpu_count()} ≥ 1.8 × más rápido que --jobs 1", f"{lint1['median']:.3f} s / {lint['median']:.3f} s = {s:.2f} ×",
     verdict(s >= 1.8, f"faltan {1.8 - s:.2f} × ; {s / 1.8 * 100:.0f} % del objetivo{machine}")),
    1.8, lambda one, all_: one / all_, lint1, lint)
rows.append(("  (speed-up del piso, referencia)", f"{floor1['median']:.3f} s / {floor['median']:.3f} s = {fs:.2f} ×", "info"))
# What poalint itself controls: how it scales next to the floor, round by round.
rel = noise(lambda l1, l, f1, f: (l1 / l) / (f1 / f), lint1, lint, floor1, floor)
if rel:
    rows.append(("  (lint escala como el piso)", f"{s / fs:.2f} × el speed-up del piso; por rondas {rel[0]:.2f} ×, intervalo 90 % {rel[1]:.2f}–{rel[2]:.2f} ×", "info"))
if fix_ok:
    fx = J("lint-fix")
    extra = fx["median"] - lint["median"]
    add(("--fix-dir añade ≤ 1 × piso", f"+{extra:.3f} s (piso {floor['median']:.3f} s; {extra / floor['median']:.2f} × piso)",
         verdict(extra <= floor["median"], f"{extra - floor['median']:.3f} s de más; {extra / floor['median']:.2f} × piso")),
        1.0, lambda x, l, f: (x - l) / f, fx, lint, floor)
    wf_path = os.path.join(out, "writefloor.txt")
    wf = [l for l in open(wf_path) if l.startswith("median_s=")] if os.path.exists(wf_path) else []
    if wf:
        w = float(wf[0].split("=")[1])
        rows.append(("  (piso de escritura: deflate + archivos)", f"{w:.3f} s = {w / floor['median']:.2f} × piso; el resto de lo añadido, {extra - w:.3f} s, es trabajo de poalint", "info"))
else:
    rows.append(("--fix-dir añade ≤ 1 × piso", "--fix-dir no disponible", "SIN MEDIR"))
small = int(open(os.path.join(out, "mem-small.rss")).read())
if not skip_big:
    bigkb = int(open(os.path.join(out, "mem-big.rss")).read())
    q = bigkb / small
    rows.append((f"memoria {big} ≤ 1.5 × memoria {n}", f"{bigkb / 1024:.1f} MB / {small / 1024:.1f} MB = {q:.2f} ×",
                 verdict(q <= 1.5, f"{q / 1.5:.2f} veces el objetivo")))
    rows.append((f"memoria {big} < 100 MB", f"{bigkb / 1024:.1f} MB",
                 verdict(bigkb < 100 * 1024, f"{bigkb / 1024 - 100:.1f} MB de más; {bigkb / 1024 / 100:.2f} × el límite")))
else:
    rows.append((f"memoria {big}", f"{small / 1024:.1f} MB con {n}; {big} omitidas (BENCH_SKIP_10K=1)", "SIN MEDIR"))
rss = lambda k: int(open(os.path.join(out, k + ".rss")).read()) if os.path.exists(os.path.join(out, k + ".rss")) else None
fs, fb = rss("mem-small-fix"), rss("mem-big-fix")
if fs:
    txt = f"{fs / 1024:.1f} MB con {n}" + (f"; {fb / 1024:.1f} MB con {big} ({fb / fs:.2f} ×)" if fb else "")
    rows.append(("  (memoria con --fix-dir)", txt, "info"))
w = max(len(a) for a, _, _ in rows)
for a, b, c in rows:
    print(f"  {a:<{w}}  {b:<58} {c}")
EOF
say ""
say "Resultados completos: $OUT"
