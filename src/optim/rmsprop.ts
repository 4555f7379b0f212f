/** RMSprop and Adagrad (like `torch.optim.RMSprop` / `torch.optim.Adagrad`). */
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupInput } from "./optimizer.js";

/** RMSprop hyper-parameters. */
export interface RMSpropOptions extends BaseHyper {
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop. With g = ∇ + weightDecay·p: s ← αs + (1−α)g²; the denominator is √s + eps, or
 * √(s − ḡ²) + eps when `centered` (ḡ ← αḡ + (1−α)g); with momentum, b ← μb + g/denominator and
 * p ← p − lr·b, else p ← p − lr·g/denominator. Defaults: lr 0.01, α 0.99, eps 1e-8.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<RMSpropOptions>>,
    opts: Partial<RMSpropOptions> = {},
  ) {
    super(params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...opts,
    });
  }

  protected override validate(g: ParamGroup<RMSpropOptions>): void {
    super.validate(g);
    if (!(g.alpha >= 0)) throw new ErlangenError(`RMSprop: argument 'alpha' expected a value >= 0, got ${g.alpha}`);
    if (!(g.eps >= 0)) throw new ErlangenError(`RMSprop: argument 'eps' expected a value >= 0, got ${g.eps}`);
    if (!(g.momentum >= 0))
      throw new ErlangenError(`RMSprop: argument 'momentum' expected a value >= 0, got ${g.momentum}`);
  }

  protected updateGroup(group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, momentum, centered, maximize, weightDecay: wd } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const s = this.stateOf(p);
      s.step = ((s.step as number | undefined) ?? 0) + 1;
      const sq = this.buffer(s, "squareAvg", p);
      const gavg = centered ? this.buffer(s, "gradAvg", p) : null;
      const buf = momentum > 0 ? this.buffer(s, "momentumBuffer", p) : null;
      const x = p.data;
      const gr = p.grad.data;
      const sign = maximize ? -1 : 1;
      for (let i = 0; i < x.length; i++) {
        const g = sign * gr[i]! + wd * x[i]!;
        sq[i] = alpha * sq[i]! + (1 - alpha) * g * g;
        let avg: number;
        if (gavg !== null) {
          gavg[i] = gavg[i]! + (g - gavg[i]!) * (1 - alpha);
          avg = Math.sqrt(sq[i]! - gavg[i]! * gavg[i]!) + eps;
        } else avg = Math.sqrt(sq[i]!) + eps;
        if (buf !== null) {
          buf[i] = momentum * buf[i]! + g / avg;
          x[i]! -= lr * buf[i]!;
        } else x[i]! -= (lr * g) / avg;
      }
      p.version++;
    }
  }
}

/** Adagrad hyper-parameters. */
export interface AdagradOptions extends BaseHyper {
  lrDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * Adagrad. Per step t, with g = ∇ + weightDecay·p: s ← s + g², p ← p − lr/(1 + (t−1)·lrDecay) · g/(√s + eps).
 * Defaults: lr 0.01, eps 1e-10.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupInput<AdagradOptions>>,
    opts: Partial<AdagradOptions> = {},
  ) {
    super(params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...opts,
    });
  }

  protected override validate(g: ParamGroup<AdagradOptions>): void {
    super.validate(g);
    if (!(g.lrDecay >= 0))
      throw new ErlangenError(`Adagrad: argument 'lrDecay' expected a value >= 0, got ${g.lrDecay}`);
    if (!(g.initialAccumulatorValue >= 0)) {
      throw new ErlangenError(
        `Adagrad: argument 'initialAccumulatorValue' expected a value >= 0, got ${g.initialAccumulatorValue}`,
      );
    }
  }

  protected updateGroup(group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, eps, maximize, initialAccumulatorValue, weightDecay: wd } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const s = this.stateOf(p);
      const step = ((s.step as number | undefined) ?? 0) + 1;
      s.step = step;
      const sum = this.buffer(s, "sum", p, initialAccumulatorValue);
      const clr = lr / (1 + (step - 1) * lrDecay);
      const x = p.data;
      const gr = p.grad.data;
      const sign = maximize ? -1 : 1;
      for (let i = 0; i < x.length; i++) {
        const g = sign * gr[i]! + wd * x[i]!;
        sum[i]! += g * g;
        x[i]! -= (clr * g) / (Math.sqrt(sum[i]!) + eps);
      }
      p.version++;
    }
  }
}
