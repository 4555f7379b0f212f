"""Timing helpers shared by the Python peers of `npm run bench` (imported from the script's own folder).

`timed(fn, warmup, repeat)` calls `fn(i)` with the round index i (warm-up rounds first, then the timed
ones) and returns the median wall time, the 10th-percentile wall time and the median process CPU time
in milliseconds, the fields every peer's JSON line carries; `emit` prints one JSON line.
"""

import json
import time


def emit(obj):
    print(json.dumps(obj), flush=True)


def timed(fn, warmup, repeat):
    for i in range(warmup):
        fn(i)
    wall, cpu = [], []
    for i in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn(warmup + i)
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    wall.sort()
    cpu.sort()
    m = len(wall) // 2
    return {"ms_median": wall[m], "ms_p10": wall[int(0.1 * (len(wall) - 1))], "cpu_ms_median": cpu[m]}
