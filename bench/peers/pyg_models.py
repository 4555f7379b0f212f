"""PyG peer of the model benches (bench/models.ts): the same models, sizes and training protocol as
Erlangen's, built from PyTorch Geometric 2.4.0's layers, timed in the same run as ours.

  --model gat     Cora: GATConv(F, 8, heads=8, dropout=0.6) -> ELU -> GATConv(64, C, heads=1,
                  concat=False, dropout=0.6), dropout 0.6 on both inputs, row-normalised features,
                  Adam lr 0.005, weight decay 5e-4; one epoch = forward + NLL loss on the training
                  nodes + backward + Adam step. Bench line "pyg.gat.train_epoch".
  --model gin     MUTAG: 4 GINConv(MLP Linear-BN-ReLU-Linear-BN-ReLU, hidden 64, eps 0) with a sum
                  readout (global_add_pool) + Linear of the input and of every layer, dropout 0.5, Adam
                  lr 0.01 halved every 50 epochs, batch 32 from PyG's DataLoader (shuffled); one epoch =
                  shuffle + collation + forward + backward + step over all 188 graphs. Line
                  "pyg.gin.train_epoch".
  --model schnet  QM7: torch_geometric.nn.models.SchNet(hidden 64, filters 64, 3 interactions, 25
                  Gaussians, cutoff 5), its interaction graph built in plain torch (all pairs within
                  the cutoff in each molecule; PyG's default radius_graph needs torch-cluster, absent
                  here); one step = forward + MSE loss + backward + Adam step on a batch of molecules
                  given by --molecules. Line "pyg.schnet.train_step".

Without PyG (torch_geometric not importable) every model runs as plain PyTorch with the same
sizes (index_select / index_add message passing; "who": "plain PyTorch"). Data comes from the
shared datasets folder through ../shared/peers/peer_common.py (--peers-dir) and, for QM7, the
repository's datasets/molecules/qm7 (--qm7). Every line: {"bench", "status": "ok", "who", "ms_median",
"ms_p10", "cpu_ms_median"}; "peer unavailable" without torch.
"""

import argparse
import math
import os
import sys

from peer_timing import emit, timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=["gat", "gin", "schnet"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--peers-dir", required=True, help="../shared/peers (peer_common.py)")
    ap.add_argument("--qm7", help="folder with z.u8.bin, pos.f32.bin, atom_ptr.i32.bin")
    ap.add_argument("--molecules", help="comma-separated QM7 molecule indices of one batch")
    args = ap.parse_args()
    sys.path.insert(0, args.peers_dir)
    import peer_common as pc

    pc._STATE["threads"] = args.threads
    pc._tune_malloc()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    bench = "pyg.%s" % ("schnet.train_step" if args.model == "schnet" else args.model + ".train_epoch")
    try:
        import torch
    except ImportError as e:
        emit({"bench": bench, "status": "peer unavailable", "error": str(e)})
        return 0
    torch.set_num_threads(args.threads)
    try:
        import torch_geometric  # noqa: F401

        pyg = True
        who = "PyG %s" % torch_geometric.__version__
    except ImportError:
        pyg = False
        who = "plain PyTorch"
    F = torch.nn.functional
    torch.manual_seed(0)
    out = {"bench": bench, "status": "ok", "who": who, "threads": args.threads, "torch": torch.__version__}

    if args.model == "gat":
        d = pc.load_planetoid(torch, pc.DEFAULT_DATA, "cora")
        x = pc.planetoid_dense_features(torch, d, True)
        y, train = d["y"], d["train_mask"]
        n, C = d["num_nodes"], d["num_classes"]
        ei = d["edge_index"]
        if pyg:
            from torch_geometric.nn import GATConv

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.c1 = GATConv(x.shape[1], 8, heads=8, dropout=0.6)
                    self.c2 = GATConv(64, C, heads=1, concat=False, dropout=0.6)

                def forward(self, h):
                    h = F.dropout(h, 0.6, self.training)
                    h = F.elu(self.c1(h, ei))
                    h = F.dropout(h, 0.6, self.training)
                    return F.log_softmax(self.c2(h, ei), dim=1)

        else:
            loop = torch.arange(n)
            src = torch.cat([ei[0], loop])
            dst = torch.cat([ei[1], loop])

            class Layer(torch.nn.Module):
                def __init__(self, fi, fo, heads, concat):
                    super().__init__()
                    self.h, self.fo, self.concat = heads, fo, concat
                    self.lin = torch.nn.Linear(fi, heads * fo, bias=False)
                    self.a_s = torch.nn.Parameter(torch.randn(1, heads, fo) * 0.1)
                    self.a_d = torch.nn.Parameter(torch.randn(1, heads, fo) * 0.1)
                    self.b = torch.nn.Parameter(torch.zeros(heads * fo if concat else fo))

                def forward(self, inp):
                    hf = self.lin(inp)
                    h = hf.view(-1, self.h, self.fo)
                    e = F.leaky_relu((h * self.a_s).sum(-1)[src] + (h * self.a_d).sum(-1)[dst], 0.2)
                    with torch.no_grad():
                        mx = torch.full((n, self.h), -math.inf).scatter_reduce_(
                            0, dst[:, None].expand(-1, self.h), e, "amax")
                    ex = (e - mx[dst]).exp()
                    den = torch.zeros(n, self.h).index_add(0, dst, ex)
                    a = F.dropout(ex / den[dst], 0.6, self.training)
                    msg = (hf[src].view(-1, self.h, self.fo) * a[..., None]).view(-1, self.h * self.fo)
                    o = torch.zeros(n, self.h * self.fo).index_add(0, dst, msg)
                    if not self.concat:
                        o = o.view(n, self.h, self.fo).mean(1)
                    return o + self.b

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.c1 = Layer(x.shape[1], 8, 8, True)
                    self.c2 = Layer(64, C, 1, False)

                def forward(self, h):
                    h = F.dropout(h, 0.6, self.training)
                    h = F.elu(self.c1(h))
                    h = F.dropout(h, 0.6, self.training)
                    return F.log_softmax(self.c2(h), dim=1)

        model = Net()
        opt = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)

        def epoch(_i):
            model.train()
            opt.zero_grad()
            loss = F.nll_loss(model(x)[train], y[train])
            loss.backward()
            opt.step()

        emit({**out, **timed(epoch, args.warmup, args.repeat), "dataset": "cora"})
        return 0

    if args.model == "gin":
        ds = pc.load_tu(torch, pc.DEFAULT_DATA, "MUTAG")
        graphs = ds["graphs"]
        fin, C, H = ds["num_features"], ds["num_classes"], 64
        gen = torch.Generator().manual_seed(0)

        def mlp(i):
            return torch.nn.Sequential(
                torch.nn.Linear(i, H), torch.nn.BatchNorm1d(H), torch.nn.ReLU(),
                torch.nn.Linear(H, H), torch.nn.BatchNorm1d(H), torch.nn.ReLU())

        if pyg:
            from torch_geometric.data import Data
            from torch_geometric.loader import DataLoader
            from torch_geometric.nn import GINConv, global_add_pool

            data = [Data(x=g["x"], edge_index=g["edge_index"], y=torch.tensor([g["y"]])) for g in graphs]
            loader = DataLoader(data, batch_size=32, shuffle=True, generator=gen)

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    dims = [fin] + [H] * 4
                    self.convs = torch.nn.ModuleList([GINConv(mlp(dims[k]), train_eps=False) for k in range(4)])
                    self.heads = torch.nn.ModuleList([torch.nn.Linear(dd, C) for dd in dims])

                def forward(self, b):
                    h = b.x
                    s = F.dropout(self.heads[0](global_add_pool(h, b.batch)), 0.5, self.training)
                    for k, conv in enumerate(self.convs):
                        h = conv(h, b.edge_index)
                        s = s + F.dropout(self.heads[k + 1](global_add_pool(h, b.batch)), 0.5, self.training)
                    return s

            def batches():
                for b in loader:
                    yield b, b.y

        else:

            def batches():
                order = torch.randperm(len(graphs), generator=gen).tolist()
                for i in range(0, len(order), 32):
                    xs, eis, sizes, off, ys = [], [], [], 0, []
                    for gi in order[i:i + 32]:
                        g = graphs[gi]
                        xs.append(g["x"])
                        eis.append(g["edge_index"] + off)
                        sizes.append(g["num_nodes"])
                        off += g["num_nodes"]
                        ys.append(g["y"])
                    bt = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
                    yield (torch.cat(xs), torch.cat(eis, 1), bt, len(sizes)), torch.tensor(ys)

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    dims = [fin] + [H] * 4
                    self.mlps = torch.nn.ModuleList([mlp(dims[k]) for k in range(4)])
                    self.heads = torch.nn.ModuleList([torch.nn.Linear(dd, C) for dd in dims])

                def forward(self, b):
                    x, ei, bt, ng = b

                    def pool(h):
                        return torch.zeros(ng, h.shape[1]).index_add_(0, bt, h)

                    h = x
                    s = F.dropout(self.heads[0](pool(h)), 0.5, self.training)
                    for k, m in enumerate(self.mlps):
                        h = m(h.index_add(0, ei[1], h.index_select(0, ei[0])))
                        s = s + F.dropout(self.heads[k + 1](pool(h)), 0.5, self.training)
                    return s

        model = Net()
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        sched = torch.optim.lr_scheduler.StepLR(opt, 50, 0.5)

        def epoch(_i):
            model.train()
            for b, yb in batches():
                opt.zero_grad()
                F.cross_entropy(model(b), yb).backward()
                opt.step()
            sched.step()

        emit({**out, **timed(epoch, args.warmup, args.repeat), "dataset": "MUTAG", "graphs": len(graphs)})
        return 0

    # schnet
    import numpy as np

    z_all = torch.from_numpy(np.fromfile(os.path.join(args.qm7, "z.u8.bin"), dtype=np.uint8).astype(np.int64))
    pos_all = torch.from_numpy(np.fromfile(os.path.join(args.qm7, "pos.f32.bin"), dtype="<f4").reshape(-1, 3))
    ptr = np.fromfile(os.path.join(args.qm7, "atom_ptr.i32.bin"), dtype="<i4")
    mols = [int(s) for s in args.molecules.split(",")]
    zs, ps, bs = [], [], []
    for k, m in enumerate(mols):
        a, b = int(ptr[m]), int(ptr[m + 1])
        zs.append(z_all[a:b])
        ps.append(pos_all[a:b])
        bs.append(torch.full((b - a,), k, dtype=torch.long))
    z, pos, batch = torch.cat(zs), torch.cat(ps), torch.cat(bs)
    target = torch.randn(len(mols), 1)
    cutoff = 5.0

    def interaction_graph(p, bt):
        # all ordered pairs i != j of one molecule within the cutoff (no neighbour cap)
        same = bt[:, None] == bt[None, :]
        d = torch.cdist(p, p)
        mask = same & (d < cutoff)
        mask.fill_diagonal_(False)
        row, col = mask.nonzero(as_tuple=True)
        return torch.stack([row, col]), (p[row] - p[col]).norm(dim=-1)

    if pyg:
        from torch_geometric.nn.models import SchNet

        model = SchNet(hidden_channels=64, num_filters=64, num_interactions=3, num_gaussians=25, cutoff=cutoff,
                       interaction_graph=interaction_graph)

        def forward():
            return model(z, pos, batch)

    else:
        H, G = 64, 25
        offsets = torch.linspace(0, cutoff, G)
        coeff = -0.5 / float(offsets[1] - offsets[0]) ** 2

        def ssp(t):
            return F.softplus(t) - math.log(2.0)

        class CF(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m1, self.m2 = torch.nn.Linear(G, H), torch.nn.Linear(H, H)
                self.l1, self.l2 = torch.nn.Linear(H, H, bias=False), torch.nn.Linear(H, H)
                self.lin = torch.nn.Linear(H, H)

            def forward(self, h, ei, w, attr):
                C = 0.5 * (torch.cos(w * math.pi / cutoff) + 1.0)
                W = self.m2(ssp(self.m1(attr))) * C[:, None]
                x = self.l1(h)
                agg = torch.zeros_like(x).index_add_(0, ei[1], x[ei[0]] * W)
                return self.lin(ssp(self.l2(agg)))

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = torch.nn.Embedding(100, H)
                self.blocks = torch.nn.ModuleList([CF() for _ in range(3)])
                self.o1, self.o2 = torch.nn.Linear(H, H // 2), torch.nn.Linear(H // 2, 1)

            def forward(self):
                ei, w = interaction_graph(pos, batch)
                attr = torch.exp(coeff * (w[:, None] - offsets[None, :]) ** 2)
                h = self.emb(z)
                for blk in self.blocks:
                    h = h + blk(h, ei, w, attr)
                h = self.o2(ssp(self.o1(h)))
                return torch.zeros(len(mols), 1).index_add_(0, batch, h)

        model = Net()

        def forward():
            return model()

    opt = torch.optim.Adam(model.parameters(), lr=5e-4)

    def step(_i):
        model.train()
        opt.zero_grad()
        F.mse_loss(forward(), target).backward()
        opt.step()

    emit({**out, **timed(step, args.warmup, args.repeat), "molecules": len(mols), "atoms": int(z.numel())})
    return 0


if __name__ == "__main__":
    sys.exit(main())
