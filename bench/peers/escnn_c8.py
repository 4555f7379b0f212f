"""Peer of the C8 steerable CNN bench (bench/steerable_c8.ts): escnn's model of the escnn anchor
(`../shared/peers/anchors/bench_escnn.py`, width 1, 2,067,434 parameters) on a batch of 28x28 images
padded to 29x29, timed in the same run as ours.

  train_step: zero_grad, forward, cross-entropy, backward, Adam step (filters re-expanded every step);
  fwd_eval:   eval mode, forward under no_grad (escnn caches the expanded filters in eval mode).

escnn must be importable (bench/steerable_c8.ts puts $ERLANGEN_ESCNN_PATH, else
$PEERS_HOME/src/escnn-1.0.13 and $PEERS_HOME/shims, on PYTHONPATH). Prints one JSON line per case:
{"bench": "c8.train_step" | "c8.fwd_eval", "status": "ok", "who", "ms_median", "ms_p10",
"cpu_ms_median"}, or {"status": "peer unavailable"} without torch or escnn. Threads: --threads.
"""

import argparse
import os

from peer_timing import emit, timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
        import escnn
        from escnn import gspaces
        from escnn import nn as enn
    except ImportError as e:
        emit({"bench": "c8.train_step", "status": "peer unavailable", "error": str(e)})
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    r2 = gspaces.rot2dOnR2(N=8)
    chans = (24, 48, 48, 96, 96, 64)
    kernels = (7, 5, 5, 5, 5, 5)
    pads = (1, 2, 2, 2, 2, 1)
    t_in = enn.FieldType(r2, [r2.trivial_repr])
    in_type = t_in
    layers = []
    for i, (c, k, pd) in enumerate(zip(chans, kernels, pads)):
        t_out = enn.FieldType(r2, c * [r2.regular_repr])
        layers += [
            enn.R2Conv(t_in, t_out, kernel_size=k, padding=pd, bias=False),
            enn.InnerBatchNorm(t_out),
            enn.ReLU(t_out, inplace=True),
        ]
        if i in (1, 3):
            layers.append(enn.PointwiseAvgPoolAntialiased(t_out, sigma=0.66, stride=2))
        if i == 5:
            layers.append(enn.PointwiseAvgPoolAntialiased(t_out, sigma=0.66, stride=1, padding=0))
        t_in = t_out
    body = enn.SequentialModule(*layers)
    gpool = enn.GroupPooling(t_in)
    head = torch.nn.Sequential(
        torch.nn.Linear(gpool.out_type.size, 64),
        torch.nn.BatchNorm1d(64),
        torch.nn.ELU(inplace=True),
        torch.nn.Linear(64, 10),
    )

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.gpool, self.head = body, gpool, head

        def forward(self, x):
            x = self.gpool(self.body(enn.GeometricTensor(x, in_type))).tensor
            return self.head(x.reshape(x.shape[0], -1))

    model = Model()
    params = sum(p.numel() for p in model.parameters())
    who = f"escnn {getattr(escnn, '__version__', '1.0.13')}, torch {torch.__version__}"
    x = torch.nn.functional.pad(torch.randn(args.batch, 1, 28, 28), (0, 1, 0, 1))
    y = torch.randint(0, 10, (args.batch,))
    opt = torch.optim.Adam(model.parameters(), lr=5e-5, weight_decay=1e-5)

    def train_step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    model.train()
    r = timed(lambda _i: train_step(), args.warmup, args.repeat)
    emit({"bench": "c8.train_step", "status": "ok", "who": who, "params": params, **r})
    model.eval()
    with torch.no_grad():
        r = timed(lambda _i: model(x), args.warmup, args.repeat)
    emit({"bench": "c8.fwd_eval", "status": "ok", "who": who, "params": params, **r})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
