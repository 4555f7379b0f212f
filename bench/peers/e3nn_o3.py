"""Peer of the O(3) benches (bench/o3.ts): e3nn's FullyConnectedTensorProduct and spherical harmonics
on the sizes of the e3nn anchor (`../shared/peers/anchors/bench_e3nn_fctp_sh.py`), timed in the same
run as ours.

With e3nn importable (its source tree and those of opt_einsum and opt_einsum_fx on PYTHONPATH; bench/o3.ts
sets it from ERLANGEN_E3NN_PATH or $PEERS_HOME/src), the real e3nn 0.5.1 runs:
  fctp: o3.FullyConnectedTensorProduct(irreps, irreps, irreps), batch B, forward under no_grad, and
        forward + backward of the sum with gradients of x1 and the weights (as the anchor);
  sh:   o3.spherical_harmonics([0..lmax], v, normalize=True) (integral normalisation) on N vectors,
        forward under no_grad, and forward + backward of the sum.
Without e3nn, a plain-PyTorch version of the same work runs instead, from the paths and harmonic
polynomials bench/o3.ts writes to --spec (dense Wigner-3j per path, contracted with matmuls as e3nn's
codegen does; harmonics as a monomial matrix times coefficients).

Prints one JSON line per case: {"bench": "fctp.fwd" | "fctp.fwd_bwd" | "sh.fwd" | "sh.fwd_bwd",
"status": "ok", "who", "ms_median", "ms_p10", "cpu_ms_median"}, or {"status": "peer unavailable"}
without torch. Threads: torch.set_num_threads(--threads), OpenBLAS likewise.
"""

import argparse
import json
import os
import sys

from peer_timing import emit, timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError as e:
        emit({"bench": "fctp.fwd", "status": "peer unavailable", "error": str(e)})
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(args.spec) as f:
        spec = json.load(f)
    B, N, lmax = spec["batch"], spec["n"], spec["lmax"]
    try:
        import e3nn
        from e3nn import o3

        who = f"e3nn {e3nn.__version__}"
        irr = o3.Irreps(spec["irreps"])
        tp = o3.FullyConnectedTensorProduct(irr, irr, irr)
        x1 = irr.randn(B, -1)
        x2 = irr.randn(B, -1)

        def tp_fwd(a, b):
            return tp(a, b)

        params = list(tp.parameters())

        def sh(v):
            return o3.spherical_harmonics(list(range(lmax + 1)), v, normalize=True)

    except ImportError:
        who = "plain PyTorch"
        paths = spec["paths"]
        D = spec["dim"]
        x1 = torch.randn(B, D)
        x2 = torch.randn(B, D)
        weight = torch.randn(spec["weightNumel"], requires_grad=True)
        params = [weight]
        prepared = []
        for p in paths:
            C = torch.tensor(p["C"], dtype=torch.float32).reshape(p["d1"] * p["d2"], p["d3"])
            prepared.append((p, C))

        def tp_fwd(a, b):
            outs = [[] for _ in spec["outBlocks"]]
            for p, C in prepared:
                U, V, W, d1, d2, d3 = p["U"], p["V"], p["W"], p["d1"], p["d2"], p["d3"]
                xa = a[:, p["o1"] : p["o1"] + U * d1].reshape(-1, U, 1, d1, 1)
                xb = b[:, p["o2"] : p["o2"] + V * d2].reshape(-1, 1, V, 1, d2)
                outer = (xa * xb).reshape(-1, U * V, d1 * d2)
                t = outer @ C  # [Z, UV, d3]
                w = weight[p["wOff"] : p["wOff"] + U * V * W].reshape(U * V, W)
                y = torch.einsum("zrk,rw->zwk", t, w) * p["pw"]
                outs[p["block"]].append(y.reshape(-1, W * d3))
            cols = []
            for blk, parts in zip(spec["outBlocks"], outs):
                cols.append(sum(parts) if parts else torch.zeros(a.shape[0], blk))
            return torch.cat(cols, dim=1)

        shs = spec["sh"]
        mono = torch.tensor([shs["ma"], shs["mb"], shs["md"]], dtype=torch.long)
        coef = torch.zeros(len(shs["mc"]), shs["dim"])
        for c in range(shs["dim"]):
            for m in range(shs["ptr"][c], shs["ptr"][c + 1]):
                coef[m, c] = shs["mc"][m]

        def sh(v):
            u = v / v.norm(dim=1, keepdim=True).clamp_min(1e-30)
            pw = [torch.ones_like(u)]
            for _ in range(lmax):
                pw.append(pw[-1] * u)
            P = torch.stack(pw, dim=0)  # [lmax+1, N, 3]
            M = P[mono[0], :, 0] * P[mono[1], :, 1] * P[mono[2], :, 2]  # [nm, N]
            return M.t() @ coef

    x1g = x1.clone().requires_grad_()

    def f():
        with torch.no_grad():
            tp_fwd(x1, x2)

    def fb():
        for p in params:
            p.grad = None
        x1g.grad = None
        tp_fwd(x1g, x2).sum().backward()

    v = torch.randn(N, 3)
    vg = v.clone().requires_grad_()

    def s():
        with torch.no_grad():
            sh(v)

    def sb():
        vg.grad = None
        sh(vg).sum().backward()

    for name, fn in (("fctp.fwd", f), ("fctp.fwd_bwd", fb), ("sh.fwd", s), ("sh.fwd_bwd", sb)):
        r = timed(lambda _i: fn(), args.warmup, args.repeat)
        emit({"bench": name, "status": "ok", "who": who, "threads": args.threads, "torch": torch.__version__, **r})
    return 0


if __name__ == "__main__":
    sys.exit(main())
