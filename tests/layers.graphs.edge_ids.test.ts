/** Every graph layer that validates edge ids names the caller's edge position and value. */
import { describe, expect, it } from "vitest";
import { CFConv, EGCL, NequIPInteraction } from "../src/layers/groups/models/index.js";
import {
  APPNP,
  ChebConv,
  EdgeConv,
  GATConv,
  GATv2Conv,
  GatedGraphConv,
  GCN2Conv,
  GCNConv,
  GINConv,
  GINEConv,
  GraphConv,
  Identity,
  Linear,
  type Module,
  manualSeed,
  NNConv,
  PNAConv,
  ResGatedGraphConv,
  randn,
  SAGEConv,
  SGConv,
  type Tensor,
  TransformerConv,
  tensor,
} from "./helpers/graphs.js";

// biome-ignore lint/suspicious/noExplicitAny: forward signatures differ per layer
type AnyMod = any;

const layers: { name: string; make(): Module; run(m: AnyMod, x: Tensor, ei: Tensor): unknown }[] = [
  { name: "GCNConv", make: () => new GCNConv(3, 2), run: (m, x, ei) => m.forward(x, ei) },
  { name: "SAGEConv", make: () => new SAGEConv(3, 2), run: (m, x, ei) => m.forward(x, ei) },
  { name: "GINConv", make: () => new GINConv(new Identity()), run: (m, x, ei) => m.forward(x, ei) },
  {
    name: "GINEConv",
    make: () => new GINEConv(new Identity()),
    run: (m, x, ei) => m.forward(x, ei, randn([ei.shape[1]!, 3])),
  },
  { name: "GraphConv", make: () => new GraphConv(3, 2), run: (m, x, ei) => m.forward(x, ei) },
  { name: "SGConv", make: () => new SGConv(3, 2, { K: 2 }), run: (m, x, ei) => m.forward(x, ei) },
  { name: "APPNP", make: () => new APPNP(2, 0.1), run: (m, x, ei) => m.forward(x, ei) },
  { name: "ChebConv", make: () => new ChebConv(3, 2, 2), run: (m, x, ei) => m.forward(x, ei) },
  { name: "GATConv", make: () => new GATConv(3, 2, { heads: 2 }), run: (m, x, ei) => m.forward(x, ei) },
  {
    name: "GATConv (no loops)",
    make: () => new GATConv(3, 2, { addSelfLoops: false }),
    run: (m, x, ei) => m.forward(x, ei),
  },
  { name: "GATv2Conv", make: () => new GATv2Conv(3, 2, { heads: 2 }), run: (m, x, ei) => m.forward(x, ei) },
  { name: "TransformerConv", make: () => new TransformerConv(3, 2), run: (m, x, ei) => m.forward(x, ei) },
  { name: "GatedGraphConv", make: () => new GatedGraphConv(3, 1), run: (m, x, ei) => m.forward(x, ei) },
  { name: "GCN2Conv", make: () => new GCN2Conv(3, 0.1), run: (m, x, ei) => m.forward(x, x, ei) },
  {
    name: "NNConv",
    make: () => new NNConv(3, 2, new Linear(1, 6)),
    run: (m, x, ei) => m.forward(x, ei, randn([ei.shape[1]!, 1])),
  },
  { name: "ResGatedGraphConv", make: () => new ResGatedGraphConv(3, 2), run: (m, x, ei) => m.forward(x, ei) },
  { name: "EdgeConv", make: () => new EdgeConv(new Linear(6, 2)), run: (m, x, ei) => m.forward(x, ei) },
  {
    name: "PNAConv",
    make: () => new PNAConv(3, 2, ["sum", "mean"], ["identity"], tensor([0, 2, 1])),
    run: (m, x, ei) => m.forward(x, ei),
  },
];

/** A ring on n nodes (both directions, sorted by source) with node id `bad` at `edge` of `row`. */
function ringWithBadId(n: number, edge: number, row: 0 | 1, bad: number): Tensor {
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    src.push(i, i);
    dst.push((i + 1) % n, (i + n - 1) % n);
  }
  (row === 0 ? src : dst)[edge] = bad;
  return tensor([src, dst], { dtype: "int32" });
}

describe("edge id errors name the caller's edge position", () => {
  it.each(layers)("$name", ({ name: label, make, run }) => {
    const name = label.split(" ")[0];
    manualSeed(0);
    const m = make();
    for (const [n, edge] of [
      [5, 1],
      [5000, 100],
    ] as const) {
      const x = randn([n, 3]);
      for (const row of [0, 1] as const) {
        for (const bad of [n + 4, -1]) {
          const ei = ringWithBadId(n, edge, row, bad);
          const which = row === 0 ? "edgeIndex\\[0\\] \\(sources\\)" : "edgeIndex\\[1\\] \\(targets\\)";
          expect(() => run(m, x, ei)).toThrow(
            new RegExp(`^${name}: argument '${which}' expected node ids in \\[0, ${n}\\).*got ${bad} at edge ${edge}$`),
          );
        }
      }
    }
  });
});

/** The atomistic layers check their edge index with the graph domain's checker. */
const atomistic: { name: string; run(x: Tensor, ei: Tensor): unknown }[] = [
  {
    name: "EGCL",
    run: (x, ei) => new EGCL(3, { hiddenChannels: 4 }).forward(x, randn([x.shape[0]!, 3]), ei),
  },
  {
    name: "CFConv",
    run: (x, ei) => new CFConv(3, 2, 4, 5, 5).forward(x, ei, randn([ei.shape[1]!]).abs(), randn([ei.shape[1]!, 5])),
  },
  {
    name: "NequIPInteraction",
    run: (x, ei) =>
      new NequIPInteraction("3x0e", "3x0e", "0e", 4).forward(x, ei, randn([ei.shape[1]!, 1]), randn([ei.shape[1]!, 4])),
  },
];

describe("atomistic layers name the caller's edge position", () => {
  it.each(atomistic)("$name", ({ name, run }) => {
    manualSeed(0);
    for (const [n, edge] of [
      [5, 1],
      [500, 100],
    ] as const) {
      const x = randn([n, 3]);
      for (const row of [0, 1] as const) {
        const end = row === 0 ? "source \\(row 0\\)" : "target \\(row 1\\)";
        expect(() => run(x, ringWithBadId(n, edge, row, n + 4))).toThrow(
          new RegExp(
            `^${name}: argument 'edgeIndex' expected node ids in \\[0, ${n}\\).*got ${n + 4} as the ${end} of edge ${edge}$`,
          ),
        );
      }
    }
  });
});
