/**
 * Reference (plain TypeScript) sparse linear maps along one axis of a row-major array: the separable
 * pieces of average pooling, adaptive average pooling and interpolation (nearest, linear). A map is
 * built once per axis and applied (or its transpose, for the backward pass) to every line.
 */
import type { FloatArray } from "./linalg.js";

/** A sparse linear map along one axis: output o = Σ w[j]·input[idx[j]] over j in [ptr[o], ptr[o+1]). */
export interface AxisMap {
  nIn: number;
  nOut: number;
  ptr: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

/** The map with, for each output o, the entries that `entries(o, push)` pushes (input index, weight). */
export function axisMap(
  nIn: number,
  nOut: number,
  entries: (o: number, push: (i: number, w: number) => void) => void,
): AxisMap {
  const ptr = new Int32Array(nOut + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let o = 0; o < nOut; o++) {
    entries(o, (i, v) => {
      idx.push(i);
      w.push(v);
    });
    ptr[o + 1] = idx.length;
  }
  return { nIn, nOut, ptr, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/** The transposed map (the adjoint: from the outputs back to the inputs). */
export function transposeAxisMap(m: AxisMap): AxisMap {
  const lists: [number, number][][] = Array.from({ length: m.nIn }, () => []);
  for (let o = 0; o < m.nOut; o++) for (let j = m.ptr[o]!; j < m.ptr[o + 1]!; j++) lists[m.idx[j]!]!.push([o, m.w[j]!]);
  return axisMap(m.nOut, m.nIn, (o, push) => {
    for (const [i, v] of lists[o]!) push(i, v);
  });
}

/** dst[a, o, c] = Σ w·src[a, idx, c] for src [outer, nIn, inner]. */
export function applyAxisMap(src: FloatArray, outer: number, inner: number, m: AxisMap, dst: FloatArray): void {
  const { nIn, nOut, ptr, idx, w } = m;
  dst.fill(0);
  for (let a = 0; a < outer; a++) {
    const sBase = a * nIn * inner;
    const dBase = a * nOut * inner;
    for (let o = 0; o < nOut; o++) {
      const dOff = dBase + o * inner;
      for (let j = ptr[o]!; j < ptr[o + 1]!; j++) {
        const v = w[j]!;
        const sOff = sBase + idx[j]! * inner;
        if (inner === 1) dst[dOff]! += v * src[sOff]!;
        else for (let c = 0; c < inner; c++) dst[dOff + c]! += v * src[sOff + c]!;
      }
    }
  }
}
