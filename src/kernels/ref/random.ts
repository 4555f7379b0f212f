/**
 * Reference (TypeScript) random masks from xoshiro128** streams, twins of `wasm/assembly/random.ts`:
 * both paths draw the same numbers and give the same masks.
 */
import type { FloatArray } from "./linalg.js";

/**
 * Inverted dropout with a local xoshiro128** stream (seed: four int32 words, not all zero; an all-zero
 * seed is replaced by [1, 0, 0, 0]): each 32-bit draw decides two elements (its low 16 bits, then its
 * high 16 bits); an element is kept when those bits are ≥ ⌊p·65536⌋, and kept elements are scaled
 * by 1/(1 − p) (rounded to the array's precision). With `relu`, elements that are not > 0 are
 * dropped too. Writes out = d·k and, when given, mask = k. (The stream of the graph models'
 * `fastDropout` / `reluDropout`.)
 */
export function dropoutMaskRef(
  d: FloatArray,
  mask: FloatArray | null,
  out: FloatArray,
  n: number,
  seed: readonly number[],
  p: number,
  relu: boolean,
): void {
  let s0 = seed[0]! | 0;
  let s1 = seed[1]! | 0;
  let s2 = seed[2]! | 0;
  let s3 = seed[3]! | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const thr = Math.floor(p * 65536);
  const scale = d instanceof Float32Array ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
  for (let i = 0; i < n; i += 2) {
    const m5 = Math.imul(s1, 5);
    const r = Math.imul((m5 << 7) | (m5 >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const d0 = d[i]!;
    const k0 = (r & 0xffff) >= thr && (!relu || d0 > 0) ? scale : 0;
    if (mask !== null) mask[i] = k0;
    out[i] = d0 * k0;
    if (i + 1 < n) {
      const d1 = d[i + 1]!;
      const k1 = r >>> 16 >= thr && (!relu || d1 > 0) ? scale : 0;
      if (mask !== null) mask[i + 1] = k1;
      out[i + 1] = d1 * k1;
    }
  }
}

/**
 * Inverted-dropout mask from a xoshiro128** state (the Generator's stream): one draw per element,
 * out[i] = `scale` when the draw's top 24 bits are ≥ thr, else 0; `state` (s0..s3 as int32) is advanced.
 */
export function bernoulliMaskRef(out: FloatArray, state: Int32Array, thr: number, scale: number): void {
  let s0 = state[0]!;
  let s1 = state[1]!;
  let s2 = state[2]!;
  let s3 = state[3]!;
  for (let i = 0; i < out.length; i++) {
    const m5 = Math.imul(s1, 5);
    const r = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 8;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[i] = r >= thr ? scale : 0;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}
