/** Adam and AdamW (like `torch.optim.Adam` / `torch.optim.AdamW`). */
import type { FloatArray } from "../kernels/ref/linalg.js";
import { adamStep } from "../kernels/registry.js";
import { isFloat } from "../tensor/dtype.js";
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupInput } from "./optimizer.js";

/** Adam/AdamW hyper-parameters. */
export interface AdamOptions extends BaseHyper {
  betas: readonly [number, number];
  eps: number;
  amsgrad: boolean;
  maximize: boolean;
}

function validateAdam(name: string, g: ParamGroup<AdamOptions>): void {
  const [b1, b2] = g.betas;
  if (!(b1 >= 0 && b1 < 1))
    throw new ErlangenError(`${name}: argument 'betas[0]' expected a value in [0, 1), got ${b1}`);
  if (!(b2 >= 0 && b2 < 1))
    throw new ErlangenError(`${name}: argument 'betas[1]' expected a value in [0, 1), got ${b2}`);
  if (!(g.eps >= 0)) throw new ErlangenError(`${name}: argument 'eps' expected a value >= 0, got ${g.eps}`);
}

/**
 * Adam. Per step t, with g = ∇ + weightDecay·p (L2 penalty): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + eps) (with `amsgrad`, v is replaced by its running maximum).
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamOptions>>, opts: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...opts,
    });
  }

  protected override validate(g: ParamGroup<AdamOptions>): void {
    super.validate(g);
    validateAdam(this.constructor.name, g);
  }

  /** The Adam update of one group; `decoupled` selects AdamW's weight decay. */
  protected adamUpdate(group: ParamGroup<AdamOptions>, decoupled: boolean): void {
    const { lr, eps, amsgrad, maximize, weightDecay: wd } = group;
    const [b1, b2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const s = this.stateOf(p);
      const step = ((s.step as number | undefined) ?? 0) + 1;
      s.step = step;
      const m = this.buffer(s, "expAvg", p);
      const v = this.buffer(s, "expAvgSq", p);
      const vmax = amsgrad ? this.buffer(s, "maxExpAvgSq", p) : null;
      const x = p.data;
      const gr = p.grad.data;
      const bc1 = 1 - b1 ** step;
      const bc2Sqrt = Math.sqrt(1 - b2 ** step);
      const stepSize = lr / bc1;
      const sign = maximize ? -1 : 1;
      const decay = decoupled ? 1 - lr * wd : 1;
      const l2 = decoupled ? 0 : wd;
      if (vmax === null && isFloat(p.dtype) && p.grad.dtype === p.dtype) {
        // one fused kernel (SIMD for float32)
        adamStep(x as FloatArray, gr as FloatArray, m as FloatArray, v as FloatArray, {
          b1,
          b2,
          stepSize,
          bc2Sqrt,
          eps,
          l2,
          decay,
          sign,
        });
        p.version++;
        continue;
      }
      for (let i = 0; i < x.length; i++) {
        if (decoupled) x[i]! *= decay;
        const g = sign * gr[i]! + l2 * x[i]!;
        m[i] = m[i]! + (g - m[i]!) * (1 - b1);
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        let vv = v[i]!;
        if (vmax !== null) {
          if (vv > vmax[i]!) vmax[i] = vv;
          vv = vmax[i]!;
        }
        const denom = Math.sqrt(vv) / bc2Sqrt + eps;
        x[i]! -= (stepSize * m[i]!) / denom;
      }
      p.version++;
    }
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    this.adamUpdate(group, false);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (p ← p·(1 − lr·weightDecay) before the Adam step;
 * default weightDecay 0.01).
 */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdamOptions>>, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts });
  }

  protected override updateGroup(group: ParamGroup<AdamOptions>): void {
    this.adamUpdate(group, true);
  }
}
