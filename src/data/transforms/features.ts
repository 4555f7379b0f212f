/** Node-feature transforms: row normalisation and one-hot degrees. */
import type { Graph } from "../../domains/graph/graph.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { SparseMatrix } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import { BaseTransform } from "./base.js";

/**
 * Row-normalises node features so each row sums to 1 (PyG's `NormalizeFeatures`): dense attributes are
 * first shifted by their global minimum, then divided by their row sum clamped to at least 1.
 * Sparse features (`xSparse`, when "x" is listed) are divided by their row sums (clamped the same way).
 */
export class NormalizeFeatures extends BaseTransform {
  constructor(readonly attrs: readonly string[] = ["x"]) {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    for (const key of this.attrs) {
      const t = g.get(key);
      if (t !== null && t.size > 0) {
        if (t.dtype !== "float32" && t.dtype !== "float64")
          opError("NormalizeFeatures", key, "float features", t.dtype);
        const F = t.ndim === 0 ? 1 : t.shape[t.ndim - 1]!;
        const src = t.data;
        let mn = Infinity;
        for (let i = 0; i < src.length; i++) if (src[i]! < mn) mn = src[i]!;
        const out = src.slice() as Float32Array | Float64Array;
        for (let r = 0; r < out.length / F; r++) {
          let s = 0;
          for (let f = 0; f < F; f++) s += out[r * F + f] = src[r * F + f]! - mn;
          const inv = 1 / Math.max(s, 1);
          for (let f = 0; f < F; f++) out[r * F + f]! *= inv;
        }
        g.set(key, new Tensor(out, t.shape, t.dtype));
      }
      if (key === "x" && g.xSparse !== null) {
        const A = g.xSparse;
        const vals = A.valuesOrOnes();
        const out = new (vals.dtype === "float64" ? Float64Array : Float32Array)(vals.size);
        const rp = A.rowPtr;
        for (let r = 0; r < A.shape[0]; r++) {
          let s = 0;
          for (let p = rp[r]!; p < rp[r + 1]!; p++) s += vals.data[p]!;
          const inv = 1 / Math.max(s, 1);
          for (let p = rp[r]!; p < rp[r + 1]!; p++) out[p] = vals.data[p]! * inv;
        }
        g.xSparse = SparseMatrix.fromCsr(rp, A.col, {
          values: new Tensor(out, [out.length], vals.dtype),
          shape: [A.shape[0], A.shape[1]],
        });
      }
    }
    return g;
  }

  override toString(): string {
    return "NormalizeFeatures()";
  }
}

/**
 * Appends the node degree as one scalar feature to `x` (Errica et al.'s `use_node_degree` input of
 * the social TU sets): out-degree (from `edgeIndex[0]`) by default, in-degree with `inDegree`.
 * Without `x` (or with `cat: false`) the degrees `[N, 1]` become `x`.
 */
export class NodeDegree extends BaseTransform {
  constructor(readonly opts: { inDegree?: boolean; cat?: boolean } = {}) {
    super();
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const E = g.numEdges;
    const row = this.opts.inDegree ? 1 : 0;
    const ed = g.edgeIndex.data;
    const deg = new Float32Array(N);
    for (let e = 0; e < E; e++) deg[ed[row * E + e]!]!++;
    const x = g.x;
    if (x === null || this.opts.cat === false) {
      g.x = new Tensor(deg, [N, 1], "float32");
      return g;
    }
    if (x.ndim > 2 || x.shape[0] !== N)
      opError("NodeDegree", "x", `[${N}] or [${N}, F] node features`, fmtShape(x.shape));
    const F = x.ndim === 1 ? 1 : x.shape[1]!;
    const out = new (x.dtype === "float64" ? Float64Array : Float32Array)(N * (F + 1));
    for (let i = 0; i < N; i++) {
      for (let f = 0; f < F; f++) out[i * (F + 1) + f] = x.data[i * F + f]!;
      out[i * (F + 1) + F] = deg[i]!;
    }
    g.x = new Tensor(out, [N, F + 1], x.dtype === "float64" ? "float64" : "float32");
    return g;
  }

  override toString(): string {
    return `NodeDegree(${this.opts.inDegree ? "in" : "out"})`;
  }
}

/**
 * Appends one-hot node degrees to `x` (PyG's `OneHotDegree`): out-degree (from `edgeIndex[0]`) by
 * default, in-degree with `inDegree`. Degrees above `maxDegree` throw. Without `x` (or with
 * `cat: false`) the one-hot matrix `[N, maxDegree + 1]` becomes `x`.
 */
export class OneHotDegree extends BaseTransform {
  constructor(
    readonly maxDegree: number,
    readonly opts: { inDegree?: boolean; cat?: boolean } = {},
  ) {
    super();
    if (!Number.isInteger(maxDegree) || maxDegree < 0)
      opError("OneHotDegree", "maxDegree", "a non-negative integer", String(maxDegree));
  }

  forward(graph: Graph): Graph {
    const g = graph.clone();
    const N = g.numNodes;
    const E = g.numEdges;
    const row = this.opts.inDegree ? 1 : 0;
    const ed = g.edgeIndex.data;
    const deg = new Int32Array(N);
    for (let e = 0; e < E; e++) deg[ed[row * E + e]!]!++;
    const D = this.maxDegree + 1;
    const oh = new Float32Array(N * D);
    for (let i = 0; i < N; i++) {
      if (deg[i]! > this.maxDegree)
        opError(
          "OneHotDegree",
          "maxDegree",
          `at least the largest degree (node ${i} has degree ${deg[i]})`,
          String(this.maxDegree),
        );
      oh[i * D + deg[i]!] = 1;
    }
    const x = g.x;
    if (x === null || this.opts.cat === false) {
      g.x = new Tensor(oh, [N, D], "float32");
      return g;
    }
    if (x.ndim > 2 || x.shape[0] !== N)
      opError("OneHotDegree", "x", `[${N}] or [${N}, F] node features`, fmtShape(x.shape));
    const F = x.ndim === 1 ? 1 : x.shape[1]!;
    const out = new (x.dtype === "float64" ? Float64Array : Float32Array)(N * (F + D));
    for (let i = 0; i < N; i++) {
      for (let f = 0; f < F; f++) out[i * (F + D) + f] = x.data[i * F + f]!;
      for (let k = 0; k < D; k++) out[i * (F + D) + F + k] = oh[i * D + k]!;
    }
    g.x = new Tensor(out, [N, F + D], x.dtype === "float64" ? "float64" : "float32");
    return g;
  }

  override toString(): string {
    return `OneHotDegree(${this.maxDegree})`;
  }
}
