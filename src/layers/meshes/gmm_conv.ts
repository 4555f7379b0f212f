/**
 * GMMConv, MoNet's Gaussian mixture convolution (Monti, Boscaini, Masci, Rodolà, Svoboda, Bronstein,
 * "Geometric deep learning on graphs and manifolds using mixture model CNNs", CVPR 2017):
 *
 *   x'_i = Θ_root x_i + ⊕_{j ∈ N(i)} Σ_{k=1}^{K} w_k(u_ji) Θ_k x_j + b,
 *   w_k(u) = exp(−½ Σ_d (u_d − μ_kd)² / (ε + σ_kd²))
 *
 * with pseudo-coordinates u_ji ∈ ℝ^D on the edges (`edgeAttr`, e.g. local polar coordinates on a mesh;
 * see `domains/mesh/pseudo_coords.ts`), K learned Gaussians (means μ, widths σ) and ⊕ the mean by
 * default. With `separateGaussians`, every (input, output) channel pair has its own K Gaussians:
 * x'_i = Θ_root x_i + ⊕_j Σ_f Σ_k g_{f,m,k} w_{f,m,k}(u_ji) x_{j,f}. PyG's semantics and names: the
 * kernel matrix `g` `[F, M·K]` (K-major columns), `mu`, `sigma`, `root`, `bias`; ε = 1e-15.
 */
import { glorot } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import {
  add,
  check,
  div,
  exp,
  fmtShape,
  matmul,
  mul,
  opError,
  square,
  sub,
  sum,
  Tensor,
  uniform,
  zeros,
} from "../../tensor/index.js";
import type { AggrSpec } from "../graphs/aggregation.js";
import { type MessageInputs, MessagePassing, type NodeInput } from "../graphs/message_passing.js";

const EPS = 1e-15;

/** Options of {@link GMMConv}. */
export interface GMMConvOptions {
  /** Aggregation (default `mean`, as PyG). */
  aggr?: AggrSpec;
  /** One set of K Gaussians per (input, output) channel pair (default false). */
  separateGaussians?: boolean;
  /** Add Θ_root x_i (default true). */
  rootWeight?: boolean;
  /** Bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** PyG's `glorot` on any tensor: U(±√(6 / (size(−2) + size(−1)))). */
function glorotLast(shape: number[], dtype: "float32" | "float64"): Parameter {
  const a = Math.sqrt(6 / (shape[shape.length - 2]! + shape[shape.length - 1]!));
  return new Parameter(uniform(shape, -a, a, { dtype }));
}

/** MoNet's Gaussian mixture convolution; see the file header. */
export class GMMConv extends MessagePassing<[NodeInput, Tensor, Tensor, (readonly [number, number] | null)?], Tensor> {
  readonly inChannels: number | readonly [number, number];
  readonly outChannels: number;
  /** Dimension D of the pseudo-coordinates. */
  readonly dim: number;
  /** Number K of Gaussian kernels. */
  readonly kernelSize: number;
  readonly separateGaussians: boolean;
  /** Θ_k stacked `[F, M·K]` (column k·M + m), or the mixture weights `g_{f,m,k}` with separate Gaussians. */
  g: Parameter;
  /** Means `[K, D]` (`[F, M, K, D]` with separate Gaussians). */
  mu: Parameter;
  /** Widths `[K, D]` (`[F, M, K, D]`). */
  sigma: Parameter;
  /** Θ_root (no bias). */
  root: Linear | null;
  bias: Parameter | null;

  /**
   * @param inChannels - input size, or `[sourceSize, targetSize]` for bipartite graphs.
   * @param outChannels - output size M.
   * @param dim - pseudo-coordinate dimension D.
   * @param kernelSize - number K of Gaussians.
   */
  constructor(
    inChannels: number | readonly [number, number],
    outChannels: number,
    dim: number,
    kernelSize: number,
    opts: GMMConvOptions = {},
  ) {
    super({ aggr: opts.aggr ?? "mean" });
    const op = "GMMConv";
    check(Number.isInteger(dim) && dim > 0, op, "dim", "a positive integer", String(dim));
    check(Number.isInteger(kernelSize) && kernelSize > 0, op, "kernelSize", "a positive integer", String(kernelSize));
    check(
      Number.isInteger(outChannels) && outChannels > 0,
      op,
      "outChannels",
      "a positive integer",
      String(outChannels),
    );
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.dim = dim;
    this.kernelSize = kernelSize;
    this.separateGaussians = opts.separateGaussians ?? false;
    const dtype = opts.dtype ?? "float32";
    const [F, Fi] = typeof inChannels === "number" ? [inChannels, inChannels] : inChannels;
    const M = outChannels;
    const K = kernelSize;
    this.g = glorotLast([F, M * K], dtype);
    const gShape = this.separateGaussians ? [F, M, K, dim] : [K, dim];
    this.mu = glorotLast(gShape, dtype);
    this.sigma = glorotLast(gShape, dtype);
    if (opts.rootWeight ?? true) {
      this.root = new Linear(Fi, M, { bias: false, dtype });
      glorot(this.root.weight);
    } else this.root = null;
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([M], { dtype })) : null;
  }

  /**
   * @param x - node features `[N, inChannels]`, or a `[source, target]` pair.
   * @param edgeIndex - `[2, E]` int32 (row 0 sources j, row 1 targets i).
   * @param edgeAttr - pseudo-coordinates `[E, dim]` (or `[E]` when dim is 1).
   * @param size - `[numSources, numTargets]` when it cannot be read from `x`.
   */
  forward(x: NodeInput, edgeIndex: Tensor, edgeAttr: Tensor, size: readonly [number, number] | null = null): Tensor {
    const op = "GMMConv";
    const [xs, xt] = Array.isArray(x) ? (x as readonly [Tensor | null, Tensor | null]) : [x as Tensor, x as Tensor];
    check(xs !== null, op, "x", "source features", "null");
    const F = typeof this.inChannels === "number" ? this.inChannels : this.inChannels[0];
    if (xs.ndim !== 2 || xs.shape[1] !== F) opError(op, "x", `shape [N, ${F}]`, fmtShape(xs.shape));
    if (!(edgeAttr instanceof Tensor)) opError(op, "edgeAttr", "pseudo-coordinates [E, dim]", String(edgeAttr));
    const E = edgeIndex.shape[1]!;
    const ea = edgeAttr.ndim === 1 ? edgeAttr.reshape([E, 1]) : edgeAttr;
    if (ea.ndim !== 2 || ea.shape[0] !== E || ea.shape[1] !== this.dim)
      opError(op, "edgeAttr", `shape [${E}, ${this.dim}] (one row per edge)`, fmtShape(edgeAttr.shape));
    const pseudo = ea.dtype === xs.dtype ? ea : ea.cast(xs.dtype);
    const src = this.separateGaussians ? xs : matmul(xs, this.g);
    let out = this.propagate(edgeIndex, {
      x: [src, xt],
      edgeAttr: pseudo,
      size: size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!],
    });
    if (this.root !== null && xt !== null) out = add(out, this.root.forward(xt));
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  override message(inputs: MessageInputs): Tensor {
    const xj = inputs.x_j!;
    const u = inputs.edgeAttr!;
    const E = u.shape[0]!;
    const D = this.dim;
    const K = this.kernelSize;
    const M = this.outChannels;
    if (!this.separateGaussians) {
      const d2 = square(sub(u.reshape([E, 1, D]), this.mu.reshape([1, K, D])));
      const w = exp(sum(div(mul(d2, -0.5), add(square(this.sigma), EPS).reshape([1, K, D])), -1)); // [E, K]
      return sum(mul(xj.reshape([E, K, M]), w.reshape([E, K, 1])), 1);
    }
    const F = xj.shape[1]!;
    const d2 = square(sub(u.reshape([E, 1, 1, 1, D]), this.mu.reshape([1, F, M, K, D])));
    let w = exp(sum(div(mul(d2, -0.5), add(square(this.sigma), EPS).reshape([1, F, M, K, D])), -1)); // [E, F, M, K]
    w = sum(mul(w, this.g.reshape([1, F, M, K])), -1); // [E, F, M]
    return sum(mul(xj.reshape([E, F, 1]), w), 1);
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, dim=${this.dim}, kernelSize=${this.kernelSize}, separateGaussians=${this.separateGaussians}`;
  }
}
