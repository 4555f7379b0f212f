// Gradients of the O(3) tensor products (o3.ts): the output gradient of each path's rows (GT), the
// weight gradient, and the input gradients through the entries grouped by x1 and by x2 components.
// Same lanes and layouts as o3.ts (see o3_paths.ts). Twin: tpBackwardRef in src/kernels/ref/o3.ts.

import { kc, K_ONE, madd } from "./math";
import { hsum, lanesToRows, rowsToLanes } from "./lanes";
import { TP_PD, UVW, UVU, UUW, UUU, field, contractGroup, contractRows, targetOf } from "./o3_paths";

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
      // gW[r, w] += pw · Σ_k g[w][k] · T[r][k]: tiles of 2 rows × 4 w, then one row at a time (the rest
      // of the rows, and the last W mod 4 columns of the tiled ones); every sum over k in order
      let r = 0;
      for (; r + 2 <= rows && W >= 4; r += 2) {
        const t = T + <usize>r * rs;
        const gr = ga + (<usize>(r * W) << 4);
        const gs = <usize>W << 4;
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
          const g0 = gblk + <usize>w * rs;
          for (let k = 0; k < d3; k++) {
            const ko = <usize>k << 4;
            const tk = v128.load(t + ko);
            const tl = v128.load(t + rs + ko);
            const c0 = v128.load(g0 + ko);
            const c1 = v128.load(g0 + rs + ko);
            const c2 = v128.load(g0 + 2 * rs + ko);
            const c3 = v128.load(g0 + 3 * rs + ko);
            a0 = madd(c0, tk, a0);
            b0 = madd(c0, tl, b0);
            a1 = madd(c1, tk, a1);
            b1 = madd(c1, tl, b1);
            a2 = madd(c2, tk, a2);
            b2 = madd(c2, tl, b2);
            a3 = madd(c3, tk, a3);
            b3 = madd(c3, tl, b3);
          }
          const o = gr + (<usize>w << 4);
          v128.store(o, madd(pw, a0, v128.load(o)));
          v128.store(o, madd(pw, a1, v128.load(o, 16)), 16);
          v128.store(o, madd(pw, a2, v128.load(o, 32)), 32);
          v128.store(o, madd(pw, a3, v128.load(o, 48)), 48);
          const q = o + gs;
          v128.store(q, madd(pw, b0, v128.load(q)));
          v128.store(q, madd(pw, b1, v128.load(q, 16)), 16);
          v128.store(q, madd(pw, b2, v128.load(q, 32)), 32);
          v128.store(q, madd(pw, b3, v128.load(q, 48)), 48);
        }
      }
      const tiled = r;
      for (r = 0; r < rows; r++) {
        const t = T + <usize>r * rs;
        const gr = ga + (<usize>(r * W) << 4);
        let w = r < tiled ? W & ~3 : 0;
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
    // GT[r][k] = pw · Σ_w W[r, w] · g[w][k], four rows at a time; with weights, two k at a time too
    // (each weight loaded once for both; every sum still runs over w in order)
    const ws = <usize>W << 4;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const gt = GT + <usize>r * rs;
      const wr = wb + <usize>r * ws;
      let k = 0;
      for (; hasW && k + 2 <= d3; k += 2) {
        let a0 = f32x4.splat(0);
        let a1 = a0;
        let a2 = a0;
        let a3 = a0;
        let b0 = a0;
        let b1 = a0;
        let b2 = a0;
        let b3 = a0;
        let gp = gblk + (<usize>k << 4);
        let wp = wr;
        for (let w = 0; w < W; w++) {
          const g0 = v128.load(gp);
          const g1 = v128.load(gp, 16);
          const w0 = v128.load(wp);
          const w1 = v128.load(wp + ws);
          const w2 = v128.load(wp + 2 * ws);
          const w3 = v128.load(wp + 3 * ws);
          a0 = madd(w0, g0, a0);
          b0 = madd(w0, g1, b0);
          a1 = madd(w1, g0, a1);
          b1 = madd(w1, g1, b1);
          a2 = madd(w2, g0, a2);
          b2 = madd(w2, g1, b2);
          a3 = madd(w3, g0, a3);
          b3 = madd(w3, g1, b3);
          gp += rs;
          wp += 16;
        }
        const o = gt + (<usize>k << 4);
        v128.store(o, f32x4.mul(pw, a0));
        v128.store(o, f32x4.mul(pw, b0), 16);
        v128.store(o + rs, f32x4.mul(pw, a1));
        v128.store(o + rs, f32x4.mul(pw, b1), 16);
        v128.store(o + 2 * rs, f32x4.mul(pw, a2));
        v128.store(o + 2 * rs, f32x4.mul(pw, b2), 16);
        v128.store(o + 3 * rs, f32x4.mul(pw, a3));
        v128.store(o + 3 * rs, f32x4.mul(pw, b3), 16);
      }
      for (; k < d3; k++) {
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
  let r0 = 0;
  if (needT && mode == UVU && V == 1) {
    // the weight gradient of one x2 copy, four u at a time (as in pathForward): each (u, k) sums its
    // entries in order, and each u's dot runs over k in order
    const b = xb + (<usize>o2 << 4);
    const as = <usize>d1 << 4;
    for (; r0 + 4 <= U; r0 += 4) {
      const a = xa + (<usize>(o1 + r0 * d1) << 4);
      const gq = gb + (<usize>(o3 + r0 * d3) << 4);
      let s0 = f32x4.splat(0);
      let s1 = s0;
      let s2 = s0;
      let s3 = s0;
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
        const gkq = gq + (<usize>k << 4);
        s0 = madd(v128.load(gkq), t0, s0);
        s1 = madd(v128.load(gkq + rs), t1, s1);
        s2 = madd(v128.load(gkq + 2 * rs), t2, s2);
        s3 = madd(v128.load(gkq + 3 * rs), t3, s3);
      }
      const o = ga + (<usize>r0 << 4);
      v128.store(o, madd(pw, s0, v128.load(o)));
      v128.store(o, madd(pw, s1, v128.load(o, 16)), 16);
      v128.store(o, madd(pw, s2, v128.load(o, 32)), 32);
      v128.store(o, madd(pw, s3, v128.load(o, 48)), 48);
    }
  }
  // the rest of the weight gradient row by row (rows from r0 on), and GT for every row
  for (let r = 0; r < rows; r++) {
    const gq = gb + (<usize>(o3 + targetOf(mode, r, V) * d3) << 4);
    if (needT && r >= r0) {
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

/**
 * Four rows of an input gradient at once, for paths with one copy on the other side (N = 1 in
 * {@link inputGradPair}): row q at `out + q·outStep` reads GT `q·gs` bytes from `g0`. The operations
 * of each row are inputGradPair's with N = 1 (the product, plus a zero, times the coefficient), so
 * the bits are the same.
 */
// @ts-ignore: decorator
@inline function inputGradQuad1(
  groups: usize,
  nGroups: i32,
  s0: usize,
  sIdx: usize,
  g0: usize,
  gs: usize,
  ek: usize,
  ev: usize,
  out: usize,
  outStep: usize,
): void {
  const zero = f32x4.splat(0);
  for (let c = 0; c < nGroups; c++) {
    const e0 = load<i32>(groups + (<usize>c << 2));
    const e1 = load<i32>(groups + (<usize>c << 2), 4);
    let a0 = zero;
    let a1 = zero;
    let a2 = zero;
    let a3 = zero;
    for (let e = e0; e < e1; e++) {
      const eo = <usize>e << 2;
      const sv = v128.load(s0 + (<usize>load<i32>(sIdx + eo) << 4));
      const t = g0 + (<usize>load<i32>(ek + eo) << 4);
      const k = v128.load32_splat(ev + eo);
      a0 = madd(k, f32x4.add(f32x4.mul(sv, v128.load(t)), zero), a0);
      a1 = madd(k, f32x4.add(f32x4.mul(sv, v128.load(t + gs)), zero), a1);
      a2 = madd(k, f32x4.add(f32x4.mul(sv, v128.load(t + 2 * gs)), zero), a2);
      a3 = madd(k, f32x4.add(f32x4.mul(sv, v128.load(t + 3 * gs)), zero), a3);
    }
    const oc = out + (<usize>c << 4);
    v128.store(oc, f32x4.add(v128.load(oc), a0));
    v128.store(oc + outStep, f32x4.add(v128.load(oc + outStep), a1));
    v128.store(oc + 2 * outStep, f32x4.add(v128.load(oc + 2 * outStep), a2));
    v128.store(oc + 3 * outStep, f32x4.add(v128.load(oc + 3 * outStep), a3));
  }
}

/**
 * Two rows of an input gradient at once (at `out` and `out + outPair`): out[c] += Σ_{e in group c}
 * ev[e]·Σ_{n < N} s[n][cs(e)]·GT_n[ck(e)] over the `nGroups` entry groups at `groups`, where s steps by
 * `ss` bytes from `s0` (component offsets at `sIdx`) and GT by `gs` from `g0`; the second row reads
 * GT `pair` bytes further. Each s value is loaded once for both rows; every sum runs in the one-row
 * loops' order (the same bits).
 */
// @ts-ignore: decorator
@inline function inputGradPair(
  groups: usize,
  nGroups: i32,
  s0: usize,
  sIdx: usize,
  ss: usize,
  g0: usize,
  gs: usize,
  pair: usize,
  N: i32,
  ek: usize,
  ev: usize,
  out: usize,
  outPair: usize,
): void {
  for (let c = 0; c < nGroups; c++) {
    const e0 = load<i32>(groups + (<usize>c << 2));
    const e1 = load<i32>(groups + (<usize>c << 2), 4);
    let acc = f32x4.splat(0);
    let acd = acc;
    for (let e = e0; e < e1; e++) {
      const eo = <usize>e << 2;
      let sp = s0 + (<usize>load<i32>(sIdx + eo) << 4);
      let t = g0 + (<usize>load<i32>(ek + eo) << 4);
      let sv = v128.load(sp);
      let a0 = f32x4.mul(sv, v128.load(t));
      let b0 = f32x4.mul(sv, v128.load(t + pair));
      let a1 = f32x4.splat(0);
      let b1 = a1;
      let n = 1;
      for (; n + 2 <= N; n += 2) {
        sp += ss;
        t += gs;
        sv = v128.load(sp);
        a1 = madd(sv, v128.load(t), a1);
        b1 = madd(sv, v128.load(t + pair), b1);
        sp += ss;
        t += gs;
        sv = v128.load(sp);
        a0 = madd(sv, v128.load(t), a0);
        b0 = madd(sv, v128.load(t + pair), b0);
      }
      if (n < N) {
        sv = v128.load(sp + ss);
        a1 = madd(sv, v128.load(t + gs), a1);
        b1 = madd(sv, v128.load(t + gs + pair), b1);
      }
      const k = v128.load32_splat(ev + eo);
      acc = madd(k, f32x4.add(a0, a1), acc);
      acd = madd(k, f32x4.add(b0, b1), acd);
    }
    const oc = out + (<usize>c << 4);
    v128.store(oc, f32x4.add(v128.load(oc), acc));
    const pc = oc + outPair;
    v128.store(pc, f32x4.add(v128.load(pc), acd));
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
    let u = 0;
    // one x2 copy: four u at a time
    if (!uu && V == 1) {
      for (; u + 4 <= U; u += 4) {
        const o = gxa + (<usize>(o1 + u * d1) << 4);
        inputGradQuad1(gi, d1, xb + (<usize>o2 << 4), ej, GT + <usize>u * rs, rs, ek, ev, o, <usize>d1 << 4);
      }
    }
    // two u at a time where rows are (u, v): each x2 value loaded once for both (sums in their order)
    for (; !uu && u + 2 <= U; u += 2) {
      const o = gxa + (<usize>(o1 + u * d1) << 4);
      inputGradPair(gi, d1, xb + (<usize>o2 << 4), ej, bs, GT + <usize>(u * V) * rs, rs, <usize>V * rs, V, ek, ev, o, <usize>d1 << 4);
    }
    for (; u < U; u++) {
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
    let v = 0;
    // two v at a time where rows are (u, v): each x1 value loaded once for both (sums in their order)
    for (; !uu && v + 2 <= V; v += 2) {
      const o = gxb + (<usize>(o2 + v * d2) << 4);
      inputGradPair(gj, d2, xa + (<usize>o1 << 4), ei, as, GT + <usize>v * rs, ts, rs, U, ek, ev, o, <usize>d2 << 4);
    }
    for (; v < V; v++) {
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
 * (2·D1 + 2·D2 + D3 + 2·P + maxRT + max(maxRT, maxGT))·16 bytes: T (maxRT, the dense paths' rows·d3)
 * and after it GT, the output gradient of every path's rows (maxGT, the largest rows·d3 of any path).
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
