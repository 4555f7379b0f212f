/**
 * RegularNonlinearity (de Haan et al., "Gauge Equivariant Mesh CNNs", ICLR 2021, §4): a pointwise
 * nonlinearity for band-limited SO(2) features. Each copy of ρ_0 ⊕ ρ_1 ⊕ … ⊕ ρ_M holds the Fourier
 * coefficients of a function on the circle,
 *
 *   f(φ) = a_0 + Σ_{k=1}^{M} a_k cos kφ + b_k sin kφ,
 *
 * which is sampled at N ≥ 2M + 1 angles φ_n = 2πn/N, passed through σ pointwise, and projected back:
 *
 *   a_0' = (1/N) Σ_n σ(f(φ_n)),   a_k' = (2/N) Σ_n σ(f(φ_n)) cos kφ_n,   b_k' = (2/N) Σ_n σ(f(φ_n)) sin kφ_n.
 *
 * A gauge rotation by g shifts f (f(φ) ↦ f(φ − g)); for g a multiple of 2π/N the samples are permuted
 * cyclically, σ commutes with that, and the layer is exactly equivariant. For other angles σ creates
 * frequencies above M that alias back, so the error is not zero; it falls roughly as 1/N² (measured with
 * `ERLANGEN_REPORT=1 npx vitest run tests/mesh.gauge.layers.test.ts`: ReLU, M = 2, 3 copies, random inputs
 * and an independent random rotation per vertex, max relative error 36 % at N = 5, 11 % at N = 7, 3.7 % at
 * N = 11, 1.8 % at N = 15, 0.9 % at N = 21, 0.4 % at N = 31). The default N = 8M + 1 (17 for M = 2) costs
 * little: the samples are one [V·C, 2M+1] × [2M+1, N] product each way.
 */
import { Module } from "../../nn/module.js";
import { type SO2Irreps, so2Irreps } from "../../symmetry/so2_irreps.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { relu } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of {@link RegularNonlinearity}. */
export interface RegularNonlinearityOptions {
  /** Number of samples N on the circle (default 8M + 1 with M the band limit; at least 2M + 1). */
  samples?: number;
  /** The pointwise nonlinearity σ (default ReLU): a function of tensors or an activation module. */
  activation?: ((x: Tensor) => Tensor) | Module<[Tensor], Tensor>;
}

/** Band-limited features → N samples on the circle → σ → back; see the file header. */
export class RegularNonlinearity extends Module<[Tensor], Tensor> {
  readonly irreps: SO2Irreps;
  readonly multiplicity: number;
  readonly maxOrder: number;
  readonly samples: number;
  readonly #act: (x: Tensor) => Tensor;
  readonly #gatherIdx: Tensor;
  readonly #scatterIdx: Tensor;
  readonly #toSamples: Float64Array;
  readonly #fromSamples: Float64Array;
  #cache: { dtype: string; to: Tensor; from: Tensor } | null = null;

  /** @param irreps - a band-limited type `C x (ρ_0 ⊕ … ⊕ ρ_M)`, i.e. `SO2Irreps.bandLimited(C, M)` (`"Cx0+Cx1+…+CxM"`). */
  constructor(irreps: SO2Irreps | string, opts: RegularNonlinearityOptions = {}) {
    super();
    this.irreps = so2Irreps(irreps);
    const shape = this.irreps.bandLimitedShape();
    if (shape === null)
      opError(
        "RegularNonlinearity",
        "irreps",
        "a band-limited type 'Cx0+Cx1+…+CxM' (equal multiplicities, orders 0..M in order)",
        `'${this.irreps}'`,
      );
    const { mul: C, maxOrder: M } = shape;
    this.multiplicity = C;
    this.maxOrder = M;
    const N = opts.samples ?? Math.max(1, 8 * M + 1);
    if (!Number.isInteger(N) || N < 2 * M + 1)
      opError("RegularNonlinearity", "samples", `an integer ≥ 2M + 1 = ${2 * M + 1}`, String(N));
    this.samples = N;
    const a = opts.activation ?? relu;
    this.#act = typeof a === "function" ? a : (x: Tensor) => a.forward(x);
    // channel order: copy c's coefficients (a_0, a_1, b_1, …, a_M, b_M) contiguous
    const K = 2 * M + 1;
    const gather = new Int32Array(C * K);
    let offset = 0;
    for (let k = 0; k <= M; k++) {
      for (let c = 0; c < C; c++) {
        if (k === 0) gather[c * K] = offset + c;
        else {
          gather[c * K + 2 * k - 1] = offset + 2 * c;
          gather[c * K + 2 * k] = offset + 2 * c + 1;
        }
      }
      offset += C * (k === 0 ? 1 : 2);
    }
    const inverse = new Int32Array(C * K);
    for (let i = 0; i < gather.length; i++) inverse[gather[i]!] = i;
    this.#gatherIdx = new Tensor(gather, [C * K], "int32");
    this.#scatterIdx = new Tensor(inverse, [C * K], "int32");
    // S [K, N]: coefficients → samples; B [N, K]: samples → coefficients
    const S = new Float64Array(K * N);
    const B = new Float64Array(N * K);
    for (let n = 0; n < N; n++) {
      const phi = (2 * Math.PI * n) / N;
      S[n] = 1;
      B[n * K] = 1 / N;
      for (let k = 1; k <= M; k++) {
        S[(2 * k - 1) * N + n] = Math.cos(k * phi);
        S[2 * k * N + n] = Math.sin(k * phi);
        B[n * K + 2 * k - 1] = (2 / N) * Math.cos(k * phi);
        B[n * K + 2 * k] = (2 / N) * Math.sin(k * phi);
      }
    }
    this.#toSamples = S;
    this.#fromSamples = B;
  }

  #matrices(dtype: "float32" | "float64"): { to: Tensor; from: Tensor } {
    if (this.#cache === null || this.#cache.dtype !== dtype) {
      const K = 2 * this.maxOrder + 1;
      const N = this.samples;
      const Arr = dtype === "float64" ? Float64Array : Float32Array;
      this.#cache = {
        dtype,
        to: new Tensor(Arr.from(this.#toSamples), [K, N], dtype),
        from: new Tensor(Arr.from(this.#fromSamples), [N, K], dtype),
      };
    }
    return this.#cache;
  }

  /** @param x - features `[V, irreps.dim]`; returns the same shape and type. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.irreps.dim)
      opError("RegularNonlinearity", "x", `shape [V, ${this.irreps.dim}] for irreps ${this.irreps}`, fmtShape(x.shape));
    const V = x.shape[0]!;
    const K = 2 * this.maxOrder + 1;
    const dtype = x.dtype === "float64" ? "float64" : "float32";
    const { to, from } = this.#matrices(dtype);
    const coeffs = indexSelect(x, 1, this.#gatherIdx).reshape([V * this.multiplicity, K]);
    const back = matmul(this.#act(matmul(coeffs, to)), from).reshape([V, this.multiplicity * K]);
    return indexSelect(back, 1, this.#scatterIdx);
  }

  override extraRepr(): string {
    return `${this.irreps}, samples=${this.samples}`;
  }
}
