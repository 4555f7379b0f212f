/**
 * The equivariance checker on graph layers. Relabelling the nodes of a graph (a permutation σ in the
 * symmetric group S_N) must permute the rows of a node-level layer's output the same way, and must
 * leave a graph-level readout unchanged. The checker draws permutations, applies them to the input
 * graph (features permuted, edge index relabelled) and compares f(σ·G) with σ·f(G).
 *
 * It is run on GCNConv, GATConv and a GraphSAGE model (equivariant), on a GIN graph classifier
 * (invariant), and on a layer that adds a learned embedding per node id — a common mistake that
 * breaks the symmetry. The per-layer mode then points at the stage where equivariance is lost.
 *
 * Run: `npm run build && node dist/examples/graph_equivariance.js`.
 */
import {
  checkEquivariance,
  checkEquivarianceLayers,
  formatReport,
  GATConv,
  GCNConv,
  GINGraphClassifier,
  GraphSAGE,
  graphPermutationAction,
  karateClub,
  manualSeed,
  nodePermutationAction,
  randn,
  relu,
  Sn,
  type Tensor,
} from "../src/index.js";
import { type ExampleOptions, logger, runIfMain } from "./common.js";

/** A graph as the checker's actions see it: node features and an edge index. */
interface GraphInput {
  x: Tensor;
  edgeIndex: Tensor;
}

/** One row of the summary. */
export interface CheckRow {
  name: string;
  kind: "equivariant" | "invariant";
  samples: number;
  maxRelError: number;
  pass: boolean;
}

/** What {@link main} returns. */
export interface GraphEquivarianceSummary {
  nodes: number;
  edges: number;
  checks: CheckRow[];
  /** Per-layer check of a pipeline with one broken stage: the error after each stage. */
  layerwise: { name: string; maxRelError: number; pass: boolean }[];
  /** Name of the first stage that fails (null when all pass). */
  firstFailingLayer: string | null;
}

/** Runs the checks on Zachary's karate club with random 8-dimensional float64 node features. */
export function main(opts: ExampleOptions = {}): GraphEquivarianceSummary {
  const log = logger(opts);
  manualSeed(0);
  const club = karateClub();
  const N = club.numNodes;
  const input: GraphInput = { x: randn([N, 8], { dtype: "float64" }), edgeIndex: club.edgeIndex };
  const group = Sn(N); // 34! elements: the checker samples permutations
  const samples = opts.small ? 4 : 16;
  const common = {
    group,
    inputAction: graphPermutationAction<GraphInput>(),
    inputs: [input],
    samples,
    atol: 1e-9,
    rtol: 1e-9,
  };

  const gcn = new GCNConv(8, 16).double();
  const gat = new GATConv(8, 4, { heads: 2 }).double();
  const sage = new GraphSAGE(8, 16, 2, 4).double();
  const gin = new GINGraphClassifier(8, 16, 3).double().eval();
  // a node-id embedding: row i is added to node i, whatever the node's neighbourhood — not equivariant
  const nodeEmbedding = randn([N, 16], { dtype: "float64" });

  const equivariant: [string, (g: GraphInput) => Tensor][] = [
    ["GCNConv", (g) => gcn.forward(g.x, g.edgeIndex)],
    ["GATConv (2 heads)", (g) => gat.forward(g.x, g.edgeIndex) as Tensor],
    ["GraphSAGE (2 layers)", (g) => sage.forward(g.x, g.edgeIndex)],
    ["GCNConv + node-id embedding", (g) => gcn.forward(g.x, g.edgeIndex).add(nodeEmbedding)],
  ];
  const checks: CheckRow[] = [];
  for (const [name, fn] of equivariant) {
    const r = checkEquivariance(fn, { ...common, outputAction: nodePermutationAction() });
    checks.push({ name, kind: "equivariant", samples: r.samples.length, maxRelError: r.maxRelError, pass: r.pass });
    log(`${name}: ${formatReport(r).split("\n")[0]}`);
  }
  // a readout: leave out outputAction to check invariance
  const readout = checkEquivariance((g: GraphInput) => gin.forward(g.x, g.edgeIndex), common);
  checks.push({
    name: "GINGraphClassifier (sum readout)",
    kind: "invariant",
    samples: readout.samples.length,
    maxRelError: readout.maxRelError,
    pass: readout.pass,
  });
  log(`GINGraphClassifier: ${formatReport(readout).split("\n")[0]}`);

  // per-layer mode: which stage of conv -> relu -> embedding -> conv breaks the symmetry?
  const gcn2 = new GCNConv(16, 4).double();
  const graphAction = graphPermutationAction<GraphInput>();
  const stage = (name: string, f: (x: Tensor, ei: Tensor) => Tensor) => ({
    name,
    fn: (g: unknown) => ({
      x: f((g as GraphInput).x, (g as GraphInput).edgeIndex),
      edgeIndex: (g as GraphInput).edgeIndex,
    }),
    outputAction: graphAction as (s: Int32Array, g: unknown) => unknown,
  });
  const layered = checkEquivarianceLayers(
    [
      stage("conv1", (x, ei) => gcn.forward(x, ei)),
      stage("relu", (x) => relu(x)),
      stage("node-id embedding", (x) => x.add(nodeEmbedding)),
      stage("conv2", (x, ei) => gcn2.forward(x, ei)),
    ],
    { group, inputAction: graphAction, inputs: [input], samples, atol: 1e-9, rtol: 1e-9 },
  );
  const firstFailing = layered.layers.find((l) => !l.pass)?.name ?? null;
  for (const l of layered.layers)
    log(`  stage ${l.name.padEnd(18)} max rel error ${l.maxRelError.toExponential(2)} ${l.pass ? "ok" : "FAIL"}`);
  log(`first failing stage: ${firstFailing}`);

  return { nodes: N, edges: club.numEdges, checks, layerwise: layered.layers, firstFailingLayer: firstFailing };
}

runIfMain(import.meta.url, main);
