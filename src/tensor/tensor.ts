/**
 * The n-dimensional array of Erlangen. Storage is one contiguous row-major typed array, freed by the
 * garbage collector (there is no `dispose`). Reshapes share storage; every other op returns a new
 * tensor. Ops are attached as methods by the files in `ops/` (e.g. `a.add(b)` and `add(a, b)`).
 */

import { freshGrad, type GradFn, record, runBackward } from "./autograd.js";
import { allocate, type DType, dtypeOfArray, isFloat, type TypedArray } from "./dtype.js";
import { ErlangenError, fmtShape, opError } from "./errors.js";

/** Nested JavaScript arrays of numbers or booleans. */
export type NestedArray = number | boolean | readonly NestedArray[];

/** Shape as a list of non-negative integer sizes. */
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export class Tensor {
  /** Contiguous row-major storage; length equals {@link Tensor.size}. */
  data: TypedArray;
  /** Sizes of each axis. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
  /** Whether gradients flow to this tensor. Only float tensors may require gradients. */
  private _requiresGrad = false;
  /** Accumulated gradient after `backward()` (leaves only). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when recorded by autograd. */
  gradFn: GradFn | null = null;
  /** Optional name (parameters get theirs from the module tree). */
  name?: string;
  /**
   * Bumped by in-place ops (optimizer steps, `copy_`). Caches keyed on storage (e.g. WASM-side
   * copies of constant inputs) compare it to know when data changed.
   */
  version = 0;

  constructor(data: TypedArray, shape: Shape, dtype?: DType) {
    const dt = dtype ?? dtypeOfArray(data);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) opError("Tensor", "shape", "non-negative integer sizes", fmtShape(shape));
    }
    const size = shapeSize(shape);
    if (data.length !== size)
      opError("Tensor", "data", `${size} elements for shape ${fmtShape(shape)}`, `${data.length}`);
    if (dtypeOfArray(data) !== (dt === "bool" ? "bool" : dt)) {
      opError("Tensor", "data", `a typed array for dtype ${dt}`, data.constructor.name);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dt;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(v: boolean) {
    if (v && !isFloat(this.dtype)) opError("requiresGrad", "tensor", "a float32 or float64 tensor", this.dtype);
    this._requiresGrad = v;
  }

  /** Sets `requiresGrad` and returns this tensor (chainable, like `requires_grad_()`). */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Row-major strides. */
  get strides(): number[] {
    return stridesOf(this.shape);
  }

  /** True for leaves (tensors not produced by a recorded op). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) opError("item", "tensor", "exactly one element", `shape ${fmtShape(this.shape)}`);
    return this.data[0]!;
  }

  /** Nested arrays (numbers; booleans for `bool`). */
  toArray(): NestedArray {
    const d = this.data;
    const isBool = this.dtype === "bool";
    if (this.shape.length === 0) return isBool ? d[0] !== 0 : d[0]!;
    const build = (axis: number, offset: number, stride: number[]): NestedArray => {
      const n = this.shape[axis]!;
      const out: NestedArray[] = new Array(n);
      if (axis === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = isBool ? d[offset + i] !== 0 : d[offset + i]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1, offset + i * stride[axis]!, stride);
      }
      return out;
    };
    return build(0, 0, this.strides);
  }

  /** A plain JS array of all elements (row-major). */
  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  /** A new tensor with copied storage; gradients flow through (like `clone()`). */
  clone(): Tensor {
    const out = new Tensor(this.data.slice() as TypedArray, this.shape, this.dtype);
    return record("clone", [this], out, (g) => [g]);
  }

  /** Shares storage, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.dtype);
  }

  /**
   * Same storage viewed with a new shape (one size may be -1). Differentiable.
   * The element count must match.
   */
  reshape(...shapeArg: (number | Shape)[]): Tensor {
    const req: number[] =
      shapeArg.length === 1 && Array.isArray(shapeArg[0]) ? [...(shapeArg[0] as Shape)] : (shapeArg as number[]);
    const shape = inferShape("reshape", req, this.size, this.shape);
    const out = new Tensor(this.data, shape, this.dtype);
    const inShape = this.shape;
    // a view of a gradient the backward pass owns is as much its own (nothing else holds the original)
    return record("reshape", [this], out, (g, gOwned) => {
      const gx = g.reshape(inShape);
      return [gOwned === true ? freshGrad(gx) : gx];
    });
  }

  /** Alias of {@link Tensor.reshape}. */
  view(...shapeArg: (number | Shape)[]): Tensor {
    return this.reshape(...shapeArg);
  }

  /** Converts to another dtype (differentiable between float dtypes). */
  cast(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const out = allocate(dtype, this.size);
    const src = this.data;
    if (dtype === "int32") {
      for (let i = 0; i < src.length; i++) out[i] = Math.trunc(src[i]!);
    } else if (dtype === "bool") {
      for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
    } else {
      out.set(src);
    }
    const t = new Tensor(out, this.shape, dtype);
    if (isFloat(dtype) && isFloat(this.dtype)) {
      const from = this.dtype;
      return record("cast", [this], t, (g) => [g.cast(from)]);
    }
    return t;
  }

  /** Shorthand for `cast('float32')`. */
  float(): Tensor {
    return this.cast("float32");
  }

  /** Shorthand for `cast('float64')`. */
  double(): Tensor {
    return this.cast("float64");
  }

  /** Shorthand for `cast('int32')`. */
  int(): Tensor {
    return this.cast("int32");
  }

  /**
   * Backpropagates from this tensor. A scalar (one element) gets gradient 1; any other tensor needs
   * an explicit upstream `grad` of the same shape.
   */
  backward(grad?: Tensor): void {
    if (!this.requiresGrad) {
      throw new ErlangenError(
        "backward: tensor does not require grad (no input had requiresGrad, or it was computed under noGrad)",
      );
    }
    let g: Tensor;
    if (grad === undefined) {
      if (this.size !== 1) {
        opError(
          "backward",
          "grad",
          `an explicit gradient for a non-scalar output of shape ${fmtShape(this.shape)}`,
          "none",
        );
      }
      g = new Tensor(allocate(this.dtype, 1).fill(1), this.shape, this.dtype);
    } else {
      if (grad.size !== this.size || grad.shape.some((d, i) => d !== this.shape[i]) || grad.ndim !== this.ndim) {
        opError("backward", "grad", `shape ${fmtShape(this.shape)}`, fmtShape(grad.shape));
      }
      g = grad.dtype === this.dtype ? grad : grad.cast(this.dtype);
    }
    runBackward(this, g);
  }

  /** Clears the gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** Copies `src` into this tensor's storage in place (no gradient); bumps {@link Tensor.version}. */
  copy_(src: Tensor): this {
    if (src.size !== this.size) opError("copy_", "src", `${this.size} elements`, `${src.size}`);
    this.data.set(src.dtype === this.dtype ? src.data : src.cast(this.dtype).data);
    this.version++;
    return this;
  }

  toString(): string {
    return formatTensor(this);
  }

  /** Node's `console.log` shows the readable form. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Resolves a requested shape with at most one -1 against an element count. */
export function inferShape(op: string, req: readonly number[], size: number, from: Shape): number[] {
  let unknown = -1;
  let known = 1;
  for (let i = 0; i < req.length; i++) {
    const d = req[i]!;
    if (d === -1) {
      if (unknown >= 0) opError(op, "shape", "at most one -1", fmtShape(req));
      unknown = i;
    } else if (!Number.isInteger(d) || d < 0) {
      opError(op, "shape", "non-negative integer sizes or -1", fmtShape(req));
    } else known *= d;
  }
  const shape = [...req];
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0)
      opError(op, "shape", `a shape compatible with ${fmtShape(from)} (${size} elements)`, fmtShape(req));
    shape[unknown] = size / known;
  } else if (known !== size) {
    opError(op, "shape", `${size} elements (from ${fmtShape(from)})`, `${fmtShape(req)} with ${known}`);
  }
  return shape;
}

function fmtNum(v: number, dtype: DType): string {
  if (dtype === "bool") return v ? "true" : "false";
  if (dtype === "int32") return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return `${v}.`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(4);
  return String(Number(v.toPrecision(5)));
}

/** Readable text like PyTorch's, eliding the middle of long axes. */
export function formatTensor(t: Tensor, edge = 3, threshold = 1000): string {
  const elide = t.size > threshold;
  const d = t.data;
  const strides = t.strides;
  const fmt = (axis: number, offset: number, indent: string): string => {
    if (t.shape.length === 0) return fmtNum(d[0]!, t.dtype);
    const n = t.shape[axis]!;
    const idx: (number | null)[] = [];
    if (elide && n > 2 * edge) {
      for (let i = 0; i < edge; i++) idx.push(i);
      idx.push(null);
      for (let i = n - edge; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (axis === t.shape.length - 1) {
      return `[${idx.map((i) => (i === null ? "..." : fmtNum(d[offset + i]!, t.dtype))).join(", ")}]`;
    }
    const sep = `,${"\n".repeat(t.shape.length - axis - 1)}${indent} `;
    return `[${idx.map((i) => (i === null ? "..." : fmt(axis + 1, offset + i * strides[axis]!, `${indent} `))).join(sep)}]`;
  };
  const body = fmt(0, 0, "       ");
  const extra = [
    t.dtype !== "float32" ? `dtype=${t.dtype}` : "",
    t.requiresGrad ? (t.gradFn ? `gradFn=${t.gradFn.name}` : "requiresGrad=true") : "",
  ]
    .filter((s) => s !== "")
    .join(", ");
  return `tensor(${body}${extra ? `, ${extra}` : ""})`;
}
