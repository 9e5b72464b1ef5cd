#!/usr/bin/env python3
"""Cronometra comandos en rondas intercaladas y descarta las corridas contaminadas.

    python3 bench/timing.py SPEC.json OUT.json
    python3 bench/timing.py --settle     # waits until the last --deleted is over 65 s old
    python3 bench/timing.py --deleted    # notes that the benchmark just deleted its files

SPEC.json: {"runs": 7, "warmup": 1, "idle_max": 0.15, "idle_timeout": 180, "warm": "/datos",
            "commands": [{"name": "floor", "cmd": ["..."], "prepare_rmtree": "/tmp/x"}, ...]}

`warm`: a folder whose files are read (untimed) right before every run, so that every command
finds them in the page cache: this VM drops cached pages within seconds (17.6 MB of captures
read at 08:10:08 were 3.7 MB still cached 10 s later and none after 40 s), and whichever
command came first after a pause read part of its input from disk.

`rotate`: true to start each round with the next command (round 1: A B C, round 2: B C A…).
The first command of a round, right after the idle check, ran ~4 % slower than the one after
it (the same binary against itself, always in the same order: 0.955 ×; rotating: 1.004 ×), so
every command must take every place equally often.

`prepare_rmtree`: a folder the command writes (an argument of `cmd`); each run gets its own new
folder in its place (`/tmp/x-0`, `/tmp/x-1`…), all deleted at the end.

Por qué no solo hyperfine: la máquina del benchmark es compartida (2 núcleos; otros compilan
mientras se mide). hyperfine corre cada comando en bloque y no sabe si otro proceso le quitó la
CPU. Aquí cada ronda corre todos los comandos uno tras otro (las comparaciones quedan pareadas) y
cada corrida mide, además de su tiempo de reloj y de CPU (rusage del hijo con wait4), la CPU que
usaron OTROS procesos durante la corrida (/proc/stat menos la del hijo). Si otros usaron más de
`idle_max` núcleos en promedio, la corrida se descarta y la ronda se repite (hasta 4 × runs
rondas); las cifras salen de las corridas limpias, y el informe dice cuántas hubo.

La memoria no se mide aquí: el max RSS que da wait4 incluye las páginas del proceso de Python
antes del exec. run.sh la mide con /usr/bin/time -f %M.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def busy_jiffies():
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    vals = list(map(int, parts))
    idle = vals[3] + vals[4]  # idle + iowait
    return sum(vals[:8]) - idle


def foreign_load(seconds=1.0):
    """Núcleos ocupados por otros procesos (muestreo de `seconds`)."""
    a = busy_jiffies()
    time.sleep(seconds)
    return (busy_jiffies() - a) / TICK / seconds


def warm_cache(folder):
    """Reads every file of `folder` (and below) once, untimed: into the page cache."""
    if not folder:
        return
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    while f.read(1 << 20):
                        pass
            except OSError:
                pass


# When the benchmark scripts last deleted the files their runs wrote (bench/run.sh, compare.sh,
# stages.sh and this file, once they are done).
DELETED_STAMP = os.path.join(os.environ.get("TMPDIR", "/tmp"), "poalint-bench-deleted")
# Seconds an inode stays "recently deleted" once its inode table block is written back.
RECENTCY = 65


def mark_deleted():
    """Notes that the benchmark has just deleted the files it wrote (see `settle`)."""
    with open(DELETED_STAMP, "w") as f:
        f.write(str(time.time()))


def settle():
    """Waits until the benchmark's own last deletion is more than a minute old; returns the
    seconds waited.

    On ext4 without a journal (this VM's /), a new inode is not given one freed in the last
    60 s (`recently_deleted` in fs/ext4/ialloc.c; 360 s while its block is not written back):
    each allocation scans past all of them. Seen here: creating 1,000 files took 1.1 s of
    system time instead of 0.07 s seconds after 20,000 were deleted, and was back to normal
    100 s later. A benchmark run right after another one (whose folders are deleted when it
    ends) measured that, not poalint. The deleted pages are synced first, so the 60 s rule
    applies.
    """
    try:
        last = float(open(DELETED_STAMP).read())
    except (OSError, ValueError):
        return 0.0
    # (A stamp from the future, after the clock moved back, waits no more than RECENTCY.)
    wait = min(last + RECENTCY - time.time(), RECENTCY)
    if wait <= 0:
        return 0.0
    os.sync()
    time.sleep(wait)
    return wait


def run_once(cmd, warm=None):
    warm_cache(warm)
    b0 = busy_jiffies()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    b1 = busy_jiffies()
    cpu = ru.ru_utime + ru.ru_stime
    others = max(0.0, (b1 - b0) / TICK - cpu)
    return {
        "wall": wall,
        "user": ru.ru_utime,
        "system": ru.ru_stime,
        "foreign_cores": others / wall if wall > 0 else 0.0,
        "status": os.waitstatus_to_exitcode(status),
    }


def main():
    spec = json.load(open(sys.argv[1]))
    out_path = sys.argv[2]
    runs = int(spec.get("runs", 7))
    warmup = int(spec.get("warmup", 1))
    idle_max = float(spec.get("idle_max", 0.15))
    idle_timeout = float(spec.get("idle_timeout", 180))
    cmds = spec["commands"]
    warm = spec.get("warm")
    samples = {c["name"]: [] for c in cmds}
    discarded = {c["name"]: 0 for c in cmds}

    def wait_idle():
        t0 = time.time()
        load = foreign_load(0.5)
        while load > idle_max and time.time() - t0 < idle_timeout:
            time.sleep(1.5)
            load = foreign_load(0.5)
        return load

    # A command that writes a folder (`prepare_rmtree`, --fix-dir) gets a new, empty folder for
    # each run, and all of them are deleted at the end: deleting a run's 1,000 files right
    # before the next run creates as many makes ext4 skip the recently deleted inodes when it
    # allocates new ones (find_inode_bit / recently_deleted), slower round after round — a cost
    # of the benchmark loop, not of a run into a new folder.
    made = []

    def fresh(c):
        out = c.get("prepare_rmtree")
        if not out:
            return c["cmd"]
        d = f"{out}-{len(made)}"
        shutil.rmtree(d, ignore_errors=True)
        made.append(d)
        return [d if x == out else x for x in c["cmd"]]

    writes = any(c.get("prepare_rmtree") for c in cmds)
    waited = settle() if writes else 0.0

    for _ in range(warmup):
        for c in cmds:
            run_once(fresh(c), warm)
            if c.get("prepare_rmtree"):
                os.sync()
    rounds = 0
    while rounds < 4 * runs and any(len(samples[c["name"]]) < runs for c in cmds):
        rounds += 1
        wait_idle()
        k = (rounds - 1) % len(cmds) if spec.get("rotate") else 0
        for c in cmds[k:] + cmds[:k]:
            if len(samples[c["name"]]) >= runs:
                continue
            r = run_once(fresh(c), warm)
            r["round"] = rounds
            if c.get("prepare_rmtree"):
                # A command that writes (--fix-dir) leaves dirty pages whose writeback would
                # otherwise land on the next command's clock (the floor, first in the round).
                os.sync()
            if r["foreign_cores"] > idle_max:
                discarded[c["name"]] += 1
                samples.setdefault("_dirty_" + c["name"], []).append(r)
            else:
                samples[c["name"]].append(r)

    for d in made:
        shutil.rmtree(d, ignore_errors=True)
    if made:
        mark_deleted()

    result = {}
    for c in cmds:
        name = c["name"]
        clean = samples[name]
        noisy = len(clean) < max(3, runs // 2)
        use = clean if not noisy else clean + samples.get("_dirty_" + name, [])
        w = [r["wall"] for r in use]
        result[name] = {
            "median": statistics.median(w),
            "mean": statistics.mean(w),
            "stddev": statistics.pstdev(w),
            "min": min(w),
            "max": max(w),
            "user": statistics.mean(r["user"] for r in use),
            "system": statistics.mean(r["system"] for r in use),
            "runs": len(use),
            "clean_runs": len(clean),
            "discarded": discarded[name],
            "noisy": noisy,
            "foreign_cores_mean": statistics.mean(r["foreign_cores"] for r in use),
            "exit_codes": sorted({r["status"] for r in use}),
            "times": w,
            # The round of each of those times: commands are compared round by round
            # (`by_round` in bench/run.sh), as the VM's speed drifts between rounds.
            "rounds": [r["round"] for r in use],
        }
        if c.get("prepare_rmtree"):
            result[name]["settle_waited_s"] = waited
    json.dump(result, open(out_path, "w"), indent=1)


if __name__ == "__main__":
    # timing.py --settle: the wait alone (bench/run.sh, before it writes anything);
    # timing.py --deleted: notes a deletion (the scripts' exit traps, after deleting).
    if sys.argv[1:2] == ["--settle"]:
        waited = settle()
        print(f"última limpieza del benchmark hace más de {RECENTCY} s (se esperó {waited:.0f} s)")
    elif sys.argv[1:2] == ["--deleted"]:
        mark_deleted()
    else:
        main()
