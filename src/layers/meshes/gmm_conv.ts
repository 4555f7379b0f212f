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
 * kernel matrix `g` `[F, M·K]` (K-major columns), `mu`, `sigma`, `root`, `bias`; ε = 1e-15. With a
 * mean or sum aggregation and F < M, the layer aggregates w_k(u_ji) x_j and applies the Θ_k on the
 * nodes (the same sum, fewer numbers per edge).
 */
import { glorot } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Parameter } from "../../nn/module.js";
import { uniform, zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, clamp, div, exp, gt, mul, square, sub } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { sum } from "../../tensor/ops/reduce.js";
import { permute } from "../../tensor/ops/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import type { AggrSpec } from "../graphs/aggregation.js";
import {
  type MessageInputs,
  MessagePassing,
  type NodeInput,
  type PropagateContext,
  type PropagateInputs,
  sourceOf,
  tensorInput,
} from "../graphs/message_passing.js";
import { weightedAggregate } from "./weighted_aggregate.js";

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
  /** Whether the current call aggregates w ⊗ x_j and applies Θ afterwards (see `forward`). */
  private _late = false;

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
    const sizes = size ?? [xs.shape[0]!, (xt ?? xs).shape[0]!];
    const M = this.outChannels;
    const K = this.kernelSize;
    let out: Tensor;
    // With a linear aggregation, Σ_k Θ_k (w_k x_j) can be aggregated as w ⊗ x_j (K·F per edge) and Θ
    // applied to the nodes afterwards: fewer numbers per edge than Θ x_j (K·M) when F < M.
    this._late = !this.separateGaussians && (this.aggr === "mean" || this.aggr === "sum") && F < M;
    if (this._late) {
      const agg = this.propagate(edgeIndex, { x: [xs, xt], edgeAttr: pseudo, size: sizes });
      const theta = permute(this.g.reshape([F, K, M]), [1, 0, 2]).reshape([K * F, M]);
      out = matmul(agg, theta);
    } else {
      const src = this.separateGaussians ? xs : matmul(xs, this.g);
      out = this.propagate(edgeIndex, { x: [src, xt], edgeAttr: pseudo, size: sizes });
    }
    if (this.root !== null && xt !== null) out = add(out, this.root.forward(xt));
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  /**
   * The Gaussian weights w_k(u) of every edge, `[E, K]` (`[E, F, M, K]` with separate Gaussians).
   * Weights below e^−60 (9e-27) are set to 0, so that float32 weights and their gradients do not
   * become subnormal numbers, which WebAssembly computes tens of times more slowly (ε and
   * glorot-initialised widths near 0 otherwise give exponents of −10⁶ and beyond).
   */
  gaussians(u: Tensor, F: number): Tensor {
    const E = u.shape[0]!;
    const D = this.dim;
    const K = this.kernelSize;
    const M = this.outChannels;
    const shape = this.separateGaussians ? [1, F, M, K, D] : [1, K, D];
    const ue = u.reshape(this.separateGaussians ? [E, 1, 1, 1, D] : [E, 1, D]);
    const d2 = square(sub(ue, this.mu.reshape(shape)));
    const z = sum(div(mul(d2, -0.5), add(square(this.sigma), EPS).reshape(shape)), -1);
    return mul(exp(clamp(z, -60)), gt(z, -60).cast(z.dtype));
  }

  override message(inputs: MessageInputs): Tensor {
    const xj = inputs.x_j!;
    const E = xj.shape[0]!;
    const K = this.kernelSize;
    const M = this.outChannels;
    if (!this.separateGaussians) {
      if (this._late) {
        const F = xj.shape[1]!;
        const w = this.gaussians(inputs.edgeAttr!, F);
        return mul(w.reshape([E, K, 1]), xj.reshape([E, 1, F])).reshape([E, K * F]);
      }
      const w = this.gaussians(inputs.edgeAttr!, 0);
      return sum(mul(xj.reshape([E, K, M]), w.reshape([E, K, 1])), 1);
    }
    const F = xj.shape[1]!;
    const w = sum(mul(this.gaussians(inputs.edgeAttr!, F), this.g.reshape([1, F, M, K])), -1); // [E, F, M]
    return sum(mul(xj.reshape([E, F, 1]), w), 1);
  }

  protected override supportsFusion(): boolean {
    return this._late;
  }

  /** The late path as K sparse products weighted by the Gaussians (no `[E, K, F]` tensor). */
  override messageAndAggregate(inputs: PropagateInputs, ctx: PropagateContext): Tensor {
    const xs = sourceOf(inputs.x);
    const w = this.gaussians(tensorInput(inputs, "edgeAttr", "GMMConv"), xs.shape[1]!);
    return weightedAggregate(ctx, w, xs, this.aggr === "mean");
  }

  override extraRepr(): string {
    return `${JSON.stringify(this.inChannels)}, ${this.outChannels}, dim=${this.dim}, kernelSize=${this.kernelSize}, separateGaussians=${this.separateGaussians}`;
  }
}
