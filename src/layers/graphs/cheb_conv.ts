/**
 * ChebConv (Defferrard et al., "Convolutional Neural Networks on Graphs with Fast Localized Spectral
 * Filtering", 2016):
 *
 *   X' = Σ_{k=0}^{K−1} Z^(k) Θ^(k) + b,   Z^(0) = X,  Z^(1) = L̂ X,  Z^(k) = 2 L̂ Z^(k−1) − Z^(k−2)
 *
 * with the scaled Laplacian L̂ = 2L/λ_max − I and L = I − D^{-1/2} A D^{-1/2} (`sym`, default),
 * L = I − D^{-1} A (`rw`) or L = D − A (`normalization: null`). Each product L̂·Z is a weighted sum
 * over the edges (plus the diagonal), run as one cached sparse-dense product.
 */

import { checkNodeIds } from "../../domains/graph/graph.js";
import { checkDegrees } from "../../domains/graph/normalization.js";
import { edgeRows, makeEdgeIndex, removeSelfLoops } from "../../domains/graph/utils.js";
import type { Linear } from "../../nn/linear.js";
import { graphLinear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { ones, zeros } from "../../tensor/creation.js";
import { check, opError } from "../../tensor/errors.js";
import { add, eq, mul, pow, sub } from "../../tensor/ops/elementwise.js";
import { indexSelect, intTensor } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { concat } from "../../tensor/ops/shape.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { MessagePassing } from "./message_passing.js";

/** Laplacian normalisations of {@link ChebConv}. */
export type ChebNormalization = "sym" | "rw" | null;

/** Options of {@link ChebConv}. */
export interface ChebConvOptions {
  /** `sym` (default), `rw` or null (combinatorial L = D − A). */
  normalization?: ChebNormalization;
  /** Bias (default true). */
  bias?: boolean;
}

/**
 * The scaled Laplacian L̂ = 2L/λ_max − I of a graph as edges plus one diagonal entry per node
 * (self loops of the input are dropped first, as PyG does). Differentiable in `edgeWeight`.
 */
export function scaledLaplacian(
  edgeIndex: Tensor,
  edgeWeight: Tensor | null,
  numNodes: number,
  normalization: ChebNormalization,
  lambdaMax: number,
  dtype: "float32" | "float64",
): { edgeIndex: Tensor; edgeWeight: Tensor } {
  const given = edgeRows("ChebConv", edgeIndex);
  checkNodeIds("ChebConv", "edgeIndex[0] (sources)", given.src, numNodes, "edge");
  checkNodeIds("ChebConv", "edgeIndex[1] (targets)", given.dst, numNodes, "edge");
  const { edgeIndex: ei, edgeAttr: kept } = removeSelfLoops(edgeIndex, edgeWeight);
  const { src, dst, numEdges } = edgeRows("ChebConv", ei);
  const w = kept === null ? ones([numEdges], { dtype }) : kept.cast(dtype);
  const row = intTensor(src);
  const deg = scatter(w, row, 0, numNodes, "sum");
  const safeInv = (d: Tensor, p: number) => {
    const z = eq(d, 0).cast(dtype);
    return mul(pow(add(d, z), p), sub(1, z));
  };
  let off: Tensor;
  let diag: Tensor;
  if (normalization === "sym") {
    checkDegrees("ChebConv", deg.data);
    const dis = safeInv(deg, -0.5);
    off = mul(mul(indexSelect(dis, 0, row), w), indexSelect(dis, 0, intTensor(dst))).neg();
    diag = ones([numNodes], { dtype });
  } else if (normalization === "rw") {
    off = mul(indexSelect(safeInv(deg, -1), 0, row), w).neg();
    diag = ones([numNodes], { dtype });
  } else if (normalization === null) {
    off = w.neg();
    diag = deg;
  } else {
    return opError("ChebConv", "normalization", "'sym', 'rw' or null", String(normalization));
  }
  const scale = 2 / lambdaMax;
  off = mul(off, scale);
  diag = sub(mul(diag, scale), 1);
  const loops = new Int32Array(numNodes);
  for (let i = 0; i < numNodes; i++) loops[i] = i;
  const s = new Int32Array(numEdges + numNodes);
  const t = new Int32Array(numEdges + numNodes);
  s.set(src);
  s.set(loops, numEdges);
  t.set(dst);
  t.set(loops, numEdges);
  return { edgeIndex: makeEdgeIndex(s, t), edgeWeight: concat([off, diag], 0) };
}

/** Chebyshev spectral graph convolution; see the file header. */
export class ChebConv extends MessagePassing<
  [Tensor, Tensor | SparseMatrix, (Tensor | null)?, (number | null)?],
  Tensor
> {
  /** Messages are x_j scaled by the per-edge weight `norm`. */
  protected override edgeWeightKey: string | null = "norm";
  readonly inChannels: number;
  readonly outChannels: number;
  readonly K: number;
  readonly normalization: ChebNormalization;
  /** Θ^(0..K−1) (no bias each). */
  lins: Linear[];
  bias: Parameter | null;
  private _memo: {
    ei: Tensor;
    v: number;
    w: Tensor | null;
    lam: number;
    n: number;
    dtype: string;
    out: { edgeIndex: Tensor; edgeWeight: Tensor };
  } | null = null;

  constructor(inChannels: number, outChannels: number, K: number, opts: ChebConvOptions = {}) {
    super({ aggr: "sum" });
    check(Number.isInteger(K) && K > 0, "ChebConv", "K", "a positive integer", String(K));
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.K = K;
    this.normalization = opts.normalization === undefined ? "sym" : opts.normalization;
    this.lins = [];
    for (let k = 0; k < K; k++) this.lins.push(graphLinear(inChannels, outChannels, { bias: false, init: "glorot" }));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels])) : null;
  }

  /**
   * @param x - node features [N, inChannels].
   * @param edgeIndex - [2, E] int32 (or a SparseMatrix in `adj_t` orientation).
   * @param edgeWeight - optional [E] edge weights.
   * @param lambdaMax - largest eigenvalue of L (default 2; required when `normalization` is null).
   */
  forward(
    x: Tensor,
    edgeIndex: Tensor | SparseMatrix,
    edgeWeight: Tensor | null = null,
    lambdaMax: number | null = null,
  ): Tensor {
    const N = x.shape[0]!;
    const { edgeIndex: ei, edgeWeight: w } = this.edgesOf(edgeIndex, edgeWeight, N);
    if (this.normalization === null && lambdaMax === null) {
      opError("ChebConv", "lambdaMax", "a value when normalization is null (L = D − A)", "null");
    }
    const lam = lambdaMax ?? 2;
    const dtype = x.dtype === "float64" ? "float64" : "float32";
    const m = this._memo;
    let lap: { edgeIndex: Tensor; edgeWeight: Tensor };
    if (
      m !== null &&
      m.ei === ei &&
      m.v === ei.version &&
      m.w === w &&
      m.lam === lam &&
      m.n === N &&
      m.dtype === dtype &&
      !(w?.requiresGrad ?? false)
    ) {
      lap = m.out;
    } else {
      lap = scaledLaplacian(ei, w, N, this.normalization, lam, dtype);
      if (!(w?.requiresGrad ?? false)) this._memo = { ei, v: ei.version, w, lam, n: N, dtype, out: lap };
    }
    const step = (h: Tensor) => this.propagate(lap.edgeIndex, { x: h, norm: lap.edgeWeight, size: [N, N] });
    let t0 = x;
    let out = this.lins[0]!.forward(t0);
    if (this.K > 1) {
      let t1 = step(x);
      out = add(out, this.lins[1]!.forward(t1));
      for (let k = 2; k < this.K; k++) {
        const t2 = sub(mul(step(t1), 2), t0);
        out = add(out, this.lins[k]!.forward(t2));
        t0 = t1;
        t1 = t2;
      }
    }
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  protected override supportsFusion(): boolean {
    return true;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, K=${this.K}, normalization=${this.normalization}`;
  }
}
