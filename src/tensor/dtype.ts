import { ErlangenError } from "./errors.js";

/** Element types a {@link Tensor} can hold. `bool` is stored as bytes (0 or 1). */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The typed array behind each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Float dtypes: the only ones that carry gradients. */
export type FloatDType = "float32" | "float64";

/** Most elements one tensor may hold: 2^32, the longest typed array V8 (Node, Chrome) allows. */
export const MAX_TENSOR_ELEMENTS = 2 ** 32;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function describeTensor(dtype: DType, size: number, shape?: readonly number[]): string {
  const bytes = size * BYTES[dtype];
  const amount =
    bytes >= 1e9
      ? `${(bytes / 1e9).toPrecision(3)} GB`
      : bytes >= 1e6
        ? `${(bytes / 1e6).toPrecision(3)} MB`
        : `${bytes} bytes`;
  const n = Number.isFinite(size) ? size.toLocaleString("en-US") : String(size);
  return `a ${dtype} tensor${shape === undefined ? "" : ` of shape [${shape.join(", ")}]`} (${n} elements, ${amount})`;
}

/**
 * Throws an {@link ErlangenError} naming `op` and the size requested unless `size` elements of
 * `dtype` (the tensor of `shape`, when given) can be allocated: a non-negative integer of at most
 * {@link MAX_TENSOR_ELEMENTS}.
 */
export function checkAllocation(op: string, dtype: DType, size: number, shape?: readonly number[]): void {
  if (Number.isSafeInteger(size) && size >= 0 && size <= MAX_TENSOR_ELEMENTS) return;
  if (!Number.isInteger(size) || size < 0)
    throw new ErlangenError(
      `${op}: cannot allocate ${describeTensor(dtype, size, shape)}: the size must be a non-negative integer`,
    );
  throw new ErlangenError(
    `${op}: cannot allocate ${describeTensor(dtype, size, shape)}: more than the limit of ${MAX_TENSOR_ELEMENTS.toLocaleString("en-US")} elements per tensor`,
  );
}

/**
 * Allocates a zero-filled typed array for `dtype`. A size beyond {@link MAX_TENSOR_ELEMENTS}, or one
 * the platform cannot provide (out of memory), throws an {@link ErlangenError} naming `op` and the
 * size instead of a raw `RangeError`.
 */
export function allocate(dtype: DType, size: number, op = "allocate", shape?: readonly number[]): TypedArray {
  checkAllocation(op, dtype, size, shape);
  try {
    switch (dtype) {
      case "float32":
        return new Float32Array(size);
      case "float64":
        return new Float64Array(size);
      case "int32":
        return new Int32Array(size);
      case "bool":
        return new Uint8Array(size);
    }
  } catch (e) {
    if (e instanceof RangeError)
      throw new ErlangenError(
        `${op}: cannot allocate ${describeTensor(dtype, size, shape)}: out of memory (${e.message})`,
      );
    throw e;
  }
}

/** Arrays from this many elements on come uninitialised from {@link allocateEmpty} where the platform allows. */
const EMPTY_MIN = 1 << 12;

type UnsafeAlloc = (bytes: number) => { buffer: ArrayBuffer; byteOffset: number };

/** Node's `Buffer.allocUnsafeSlow` (memory not zeroed, not pooled), or null in browsers. */
const unsafeAlloc: UnsafeAlloc | null = (() => {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow?: UnsafeAlloc } }).Buffer;
  return typeof B?.allocUnsafeSlow === "function" ? B.allocUnsafeSlow.bind(B) : null;
})();

/**
 * A float32 or float64 array of `size` elements with unspecified contents (like `torch.empty`), for
 * outputs that a kernel overwrites in full. In Node large arrays are not zero-filled (zeroing the
 * 6.4 MB output of a conv layer costs about 0.3 ms); in browsers, and for small sizes, the array is
 * zero-filled as by {@link allocate}.
 */
export function allocateEmpty(dtype: FloatDType, size: number): Float32Array | Float64Array {
  const bytesPer = dtype === "float32" ? 4 : 8;
  if (unsafeAlloc === null || size < EMPTY_MIN) return allocate(dtype, size) as Float32Array | Float64Array;
  if (reusePool !== null) {
    const reused = (dtype === "float32" ? reusePool.f32 : reusePool.f64).get(size)?.pop();
    if (reused !== undefined) return reused;
  }
  checkAllocation("allocateEmpty", dtype, size);
  let b: { buffer: ArrayBuffer; byteOffset: number };
  try {
    b = unsafeAlloc(size * bytesPer);
  } catch (e) {
    if (e instanceof RangeError)
      throw new ErlangenError(
        `allocateEmpty: cannot allocate ${describeTensor(dtype, size)}: out of memory (${e.message})`,
      );
    throw e;
  }
  return dtype === "float32"
    ? new Float32Array(b.buffer, b.byteOffset, size)
    : new Float64Array(b.buffer, b.byteOffset, size);
}

/** Arrays handed back by {@link recycleArray} while a {@link withReusePool} scope is open, by length. */
interface ReusePool {
  f32: Map<number, Float32Array[]>;
  f64: Map<number, Float64Array[]>;
}

let reusePool: ReusePool | null = null;

/**
 * Runs `fn` with a pool of reusable arrays open: arrays given to {@link recycleArray} inside it are
 * handed out again by {@link allocateEmpty} for the same dtype and length (from {@link EMPTY_MIN}
 * elements on, where its contents are unspecified anyway), while they are still in the cache, instead
 * of fresh memory. The pool is dropped when `fn` returns (an enclosing scope's pool is restored).
 * The backward pass runs in one (see `runBackward`).
 */
export function withReusePool<T>(fn: () => T): T {
  const prev = reusePool;
  reusePool = { f32: new Map(), f64: new Map() };
  try {
    return fn();
  } finally {
    reusePool = prev;
  }
}

/**
 * Gives the storage of `a` to the open {@link withReusePool} scope, if any: the caller promises that
 * nothing reads or writes `a` (or any view of its buffer) afterwards. Arrays that are views into a
 * larger buffer, or shorter than {@link EMPTY_MIN} elements, are ignored.
 */
export function recycleArray(a: Float32Array | Float64Array): void {
  const pool = reusePool;
  if (pool === null || a.length < EMPTY_MIN || a.byteLength !== a.buffer.byteLength) return;
  if (a instanceof Float32Array) pushTo(pool.f32, a);
  else pushTo(pool.f64, a);
}

function pushTo<A>(m: Map<number, A[]>, a: A & { length: number }): void {
  const list = m.get(a.length);
  if (list === undefined) m.set(a.length, [a]);
  else list.push(a);
}

/** The dtype a typed array stores natively. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  return "bool";
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

/** Result dtype of a binary arithmetic op (float64 > float32 > int32 > bool). */
export function promoteTypes(a: DType, b: DType): DType {
  const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
  return rank[a] >= rank[b] ? a : b;
}
