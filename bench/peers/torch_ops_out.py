"""PyTorch peer of the op-overhead bench (bench/overhead.ts): the message-passing ops on Cora, each
timed into a fresh output (as a plain call allocates it) and into a given one (PyTorch's `out=`, or
the in-place form where the op has no `out=`), alternating sample by sample in one process.

  gather            x[2708,16].index_select(0, src)          | torch.index_select(x, 0, src, out=o)
  scatter_add       zeros(2708,16).index_add_(0, dst, m)     | o.zero_().index_add_(0, dst, m)
  softmax_rows      torch.softmax(s[13264,8], -1)            | torch.softmax(s, -1, out=o) (or
                                                               torch._softmax(s, -1, False, out=o))
  log_softmax_rows  torch.log_softmax(s, -1)                 | torch.log_softmax(s, -1, out=o)
  segment_softmax   scatter amax, exp, index_add_, divide    | the same steps into kept buffers
  spmm_csr          torch.sparse.mm(A_csr, x)                | torch.mm(A_csr, x, out=o) (else COO)

src / dst: Cora's edges plus self loops (13,264); A: the GCN adjacency D^-1/2 (A+I) D^-1/2. The out
variant's name is the fresh one's plus "_out"; an op this torch cannot run into `out` gets a line with
status "unsupported". Times are process CPU time per call (`time.process_time` over --batch calls),
median over --repeat samples: {"bench", "status": "ok", "ms_median", "ms_p10", "cpu_ms_median", "torch"}.
Data and thread setup come from ../shared/peers/peer_common.py (--peers-dir); without torch every line
says "peer unavailable".
"""

import argparse
import os
import sys
import time
import warnings

from peer_timing import emit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=20, help="untimed calls of each variant")
    ap.add_argument("--repeat", type=int, default=25, help="samples of each variant")
    ap.add_argument("--batch", type=int, default=20, help="calls per sample")
    ap.add_argument("--peers-dir", required=True, help="../shared/peers (peer_common.py)")
    ap.add_argument("--ops", default="gather,scatter_add,softmax_rows,log_softmax_rows,segment_softmax,spmm_csr")
    args = ap.parse_args()
    sys.path.insert(0, args.peers_dir)
    import peer_common as pc

    pc._STATE["threads"] = args.threads
    pc._tune_malloc()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError as e:
        emit({"bench": "torch_ops_out", "status": "peer unavailable", "error": str(e)})
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    warnings.filterwarnings("ignore", category=UserWarning)  # CSR and scatter_reduce are "beta" in torch 1.13
    cora = pc.load_planetoid(torch, pc.DEFAULT_DATA, "cora")
    n = cora["num_nodes"]
    loop = torch.arange(n)
    src = torch.cat([cora["edge_index"][0], loop])
    dst = torch.cat([cora["edge_index"][1], loop])
    e = src.numel()
    x = torch.randn(n, 16)
    msg = torch.randn(e, 16)
    s = torch.randn(e, 8)

    cases = {}
    cases["gather"] = (lambda: x.index_select(0, src), lambda o: torch.index_select(x, 0, src, out=o))
    cases["scatter_add"] = (
        lambda: torch.zeros(n, 16).index_add_(0, dst, msg),
        lambda o: o.zero_().index_add_(0, dst, msg),
    )
    cases["softmax_rows"] = (lambda: torch.softmax(s, -1), softmax_out(torch, s))
    cases["log_softmax_rows"] = (lambda: torch.log_softmax(s, -1), lambda o: torch.log_softmax(s, -1, out=o))

    idx = dst.unsqueeze(1).expand(e, 8)

    def seg_fresh():
        mx = torch.full((n, 8), float("-inf")).scatter_reduce_(0, idx, s, reduce="amax", include_self=True)
        ex = (s - mx.index_select(0, dst)).exp_()
        den = torch.zeros(n, 8).index_add_(0, dst, ex)
        return ex.div_(den.index_select(0, dst))

    mx_b, den_b, gat_b = torch.empty(n, 8), torch.empty(n, 8), torch.empty(e, 8)

    def seg_out(o):
        mx_b.fill_(float("-inf")).scatter_reduce_(0, idx, s, reduce="amax", include_self=True)
        torch.sub(s, torch.index_select(mx_b, 0, dst, out=gat_b), out=o).exp_()
        den_b.zero_().index_add_(0, dst, o)
        return o.div_(torch.index_select(den_b, 0, dst, out=gat_b))

    cases["segment_softmax"] = (seg_fresh, seg_out)
    row, col, val = pc.gcn_norm_adjacency(torch, cora["edge_index"], n)
    coo = torch.sparse_coo_tensor(torch.stack([row, col]), val, (n, n)).coalesce()
    try:
        a = coo.to_sparse_csr()
    except (RuntimeError, AttributeError):
        a = coo
    cases["spmm_csr"] = (lambda: torch.sparse.mm(a, x), lambda o: torch.mm(a, x, out=o))

    for name in [o.strip() for o in args.ops.split(",") if o.strip()]:
        fresh, into = cases[name]
        ref = fresh()
        out = torch.empty_like(ref)
        ok = True
        try:
            into(out)
            ok = bool(torch.allclose(out, ref, rtol=1e-5, atol=1e-6))
            reason = "" if ok else "out= result differs from the fresh one"
        except (RuntimeError, TypeError, NotImplementedError) as exc:
            ok = False
            reason = str(exc).splitlines()[0]
        t_fresh, t_out = time_pair(fresh, (lambda: into(out)) if ok else None, args)
        emit(line(name, t_fresh, torch))
        if ok:
            emit(line(name + "_out", t_out, torch))
        else:
            emit({"bench": name + "_out", "status": "unsupported", "reason": reason, "torch": torch.__version__})
    return 0


def softmax_out(torch, s):
    """torch.softmax with out= where this torch has it, else the aten op behind it."""
    probe = torch.empty_like(s)
    try:
        torch.softmax(s, -1, out=probe)
        return lambda o: torch.softmax(s, -1, out=o)
    except TypeError:
        return lambda o: torch._softmax(s, -1, False, out=o)


def time_pair(fresh, into, args):
    """CPU ms per call of both variants, sampled alternately (which one goes first alternates too)."""
    for _ in range(args.warmup):
        fresh()
        if into is not None:
            into()
    tf, to = [], []
    for r in range(args.repeat):
        order = [(fresh, tf), (into, to)] if r % 2 == 0 else [(into, to), (fresh, tf)]
        for fn, acc in order:
            if fn is None:
                continue
            c0 = time.process_time()
            for _ in range(args.batch):
                fn()
            acc.append((time.process_time() - c0) * 1e3 / args.batch)
    return sorted(tf), sorted(to)


def line(name, xs, torch):
    m = len(xs) // 2
    return {"bench": name, "status": "ok", "clock": "cpu", "ms_median": xs[m], "ms_p10": xs[int(0.1 * (len(xs) - 1))],
            "cpu_ms_median": xs[m], "torch": torch.__version__}


if __name__ == "__main__":
    sys.exit(main())
