// Shared by the tensor-product kernels (o3.ts, the forward; o3_backward.ts, the gradients): the
// packed path descriptors, their connection modes, and the Clebsch–Gordan contractions over four
// samples in f32x4 lanes. Not a module export (index.ts re-exports the kernels only).

import { madd } from "./math";

// ---- tensor products -----------------------------------------------------------------------------
// A path descriptor is TP_PD i32 fields (packTensorProduct in ref/o3.ts): mode, U, V, W, d1, d2,
// d3, o1, o2, o3, hasWeight, wOff, gK, gI, gJ. The Clebsch–Gordan entries of each path are stored
// three times, grouped by k (output component), by i (x1 component) and by j (x2 component); gptr
// holds the group bounds (absolute entry indices) at gK (d3+1 values), gI (d1+1), gJ (d2+1). Entry
// e has the component offsets ei/ej/ek (in v128 units, i.e. ·16 bytes) and the value ev.

// @ts-ignore: decorator
@inline export const TP_PD: i32 = 16;
// @ts-ignore: decorator
@inline export const UVW: i32 = 0;
// @ts-ignore: decorator
@inline export const UVU: i32 = 1;
// @ts-ignore: decorator
@inline export const UVV: i32 = 2;
// @ts-ignore: decorator
@inline export const UUW: i32 = 3;
// @ts-ignore: decorator
@inline export const UUU: i32 = 4;

// @ts-ignore: decorator
@inline export function field(d: usize, k: i32): i32 {
  return load<i32>(d + (<usize>k << 2));
}

/** Σ_{e in group [e0, e1)} ev[e]·a[ei[e]]·b[ej[e]] over four lanes (a, b: the blocks of one copy). */
// @ts-ignore: decorator
@inline export function contractGroup(a: usize, b: usize, e0: i32, e1: i32, ei: usize, ej: usize, ev: usize): v128 {
  let acc = f32x4.splat(0);
  for (let e = e0; e < e1; e++) {
    const o = <usize>e << 2;
    const x = v128.load(a + (<usize>load<i32>(ei + o) << 4));
    const y = v128.load(b + (<usize>load<i32>(ej + o) << 4));
    acc = madd(v128.load32_splat(ev + o), f32x4.mul(x, y), acc);
  }
  return acc;
}

/**
 * T[r·d3 + k] for every row r of a dense path (rows (u, v), or u for uuw). For uvw, four v share each
 * entry's x1 factor: T[(u, v..v+3)][k] = Σ_e (ev·x1[u][ei])·x2[v..v+3][ej], in registers.
 */
export function contractRows(d: usize, xa: usize, xb: usize, T: usize, gptr: usize, ei: usize, ej: usize, ev: usize): void {
  const mode = field(d, 0);
  const U = field(d, 1);
  const V = field(d, 2);
  const d1 = field(d, 4);
  const d2 = field(d, 5);
  const d3 = field(d, 6);
  const o1 = field(d, 7);
  const o2 = field(d, 8);
  const gk = gptr + (<usize>field(d, 12) << 2);
  const rs = <usize>d3 << 4;
  if (mode == UUW || mode == UUU) {
    for (let u = 0; u < U; u++) {
      const a = xa + (<usize>(o1 + u * d1) << 4);
      const b = xb + (<usize>(o2 + u * d2) << 4);
      const t = T + <usize>u * rs;
      for (let k = 0; k < d3; k++) {
        const g = gk + (<usize>k << 2);
        v128.store(t + (<usize>k << 4), contractGroup(a, b, load<i32>(g), load<i32>(g, 4), ei, ej, ev));
      }
    }
    return;
  }
  const bs = <usize>d2 << 4;
  for (let u = 0; u < U; u++) {
    const a = xa + (<usize>(o1 + u * d1) << 4);
    const tu = T + <usize>(u * V) * rs;
    for (let k = 0; k < d3; k++) {
      const g = gk + (<usize>k << 2);
      const e0 = load<i32>(g);
      const e1 = load<i32>(g, 4);
      const ko = <usize>k << 4;
      let v = 0;
      for (; v + 4 <= V; v += 4) {
        const b = xb + (<usize>(o2 + v * d2) << 4);
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        for (let e = e0; e < e1; e++) {
          const o = <usize>e << 2;
          const xu = f32x4.mul(v128.load32_splat(ev + o), v128.load(a + (<usize>load<i32>(ei + o) << 4)));
          const bj = b + (<usize>load<i32>(ej + o) << 4);
          a0 = madd(xu, v128.load(bj), a0);
          a1 = madd(xu, v128.load(bj + bs), a1);
          a2 = madd(xu, v128.load(bj + 2 * bs), a2);
          a3 = madd(xu, v128.load(bj + 3 * bs), a3);
        }
        const t = tu + <usize>v * rs + ko;
        v128.store(t, a0);
        v128.store(t + rs, a1);
        v128.store(t + 2 * rs, a2);
        v128.store(t + 3 * rs, a3);
      }
      for (; v < V; v++) {
        const b = xb + (<usize>(o2 + v * d2) << 4);
        v128.store(tu + <usize>v * rs + ko, contractGroup(a, b, e0, e1, ei, ej, ev));
      }
    }
  }
}

/** The output copy a row of a one-to-one path (uvu, uvv, uuu, uvuv) adds to. */
// @ts-ignore: decorator
@inline export function targetOf(mode: i32, r: i32, V: i32): i32 {
  if (mode == UVU) return r / V;
  if (mode == UVV) return r % V;
  return r; // uuu (rows are u) and uvuv
}
