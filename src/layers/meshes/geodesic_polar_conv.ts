/**
 * Geodesic polar convolution (Masci, Boscaini, Bronstein, Vandergheynst, "Geodesic convolutional neural
 * networks on Riemannian manifolds", ICCV workshops 2015), with angular max pooling:
 *
 *   x'_{i,q} = max_{s = 0..N_θ−1} Σ_{a=1}^{N_ρ} Σ_{b=1}^{N_θ} Σ_c W_{a, (b+s) mod N_θ, c, q} (D_i x_c)(a, b) + b_q
 *
 * where D_i is the patch operator of vertex i (`N_ρ × N_θ` polar bins with Gaussian weights; see
 * `domains/mesh/polar_patches.ts`), the filter W is applied at every rotation of the angular bins and
 * the maximum over rotations removes the dependence on each vertex's angular origin (exactly for
 * rotations by multiples of 2π / N_θ). The patch operator is one sparse matrix `[V · N_ρ · N_θ, V]`,
 * so a layer is one sparse product, one dense product with the N_θ rotated copies of W, and a max.
 */
import { Module, Parameter } from "../../nn/module.js";
import { uniform, zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { max } from "../../tensor/ops/reduce.js";
import { SparseMatrix, spmm } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of {@link GeodesicPolarConv}. */
export interface GeodesicPolarConvOptions {
  /** Radial bins N_ρ of the patch operator (default 3). */
  nRho?: number;
  /** Angular bins N_θ (default 8). */
  nTheta?: number;
  /** Bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** Geodesic polar convolution with angular max pooling; see the file header. */
export class GeodesicPolarConv extends Module<[Tensor, SparseMatrix], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly nRho: number;
  readonly nTheta: number;
  /** W `[N_ρ, N_θ, inChannels, outChannels]`, drawn from U(±1/√(N_ρ N_θ inChannels)). */
  weight: Parameter;
  bias: Parameter | null;
  private _rotations: Tensor | null = null;

  constructor(inChannels: number, outChannels: number, opts: GeodesicPolarConvOptions = {}) {
    super();
    const op = "GeodesicPolarConv";
    const nRho = opts.nRho ?? 3;
    const nTheta = opts.nTheta ?? 8;
    check(Number.isInteger(inChannels) && inChannels > 0, op, "inChannels", "a positive integer", String(inChannels));
    check(
      Number.isInteger(outChannels) && outChannels > 0,
      op,
      "outChannels",
      "a positive integer",
      String(outChannels),
    );
    check(Number.isInteger(nRho) && nRho > 0, op, "nRho", "a positive integer", String(nRho));
    check(Number.isInteger(nTheta) && nTheta > 0, op, "nTheta", "a positive integer", String(nTheta));
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.nRho = nRho;
    this.nTheta = nTheta;
    const dtype = opts.dtype ?? "float32";
    const bound = 1 / Math.sqrt(nRho * nTheta * inChannels);
    this.weight = new Parameter(uniform([nRho, nTheta, inChannels, outChannels], -bound, bound, { dtype }));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros([outChannels], { dtype })) : null;
  }

  /** Gather index of the rotated filter bank: entry ((a·N_θ + b)·C + c, s·Q + q) = W[a, (b+s) mod N_θ, c, q]. */
  private rotations(): Tensor {
    if (this._rotations !== null) return this._rotations;
    const [R, T, C, Q] = [this.nRho, this.nTheta, this.inChannels, this.outChannels];
    const idx = new Int32Array(R * T * C * T * Q);
    let o = 0;
    for (let a = 0; a < R; a++)
      for (let b = 0; b < T; b++)
        for (let c = 0; c < C; c++)
          for (let s = 0; s < T; s++) for (let q = 0; q < Q; q++) idx[o++] = ((a * T + ((b + s) % T)) * C + c) * Q + q;
    this._rotations = new Tensor(idx, [idx.length], "int32");
    return this._rotations;
  }

  /**
   * @param x - vertex features `[V, inChannels]`.
   * @param patches - the patch operator `[V · nRho · nTheta, V]` (`geodesicPolarPatches` as a SparseMatrix).
   */
  forward(x: Tensor, patches: SparseMatrix): Tensor {
    const op = "GeodesicPolarConv";
    const [R, T, C, Q] = [this.nRho, this.nTheta, this.inChannels, this.outChannels];
    if (x.ndim !== 2 || x.shape[1] !== C) opError(op, "x", `shape [V, ${C}]`, fmtShape(x.shape));
    const V = x.shape[0]!;
    if (!(patches instanceof SparseMatrix) || patches.rows !== V * R * T || patches.cols !== V)
      opError(
        op,
        "patches",
        `a SparseMatrix [${V * R * T}, ${V}] (V · nRho · nTheta rows)`,
        patches instanceof SparseMatrix ? fmtShape(patches.shape) : typeof patches,
      );
    const pooled = spmm(patches, x).reshape([V, R * T * C]); // (D_i x)(a, b, c)
    const bank = indexSelect(this.weight.reshape([R * T * C * Q]), 0, this.rotations()).reshape([R * T * C, T * Q]);
    const out = max(matmul(pooled, bank).reshape([V, T, Q]), 1);
    return this.bias !== null ? add(out, this.bias) : out;
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, nRho=${this.nRho}, nTheta=${this.nTheta}`;
  }
}
