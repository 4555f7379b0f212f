/** Tensor factories: from data, constants, ranges, and seeded random draws. */
import { allocate, type DType, dtypeOfArray, type TypedArray } from "./dtype.js";
import { fmtShape, opError } from "./errors.js";
import { type Generator, getDefaultGenerator } from "./rng.js";
import { type NestedArray, type Shape, shapeSize, Tensor } from "./tensor.js";

/** Options shared by the factories. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** Options of the random factories. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts?: TensorOptions): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function inferNestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return shape;
}

/** How a non-numeric leaf looks in an error: `the string "a"`, `null`, `an object`. */
function describeLeaf(v: unknown): string {
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === "bigint") return `the bigint ${v}n`;
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** The multi-index of flat position `i` in `shape`, as `[1, 2]`. */
function indexOf(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx.unshift(n > 0 ? i % n : 0);
    i = n > 0 ? Math.floor(i / n) : 0;
  }
  return `[${idx.join(", ")}]`;
}

function flatten(data: NestedArray, shape: number[], out: TypedArray, depth: number, offset: { i: number }): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) opError("tensor", "data", "a rectangular nested array", "a ragged one (too deep)");
    const v = data as unknown;
    // strings, null, objects … would become NaN (or 0) in a typed array: refuse them by name and position
    if (typeof v !== "number" && typeof v !== "boolean")
      opError("tensor", "data", "numbers or booleans", `${describeLeaf(v)} at index ${indexOf(offset.i, shape)}`);
    out[offset.i++] = typeof v === "boolean" ? (v ? 1 : 0) : v;
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    opError(
      "tensor",
      "data",
      `a rectangular nested array (length ${shape[depth]} at depth ${depth})`,
      Array.isArray(data) ? `length ${data.length}` : "a scalar",
    );
  }
  for (const x of data as readonly NestedArray[]) flatten(x, shape, out, depth + 1, offset);
}

function firstLeaf(data: NestedArray): number | boolean | undefined {
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    if (cur.length === 0) return undefined;
    cur = cur[0] as NestedArray;
  }
  return cur as number | boolean;
}

/**
 * Creates a tensor from nested arrays, a typed array (with `shape`) or a number.
 * The dtype defaults to `float32` for numbers, `bool` for booleans, and the array's own type for typed arrays.
 */
export function tensor(data: NestedArray | TypedArray, opts: TensorOptions & { shape?: Shape } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const src = data as TypedArray;
    const dtype = opts.dtype ?? dtypeOfArray(src);
    const shape = opts.shape ?? [src.length];
    if (shapeSize(shape) !== src.length) opError("tensor", "shape", `${src.length} elements`, `${fmtShape(shape)}`);
    const arr = allocate(dtype, src.length);
    arr.set(src);
    return finish(new Tensor(arr, shape, dtype), opts);
  }
  const shape = inferNestedShape(data as NestedArray);
  const leaf = firstLeaf(data as NestedArray);
  const dtype = opts.dtype ?? (typeof leaf === "boolean" ? "bool" : "float32");
  const arr = allocate(dtype, shapeSize(shape));
  flatten(data as NestedArray, shape, arr, 0, { i: 0 });
  const t = new Tensor(arr, opts.shape ?? shape, dtype);
  return finish(t, opts);
}

/** A scalar (0-d) tensor. */
export function scalar(value: number, opts: TensorOptions = {}): Tensor {
  const arr = allocate(opts.dtype ?? "float32", 1);
  arr[0] = value;
  return finish(new Tensor(arr, [], opts.dtype ?? "float32"), opts);
}

function checkShape(op: string, shape: Shape): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) opError(op, "shape", "non-negative integer sizes", fmtShape(shape));
}

/** Filled with `value`. */
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkShape("full", shape);
  const dtype = opts.dtype ?? "float32";
  const arr = allocate(dtype, shapeSize(shape), "full", shape);
  if (value !== 0) arr.fill(value);
  return finish(new Tensor(arr, shape, dtype), opts);
}

/** Zeros. */
export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** Ones. */
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros shaped like `t` (same dtype unless given). */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}

/** Ones shaped like `t`. */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}

/** `value` shaped like `t`. */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/**
 * `[start, start+step, ...)` up to `end` (exclusive). With one argument, `arange(n)` is 0..n-1.
 * Integer arguments give int32 unless a dtype is given.
 */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) opError("arange", "step", "a non-zero finite number", String(step));
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = opts.dtype ?? (allInt ? "int32" : "float32");
  const arr = allocate(dtype, n, "arange", [n]);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return finish(new Tensor(arr, [n], dtype), opts);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) opError("linspace", "steps", "a non-negative integer", String(steps));
  const dtype = opts.dtype ?? "float32";
  const arr = allocate(dtype, steps, "linspace", [steps]);
  for (let i = 0; i < steps; i++) arr[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return finish(new Tensor(arr, [steps], dtype), opts);
}

/** Identity matrix `n × m` (m defaults to n). */
export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  checkShape("eye", [n, m]);
  const dtype = opts.dtype ?? "float32";
  const arr = allocate(dtype, n * m, "eye", [n, m]);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(new Tensor(arr, [n, m], dtype), opts);
}

/** Uniform on [0, 1) from the seeded generator. */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return uniform(shape, 0, 1, opts);
}

/** Uniform on [low, high). */
export function uniform(shape: Shape, low: number, high: number, opts: RandomOptions = {}): Tensor {
  checkShape("uniform", shape);
  const g = opts.generator ?? getDefaultGenerator();
  const dtype = opts.dtype ?? "float32";
  const arr = allocate(dtype, shapeSize(shape), "uniform", shape);
  if (arr instanceof Float32Array || arr instanceof Float64Array) g.fillUniform(arr, low, high);
  else for (let i = 0; i < arr.length; i++) arr[i] = g.uniform(low, high);
  return finish(new Tensor(arr, shape, dtype), opts);
}

/** Standard normal (times `std`, plus `mean`) from the seeded generator. */
export function randn(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape("randn", shape);
  const g = opts.generator ?? getDefaultGenerator();
  const dtype = opts.dtype ?? "float32";
  const arr = allocate(dtype, shapeSize(shape), "randn", shape);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  if (arr instanceof Float32Array || arr instanceof Float64Array) g.fillNormal(arr, mean, std);
  else for (let i = 0; i < arr.length; i++) arr[i] = Math.round(g.normal(mean, std));
  return finish(new Tensor(arr, shape, dtype), opts);
}

/** Integers uniform in [low, high) (int32 by default). */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  checkShape("randint", shape);
  if (!(high > low)) opError("randint", "high", `a value > low (${low})`, String(high));
  const g = opts.generator ?? getDefaultGenerator();
  const dtype = opts.dtype ?? "int32";
  const arr = allocate(dtype, shapeSize(shape), "randint", shape);
  for (let i = 0; i < arr.length; i++) arr[i] = g.randint(low, high);
  return finish(new Tensor(arr, shape, dtype), opts);
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? getDefaultGenerator();
  return new Tensor(g.permutation(n), [n], "int32");
}
