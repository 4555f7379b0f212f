"""SciPy peer of the mesh eigenbasis bench (bench/mesh.ts): times
``scipy.sparse.linalg.eigsh(L, k, M=diag(mass), sigma=sigma, tol=tol)`` on the matrices the TypeScript
bench wrote to ``--dir`` (CSR arrays of L and the lumped mass), with the same k, shift and tolerance.

Prints one JSON line: ``{"bench": "mesh.eigsh", "status": "ok", "ms_median", "ms_p10", "cpu_ms_median",
"values": [...], "scipy": version}``, or ``{"status": "peer unavailable", ...}`` when SciPy is missing.
Threads are limited to ``--threads`` (default 1) through the BLAS environment variables.
"""

import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    try:
        import numpy as np
        import scipy
        import scipy.sparse as sp
        from scipy.sparse.linalg import eigsh
    except ImportError as e:
        print(json.dumps({"bench": "mesh.eigsh", "status": "peer unavailable", "error": str(e)}))
        return 0
    with open(os.path.join(args.dir, "meta.json")) as f:
        meta = json.load(f)
    n = meta["n"]
    row_ptr = np.fromfile(os.path.join(args.dir, "rowPtr.i32"), dtype="<i4")
    col = np.fromfile(os.path.join(args.dir, "colIndex.i32"), dtype="<i4")
    val = np.fromfile(os.path.join(args.dir, "values.f64"), dtype="<f8")
    mass = np.fromfile(os.path.join(args.dir, "mass.f64"), dtype="<f8")
    L = sp.csr_matrix((val, col, row_ptr), shape=(n, n)).tocsc()
    M = sp.diags(mass).tocsc()
    k, sigma, tol = meta["k"], meta["sigma"], meta["tol"]

    def run():
        return eigsh(L, k=k, M=M, sigma=sigma, tol=tol)

    for _ in range(args.warmup):
        run()
    wall, cpu = [], []
    vals = None
    for _ in range(args.repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        vals, _vecs = run()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    cpu.sort()
    mid = len(wall) // 2
    print(
        json.dumps(
            {
                "bench": "mesh.eigsh",
                "status": "ok",
                "ms_median": wall[mid],
                "ms_p10": wall[0],
                "cpu_ms_median": cpu[mid],
                "values": [float(v) for v in np.sort(vals)],
                "scipy": scipy.__version__,
                "threads": args.threads,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
