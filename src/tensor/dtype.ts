import { emptyFloats } from "../kernels/alloc.js";

/** Element types a {@link Tensor} can hold. `bool` is stored as bytes (0 or 1). */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The typed array behind each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Float dtypes: the only ones that carry gradients. */
export type FloatDType = "float32" | "float64";

/** Allocates a zero-filled typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
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
}

/**
 * A float32 or float64 array of `size` elements with unspecified contents (like `torch.empty`), for
 * outputs that a kernel overwrites in full. In Node large arrays are not zero-filled (zeroing the
 * 6.4 MB output of a conv layer costs about 0.3 ms); in browsers, and for small sizes, the array is
 * zero-filled as by {@link allocate}. (See `emptyFloats` in `kernels/alloc.ts`.)
 */
export function allocateEmpty(dtype: FloatDType, size: number): Float32Array | Float64Array {
  return emptyFloats(dtype === "float64", size);
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
