/**
 * Spectral Chebyshev convolution on the mesh Laplacian (Defferrard, Bresson, Vandergheynst, NeurIPS
 * 2016, on a surface):
 *
 *   X' = Σ_{k=0}^{K−1} T_k(L̂) X Θ_k + b,   T_0 = I, T_1 = L̂, T_k = 2 L̂ T_{k−1} − T_{k−2}
 *
 * with L̂ = 2Δ/λ_max − I the rescaled Laplace–Beltrami operator Δ = M⁻¹L of the cotangent Laplacian
 * and the lumped mass (or its symmetric form M^{−½} L M^{−½}; see `domains/mesh/chebyshev.ts`). Unlike
 * `ChebConv` on the graph Laplacian, the filters follow the surface's metric: a polynomial of degree
 * K − 1 in Δ is K−1 rings wide and approximates the same smooth spectral filter on any
 * discretisation of the surface. L̂ comes precomputed as a SparseMatrix; each step is one sparse product.
 */

import { glorot } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Module, Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, mul, sub } from "../../tensor/ops/elementwise.js";
import { SparseMatrix, spmm } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";

/** Options of {@link MeshChebConv}. */
export interface MeshChebConvOptions {
  /** Bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** Chebyshev spectral convolution with the rescaled mesh Laplacian; see the file header. */
export class MeshChebConv extends Module<[Tensor, SparseMatrix], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Number of Chebyshev terms (filter degree K − 1). */
  readonly K: number;
  /** Θ_0..Θ_{K−1} (no bias each; glorot, as PyG's ChebConv). */
  lins: Linear[];
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, K: number, opts: MeshChebConvOptions = {}) {
    super();
    check(Number.isInteger(K) && K > 0, "MeshChebConv", "K", "a positive integer", String(K));
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.K = K;
    this.lins = Array.from({ length: K }, () => {
      const l = new Linear(inChannels, outChannels, { bias: false, dtype: opts.dtype });
      glorot(l.weight);
      return l;
    });
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels], { dtype: opts.dtype })) : null;
  }

  /**
   * @param x - vertex features `[V, inChannels]`.
   * @param lhat - the rescaled Laplacian L̂ `[V, V]` (`chebyshevLaplacian` as a SparseMatrix).
   */
  forward(x: Tensor, lhat: SparseMatrix): Tensor {
    const op = "MeshChebConv";
    if (x.ndim !== 2 || x.shape[1] !== this.inChannels)
      opError(op, "x", `shape [V, ${this.inChannels}]`, fmtShape(x.shape));
    const V = x.shape[0]!;
    if (!(lhat instanceof SparseMatrix) || lhat.rows !== V || lhat.cols !== V)
      opError(
        op,
        "lhat",
        `a ${V}×${V} SparseMatrix`,
        lhat instanceof SparseMatrix ? fmtShape(lhat.shape) : typeof lhat,
      );
    let t0 = x;
    let out = this.lins[0]!.forward(t0);
    if (this.K > 1) {
      let t1 = spmm(lhat, x);
      out = add(out, this.lins[1]!.forward(t1));
      for (let k = 2; k < this.K; k++) {
        const t2 = sub(mul(spmm(lhat, t1), 2), t0);
        out = add(out, this.lins[k]!.forward(t2));
        t0 = t1;
        t1 = t2;
      }
    }
    return this.bias !== null ? add(out, this.bias) : out;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, K=${this.K}`;
  }
}
