/** Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (like `torch.optim.SGD`). */
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupInput } from "./optimizer.js";

/** SGD hyper-parameters. */
export interface SGDOptions extends BaseHyper {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** Ascend instead of descend. */
  maximize: boolean;
}

/**
 * SGD. Per step, with g = ∇ + weightDecay·p: the momentum buffer b = g on the first step, then
 * b ← momentum·b + (1 − dampening)·g; the direction is g + momentum·b (Nesterov) or b; p ← p − lr·direction.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDOptions>>, opts: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, ...opts });
  }

  protected override validate(g: ParamGroup<SGDOptions>): void {
    super.validate(g);
    if (!(g.momentum >= 0))
      throw new ErlangenError(`SGD: argument 'momentum' expected a value >= 0, got ${g.momentum}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new ErlangenError(
        `SGD: argument 'nesterov' expected momentum > 0 and dampening 0, got momentum ${g.momentum}, dampening ${g.dampening}`,
      );
    }
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, nesterov, weightDecay: wd, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const x = p.data;
      const gr = p.grad.data;
      const sign = maximize ? -1 : 1;
      if (momentum !== 0) {
        const s = this.stateOf(p);
        const first = !this.hasBuffer(s, "momentumBuffer");
        const b = this.buffer(s, "momentumBuffer", p);
        for (let i = 0; i < x.length; i++) {
          const g = sign * gr[i]! + wd * x[i]!;
          b[i] = first ? g : momentum * b[i]! + (1 - dampening) * g;
          x[i]! -= lr * (nesterov ? g + momentum * b[i]! : b[i]!);
        }
      } else {
        for (let i = 0; i < x.length; i++) x[i]! -= lr * (sign * gr[i]! + wd * x[i]!);
      }
      p.version++;
    }
  }
}
