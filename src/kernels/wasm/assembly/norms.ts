// Batch normalisation (f32 data, f64 statistics): per-channel statistics, affine map and gradient over
// rows x[N×C] (with an optional fused ReLU), and the same three over channels-first x[N][C][L].
// Channel statistics accumulate in f64 like the reference (src/kernels/ref/norms.ts).

// @ts-ignore: decorator
@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

// @ts-ignore: decorator
@inline function lo2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/**
 * Per-channel mean and biased variance of x[N×C] (row-major) into the f64 arrays mean[C], vr[C]
 * (two passes: sums, then centred squares).
 */
export function channelStatsF32(x: usize, N: i32, C: i32, mean: usize, vr: usize): void {
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  memory.fill(mean, 0, <usize>C << 3);
  memory.fill(vr, 0, <usize>C << 3);
  for (let n = 0; n < N; n++) {
    const row = x + <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const m = mean + (<usize>c << 3);
      v128.store(m, f64x2.add(v128.load(m), lo2(v)));
      v128.store(m, f64x2.add(v128.load(m, 16), hi2(v)), 16);
    }
    for (; c < C; c++) {
      const m = mean + (<usize>c << 3);
      store<f64>(m, load<f64>(m) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
  const inv = 1.0 / <f64>N;
  for (let c = 0; c < C; c++) store<f64>(mean + (<usize>c << 3), load<f64>(mean + (<usize>c << 3)) * inv);
  for (let n = 0; n < N; n++) {
    const row = x + <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const m = mean + (<usize>c << 3);
      const s = vr + (<usize>c << 3);
      const d0 = f64x2.sub(lo2(v), v128.load(m));
      const d1 = f64x2.sub(hi2(v), v128.load(m, 16));
      v128.store(s, f64x2.add(v128.load(s), f64x2.mul(d0, d0)));
      v128.store(s, f64x2.add(v128.load(s, 16), f64x2.mul(d1, d1)), 16);
    }
    for (; c < C; c++) {
      const d = <f64>load<f32>(row + (<usize>c << 2)) - load<f64>(mean + (<usize>c << 3));
      const s = vr + (<usize>c << 3);
      store<f64>(s, load<f64>(s) + d * d);
    }
  }
  for (let c = 0; c < C; c++) store<f64>(vr + (<usize>c << 3), load<f64>(vr + (<usize>c << 3)) * inv);
}

/** y[n, c] = x[n, c]·scale[c] + shift[c] (f32 scale/shift), then max(·, 0) when `relu`. */
export function channelAffineF32(x: usize, y: usize, N: i32, C: i32, scale: usize, shift: usize, relu: bool): void {
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  const zero = f32x4.splat(0);
  for (let n = 0; n < N; n++) {
    const xr = x + <usize>n * rowB;
    const yr = y + <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      let v = f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(scale + o)), v128.load(shift + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(yr + o, v);
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let v = load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(shift + o);
      if (relu && v < 0) v = 0;
      store<f32>(yr + o, v);
    }
  }
}

/**
 * Batch-norm gradient over x[N×C] given the output y (for the ReLU mask) and the upstream g:
 * g' = relu ? g·[y > 0] : g; sums[c] = Σ g', sums[C + c] = Σ g'·(x − mean[c]) (f64). With `wantDx`,
 * dx = scale·(g' − a − (x − mean)·b) where, with batch statistics (`useBatch`), a = Σg'/M and
 * b = Σ g'(x − mean)·invStd²/M, else a = b = 0. `scratch` holds 3C f32.
 */
export function bnGradF32(
  x: usize,
  y: usize,
  g: usize,
  dx: usize,
  N: i32,
  C: i32,
  mean: usize,
  scale: usize,
  invStd: usize,
  M: f64,
  useBatch: bool,
  relu: bool,
  wantDx: bool,
  sums: usize,
  scratch: usize,
): void {
  const C4 = C & ~3;
  const rowB = <usize>C << 2;
  const zero = f32x4.splat(0);
  const sumG = sums;
  const sumGX = sums + (<usize>C << 3);
  memory.fill(sums, 0, <usize>C << 4);
  for (let n = 0; n < N; n++) {
    const off = <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      let gv = v128.load(g + off + o);
      if (relu) gv = v128.and(gv, f32x4.gt(v128.load(y + off + o), zero));
      const xv = v128.load(x + off + o);
      const m = mean + (<usize>c << 3);
      const g0 = lo2(gv);
      const g1 = hi2(gv);
      const sg = sumG + (<usize>c << 3);
      const sx = sumGX + (<usize>c << 3);
      v128.store(sg, f64x2.add(v128.load(sg), g0));
      v128.store(sg, f64x2.add(v128.load(sg, 16), g1), 16);
      v128.store(sx, f64x2.add(v128.load(sx), f64x2.mul(g0, f64x2.sub(lo2(xv), v128.load(m)))));
      v128.store(sx, f64x2.add(v128.load(sx, 16), f64x2.mul(g1, f64x2.sub(hi2(xv), v128.load(m, 16)))), 16);
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let gs = <f64>load<f32>(g + off + o);
      if (relu && !(load<f32>(y + off + o) > 0)) gs = 0;
      const d = <f64>load<f32>(x + off + o) - load<f64>(mean + (<usize>c << 3));
      const sg = sumG + (<usize>c << 3);
      const sx = sumGX + (<usize>c << 3);
      store<f64>(sg, load<f64>(sg) + gs);
      store<f64>(sx, load<f64>(sx) + gs * d);
    }
  }
  if (!wantDx) return;
  // per-channel f32 constants: a, b, mean
  const sa = scratch;
  const sb = scratch + (<usize>C << 2);
  const sm = scratch + (<usize>C << 3);
  for (let c = 0; c < C; c++) {
    const o4 = <usize>c << 2;
    const o8 = <usize>c << 3;
    if (useBatch) {
      const is = load<f64>(invStd + o8);
      store<f32>(sa + o4, <f32>(load<f64>(sumG + o8) / M));
      store<f32>(sb + o4, <f32>((load<f64>(sumGX + o8) * is * is) / M));
    } else {
      store<f32>(sa + o4, 0);
      store<f32>(sb + o4, 0);
    }
    store<f32>(sm + o4, <f32>load<f64>(mean + o8));
  }
  for (let n = 0; n < N; n++) {
    const off = <usize>n * rowB;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      let gv = v128.load(g + off + o);
      if (relu) gv = v128.and(gv, f32x4.gt(v128.load(y + off + o), zero));
      const d = f32x4.sub(v128.load(x + off + o), v128.load(sm + o));
      const t = f32x4.sub(f32x4.sub(gv, v128.load(sa + o)), f32x4.mul(d, v128.load(sb + o)));
      v128.store(dx + off + o, f32x4.mul(v128.load(scale + o), t));
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      let gs = load<f32>(g + off + o);
      if (relu && !(load<f32>(y + off + o) > 0)) gs = 0;
      const d = load<f32>(x + off + o) - load<f32>(sm + o);
      store<f32>(dx + off + o, load<f32>(scale + o) * (gs - load<f32>(sa + o) - d * load<f32>(sb + o)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Channels-first batch norm over x[N][C][L] (the G-CNN and steerable feature maps, L = |H|·H·W):
// statistics and gradient sums are sequential f64 sums in the reference's order, and the elementwise
// maps are f64 per value, so the results equal the reference's (src/kernels/ref/norms.ts) bit for bit.

/**
 * mean[c] = Σ x / (N·L) and vr[c] = Σ (x − mean)² / (N·L) over images and positions (f64 outputs), for
 * the channels c in [c0, c1) (the kernel team's chunks; each channel's sums are those of the whole call).
 */
export function channelStatsNclF32(x: usize, N: i32, C: i32, L: i32, mean: usize, vr: usize, c0: i32, c1: i32): void {
  const n = <f64>N * <f64>L;
  const planeB = <usize>L << 2;
  for (let c = c0; c < c1; c++) {
    let s: f64 = 0;
    for (let b = 0; b < N; b++) {
      const p = x + <usize>(b * C + c) * planeB;
      for (let o: usize = 0; o < planeB; o += 4) s += <f64>load<f32>(p + o);
    }
    const m = s / n;
    let v: f64 = 0;
    for (let b = 0; b < N; b++) {
      const p = x + <usize>(b * C + c) * planeB;
      for (let o: usize = 0; o < planeB; o += 4) {
        const d = <f64>load<f32>(p + o) - m;
        v += d * d;
      }
    }
    store<f64>(mean + (<usize>c << 3), m);
    store<f64>(vr + (<usize>c << 3), v / n);
  }
}

/** a·x + b in f64 for four f32 lanes, rounded back to f32. */
// @ts-ignore: decorator
@inline function affine4(v: v128, a: v128, b: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(lo2(v), a), b));
  const hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(hi2(v), a), b));
  return v128.shuffle<i64>(lo, hi, 0, 2);
}

/**
 * out = x·scale[c] + shift[c] (f64 scale and shift, computed in f64) over x[N][C][L] for the channels c in
 * [c0, c1); out may be x.
 */
export function channelAffineNclF32(x: usize, out: usize, N: i32, C: i32, L: i32, scale: usize, shift: usize, c0: i32, c1: i32): void {
  const planeB = <usize>L << 2;
  const L4B = <usize>(L & ~3) << 2;
  for (let b = 0; b < N; b++) {
    for (let c = c0; c < c1; c++) {
      const a = load<f64>(scale + (<usize>c << 3));
      const sh = load<f64>(shift + (<usize>c << 3));
      const av = f64x2.splat(a);
      const sv = f64x2.splat(sh);
      const off = <usize>(b * C + c) * planeB;
      const p = x + off;
      const q = out + off;
      let o: usize = 0;
      for (; o < L4B; o += 16) v128.store(q + o, affine4(v128.load(p + o), av, sv));
      for (; o < planeB; o += 4) store<f32>(q + o, <f32>(<f64>load<f32>(p + o) * a + sh));
    }
  }
}

/**
 * Batch-norm gradient over x[N][C][L]: sums[c] = Σ g, sums[C + c] = Σ g·(x − mean)·invStd (sequential
 * f64), then dx = k·(g − Σg/n − (x − mean)·invStd·Σg(x − mean)invStd/n) when `useBatch`, else k·g,
 * with n = N·L and k[c] (f64) the caller's weight·invStd; for the channels c in [c0, c1).
 */
export function channelGradNclF32(x: usize, g: usize, dx: usize, N: i32, C: i32, L: i32, mean: usize, invStd: usize, k: usize, useBatch: bool, sums: usize, c0: i32, c1: i32): void {
  const n = <f64>N * <f64>L;
  const planeB = <usize>L << 2;
  const L4B = <usize>(L & ~3) << 2;
  for (let c = c0; c < c1; c++) {
    const m = load<f64>(mean + (<usize>c << 3));
    const is = load<f64>(invStd + (<usize>c << 3));
    let sg: f64 = 0;
    let sgx: f64 = 0;
    for (let b = 0; b < N; b++) {
      const off = <usize>(b * C + c) * planeB;
      for (let o: usize = 0; o < planeB; o += 4) {
        const gv = <f64>load<f32>(g + off + o);
        sg += gv;
        sgx += gv * (<f64>load<f32>(x + off + o) - m) * is;
      }
    }
    store<f64>(sums + (<usize>c << 3), sg);
    store<f64>(sums + (<usize>(C + c) << 3), sgx);
    const kc = load<f64>(k + (<usize>c << 3));
    const kv = f64x2.splat(kc);
    if (useBatch) {
      const mg = sg / n;
      const mgx = sgx / n;
      const mv = f64x2.splat(m);
      const isv = f64x2.splat(is);
      const mgv = f64x2.splat(mg);
      const mgxv = f64x2.splat(mgx);
      for (let b = 0; b < N; b++) {
        const off = <usize>(b * C + c) * planeB;
        let o: usize = 0;
        for (; o < L4B; o += 16) {
          const gq = v128.load(g + off + o);
          const xq = v128.load(x + off + o);
          const lo = f64x2.mul(kv, f64x2.sub(f64x2.sub(lo2(gq), mgv), f64x2.mul(f64x2.mul(f64x2.sub(lo2(xq), mv), isv), mgxv)));
          const hi = f64x2.mul(kv, f64x2.sub(f64x2.sub(hi2(gq), mgv), f64x2.mul(f64x2.mul(f64x2.sub(hi2(xq), mv), isv), mgxv)));
          v128.store(dx + off + o, v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2));
        }
        for (; o < planeB; o += 4) {
          const gv = <f64>load<f32>(g + off + o);
          const xv = <f64>load<f32>(x + off + o);
          store<f32>(dx + off + o, <f32>(kc * (gv - mg - (xv - m) * is * mgx)));
        }
      }
    } else {
      for (let b = 0; b < N; b++) {
        const off = <usize>(b * C + c) * planeB;
        let o: usize = 0;
        for (; o < L4B; o += 16) {
          const gq = v128.load(g + off + o);
          v128.store(dx + off + o, v128.shuffle<i64>(f32x4.demote_f64x2_zero(f64x2.mul(kv, lo2(gq))), f32x4.demote_f64x2_zero(f64x2.mul(kv, hi2(gq))), 0, 2));
        }
        for (; o < planeB; o += 4) store<f32>(dx + off + o, <f32>(kc * <f64>load<f32>(g + off + o)));
      }
    }
  }
}
