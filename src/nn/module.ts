/**
 * `Module` and `Parameter`: the containers of trainable state, modelled on `torch.nn.Module`.
 *
 * A module finds its state by walking its own enumerable fields (in declaration order):
 * - a {@link Parameter} field is a parameter (`this.weight = new Parameter(...)`),
 * - a {@link Module} field is a child module,
 * - an array field holding modules or parameters registers each element under `field.i`,
 * - tensors registered with {@link Module.registerBuffer} are buffers (e.g. BatchNorm running stats).
 * Fields whose names start with `_`, `null`/`undefined` fields, plain tensors and other values are
 * ignored. {@link ModuleList}, {@link ModuleDict} and {@link Sequential} name their children `0`, `1`, …
 * or by key, as in PyTorch, so state-dict keys look like `lins.0.weight` or `norm.running_mean`.
 */
import { noGrad } from "../tensor/autograd.js";
import { allocate, type DType, isFloat } from "../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A trainable tensor of a {@link Module}. It is a {@link Tensor} subclass (sharing the storage of the
 * tensor it wraps) with `requiresGrad` on by default; the module walker recognises it by class.
 */
export class Parameter extends Tensor {
  /** Wraps `t`'s storage (no copy). Int/bool parameters cannot require gradients. */
  constructor(t: Tensor, requiresGrad = true) {
    super(t.data, t.shape, t.dtype);
    if (requiresGrad && isFloat(t.dtype)) this.requiresGrad = true;
  }
}

/** The result of {@link Module.loadStateDict} with `strict: false`. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A state dict: dotted names to tensors. */
export type StateDict = Record<string, Tensor>;

interface BufferEntry {
  tensor: Tensor | null;
  persistent: boolean;
}

type Dict = Record<string, unknown>;

/**
 * Base class of layers and models. Subclasses set parameters and children as fields in their
 * constructor and implement {@link Module.forward}; call it directly or through {@link Module.call}.
 *
 * @typeParam Args - the argument list of `forward`.
 * @typeParam Out - what `forward` returns.
 */
// biome-ignore lint/suspicious/noExplicitAny: the default is "any module", so containers accept every signature.
export abstract class Module<Args extends unknown[] = any[], Out = any> {
  /** Training mode (dropout active, batch norm using batch statistics). Set by {@link Module.train}/{@link Module.eval}. */
  training = true;
  private readonly _buffers = new Map<string, BufferEntry>();

  /** The computation of this module. */
  abstract forward(...args: Args): Out;

  /** Alias of {@link Module.forward} (like calling a PyTorch module). */
  call(...args: Args): Out {
    return this.forward(...args);
  }

  /**
   * The module's own registered entries (name, value) before filtering: by default its enumerable
   * fields. Containers override this to name their children by index or key.
   */
  protected _ownEntries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (k.startsWith("_") || k === "training") continue;
      out.push([k, v]);
    }
    return out;
  }

  /** Replaces the value of an own entry (used when casting parameters). */
  protected _setOwn(name: string, value: unknown): void {
    (this as unknown as Dict)[name] = value;
  }

  /** Own parameters (not recursing), with their local names. */
  private _ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [k, v] of this._ownEntries()) {
      if (v instanceof Parameter) out.push([k, v]);
      else if (Array.isArray(v))
        v.forEach((e, i) => {
          if (e instanceof Parameter) out.push([`${k}.${i}`, e]);
        });
    }
    return out;
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of this._ownEntries()) {
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v))
        v.forEach((e, i) => {
          if (e instanceof Module) out.push([`${k}.${i}`, e]);
        });
    }
    return out;
  }

  /** Direct children. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all descendants with dotted names (this one is `""`); each module once. */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) visit(c, name === "" ? k : `${name}.${k}`);
    };
    visit(this, prefix);
    return out;
  }

  /** This module and all descendants. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** All parameters with dotted names (`lins.0.weight`); a shared parameter is listed once. */
  namedParameters(prefix = "", recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mn, m] of mods) {
      for (const [k, p] of m._ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([mn === "" ? k : `${mn}.${k}`, p]);
      }
    }
    return out;
  }

  /** All parameters (each once). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters("", recurse).map(([, p]) => p);
  }

  /** Number of scalar parameters (optionally only trainable ones). */
  numParameters(onlyTrainable = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!onlyTrainable || p.requiresGrad) n += p.size;
    return n;
  }

  /**
   * Registers a buffer: state that is not trained but belongs to the module (e.g. running
   * statistics). Persistent buffers are part of the state dict. Returns the tensor. Read it back with
   * {@link Module.getBuffer}; assign a new tensor with {@link Module.setBuffer}.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): Tensor | null {
    if (name === "" || name.includes(".")) {
      throw new ErlangenError(`registerBuffer: argument 'name' expected a non-empty name without '.', got '${name}'`);
    }
    this._buffers.set(name, { tensor, persistent });
    return tensor;
  }

  /** The buffer registered as `name` (throws if there is none). */
  getBuffer(name: string): Tensor | null {
    const b = this._buffers.get(name);
    if (b === undefined) throw new ErlangenError(`getBuffer: no buffer named '${name}' in ${this.constructor.name}`);
    return b.tensor;
  }

  /** Replaces the tensor of a registered buffer. */
  setBuffer(name: string, tensor: Tensor | null): void {
    const b = this._buffers.get(name);
    if (b === undefined) throw new ErlangenError(`setBuffer: no buffer named '${name}' in ${this.constructor.name}`);
    b.tensor = tensor;
  }

  /** All buffers with dotted names. */
  namedBuffers(prefix = "", recurse = true, onlyPersistent = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mn, m] of mods) {
      for (const [k, b] of m._buffers) {
        if (b.tensor === null || (onlyPersistent && !b.persistent) || seen.has(b.tensor)) continue;
        seen.add(b.tensor);
        out.push([mn === "" ? k : `${mn}.${k}`, b.tensor]);
      }
    }
    return out;
  }

  /** All buffers. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers("", recurse).map(([, b]) => b);
  }

  /** Sets training mode on this module and all descendants. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Sets `requiresGrad` on all (float) parameters (freezing with `false`). Returns this. */
  requiresGrad_(v = true): this {
    for (const p of this.parameters()) if (isFloat(p.dtype)) p.requiresGrad = v;
    return this;
  }

  /** Calls `fn` on every module (children first, then this one, like PyTorch). Returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * The state dict: parameters and persistent buffers under dotted names, in module order (own
   * parameters, own buffers, then children). Tensors are detached and share storage with the module.
   */
  stateDict(prefix = ""): StateDict {
    const out: StateDict = {};
    const seen = new Set<Tensor>();
    for (const [mn, m] of this.namedModules(prefix)) {
      const p = mn === "" ? "" : `${mn}.`;
      for (const [k, t] of m._ownParameters()) {
        if (seen.has(t)) continue;
        seen.add(t);
        out[p + k] = t.detach();
      }
      for (const [k, b] of m._buffers) {
        if (b.tensor === null || !b.persistent) continue;
        out[p + k] = b.tensor.detach();
      }
    }
    return out;
  }

  /**
   * Copies tensors from `stateDict` into this module's parameters and persistent buffers (in place,
   * casting dtypes; bumps `version`). A key whose shape differs always throws, naming the key and
   * both shapes. With `strict` (default), missing and unexpected keys throw too, listing them;
   * otherwise they are returned.
   */
  loadStateDict(stateDict: StateDict, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = new Map<string, Tensor>();
    for (const [mn, m] of this.namedModules()) {
      const p = mn === "" ? "" : `${mn}.`;
      for (const [k, t] of m._ownParameters()) own.set(p + k, t);
      for (const [k, b] of m._buffers) if (b.tensor !== null && b.persistent) own.set(p + k, b.tensor);
    }
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const misShaped: string[] = [];
    // own keys only: a dict read from a file may name anything, `constructor` and `__proto__` included
    const get = (k: string): Tensor | undefined => (Object.hasOwn(stateDict, k) ? stateDict[k] : undefined);
    const wrong: string[] = [];
    for (const k of Object.keys(stateDict))
      if (!(stateDict[k] instanceof Tensor)) wrong.push(`'${k}' expected a Tensor, got ${typeof stateDict[k]}`);
    if (wrong.length > 0) throw new ErlangenError(`loadStateDict (${this.constructor.name}): ${wrong.join("; ")}`);
    for (const [k, t] of own) {
      const src = get(k);
      if (src === undefined) missingKeys.push(k);
      else if (src.ndim !== t.ndim || src.shape.some((d, i) => d !== t.shape[i])) {
        misShaped.push(`'${k}' expected shape ${fmtShape(t.shape)}, got ${fmtShape(src.shape)}`);
      }
    }
    for (const k of Object.keys(stateDict)) if (!own.has(k)) unexpectedKeys.push(k);
    const problems: string[] = [];
    if (misShaped.length > 0) problems.push(`size mismatch: ${misShaped.join("; ")}`);
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.map((k) => `'${k}'`).join(", ")}`);
    if (strict && unexpectedKeys.length > 0)
      problems.push(`unexpected keys: ${unexpectedKeys.map((k) => `'${k}'`).join(", ")}`);
    if (problems.length > 0) {
      throw new ErlangenError(`loadStateDict (${this.constructor.name}): ${problems.join("; ")}`);
    }
    noGrad(() => {
      for (const [k, t] of own) {
        const src = get(k);
        if (src !== undefined && src !== t) t.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Replaces every parameter and buffer `t` by `fn(t)` (the result is wrapped as a Parameter for
   * parameters, keeping `requiresGrad`). Tied parameters stay tied. Returns this.
   */
  protected _applyTensors(fn: (t: Tensor) => Tensor): this {
    const memo = new Map<Tensor, Tensor>();
    const conv = (t: Tensor): Tensor => {
      let r = memo.get(t);
      if (r === undefined) {
        const n = fn(t);
        r = t instanceof Parameter ? (n === t ? t : new Parameter(n, t.requiresGrad)) : n;
        memo.set(t, r);
      }
      return r;
    };
    for (const m of this.modules()) {
      for (const [k, v] of m._ownEntries()) {
        if (v instanceof Parameter) m._setOwn(k, conv(v));
        else if (Array.isArray(v))
          v.forEach((e, i) => {
            if (e instanceof Parameter) v[i] = conv(e);
          });
      }
      for (const b of m._buffers.values()) if (b.tensor !== null) b.tensor = conv(b.tensor);
    }
    return this;
  }

  /**
   * Casts float parameters and float buffers to `dtype` (int/bool buffers are kept). Parameters are
   * replaced by new ones, so create optimizers after casting. Returns this.
   */
  to(dtype: DType): this {
    if (!isFloat(dtype))
      throw new ErlangenError(`Module.to: argument 'dtype' expected float32 or float64, got ${dtype}`);
    return this._applyTensors((t) => {
      if (!isFloat(t.dtype) || t.dtype === dtype) return t;
      const arr = allocate(dtype, t.size);
      arr.set(t.data);
      return new Tensor(arr, t.shape, dtype);
    });
  }

  /** `to('float64')`. */
  double(): this {
    return this.to("float64");
  }

  /** `to('float32')`. */
  float(): this {
    return this.to("float32");
  }

  /** Extra text for {@link Module.toString}, e.g. `inFeatures=3, outFeatures=4`. */
  extraRepr(): string {
    return "";
  }

  /** A readable tree like PyTorch's module printout. */
  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (kids.length === 0) return `${head})`;
    const lines = kids.map(([k, m]) => `  (${k}): ${m.toString().split("\n").join("\n  ")}`);
    return `${head}\n${lines.join("\n")}\n)`;
  }

  /** Node's `console.log` shows the tree. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** A list of modules registered as children `0`, `1`, … (like `torch.nn.ModuleList`). Not callable. */
export class ModuleList<M extends Module = Module> extends Module<never[], never> implements Iterable<M> {
  private _items: M[];

  constructor(modules: Iterable<M> = []) {
    super();
    this._items = [...modules];
  }

  protected override _ownEntries(): [string, unknown][] {
    return this._items.map((m, i) => [String(i), m]);
  }

  protected override _setOwn(name: string, value: unknown): void {
    this._items[Number(name)] = value as M;
  }

  /** Number of modules. */
  get length(): number {
    return this._items.length;
  }

  /** The module at `i` (negative counts from the end). */
  at(i: number): M {
    const m = this._items.at(i);
    if (m === undefined)
      throw new ErlangenError(
        `ModuleList.at: argument 'i' expected an index in [${-this.length}, ${this.length - 1}], got ${i}`,
      );
    return m;
  }

  /** Appends a module. Returns this. */
  push(...modules: M[]): this {
    this._items.push(...modules);
    return this;
  }

  /** The modules as an array (a copy). */
  toArray(): M[] {
    return [...this._items];
  }

  [Symbol.iterator](): Iterator<M> {
    return this._items[Symbol.iterator]();
  }

  forward(): never {
    throw new ErlangenError("ModuleList: forward is not defined; iterate over the modules instead");
  }
}

/** Modules registered under string keys (like `torch.nn.ModuleDict`). Not callable. */
export class ModuleDict<M extends Module = Module> extends Module<never[], never> {
  private _items: Map<string, M>;

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    this._items = new Map();
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  protected override _ownEntries(): [string, unknown][] {
    return [...this._items];
  }

  protected override _setOwn(name: string, value: unknown): void {
    this._items.set(name, value as M);
  }

  /** The module under `key` (throws if absent). */
  get(key: string): M {
    const m = this._items.get(key);
    if (m === undefined)
      throw new ErlangenError(
        `ModuleDict.get: argument 'key' expected one of [${[...this._items.keys()].join(", ")}], got '${key}'`,
      );
    return m;
  }

  /** Adds or replaces the module under `key`. Returns this. */
  set(key: string, m: M): this {
    if (key === "" || key.includes("."))
      throw new ErlangenError(`ModuleDict.set: argument 'key' expected a non-empty key without '.', got '${key}'`);
    this._items.set(key, m);
    return this;
  }

  has(key: string): boolean {
    return this._items.has(key);
  }

  get size(): number {
    return this._items.size;
  }

  keys(): string[] {
    return [...this._items.keys()];
  }

  values(): M[] {
    return [...this._items.values()];
  }

  entries(): [string, M][] {
    return [...this._items];
  }

  forward(): never {
    throw new ErlangenError("ModuleDict: forward is not defined; look modules up by key instead");
  }
}

/**
 * Chains modules: `forward(x)` feeds `x` through each in turn (like `torch.nn.Sequential`).
 * Children are named `0`, `1`, ….
 */
// biome-ignore lint/suspicious/noExplicitAny: each stage may take and return anything the next accepts.
export class Sequential extends Module<[any], any> implements Iterable<Module> {
  private _items: Module[];

  constructor(...modules: Module[]) {
    super();
    this._items = modules;
  }

  protected override _ownEntries(): [string, unknown][] {
    return this._items.map((m, i) => [String(i), m]);
  }

  protected override _setOwn(name: string, value: unknown): void {
    this._items[Number(name)] = value as Module;
  }

  get length(): number {
    return this._items.length;
  }

  /** The module at `i` (negative counts from the end). */
  at(i: number): Module {
    const m = this._items.at(i);
    if (m === undefined)
      throw new ErlangenError(
        `Sequential.at: argument 'i' expected an index in [${-this.length}, ${this.length - 1}], got ${i}`,
      );
    return m;
  }

  /** Appends a module. Returns this. */
  push(...modules: Module[]): this {
    this._items.push(...modules);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this._items[Symbol.iterator]();
  }

  // biome-ignore lint/suspicious/noExplicitAny: see the class note.
  forward(x: any): any {
    let h = x;
    for (const m of this._items) h = m.forward(h);
    return h;
  }
}
