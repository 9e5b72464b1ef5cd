#!/usr/bin/env python3
"""Speed-up de --jobs 2 sobre --jobs 1, por pares: ¿escala poalint como escala el piso?

    python3 bench/speedup.py CARPETA RONDAS BINARIO...

    # el piso, el binario de antes y el de ahora, 20 rondas sobre las 1,000 capturas
    python3 bench/speedup.py bench/data/c1000-s42 20 \\
        bench/gen/target/release/floor /tmp/antes target/release/poalint

Cada ronda lee las capturas a la caché y corre, para cada binario, `--jobs 1` y `--jobs 2` uno
tras otro (el orden de los binarios y el de los dos modos se alterna entre rondas). Un binario
cuyo nombre termina en `floor` se corre como el piso (`floor CARPETA --jobs N`); los demás como
`poalint lint CARPETA --format json -o /dev/null --jobs N`.

Imprime por binario las medianas, el speed-up de las medianas, la mediana y el rango
intercuartil de los cocientes de cada par (las dos corridas de un par están a segundos una de
otra, así que el ruido lento de la VM se cancela) y cuánto crece la CPU con dos hilos.

Por qué existe: en esta VM el speed-up de una corrida de bench/run.sh varía ±0.1 × entre horas,
el del piso también, y el objetivo (≥ 1.8 ×) queda dentro de ese ruido. Con pares se ve si
poalint escala peor que el piso (algo que arreglar en poalint) o igual (la máquina).
"""
import os
import resource
import statistics
import subprocess
import sys
import time

from timing import warm_cache


def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def command(binary, folder, jobs):
    if os.path.basename(binary).endswith("floor"):
        return [binary, folder, "--jobs", jobs]
    return [binary, "lint", folder, "--format", "json", "-o", "/dev/null", "--jobs", jobs]


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    folder, rounds, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    got = {b: {"1": [], "2": [], "cpu1": [], "cpu2": []} for b in binaries}
    for r in range(rounds):
        warm_cache(folder)  # esta VM saca los archivos de la caché en segundos
        order = binaries if r % 2 == 0 else binaries[::-1]
        for b in order:
            for jobs in ("1", "2") if (r // 2) % 2 == 0 else ("2", "1"):
                wall, cpu = run(command(b, folder, jobs))
                got[b][jobs].append(wall)
                got[b]["cpu" + jobs].append(cpu)
    for b in binaries:
        g = got[b]
        m1, m2 = statistics.median(g["1"]), statistics.median(g["2"])
        pairs = sorted(a / c for a, c in zip(g["1"], g["2"]))
        q = lambda p: pairs[int(p * (len(pairs) - 1))]
        c1, c2 = statistics.median(g["cpu1"]), statistics.median(g["cpu2"])
        print(
            f"{b}\n  --jobs 1 {m1 * 1e3:6.1f} ms, --jobs 2 {m2 * 1e3:6.1f} ms: speed-up {m1 / m2:.3f} ×;"
            f" por pares {statistics.median(pairs):.3f} × (IQR {q(0.25):.3f}–{q(0.75):.3f});"
            f" CPU {c1 * 1e3:.0f} → {c2 * 1e3:.0f} ms ({c2 / c1:.3f} ×)"
        )


if __name__ == "__main__":
    main()
