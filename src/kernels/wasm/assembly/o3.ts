// O(3) kernels: tensor products of irreps features through their nonzero Clebsch–Gordan entries
// (the forward here, the gradients in o3_backward.ts, the path layout and contractions in
// o3_paths.ts; real spherical harmonics and radial bases in o3_bases.ts). The kernels work on blocks
// of four samples, one per f32x4 lane: each block is transposed into lanes, every path is a small
// dense product over the lanes, and the result is transposed back. Pointers are byte offsets, sizes
// element counts. Twins and the packed layouts: src/kernels/ref/o3.ts; JS side: src/kernels/wasm/o3.ts.

import { madd } from "./math";
import { lanesToRows, rowsToLanes } from "./lanes";
import { TP_PD, UVW, UVU, UUW, UUU, field, contractGroup, contractRows, targetOf } from "./o3_paths";

/** Adds one path to the output block `ob` of four samples. */
function pathForward(
  d: usize,
  pw: v128,
  xa: usize,
  xb: usize,
  wv: usize,
  ob: usize,
  T: usize,
  gptr: usize,
  ei: usize,
  ej: usize,
  ev: usize,
): void {
  const mode = field(d, 0);
  const U = field(d, 1);
  const V = field(d, 2);
  const W = field(d, 3);
  const d3 = field(d, 6);
  const o3 = field(d, 9);
  const hasW = field(d, 10) != 0;
  const wb = wv + (<usize>field(d, 11) << 4);
  const uu = mode == UUW || mode == UUU;
  const rows = uu ? U : U * V;
  const rs = <usize>d3 << 4;
  if (mode == UVW || mode == UUW) {
    contractRows(d, xa, xb, T, gptr, ei, ej, ev);
    const ws = <usize>W << 4;
    if (!hasW) {
      for (let k = 0; k < d3; k++) {
        const tk = T + (<usize>k << 4);
        let acc = f32x4.splat(0);
        for (let r = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(tk + <usize>r * rs));
        acc = f32x4.mul(pw, acc);
        const ok = ob + (<usize>(o3 + k) << 4);
        for (let w = 0; w < W; w++) {
          const o = ok + <usize>w * rs;
          v128.store(o, f32x4.add(v128.load(o), acc));
        }
      }
      return;
    }
    // out[w][k] += pw · Σ_r W[r, w] · T[r][k]: tiles of 4 w × 2 k in registers
    let k = 0;
    for (; k + 2 <= d3; k += 2) {
      const tk = T + (<usize>k << 4);
      const ok = ob + (<usize>(o3 + k) << 4);
      let w = 0;
      for (; w + 4 <= W; w += 4) {
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        let b0 = a0;
        let b1 = a0;
        let b2 = a0;
        let b3 = a0;
        let wp = wb + (<usize>w << 4);
        let tp = tk;
        for (let r = 0; r < rows; r++) {
          const t0 = v128.load(tp);
          const t1 = v128.load(tp, 16);
          const w0 = v128.load(wp);
          const w1 = v128.load(wp, 16);
          const w2 = v128.load(wp, 32);
          const w3 = v128.load(wp, 48);
          a0 = madd(w0, t0, a0);
          b0 = madd(w0, t1, b0);
          a1 = madd(w1, t0, a1);
          b1 = madd(w1, t1, b1);
          a2 = madd(w2, t0, a2);
          b2 = madd(w2, t1, b2);
          a3 = madd(w3, t0, a3);
          b3 = madd(w3, t1, b3);
          wp += ws;
          tp += rs;
        }
        let o = ok + <usize>w * rs;
        v128.store(o, madd(pw, a0, v128.load(o)));
        v128.store(o, madd(pw, b0, v128.load(o, 16)), 16);
        o += rs;
        v128.store(o, madd(pw, a1, v128.load(o)));
        v128.store(o, madd(pw, b1, v128.load(o, 16)), 16);
        o += rs;
        v128.store(o, madd(pw, a2, v128.load(o)));
        v128.store(o, madd(pw, b2, v128.load(o, 16)), 16);
        o += rs;
        v128.store(o, madd(pw, a3, v128.load(o)));
        v128.store(o, madd(pw, b3, v128.load(o, 16)), 16);
      }
      for (; w < W; w++) {
        let a0 = f32x4.splat(0);
        let b0 = a0;
        let wp = wb + (<usize>w << 4);
        let tp = tk;
        for (let r = 0; r < rows; r++) {
          const c = v128.load(wp);
          a0 = madd(c, v128.load(tp), a0);
          b0 = madd(c, v128.load(tp, 16), b0);
          wp += ws;
          tp += rs;
        }
        const o = ok + <usize>w * rs;
        v128.store(o, madd(pw, a0, v128.load(o)));
        v128.store(o, madd(pw, b0, v128.load(o, 16)), 16);
      }
    }
    if (k < d3) {
      const tk = T + (<usize>k << 4);
      const ok = ob + (<usize>(o3 + k) << 4);
      let w = 0;
      for (; w + 4 <= W; w += 4) {
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        let wp = wb + (<usize>w << 4);
        let tp = tk;
        for (let r = 0; r < rows; r++) {
          const t = v128.load(tp);
          a0 = madd(v128.load(wp), t, a0);
          a1 = madd(v128.load(wp, 16), t, a1);
          a2 = madd(v128.load(wp, 32), t, a2);
          a3 = madd(v128.load(wp, 48), t, a3);
          wp += ws;
          tp += rs;
        }
        const o = ok + <usize>w * rs;
        v128.store(o, madd(pw, a0, v128.load(o)));
        v128.store(o + rs, madd(pw, a1, v128.load(o + rs)));
        v128.store(o + 2 * rs, madd(pw, a2, v128.load(o + 2 * rs)));
        v128.store(o + 3 * rs, madd(pw, a3, v128.load(o + 3 * rs)));
      }
      for (; w < W; w++) {
        let a0 = f32x4.splat(0);
        let wp = wb + (<usize>w << 4);
        let tp = tk;
        for (let r = 0; r < rows; r++) {
          a0 = madd(v128.load(wp), v128.load(tp), a0);
          wp += ws;
          tp += rs;
        }
        const o = ok + <usize>w * rs;
        v128.store(o, madd(pw, a0, v128.load(o)));
      }
    }
    return;
  }
  const d1 = field(d, 4);
  const d2 = field(d, 5);
  const o1 = field(d, 7);
  const o2 = field(d, 8);
  const gk = gptr + (<usize>field(d, 12) << 2);
  let r0 = 0;
  if (mode == UVU && V == 1) {
    // one x2 copy, row r = u writes output copy u: four u at a time share each entry's indices,
    // coefficient and x2 factor; each (u, k) sums its entries in order, as contractGroup does
    const b = xb + (<usize>o2 << 4);
    const as = <usize>d1 << 4;
    for (; r0 + 4 <= U; r0 += 4) {
      const a = xa + (<usize>(o1 + r0 * d1) << 4);
      const o = ob + (<usize>(o3 + r0 * d3) << 4);
      const c0 = hasW ? f32x4.mul(pw, v128.load(wb + (<usize>r0 << 4))) : pw;
      const c1 = hasW ? f32x4.mul(pw, v128.load(wb + (<usize>(r0 + 1) << 4))) : pw;
      const c2 = hasW ? f32x4.mul(pw, v128.load(wb + (<usize>(r0 + 2) << 4))) : pw;
      const c3 = hasW ? f32x4.mul(pw, v128.load(wb + (<usize>(r0 + 3) << 4))) : pw;
      for (let k = 0; k < d3; k++) {
        const g = gk + (<usize>k << 2);
        const e1 = load<i32>(g, 4);
        let t0 = f32x4.splat(0);
        let t1 = t0;
        let t2 = t0;
        let t3 = t0;
        for (let e = load<i32>(g); e < e1; e++) {
          const eo = <usize>e << 2;
          const x = a + (<usize>load<i32>(ei + eo) << 4);
          const y = v128.load(b + (<usize>load<i32>(ej + eo) << 4));
          const c = v128.load32_splat(ev + eo);
          t0 = madd(c, f32x4.mul(v128.load(x), y), t0);
          t1 = madd(c, f32x4.mul(v128.load(x + as), y), t1);
          t2 = madd(c, f32x4.mul(v128.load(x + 2 * as), y), t2);
          t3 = madd(c, f32x4.mul(v128.load(x + 3 * as), y), t3);
        }
        const ok = o + (<usize>k << 4);
        const os = rs;
        v128.store(ok, madd(c0, t0, v128.load(ok)));
        v128.store(ok + os, madd(c1, t1, v128.load(ok + os)));
        v128.store(ok + 2 * os, madd(c2, t2, v128.load(ok + 2 * os)));
        v128.store(ok + 3 * os, madd(c3, t3, v128.load(ok + 3 * os)));
      }
    }
  }
  for (let r = r0; r < rows; r++) {
    const u = uu ? r : r / V;
    const v = uu ? r : r % V;
    const c = hasW ? f32x4.mul(pw, v128.load(wb + (<usize>r << 4))) : pw;
    const a = xa + (<usize>(o1 + u * d1) << 4);
    const b = xb + (<usize>(o2 + v * d2) << 4);
    const o = ob + (<usize>(o3 + targetOf(mode, r, V) * d3) << 4);
    for (let k = 0; k < d3; k++) {
      const g = gk + (<usize>k << 2);
      const t = contractGroup(a, b, load<i32>(g), load<i32>(g, 4), ei, ej, ev);
      const ok = o + (<usize>k << 4);
      v128.store(ok, madd(c, t, v128.load(ok)));
    }
  }
}

/**
 * out[Z×D3] = the tensor product of x1[Z×D1] and x2[Z×D2] through the nPaths packed paths, with
 * weights w ([P] shared, or [Z×P] when perSample). `scratch` holds (D1 + D2 + D3 + P + maxRT)·16 bytes
 * (maxRT: the largest rows·d3 of a uvw/uuw path).
 */
export function tpForwardF32(
  x1: usize,
  x2: usize,
  w: usize,
  perSample: i32,
  Z: i32,
  D1: i32,
  D2: i32,
  D3: i32,
  P: i32,
  desc: usize,
  nPaths: i32,
  pwp: usize,
  ei: usize,
  ej: usize,
  ev: usize,
  gptr: usize,
  out: usize,
  scratch: usize,
): void {
  const xa = scratch;
  const xb = xa + (<usize>D1 << 4);
  const ob = xb + (<usize>D2 << 4);
  const wv = ob + (<usize>D3 << 4);
  const T = wv + (<usize>P << 4);
  if (!perSample) for (let p = 0; p < P; p++) v128.store(wv + (<usize>p << 4), v128.load32_splat(w + (<usize>p << 2)));
  for (let z0 = 0; z0 < Z; z0 += 4) {
    const nl = min(4, Z - z0);
    rowsToLanes(x1 + (<usize>z0 * <usize>D1 << 2), <usize>D1 << 2, nl, D1, xa);
    rowsToLanes(x2 + (<usize>z0 * <usize>D2 << 2), <usize>D2 << 2, nl, D2, xb);
    if (perSample) rowsToLanes(w + (<usize>z0 * <usize>P << 2), <usize>P << 2, nl, P, wv);
    memory.fill(ob, 0, <usize>D3 << 4);
    for (let q = 0; q < nPaths; q++) {
      const d = desc + (<usize>(q * TP_PD) << 2);
      pathForward(d, v128.load32_splat(pwp + (<usize>q << 2)), xa, xb, wv, ob, T, gptr, ei, ej, ev);
    }
    lanesToRows(ob, D3, nl, out + (<usize>z0 * <usize>D3 << 2), <usize>D3 << 2);
  }
}
