/**
 * Equivariant batch normalisation of irreps features (e3nn's `nn.BatchNorm`). Scalars (`0e`) are
 * centred by their batch mean and scaled like ordinary BatchNorm; every other irrep copy is only
 * scaled, by the inverse root of its mean squared norm over the batch (subtracting a mean or adding a
 * bias would break equivariance). Running statistics are kept for evaluation mode.
 */

import { Module, Parameter } from "../../../nn/module.js";
import { Irreps } from "../../../symmetry/o3/irreps.js";
import { noGrad } from "../../../tensor/autograd.js";
import { ones, zeros } from "../../../tensor/creation.js";
import { ErlangenError } from "../../../tensor/errors.js";
import type { Tensor } from "../../../tensor/tensor.js";
import "../../../tensor/index.js";

/** Options of {@link BatchNorm}. */
export interface O3BatchNormOptions {
  /** Added to the mean squared norm (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Trainable scale per irrep copy and bias per scalar (default true). */
  affine?: boolean;
  /** `component`: mean of the squared components; `norm`: their sum (default `component`). */
  normalization?: "component" | "norm";
}

/**
 * `new BatchNorm("8x0e + 4x1o")` normalises inputs `[N, ..., dim]` over every axis but the last.
 * Buffers: `running_mean` (one per scalar copy) and `running_var` (one per irrep copy); parameters
 * `weight` (one per irrep copy) and `bias` (one per scalar copy).
 */
export class BatchNorm extends Module<[Tensor], Tensor> {
  readonly irreps: Irreps;
  readonly eps: number;
  readonly momentum: number;
  readonly normalization: "component" | "norm";
  weight: Parameter | null;
  bias: Parameter | null;
  private readonly _numScalars: number;

  constructor(irreps: Irreps | string, opts: O3BatchNormOptions = {}) {
    super();
    this.irreps = new Irreps(irreps);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.normalization = opts.normalization ?? "component";
    if (!(this.eps >= 0))
      throw new ErlangenError(`o3.BatchNorm: argument 'eps' expected a non-negative number, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new ErlangenError(`o3.BatchNorm: argument 'momentum' expected a number in [0, 1], got ${this.momentum}`);
    if (this.normalization !== "component" && this.normalization !== "norm") {
      throw new ErlangenError(
        `o3.BatchNorm: argument 'normalization' expected 'component' or 'norm', got '${String(this.normalization)}'`,
      );
    }
    const numScalars = this.irreps.items.reduce((s, { mul, ir }) => s + (ir.l === 0 && ir.p === 1 ? mul : 0), 0);
    this._numScalars = numScalars;
    const affine = opts.affine ?? true;
    this.weight = affine ? new Parameter(ones([this.irreps.numIrreps])) : null;
    this.bias = affine && numScalars > 0 ? new Parameter(zeros([numScalars])) : null;
    this.registerBuffer("running_mean", zeros([numScalars]));
    this.registerBuffer("running_var", ones([this.irreps.numIrreps]));
  }

  forward(x: Tensor): Tensor {
    this.irreps.check("o3.BatchNorm", x);
    const shape = x.shape;
    const Z = shape.slice(0, -1).reduce((p, q) => p * q, 1);
    if (this.training && Z < 1)
      throw new ErlangenError("o3.BatchNorm: argument 'x' expected at least one sample in training mode, got 0");
    const a = x.reshape(Z, this.irreps.dim);
    const runMean = this.getBuffer("running_mean")!;
    const runVar = this.getBuffer("running_var")!;
    const newMean: Tensor[] = [];
    const newVar: Tensor[] = [];
    const parts: Tensor[] = [];
    let iw = 0;
    let ib = 0;
    let offset = 0;
    for (const { mul, ir } of this.irreps.items) {
      const d = ir.dim;
      let f = a.narrow(1, offset, mul * d).reshape(Z, mul, d);
      offset += mul * d;
      const scalar = ir.l === 0 && ir.p === 1;
      if (scalar) {
        if (this.training) {
          const m = f.mean(0).reshape(mul); // [mul]
          newMean.push(m.detach());
          f = f.sub(m.reshape(1, mul, 1));
        } else {
          f = f.sub(runMean.narrow(0, ib, mul).reshape(1, mul, 1));
        }
      }
      let norm: Tensor;
      if (this.training) {
        const sq = f.square();
        const perSample = this.normalization === "component" ? sq.mean(2) : sq.sum(2); // [Z, mul]
        norm = perSample.mean(0); // [mul]
        newVar.push(norm.detach());
      } else {
        norm = runVar.narrow(0, iw, mul);
      }
      let scale = norm.add(this.eps).pow(-0.5);
      if (this.weight) scale = scale.mul(this.weight.narrow(0, iw, mul));
      f = f.mul(scale.reshape(1, mul, 1));
      if (scalar && this.bias) f = f.add(this.bias.narrow(0, ib, mul).reshape(1, mul, 1));
      parts.push(f.reshape(Z, mul * d));
      iw += mul;
      if (scalar) ib += mul;
    }
    if (this.training) {
      noGrad(() => {
        const mom = this.momentum;
        const upd = (buf: Tensor, vals: Tensor[]) => {
          let k = 0;
          for (const v of vals)
            for (let i = 0; i < v.size; i++, k++) buf.data[k] = (1 - mom) * buf.data[k]! + mom * Number(v.data[i]);
          buf.version++;
        };
        if (this._numScalars > 0) upd(runMean, newMean);
        upd(runVar, newVar);
      });
    }
    const y = parts.length === 1 ? parts[0]! : parts[0]!.concat(parts.slice(1), 1);
    return y.reshape(shape);
  }

  override extraRepr(): string {
    return `${this.irreps}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}
