/** Random node-level train/validation/test masks. */
import type { Graph } from "../../domains/graph/graph.js";
import { opError } from "../../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import { BaseTransform } from "./base.js";

/** Options of {@link RandomNodeSplit}. */
export interface RandomNodeSplitOptions {
  /**
   * `'train_rest'` (default): `numVal` and `numTest` random nodes, the rest for training.
   * `'test_rest'`: `numTrainPerClass` per class, `numVal` random others, the rest for testing.
   * `'random'`: `numTrainPerClass` per class, then `numVal` and `numTest` random others.
   */
  split?: "train_rest" | "test_rest" | "random";
  /** Independent splits; more than one gives masks of shape `[N, numSplits]` (default 1). */
  numSplits?: number;
  numTrainPerClass?: number;
  /** Count, or fraction of the nodes when below 1 (default 500). */
  numVal?: number;
  /** Count, or fraction of the nodes when below 1 (default 1000). */
  numTest?: number;
  /** Attribute with the class ids (default `'y'`; negative ids are unlabelled). */
  key?: string;
  generator?: Generator;
}

/** Seeded random node split into `trainMask`, `valMask`, `testMask` (PyG's `RandomNodeSplit`). */
export class RandomNodeSplit extends BaseTransform {
  constructor(readonly opts: RandomNodeSplitOptions = {}) {
    super();
  }

  forward(graph: Graph): Graph {
    const op = "RandomNodeSplit";
    const g = graph.clone();
    const N = g.numNodes;
    const split = this.opts.split ?? "train_rest";
    const S = this.opts.numSplits ?? 1;
    if (!Number.isInteger(S) || S < 1) opError(op, "numSplits", "a positive integer", String(S));
    const count = (v: number, name: string) => {
      if (!(v >= 0)) opError(op, name, "a non-negative count or a fraction in [0, 1)", String(v));
      return v < 1 ? Math.round(N * v) : Math.floor(v);
    };
    const numVal = count(this.opts.numVal ?? 500, "numVal");
    const numTest = count(this.opts.numTest ?? 1000, "numTest");
    const perClass = this.opts.numTrainPerClass ?? 20;
    const gen = this.opts.generator ?? getDefaultGenerator();
    const masks = [new Uint8Array(N * S), new Uint8Array(N * S), new Uint8Array(N * S)];
    const set = (m: number, node: number, s: number) => {
      masks[m]![node * S + s] = 1;
    };
    for (let s = 0; s < S; s++) {
      if (split === "train_rest") {
        if (numVal + numTest > N) opError(op, "numVal + numTest", `at most numNodes (${N})`, String(numVal + numTest));
        const perm = gen.permutation(N);
        for (let i = 0; i < N; i++) set(i < numVal ? 1 : i < numVal + numTest ? 2 : 0, perm[i]!, s);
        continue;
      }
      if (split !== "test_rest" && split !== "random")
        opError(op, "split", "'train_rest', 'test_rest' or 'random'", String(split));
      const y = g.get(this.opts.key ?? "y");
      if (y === null || y.ndim !== 1 || y.shape[0] !== N)
        opError(
          op,
          this.opts.key ?? "y",
          `node class ids [${N}]`,
          y === null ? "none" : `shape [${y.shape.join(", ")}]`,
        );
      const byClass = new Map<number, number[]>();
      for (let i = 0; i < N; i++) {
        const c = y.data[i]!;
        if (c < 0) continue;
        let l = byClass.get(c);
        if (l === undefined) byClass.set(c, (l = []));
        l.push(i);
      }
      const isTrain = new Uint8Array(N);
      for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
        const idx = byClass.get(c)!;
        const perm = gen.permutation(idx.length);
        for (let j = 0; j < Math.min(perClass, idx.length); j++) {
          isTrain[idx[perm[j]!]!] = 1;
          set(0, idx[perm[j]!]!, s);
        }
      }
      const rest: number[] = [];
      for (let i = 0; i < N; i++) if (!isTrain[i]) rest.push(i);
      const perm = gen.permutation(rest.length);
      for (let j = 0; j < rest.length; j++) {
        const node = rest[perm[j]!]!;
        if (j < numVal) set(1, node, s);
        else if (split === "test_rest" || j < numVal + numTest) set(2, node, s);
      }
    }
    const shape = S === 1 ? [N] : [N, S];
    g.trainMask = new Tensor(masks[0]!, shape, "bool");
    g.valMask = new Tensor(masks[1]!, shape, "bool");
    g.testMask = new Tensor(masks[2]!, shape, "bool");
    return g;
  }

  override toString(): string {
    return `RandomNodeSplit(${this.opts.split ?? "train_rest"})`;
  }
}
