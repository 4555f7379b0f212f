/**
 * The spherical harmonics as a module (e3nn's `o3.SphericalHarmonics`): maps vectors `[..., 3]` to
 * the irreps `0e + 1o + 2e + …` (or a chosen subset), e.g. to embed edge directions.
 */
import { Module } from "../../../nn/module.js";
import { Irreps } from "../../../symmetry/o3/irreps.js";
import { type SHNormalization, sphericalHarmonics } from "../../../symmetry/o3/spherical_harmonics.js";
import { ErlangenError } from "../../../tensor/errors.js";
import type { Tensor } from "../../../tensor/tensor.js";

/** Options of {@link SphericalHarmonics}. */
export interface SphericalHarmonicsModuleOptions {
  /** Normalise the input vectors first (default true). */
  normalize?: boolean;
  /** `component` (Σ_m Y² = 2l+1, e3nn's choice inside networks; the default here), `norm` or `integral`. */
  normalization?: SHNormalization;
}

/**
 * `new SphericalHarmonics(2)` or `new SphericalHarmonics("0e + 1o + 2e")`: vectors `[..., 3]` to
 * `[..., irrepsOut.dim]`. Each degree l has parity (−1)^l (the vectors are `1o`). Differentiable.
 */
export class SphericalHarmonics extends Module<[Tensor], Tensor> {
  readonly irrepsOut: Irreps;
  readonly ls: readonly number[];
  readonly normalize: boolean;
  readonly normalization: SHNormalization;

  constructor(irrepsOut: number | Irreps | string, opts: SphericalHarmonicsModuleOptions = {}) {
    super();
    this.irrepsOut = typeof irrepsOut === "number" ? Irreps.sphericalHarmonics(irrepsOut) : new Irreps(irrepsOut);
    const ls: number[] = [];
    for (const { mul, ir } of this.irrepsOut.items) {
      if (ir.p !== (ir.l % 2 === 0 ? 1 : -1)) {
        throw new ErlangenError(
          `SphericalHarmonics: argument 'irrepsOut' expected parities (-1)^l (like '0e + 1o + 2e'), got '${this.irrepsOut}'`,
        );
      }
      for (let u = 0; u < mul; u++) ls.push(ir.l);
    }
    this.ls = ls;
    this.normalize = opts.normalize ?? true;
    this.normalization = opts.normalization ?? "component";
  }

  forward(x: Tensor): Tensor {
    return sphericalHarmonics(this.ls, x, { normalize: this.normalize, normalization: this.normalization });
  }

  override extraRepr(): string {
    return `${this.irrepsOut}, normalize=${this.normalize}, normalization=${this.normalization}`;
  }
}
