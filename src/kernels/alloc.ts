/**
 * Output arrays for kernels that overwrite them in full. (One feature check, not an import: Node's
 * `Buffer.allocUnsafeSlow` where it exists, zero-filled arrays elsewhere; the browser-safe core
 * imports no `node:` module.)
 */
import type { FloatArray } from "./ref/linalg.js";

/** Arrays from this many elements on come uninitialised from {@link emptyFloats} where the platform allows. */
const EMPTY_MIN = 1 << 16;

type UnsafeAlloc = (bytes: number) => { buffer: ArrayBuffer; byteOffset: number };

/** Node's `Buffer.allocUnsafeSlow` (memory not zeroed, not pooled), or null in browsers. */
const unsafeAlloc: UnsafeAlloc | null = (() => {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow?: UnsafeAlloc } }).Buffer;
  return typeof B?.allocUnsafeSlow === "function" ? B.allocUnsafeSlow.bind(B) : null;
})();

/**
 * A float64 (when `f64`) or float32 array of `size` elements with unspecified contents (like
 * `torch.empty`), for outputs that a kernel overwrites in full. In Node large arrays are not
 * zero-filled (zeroing the 6.4 MB output of a conv layer costs about 0.3 ms); in browsers, and for
 * small sizes, the array is zero-filled.
 */
export function emptyFloats(f64: boolean, size: number): FloatArray {
  if (unsafeAlloc === null || size < EMPTY_MIN) return f64 ? new Float64Array(size) : new Float32Array(size);
  const b = unsafeAlloc(size * (f64 ? 8 : 4));
  return f64 ? new Float64Array(b.buffer, b.byteOffset, size) : new Float32Array(b.buffer, b.byteOffset, size);
}

/** A zero-filled float64 (when `f64`) or float32 array of `size` elements. */
export function zeroFloats(f64: boolean, size: number): FloatArray {
  return f64 ? new Float64Array(size) : new Float32Array(size);
}
