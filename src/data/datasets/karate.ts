/** Zachary's karate club (Zachary 1977), built in: 34 members, 78 friendships. */
import { Graph } from "../../domains/graph/graph.js";
import { opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";

/** The 78 undirected friendships (0-based member ids, `u < v`), as in networkx's `karate_club_graph`. */
const KARATE_EDGES: readonly (readonly [number, readonly number[]])[] = [
  [0, [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 17, 19, 21, 31]],
  [1, [2, 3, 7, 13, 17, 19, 21, 30]],
  [2, [3, 7, 8, 9, 13, 27, 28, 32]],
  [3, [7, 12, 13]],
  [4, [6, 10]],
  [5, [6, 10, 16]],
  [6, [16]],
  [8, [30, 32, 33]],
  [9, [33]],
  [13, [33]],
  [14, [32, 33]],
  [15, [32, 33]],
  [18, [32, 33]],
  [19, [33]],
  [20, [32, 33]],
  [22, [32, 33]],
  [23, [25, 27, 29, 32, 33]],
  [24, [25, 27, 31]],
  [25, [31]],
  [26, [29, 33]],
  [27, [33]],
  [28, [31, 33]],
  [29, [32, 33]],
  [30, [32, 33]],
  [31, [32, 33]],
  [32, [33]],
];

/** The four communities PyG's `KarateClub` uses (modularity-based clustering, as in Kipf & Welling 2017). */
const PYG_COMMUNITIES = [
  1, 1, 1, 1, 3, 3, 3, 1, 0, 1, 3, 1, 1, 1, 0, 0, 3, 1, 0, 1, 0, 1, 0, 0, 2, 2, 0, 0, 2, 0, 0, 2, 0, 0,
];

/** Members who followed the instructor ("Mr. Hi", label 0) after the split; the rest followed the officer (label 1). */
const MR_HI = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];

/**
 * Zachary's karate club: 34 nodes, 156 directed edges (78 friendships in both directions, sorted by
 * source then target), identity features `x = I₃₄` and labels `y`.
 *
 * `labels: 'communities'` (default) gives PyG's `KarateClub` labelling: 4 classes from modularity-based
 * clustering, with `trainMask` holding the first member of each class (nodes 0, 4, 8, 24).
 * `labels: 'faction'` gives the classic 2-way split after the club broke up (networkx's `club`
 * attribute: 0 = Mr. Hi, 1 = Officer), with `trainMask` on the two leaders (nodes 0 and 33).
 */
export function karateClub(opts: { labels?: "communities" | "faction" } = {}): Graph {
  const labels = opts.labels ?? "communities";
  if (labels !== "communities" && labels !== "faction")
    opError("karateClub", "labels", "'communities' or 'faction'", String(labels));
  const N = 34;
  const pairs: [number, number][] = [];
  for (const [u, vs] of KARATE_EDGES) {
    for (const v of vs) {
      pairs.push([u, v], [v, u]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const E = pairs.length;
  const ei = new Int32Array(2 * E);
  pairs.forEach(([u, v], e) => {
    ei[e] = u;
    ei[E + e] = v;
  });
  const x = new Float32Array(N * N);
  for (let i = 0; i < N; i++) x[i * N + i] = 1;
  const y = new Int32Array(N);
  const train = new Uint8Array(N);
  if (labels === "communities") {
    y.set(PYG_COMMUNITIES);
    const seen = new Set<number>();
    for (let i = 0; i < N; i++) {
      if (!seen.has(y[i]!)) {
        seen.add(y[i]!);
        train[i] = 1;
      }
    }
  } else {
    y.fill(1);
    for (const i of MR_HI) y[i] = 0;
    train[0] = 1;
    train[33] = 1;
  }
  return new Graph({
    x: new Tensor(x, [N, N], "float32"),
    edgeIndex: new Tensor(ei, [2, E], "int32"),
    y: new Tensor(y, [N], "int32"),
    trainMask: new Tensor(train, [N], "bool"),
  });
}
