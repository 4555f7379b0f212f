// O(3) kernels: tensor products of irreps features through their nonzero Clebsch–Gordan entries,
// real spherical harmonics with their gradient, and the radial bases and cutoffs of the atomistic
// models. The tensor product and harmonics kernels work on blocks of four samples, one per f32x4
// lane: each block is transposed into lanes, every path is a small dense product over the lanes, and
// the result is transposed back. Pointers are byte offsets, sizes element counts. Twins and the
// packed layouts: src/kernels/ref/o3.ts; JS side: src/kernels/wasm/o3.ts.

import { kc, K_ONE, madd, vexp } from "./math";

// ---- lanes <-> rows ----------------------------------------------------------------------------

/** dst[f] (v128) gets lane l = src[l·stride + f] (f32) for l < nl, 0 in the other lanes; f < n. */
function rowsToLanes(src: usize, stride: usize, nl: i32, n: i32, dst: usize): void {
  let f = 0;
  if (nl == 4) {
    const r1 = src + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    for (; f + 4 <= n; f += 4) {
      const o = <usize>f << 2;
      const q0 = v128.load(src + o);
      const q1 = v128.load(r1 + o);
      const q2 = v128.load(r2 + o);
      const q3 = v128.load(r3 + o);
      const t0 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
      const d = dst + (<usize>f << 4);
      v128.store(d, v128.shuffle<i64>(t0, t2, 0, 2));
      v128.store(d, v128.shuffle<i64>(t0, t2, 1, 3), 16);
      v128.store(d, v128.shuffle<i64>(t1, t3, 0, 2), 32);
      v128.store(d, v128.shuffle<i64>(t1, t3, 1, 3), 48);
    }
  }
  for (; f < n; f++) {
    const o = <usize>f << 2;
    let v = f32x4.splat(0);
    if (nl > 0) v = f32x4.replace_lane(v, 0, load<f32>(src + o));
    if (nl > 1) v = f32x4.replace_lane(v, 1, load<f32>(src + stride + o));
    if (nl > 2) v = f32x4.replace_lane(v, 2, load<f32>(src + 2 * stride + o));
    if (nl > 3) v = f32x4.replace_lane(v, 3, load<f32>(src + 3 * stride + o));
    v128.store(dst + (<usize>f << 4), v);
  }
}

/** dst[l·stride + f] = lane l of src[f] for l < nl, f < n (the inverse of {@link rowsToLanes}). */
function lanesToRows(src: usize, n: i32, nl: i32, dst: usize, stride: usize): void {
  let f = 0;
  if (nl == 4) {
    const r1 = dst + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    for (; f + 4 <= n; f += 4) {
      const s = src + (<usize>f << 4);
      const q0 = v128.load(s);
      const q1 = v128.load(s, 16);
      const q2 = v128.load(s, 32);
      const q3 = v128.load(s, 48);
      const t0 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
      const t2 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
      const t3 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
      const o = <usize>f << 2;
      v128.store(dst + o, v128.shuffle<i64>(t0, t2, 0, 2));
      v128.store(r1 + o, v128.shuffle<i64>(t0, t2, 1, 3));
      v128.store(r2 + o, v128.shuffle<i64>(t1, t3, 0, 2));
      v128.store(r3 + o, v128.shuffle<i64>(t1, t3, 1, 3));
    }
  }
  for (; f < n; f++) {
    const v = v128.load(src + (<usize>f << 4));
    const o = <usize>f << 2;
    if (nl > 0) store<f32>(dst + o, f32x4.extract_lane(v, 0));
    if (nl > 1) store<f32>(dst + stride + o, f32x4.extract_lane(v, 1));
    if (nl > 2) store<f32>(dst + 2 * stride + o, f32x4.extract_lane(v, 2));
    if (nl > 3) store<f32>(dst + 3 * stride + o, f32x4.extract_lane(v, 3));
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// ---- tensor products -----------------------------------------------------------------------------
// A path descriptor is TP_PD i32 fields (packTensorProduct in ref/o3.ts): mode, U, V, W, d1, d2,
// d3, o1, o2, o3, hasWeight, wOff, gK, gI, gJ. The Clebsch–Gordan entries of each path are stored
// three times, grouped by k (output component), by i (x1 component) and by j (x2 component); gptr
// holds the group bounds (absolute entry indices) at gK (d3+1 values), gI (d1+1), gJ (d2+1). Entry
// e has the component offsets ei/ej/ek (in v128 units, i.e. ·16 bytes) and the value ev.

// @ts-ignore: decorator
@inline const TP_PD: i32 = 16;
// @ts-ignore: decorator
@inline const UVW: i32 = 0;
// @ts-ignore: decorator
@inline const UVU: i32 = 1;
// @ts-ignore: decorator
@inline const UVV: i32 = 2;
// @ts-ignore: decorator
@inline const UUW: i32 = 3;
// @ts-ignore: decorator
@inline const UUU: i32 = 4;

// @ts-ignore: decorator
@inline function field(d: usize, k: i32): i32 {
  return load<i32>(d + (<usize>k << 2));
}

/** Σ_{e in group [e0, e1)} ev[e]·a[ei[e]]·b[ej[e]] over four lanes (a, b: the blocks of one copy). */
// @ts-ignore: decorator
@inline function contractGroup(a: usize, b: usize, e0: i32, e1: i32, ei: usize, ej: usize, ev: usize): v128 {
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
function contractRows(d: usize, xa: usize, xb: usize, T: usize, gptr: usize, ei: usize, ej: usize, ev: usize): void {
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
@inline function targetOf(mode: i32, r: i32, V: i32): i32 {
  if (mode == UVU) return r / V;
  if (mode == UVV) return r % V;
  return r; // uuu (rows are u) and uvuv
}

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
  for (let r = 0; r < rows; r++) {
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

/** The backward pass of one path for a block: GT (output gradient per row) and the weight gradient. */
function pathBackward(
  d: usize,
  pw: v128,
  xa: usize,
  xb: usize,
  wv: usize,
  gb: usize,
  gwacc: usize,
  T: usize,
  GT: usize,
  needT: bool,
  needG: bool,
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
  const ga = gwacc + (<usize>field(d, 11) << 4);
  const uu = mode == UUW || mode == UUU;
  const rows = uu ? U : U * V;
  const rs = <usize>d3 << 4;
  const one = kc(K_ONE);
  if (mode == UVW || mode == UUW) {
    const gblk = gb + (<usize>o3 << 4);
    if (needT) {
      contractRows(d, xa, xb, T, gptr, ei, ej, ev);
      // gW[r, w] += pw · Σ_k g[w][k] · T[r][k], four w at a time
      for (let r = 0; r < rows; r++) {
        const t = T + <usize>r * rs;
        const gr = ga + (<usize>(r * W) << 4);
        let w = 0;
        for (; w + 4 <= W; w += 4) {
          let a0 = f32x4.splat(0);
          let a1 = a0;
          let a2 = a0;
          let a3 = a0;
          const g0 = gblk + <usize>w * rs;
          for (let k = 0; k < d3; k++) {
            const ko = <usize>k << 4;
            const tk = v128.load(t + ko);
            a0 = madd(v128.load(g0 + ko), tk, a0);
            a1 = madd(v128.load(g0 + rs + ko), tk, a1);
            a2 = madd(v128.load(g0 + 2 * rs + ko), tk, a2);
            a3 = madd(v128.load(g0 + 3 * rs + ko), tk, a3);
          }
          const o = gr + (<usize>w << 4);
          v128.store(o, madd(pw, a0, v128.load(o)));
          v128.store(o, madd(pw, a1, v128.load(o, 16)), 16);
          v128.store(o, madd(pw, a2, v128.load(o, 32)), 32);
          v128.store(o, madd(pw, a3, v128.load(o, 48)), 48);
        }
        for (; w < W; w++) {
          let a0 = f32x4.splat(0);
          const g0 = gblk + <usize>w * rs;
          for (let k = 0; k < d3; k++) {
            const ko = <usize>k << 4;
            a0 = madd(v128.load(g0 + ko), v128.load(t + ko), a0);
          }
          const o = gr + (<usize>w << 4);
          v128.store(o, madd(pw, a0, v128.load(o)));
        }
      }
    }
    if (!needG) return;
    // GT[r][k] = pw · Σ_w W[r, w] · g[w][k], four rows at a time
    const ws = <usize>W << 4;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const gt = GT + <usize>r * rs;
      const wr = wb + <usize>r * ws;
      for (let k = 0; k < d3; k++) {
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        let gp = gblk + (<usize>k << 4);
        let wp = wr;
        for (let w = 0; w < W; w++) {
          const gv = v128.load(gp);
          if (hasW) {
            a0 = madd(v128.load(wp), gv, a0);
            a1 = madd(v128.load(wp + ws), gv, a1);
            a2 = madd(v128.load(wp + 2 * ws), gv, a2);
            a3 = madd(v128.load(wp + 3 * ws), gv, a3);
          } else {
            a0 = f32x4.add(a0, gv);
          }
          gp += rs;
          wp += 16;
        }
        if (!hasW) {
          a1 = a0;
          a2 = a0;
          a3 = a0;
        }
        const o = gt + (<usize>k << 4);
        v128.store(o, f32x4.mul(pw, a0));
        v128.store(o + rs, f32x4.mul(pw, a1));
        v128.store(o + 2 * rs, f32x4.mul(pw, a2));
        v128.store(o + 3 * rs, f32x4.mul(pw, a3));
      }
    }
    for (; r < rows; r++) {
      const gt = GT + <usize>r * rs;
      const wr = wb + <usize>r * ws;
      for (let k = 0; k < d3; k++) {
        let a0 = f32x4.splat(0);
        let gp = gblk + (<usize>k << 4);
        for (let w = 0; w < W; w++) {
          const c = hasW ? v128.load(wr + (<usize>w << 4)) : one;
          a0 = madd(c, v128.load(gp), a0);
          gp += rs;
        }
        v128.store(gt + (<usize>k << 4), f32x4.mul(pw, a0));
      }
    }
    return;
  }
  const d1 = field(d, 4);
  const d2 = field(d, 5);
  const o1 = field(d, 7);
  const o2 = field(d, 8);
  const gk = gptr + (<usize>field(d, 12) << 2);
  for (let r = 0; r < rows; r++) {
    const gq = gb + (<usize>(o3 + targetOf(mode, r, V) * d3) << 4);
    if (needT) {
      const u = uu ? r : r / V;
      const v = uu ? r : r % V;
      const a = xa + (<usize>(o1 + u * d1) << 4);
      const b = xb + (<usize>(o2 + v * d2) << 4);
      let dot = f32x4.splat(0);
      for (let k = 0; k < d3; k++) {
        const g = gk + (<usize>k << 2);
        const t = contractGroup(a, b, load<i32>(g), load<i32>(g, 4), ei, ej, ev);
        dot = madd(v128.load(gq + (<usize>k << 4)), t, dot);
      }
      const o = ga + (<usize>r << 4);
      v128.store(o, madd(pw, dot, v128.load(o)));
    }
    if (needG) {
      const c = hasW ? f32x4.mul(pw, v128.load(wb + (<usize>r << 4))) : pw;
      const gt = GT + <usize>r * rs;
      for (let k = 0; k < d3; k++) {
        const ko = <usize>k << 4;
        v128.store(gt + ko, f32x4.mul(c, v128.load(gq + ko)));
      }
    }
  }
}

/** Adds the input gradients of one path for a block from GT (the output gradient of each row). */
function pathInputGrads(
  d: usize,
  xa: usize,
  xb: usize,
  GT: usize,
  gxa: usize,
  gxb: usize,
  gptr: usize,
  ei: usize,
  ej: usize,
  ek: usize,
  ev: usize,
): void {
  const mode = field(d, 0);
  const U = field(d, 1);
  const V = field(d, 2);
  const d1 = field(d, 4);
  const d2 = field(d, 5);
  const d3 = field(d, 6);
  const o1 = field(d, 7);
  const o2 = field(d, 8);
  const uu = mode == UUW || mode == UUU;
  const rs = <usize>d3 << 4;
  if (gxa != 0) {
    // gx1[u][i] += Σ_{e: ci = i} ev · Σ_v x2[v][cj] · GT[(u, v)][ck]
    const gi = gptr + (<usize>field(d, 13) << 2);
    const bs = <usize>d2 << 4;
    for (let u = 0; u < U; u++) {
      const v0 = uu ? u : 0;
      const nv = uu ? 1 : V;
      const b0 = xb + (<usize>(o2 + v0 * d2) << 4);
      const g0 = GT + <usize>(uu ? u : u * V) * rs;
      const o = gxa + (<usize>(o1 + u * d1) << 4);
      for (let i = 0; i < d1; i++) {
        const e0 = load<i32>(gi + (<usize>i << 2));
        const e1 = load<i32>(gi + (<usize>i << 2), 4);
        let acc = f32x4.splat(0);
        for (let e = e0; e < e1; e++) {
          const eo = <usize>e << 2;
          let b = b0 + (<usize>load<i32>(ej + eo) << 4);
          let t = g0 + (<usize>load<i32>(ek + eo) << 4);
          let s0 = f32x4.mul(v128.load(b), v128.load(t));
          let s1 = f32x4.splat(0);
          let v = 1;
          for (; v + 2 <= nv; v += 2) {
            b += bs;
            t += rs;
            s1 = madd(v128.load(b), v128.load(t), s1);
            b += bs;
            t += rs;
            s0 = madd(v128.load(b), v128.load(t), s0);
          }
          if (v < nv) s1 = madd(v128.load(b + bs), v128.load(t + rs), s1);
          acc = madd(v128.load32_splat(ev + eo), f32x4.add(s0, s1), acc);
        }
        const oi = o + (<usize>i << 4);
        v128.store(oi, f32x4.add(v128.load(oi), acc));
      }
    }
  }
  if (gxb != 0) {
    // gx2[v][j] += Σ_{e: cj = j} ev · Σ_u x1[u][ci] · GT[(u, v)][ck]
    const gj = gptr + (<usize>field(d, 14) << 2);
    const as = <usize>d1 << 4;
    const ts = uu ? rs : <usize>V * rs;
    for (let v = 0; v < V; v++) {
      const u0 = uu ? v : 0;
      const nu = uu ? 1 : U;
      const a0 = xa + (<usize>(o1 + u0 * d1) << 4);
      const g0 = GT + <usize>v * rs;
      const o = gxb + (<usize>(o2 + v * d2) << 4);
      for (let j = 0; j < d2; j++) {
        const e0 = load<i32>(gj + (<usize>j << 2));
        const e1 = load<i32>(gj + (<usize>j << 2), 4);
        let acc = f32x4.splat(0);
        for (let e = e0; e < e1; e++) {
          const eo = <usize>e << 2;
          let a = a0 + (<usize>load<i32>(ei + eo) << 4);
          let t = g0 + (<usize>load<i32>(ek + eo) << 4);
          let s0 = f32x4.mul(v128.load(a), v128.load(t));
          let s1 = f32x4.splat(0);
          let u = 1;
          for (; u + 2 <= nu; u += 2) {
            a += as;
            t += ts;
            s1 = madd(v128.load(a), v128.load(t), s1);
            a += as;
            t += ts;
            s0 = madd(v128.load(a), v128.load(t), s0);
          }
          if (u < nu) s1 = madd(v128.load(a + as), v128.load(t + ts), s1);
          acc = madd(v128.load32_splat(ev + eo), f32x4.add(s0, s1), acc);
        }
        const oj = o + (<usize>j << 4);
        v128.store(oj, f32x4.add(v128.load(oj), acc));
      }
    }
  }
}

/**
 * Gradients of {@link tpForwardF32} given g[Z×D3]: g1[Z×D1] and g2[Z×D2] (written; 0 = not needed),
 * gw ([P] shared: accumulated into; [Z×P] per sample: written; 0 = not needed). `scratch` holds
 * (2·D1 + 2·D2 + D3 + 2·P + 2·maxRT)·16 bytes.
 */
export function tpBackwardF32(
  x1: usize,
  x2: usize,
  w: usize,
  perSample: i32,
  Z: i32,
  D1: i32,
  D2: i32,
  D3: i32,
  P: i32,
  maxRT: i32,
  desc: usize,
  nPaths: i32,
  pwp: usize,
  ei: usize,
  ej: usize,
  ek: usize,
  ev: usize,
  gptr: usize,
  g: usize,
  g1: usize,
  g2: usize,
  gw: usize,
  scratch: usize,
): void {
  const xa = scratch;
  const xb = xa + (<usize>D1 << 4);
  const gb = xb + (<usize>D2 << 4);
  const wv = gb + (<usize>D3 << 4);
  const gwacc = wv + (<usize>P << 4);
  const gxa = gwacc + (<usize>P << 4);
  const gxb = gxa + (<usize>D1 << 4);
  const T = gxb + (<usize>D2 << 4);
  const GT = T + (<usize>maxRT << 4);
  const needG = g1 != 0 || g2 != 0;
  const needW = gw != 0;
  if (!perSample) for (let p = 0; p < P; p++) v128.store(wv + (<usize>p << 4), v128.load32_splat(w + (<usize>p << 2)));
  if (needW) memory.fill(gwacc, 0, <usize>P << 4);
  for (let z0 = 0; z0 < Z; z0 += 4) {
    const nl = min(4, Z - z0);
    rowsToLanes(x1 + (<usize>z0 * <usize>D1 << 2), <usize>D1 << 2, nl, D1, xa);
    rowsToLanes(x2 + (<usize>z0 * <usize>D2 << 2), <usize>D2 << 2, nl, D2, xb);
    rowsToLanes(g + (<usize>z0 * <usize>D3 << 2), <usize>D3 << 2, nl, D3, gb);
    if (perSample) {
      rowsToLanes(w + (<usize>z0 * <usize>P << 2), <usize>P << 2, nl, P, wv);
      if (needW) memory.fill(gwacc, 0, <usize>P << 4);
    }
    if (g1 != 0) memory.fill(gxa, 0, <usize>D1 << 4);
    if (g2 != 0) memory.fill(gxb, 0, <usize>D2 << 4);
    for (let q = 0; q < nPaths; q++) {
      const d = desc + (<usize>(q * TP_PD) << 2);
      const needT = needW && field(d, 10) != 0;
      if (!needT && !needG) continue;
      const pw = v128.load32_splat(pwp + (<usize>q << 2));
      pathBackward(d, pw, xa, xb, wv, gb, gwacc, T, GT, needT, needG, gptr, ei, ej, ev);
      if (needG) pathInputGrads(d, xa, xb, GT, g1 != 0 ? gxa : 0, g2 != 0 ? gxb : 0, gptr, ei, ej, ek, ev);
    }
    if (g1 != 0) lanesToRows(gxa, D1, nl, g1 + (<usize>z0 * <usize>D1 << 2), <usize>D1 << 2);
    if (g2 != 0) lanesToRows(gxb, D2, nl, g2 + (<usize>z0 * <usize>D2 << 2), <usize>D2 << 2);
    if (perSample && needW) lanesToRows(gwacc, P, nl, gw + (<usize>z0 * <usize>P << 2), <usize>P << 2);
  }
  if (!perSample && needW) {
    for (let p = 0; p < P; p++) {
      const o = gw + (<usize>p << 2);
      store<f32>(o, load<f32>(o) + hsum(v128.load(gwacc + (<usize>p << 4))));
    }
  }
}

// ---- spherical harmonics -------------------------------------------------------------------------
// Each harmonic is a polynomial in (x, y, z) (packSphericalHarmonics in ref/o3.ts): four monomial
// lists per output column (the value and its x, y, z derivatives; the normalisation folded into the
// coefficients), ptr[L·(dim+1) + c] .. ptr[L·(dim+1) + c + 1] bounding list L of column c, and monomial
// m = mc[m]·x^ma[m]·y^mb[m]·z^md[m]. Four points per block, one per lane.

/** x, y, z of points p0..p0+nl−1 of xyz[n×3] as three lane vectors (zeros in unused lanes). */
// @ts-ignore: decorator
@inline function loadPoints(xyz: usize, p0: i32, nl: i32, out: usize): void {
  const s = xyz + <usize>p0 * 12;
  if (nl == 4) {
    const A = v128.load(s);
    const B = v128.load(s, 16);
    const C = v128.load(s, 32);
    v128.store(out, v128.shuffle<i32>(v128.shuffle<i32>(A, B, 0, 3, 6, 7), C, 0, 1, 2, 5));
    v128.store(out, v128.shuffle<i32>(v128.shuffle<i32>(A, B, 1, 4, 7, 7), C, 0, 1, 2, 6), 16);
    v128.store(out, v128.shuffle<i32>(v128.shuffle<i32>(A, B, 2, 5, 5, 5), C, 0, 1, 4, 7), 32);
    return;
  }
  rowsToLanes(s, 12, nl, 3, out);
}

/** Powers x^0..x^lmax of the three lane vectors at pts into pw (x powers, then y, then z). */
// @ts-ignore: decorator
@inline function powers(x: v128, y: v128, z: v128, lmax: i32, pw: usize): void {
  const py = pw + (<usize>(lmax + 1) << 4);
  const pz = py + (<usize>(lmax + 1) << 4);
  let a = kc(K_ONE);
  let b = a;
  let c = a;
  for (let k = 0; k <= lmax; k++) {
    const o = <usize>k << 4;
    v128.store(pw + o, a);
    v128.store(py + o, b);
    v128.store(pz + o, c);
    a = f32x4.mul(a, x);
    b = f32x4.mul(b, y);
    c = f32x4.mul(c, z);
  }
}

/** Σ over monomials [m0, m1) of mc·x^ma·y^mb·z^md (powers in pw, pw + (lmax+1)·16, …). */
// @ts-ignore: decorator
@inline function polyList(m0: i32, m1: i32, mc: usize, ma: usize, mb: usize, md: usize, px: usize, py: usize, pz: usize): v128 {
  let acc = f32x4.splat(0);
  for (let m = m0; m < m1; m++) {
    const o = <usize>m << 2;
    const t = f32x4.mul(
      f32x4.mul(v128.load(px + (<usize>load<i32>(ma + o) << 4)), v128.load(py + (<usize>load<i32>(mb + o) << 4))),
      v128.load(pz + (<usize>load<i32>(md + o) << 4)),
    );
    acc = madd(v128.load32_splat(mc + o), t, acc);
  }
  return acc;
}

/**
 * out[n×dim] = the packed harmonics at the points xyz[n×3] (normalised first when `normalize`).
 * Returns the flat index of the first NaN of xyz, or −1 (then out is complete). `scratch` holds
 * (3 + 3·(lmax+1) + dim)·16 bytes.
 */
export function shForwardF32(
  xyz: usize,
  n: i32,
  lmax: i32,
  normalize: i32,
  dim: i32,
  mc: usize,
  ma: usize,
  mb: usize,
  md: usize,
  ptr: usize,
  out: usize,
  scratch: usize,
): i32 {
  const pts = scratch;
  const px = pts + 48;
  const py = px + (<usize>(lmax + 1) << 4);
  const pz = py + (<usize>(lmax + 1) << 4);
  const ob = pz + (<usize>(lmax + 1) << 4);
  let nan = f32x4.splat(0);
  const zero = f32x4.splat(0);
  const one = kc(K_ONE);
  for (let p0 = 0; p0 < n; p0 += 4) {
    const nl = min(4, n - p0);
    loadPoints(xyz, p0, nl, pts);
    let x = v128.load(pts);
    let y = v128.load(pts, 16);
    let z = v128.load(pts, 32);
    nan = v128.or(nan, v128.or(f32x4.ne(x, x), v128.or(f32x4.ne(y, y), f32x4.ne(z, z))));
    if (normalize) {
      const r = f32x4.sqrt(madd(x, x, madd(y, y, f32x4.mul(z, z))));
      const inv = v128.bitselect(f32x4.div(one, r), one, f32x4.gt(r, zero));
      x = f32x4.mul(x, inv);
      y = f32x4.mul(y, inv);
      z = f32x4.mul(z, inv);
    }
    powers(x, y, z, lmax, px);
    for (let c = 0; c < dim; c++) {
      const pc = ptr + (<usize>c << 2);
      v128.store(ob + (<usize>c << 4), polyList(load<i32>(pc), load<i32>(pc, 4), mc, ma, mb, md, px, py, pz));
    }
    lanesToRows(ob, dim, nl, out + (<usize>p0 * <usize>dim << 2), <usize>dim << 2);
  }
  if (v128.any_true(nan)) {
    for (let i = 0; i < 3 * n; i++) {
      const v = load<f32>(xyz + (<usize>i << 2));
      if (v != v) return i;
    }
  }
  return -1;
}

/**
 * gx[n×3] = Σ_c g[p, c] · ∂Y_c/∂x at each point (through the normalisation when `normalize`; 0 at
 * the origin then), from the derivative lists of the packed table. Written, not accumulated.
 * `scratch` holds (3 + 3·(lmax+1) + dim)·16 bytes.
 */
export function shBackwardF32(
  xyz: usize,
  g: usize,
  n: i32,
  lmax: i32,
  normalize: i32,
  dim: i32,
  mc: usize,
  ma: usize,
  mb: usize,
  md: usize,
  ptr: usize,
  gx: usize,
  scratch: usize,
): void {
  const pts = scratch;
  const px = pts + 48;
  const py = px + (<usize>(lmax + 1) << 4);
  const pz = py + (<usize>(lmax + 1) << 4);
  const gb = pz + (<usize>(lmax + 1) << 4);
  const zero = f32x4.splat(0);
  const one = kc(K_ONE);
  const lx = ptr + (<usize>(dim + 1) << 2);
  const ly = lx + (<usize>(dim + 1) << 2);
  const lz = ly + (<usize>(dim + 1) << 2);
  for (let p0 = 0; p0 < n; p0 += 4) {
    const nl = min(4, n - p0);
    loadPoints(xyz, p0, nl, pts);
    let x = v128.load(pts);
    let y = v128.load(pts, 16);
    let z = v128.load(pts, 32);
    let inv = one;
    if (normalize) {
      const r = f32x4.sqrt(madd(x, x, madd(y, y, f32x4.mul(z, z))));
      const pos = f32x4.gt(r, zero);
      x = f32x4.mul(x, v128.bitselect(f32x4.div(one, r), one, pos));
      y = f32x4.mul(y, v128.bitselect(f32x4.div(one, r), one, pos));
      z = f32x4.mul(z, v128.bitselect(f32x4.div(one, r), one, pos));
      inv = v128.and(f32x4.div(one, r), pos);
    }
    powers(x, y, z, lmax, px);
    rowsToLanes(g + (<usize>p0 * <usize>dim << 2), <usize>dim << 2, nl, dim, gb);
    let Gx = zero;
    let Gy = zero;
    let Gz = zero;
    for (let c = 0; c < dim; c++) {
      const gc = v128.load(gb + (<usize>c << 4));
      const o = <usize>c << 2;
      Gx = madd(gc, polyList(load<i32>(lx + o), load<i32>(lx + o, 4), mc, ma, mb, md, px, py, pz), Gx);
      Gy = madd(gc, polyList(load<i32>(ly + o), load<i32>(ly + o, 4), mc, ma, mb, md, px, py, pz), Gy);
      Gz = madd(gc, polyList(load<i32>(lz + o), load<i32>(lz + o, 4), mc, ma, mb, md, px, py, pz), Gz);
    }
    if (normalize) {
      // d/dx of P(x/r) = (I − x̂x̂ᵀ)∇P / r
      const dot = madd(Gx, x, madd(Gy, y, f32x4.mul(Gz, z)));
      Gx = f32x4.mul(f32x4.sub(Gx, f32x4.mul(dot, x)), inv);
      Gy = f32x4.mul(f32x4.sub(Gy, f32x4.mul(dot, y)), inv);
      Gz = f32x4.mul(f32x4.sub(Gz, f32x4.mul(dot, z)), inv);
    }
    const s = gx + <usize>p0 * 12;
    if (nl == 4) {
      v128.store(s, v128.shuffle<i32>(v128.shuffle<i32>(Gx, Gy, 0, 4, 1, 5), Gz, 0, 1, 4, 2));
      v128.store(s, v128.shuffle<i32>(v128.shuffle<i32>(Gy, Gz, 1, 5, 2, 6), Gx, 0, 1, 6, 2), 16);
      v128.store(s, v128.shuffle<i32>(Gz, v128.shuffle<i32>(Gx, Gy, 3, 7, 3, 7), 2, 4, 5, 3), 32);
    } else {
      v128.store(pts, Gx);
      v128.store(pts, Gy, 16);
      v128.store(pts, Gz, 32);
      lanesToRows(pts, 3, nl, s, 12);
    }
  }
}

// ---- radial bases and cutoffs ----------------------------------------------------------------------
// out[i, k] = basis_k(x_i) · cutoff(x_i) for distances x[n]. Bases: 0 none (K = 1, value 1),
// 1 Gaussian exp(c·(x − μ_k)²) (params: μ padded to a multiple of 4, c), 2 Bessel
// (2/r_c)·sin(w_k·x/r_c)/x (params: w padded, r_c). Cutoffs: 0 none, 1 cosine 0.5·(cos(πx/r_c) + 1)
// for x < r_c, 2 polynomial (NequIP, integer exponent p) for x < r_c; both 0 beyond.

const RTAB: usize = memory.data<f32>([
  0.63661977236, // 2/π
  1.5703125, // π/2 in three parts (Cody–Waite; the first two exact times an integer < 2^15)
  4.837512969970703125e-4,
  7.54978995489188216e-8,
  -1.9515295891e-4, // sin polynomial on [−π/4, π/4] (Cephes sinf)
  8.3321608736e-3,
  -1.6666654611e-1,
  2.443315711809948e-5, // cos polynomial (Cephes cosf)
  -1.388731625493765e-3,
  4.166664568298827e-2,
  0.5,
  3.14159265358979,
], 16);

// @ts-ignore: decorator
@inline function rk(i: i32): v128 {
  return v128.load32_splat(RTAB + (<usize>i << 2));
}

/** sin(x) and cos(x) for |x| up to ~10^4 (quadrant reduction, minimax polynomials on [−π/4, π/4]). */
// @ts-ignore: decorator
@inline function vsincos(x: v128, out: usize): void {
  const q = f32x4.nearest(f32x4.mul(x, rk(0)));
  const qi = i32x4.trunc_sat_f32x4_s(q);
  let r = f32x4.sub(x, f32x4.mul(q, rk(1)));
  r = f32x4.sub(r, f32x4.mul(q, rk(2)));
  r = f32x4.sub(r, f32x4.mul(q, rk(3)));
  const z = f32x4.mul(r, r);
  const s = madd(f32x4.mul(r, z), madd(madd(rk(4), z, rk(5)), z, rk(6)), r);
  const c = f32x4.add(
    f32x4.sub(kc(K_ONE), f32x4.mul(rk(10), z)),
    f32x4.mul(f32x4.mul(z, z), madd(madd(rk(7), z, rk(8)), z, rk(9))),
  );
  const one = i32x4.splat(1);
  const two = i32x4.splat(2);
  const swap = i32x4.eq(v128.and(qi, one), one);
  const sinv = v128.bitselect(c, s, swap);
  const cosv = v128.bitselect(s, c, swap);
  const sneg = i32x4.shl(v128.and(qi, two), 30);
  const cneg = i32x4.shl(v128.and(i32x4.add(qi, one), two), 30);
  v128.store(out, v128.xor(sinv, sneg));
  v128.store(out, v128.xor(cosv, cneg), 16);
}

/** Cutoff value (lane 0 of the result) and its derivative (stored at d) for four distances. */
// @ts-ignore: decorator
@inline function cutoffValue(kind: i32, x: v128, rc: f32, p: i32, tmp: usize): v128 {
  const one = kc(K_ONE);
  const inside = f32x4.lt(x, f32x4.splat(rc));
  if (kind == 1) {
    vsincos(f32x4.mul(x, f32x4.splat(<f32>Math.PI / rc)), tmp);
    const c = v128.load(tmp, 16);
    const s = v128.load(tmp);
    v128.store(tmp, v128.and(f32x4.mul(s, f32x4.splat(-0.5 * <f32>Math.PI / rc)), inside), 32);
    return v128.and(f32x4.mul(rk(10), f32x4.add(c, one)), inside);
  }
  // polynomial: 1 − a·u^p + b·u^(p+1) − c·u^(p+2), u = x / r_c
  const u = f32x4.mul(x, f32x4.splat(<f32>1 / rc));
  let up1 = one; // u^(p−1)
  for (let k = 1; k < p; k++) up1 = f32x4.mul(up1, u);
  const up = f32x4.mul(up1, u);
  const fp = <f32>p;
  const a = f32x4.splat(((fp + 1) * (fp + 2)) / 2);
  const b = f32x4.splat(fp * (fp + 2));
  const cc = f32x4.splat((fp * (fp + 1)) / 2);
  // value = 1 + u^p·(−a + u·(b − c·u))
  const inner = f32x4.sub(b, f32x4.mul(cc, u));
  const val = f32x4.add(one, f32x4.mul(up, f32x4.sub(f32x4.mul(u, inner), a)));
  // derivative / (1/r_c) = u^(p−1)·(−a·p + u·(b·(p+1) − c·(p+2)·u))
  const inner2 = f32x4.sub(f32x4.mul(b, f32x4.splat(fp + 1)), f32x4.mul(f32x4.mul(cc, f32x4.splat(fp + 2)), u));
  const der = f32x4.mul(
    f32x4.mul(up1, f32x4.sub(f32x4.mul(u, inner2), f32x4.mul(a, f32x4.splat(fp)))),
    f32x4.splat(<f32>1 / rc),
  );
  v128.store(tmp, v128.and(der, inside), 32);
  return v128.and(val, inside);
}

/**
 * out[n×K] = basis_k(x_i)·cutoff(x_i) (see above); `params` holds the basis parameters (K padded to
 * a multiple of 4, then one scalar: c for Gaussian, r_c for Bessel). `scratch`: 64 bytes + K·4.
 */
export function radialForwardF32(
  basis: i32,
  x: usize,
  n: i32,
  K: i32,
  params: usize,
  cutoff: i32,
  rc: f32,
  p: i32,
  out: usize,
  scratch: usize,
): void {
  const K4 = (K + 3) & ~3;
  const scal = load<f32>(params + (<usize>K4 << 2));
  const tmp = scratch;
  const row = scratch + 64;
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    const xv = f32x4.splat(xi);
    let cv = kc(K_ONE);
    if (cutoff != 0) cv = cutoffValue(cutoff, xv, rc, p, tmp);
    const o = out + (<usize>(i * K) << 2);
    if (basis == 0) {
      store<f32>(o, f32x4.extract_lane(cv, 0));
      continue;
    }
    const dst = K4 == K ? o : row;
    for (let k = 0; k < K4; k += 4) {
      const pk = v128.load(params + (<usize>k << 2));
      let v: v128;
      if (basis == 1) {
        const t = f32x4.sub(xv, pk);
        v = vexp(f32x4.mul(f32x4.splat(scal), f32x4.mul(t, t)));
      } else {
        vsincos(f32x4.mul(pk, f32x4.splat(xi / scal)), tmp);
        v = f32x4.mul(v128.load(tmp), f32x4.splat(<f32>2 / (scal * xi)));
      }
      v128.store(dst + (<usize>k << 2), f32x4.mul(v, cv));
    }
    if (dst != o) memory.copy(o, row, <usize>K << 2);
  }
}

/**
 * gx[n] = Σ_k g[i, k]·∂out[i, k]/∂x_i (written) and, for Bessel with gw ≠ 0, gw[K] += Σ_i g[i, k]·
 * ∂out[i, k]/∂w_k. Arguments as {@link radialForwardF32}; `scratch`: 64 + 2·K4·4 bytes.
 */
export function radialBackwardF32(
  basis: i32,
  x: usize,
  n: i32,
  K: i32,
  params: usize,
  cutoff: i32,
  rc: f32,
  p: i32,
  g: usize,
  gx: usize,
  gw: usize,
  scratch: usize,
): void {
  const K4 = (K + 3) & ~3;
  const scal = load<f32>(params + (<usize>K4 << 2));
  const tmp = scratch;
  const grow = scratch + 64;
  const gwacc = grow + (<usize>K4 << 2);
  if (gw != 0) memory.fill(gwacc, 0, <usize>K4 << 2);
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    const xv = f32x4.splat(xi);
    let cv = kc(K_ONE);
    let cd = zero;
    if (cutoff != 0) {
      cv = cutoffValue(cutoff, xv, rc, p, tmp);
      cd = v128.load(tmp, 32);
    }
    const gi = g + (<usize>(i * K) << 2);
    if (basis == 0) {
      store<f32>(gx + (<usize>i << 2), load<f32>(gi) * f32x4.extract_lane(cd, 0));
      continue;
    }
    // the row of g, zero-padded to K4
    memory.copy(grow, gi, <usize>K << 2);
    if (K4 != K) memory.fill(grow + (<usize>K << 2), 0, <usize>(K4 - K) << 2);
    let acc = zero;
    for (let k = 0; k < K4; k += 4) {
      const pk = v128.load(params + (<usize>k << 2));
      const gk = v128.load(grow + (<usize>k << 2));
      let v: v128;
      let dv: v128;
      if (basis == 1) {
        const t = f32x4.sub(xv, pk);
        const c2 = f32x4.splat(scal);
        v = vexp(f32x4.mul(c2, f32x4.mul(t, t)));
        dv = f32x4.mul(v, f32x4.mul(f32x4.add(c2, c2), t));
      } else {
        // b = (2/r_c)·sin(θ)/x with θ = w·x/r_c: ∂b/∂x = (2/r_c)·(cos θ·w/r_c − sin θ/x)/x
        const inv = f32x4.splat(<f32>1 / xi);
        const s2 = f32x4.splat(<f32>2 / scal);
        vsincos(f32x4.mul(pk, f32x4.splat(xi / scal)), tmp);
        const s = v128.load(tmp);
        const c = v128.load(tmp, 16);
        v = f32x4.mul(f32x4.mul(s, inv), s2);
        dv = f32x4.mul(f32x4.mul(f32x4.sub(f32x4.mul(c, f32x4.mul(pk, f32x4.splat(<f32>1 / scal))), f32x4.mul(s, inv)), inv), s2);
        if (gw != 0) {
          // ∂b/∂w = (2/r_c²)·cos θ, times the cutoff
          const o = gwacc + (<usize>k << 2);
          v128.store(o, madd(f32x4.mul(gk, cv), f32x4.mul(c, f32x4.splat(<f32>2 / (scal * scal))), v128.load(o)));
        }
      }
      // ∂(b·C)/∂x = b'·C + b·C'
      acc = madd(gk, madd(dv, cv, f32x4.mul(v, cd)), acc);
    }
    store<f32>(gx + (<usize>i << 2), hsum(acc));
  }
  if (gw != 0) {
    for (let k = 0; k < K; k++) {
      const o = gw + (<usize>k << 2);
      store<f32>(o, load<f32>(o) + load<f32>(gwacc + (<usize>k << 2)));
    }
  }
}
