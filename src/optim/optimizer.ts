/**
 * The optimizer base class (like `torch.optim.Optimizer`): parameter groups with their own
 * hyper-parameters, per-parameter state, `step()`, `zeroGrad()` and state dicts. Updates write the
 * parameters' typed arrays in place and bump their `version`.
 */

import type { TypedArray } from "../tensor/dtype.js";
import { ErlangenError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

/** A hyper-parameter value. */
export type HyperValue = number | boolean | string | readonly number[];

/** Hyper-parameters shared by every optimizer: the learning rate and weight decay. */
export interface BaseHyper {
  lr: number;
  weightDecay: number;
}

/** A parameter group: its parameters and hyper-parameters (`initialLr` is set by schedulers). */
export type ParamGroup<H extends BaseHyper = BaseHyper> = H & { params: Tensor[]; initialLr?: number };

/** What the constructor accepts for groups: parameters plus overrides of the defaults. */
export type ParamGroupInput<H extends BaseHyper = BaseHyper> = Partial<H> & { params: Iterable<Tensor> };

/** Per-parameter state: tensors (moment buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** The serialisable state of an optimizer; parameters are referred to by their index over all groups. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: (Record<string, HyperValue | undefined> & { params: number[] })[];
}

function isGroupInput(x: unknown): x is ParamGroupInput {
  return typeof x === "object" && x !== null && !(x instanceof Tensor) && "params" in x;
}

/** Base class; subclasses implement {@link Optimizer.updateGroup}. */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The groups, in order; change `lr` here (schedulers do). */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created lazily on the first step. */
  readonly state = new Map<Tensor, ParamState>();
  /** Default hyper-parameters for groups that do not override them. */
  readonly defaults: H;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<H>>, defaults: H) {
    this.defaults = defaults;
    const items = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (items.length === 0)
      throw new ErlangenError(
        `${this.constructor.name}: argument 'params' expected at least one parameter, got an empty list`,
      );
    if (items.every((x) => x instanceof Tensor))
      this.addParamGroup({ params: items as Tensor[] } as unknown as ParamGroupInput<H>);
    else if (items.every(isGroupInput)) for (const g of items) this.addParamGroup(g as ParamGroupInput<H>);
    else
      throw new ErlangenError(
        `${this.constructor.name}: argument 'params' expected tensors or parameter groups ({ params, ...options }), got a mix`,
      );
  }

  /** Adds a group; missing hyper-parameters come from the defaults. A parameter may be in one group only. */
  addParamGroup(group: ParamGroupInput<H>): void {
    const params = [...group.params];
    const name = this.constructor.name;
    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new ErlangenError(`${name}: argument 'params' expected tensors, got ${typeof p}`);
      if (p.dtype !== "float32" && p.dtype !== "float64")
        throw new ErlangenError(`${name}: argument 'params' expected float tensors, got ${p.dtype}`);
      if (!p.isLeaf)
        throw new ErlangenError(
          `${name}: argument 'params' expected leaf tensors, got the output of '${p.gradFn?.name}'`,
        );
      for (const g of this.paramGroups) {
        if (g.params.includes(p))
          throw new ErlangenError(`${name}: a parameter appears in more than one parameter group`);
      }
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<H>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** Checks a group's hyper-parameters (subclasses extend). */
  protected validate(g: ParamGroup<H>): void {
    const name = this.constructor.name;
    if (!(g.lr >= 0)) throw new ErlangenError(`${name}: argument 'lr' expected a value >= 0, got ${g.lr}`);
    if (!(g.weightDecay >= 0))
      throw new ErlangenError(`${name}: argument 'weightDecay' expected a value >= 0, got ${g.weightDecay}`);
  }

  /** Clears the gradients of all parameters (sets them to null, like `set_to_none=True`). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /**
   * One update of every parameter that has a gradient. With a `closure` (that recomputes the loss,
   * calls backward and returns the loss), the closure runs first and its loss is returned.
   */
  step(closure?: () => number | Tensor): number | undefined {
    let loss: number | undefined;
    if (closure !== undefined) {
      const l = closure();
      loss = typeof l === "number" ? l : l.item();
    }
    for (const g of this.paramGroups) this.updateGroup(g);
    return loss;
  }

  /** Updates the parameters of one group. */
  protected abstract updateGroup(group: ParamGroup<H>): void;

  /** The state of `p`, created on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** A zero buffer shaped like `p` kept in its state under `key`; returns its storage. */
  protected buffer(s: ParamState, key: string, p: Tensor, init = 0): TypedArray {
    let b = s[key];
    if (!(b instanceof Tensor)) {
      b = new Tensor(p.data.slice().fill(init), p.shape, p.dtype);
      s[key] = b;
    }
    return b.data;
  }

  /** Whether a buffer exists in a state. */
  protected hasBuffer(s: ParamState, key: string): boolean {
    return s[key] instanceof Tensor;
  }

  /** The optimizer state: per-parameter state (tensors are copied) and the groups' hyper-parameters. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups: OptimizerStateDict["paramGroups"] = [];
    for (const g of this.paramGroups) {
      const { params, ...hyper } = g;
      const ids = params.map((p) => {
        const i = index.size;
        index.set(p, i);
        return i;
      });
      paramGroups.push({ ...(hyper as Record<string, HyperValue | undefined>), params: ids });
    }
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s))
        copy[k] = v instanceof Tensor ? new Tensor(v.data.slice() as TypedArray, v.shape, v.dtype) : v;
      state[i] = copy;
    }
    return { state, paramGroups };
  }

  /** Restores a state from {@link Optimizer.stateDict}; the group layout must match. */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ErlangenError(
        `${name}.loadStateDict: argument 'stateDict' expected ${this.paramGroups.length} parameter groups, got ${sd.paramGroups.length}`,
      );
    }
    const params: Tensor[] = [];
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi]!;
      if (sg.params.length !== g.params.length) {
        throw new ErlangenError(
          `${name}.loadStateDict: group ${gi} expected ${g.params.length} parameters, got ${sg.params.length}`,
        );
      }
      sg.params.forEach((id, k) => {
        params[id] = g.params[k]!;
      });
    });
    for (const [id, s] of Object.entries(sd.state)) {
      const p = params[Number(id)];
      if (p === undefined)
        throw new ErlangenError(`${name}.loadStateDict: state for parameter ${id}, which no group lists`);
      for (const v of Object.values(s)) {
        if (v instanceof Tensor && v.size !== p.size) {
          throw new ErlangenError(
            `${name}.loadStateDict: state of parameter ${id} expected ${p.size} elements, got ${v.size}`,
          );
        }
      }
    }
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi]! as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(sg)) {
        if (k === "params") continue;
        // an own property even for a name like `__proto__` (a state dict may come from a file)
        Object.defineProperty(g, k, {
          value: Array.isArray(v) ? [...v] : v,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    });
    this.state.clear();
    for (const [id, s] of Object.entries(sd.state)) {
      const p = params[Number(id)]!;
      const copy: ParamState = Object.create(null);
      for (const [k, v] of Object.entries(s)) {
        copy[k] = v instanceof Tensor ? new Tensor(v.cast(p.dtype).data.slice() as TypedArray, p.shape, p.dtype) : v;
      }
      this.state.set(p, copy);
    }
  }
}
