// Depthwise 1-D/2-D convolutions (one input and one output channel per group), any stride, padding
// and dilation, over the channels [c0, c1) of every image: the forward map, the input gradient and
// the weight gradient. Float32 in and out, float64 sums in the reference's order, so that every
// output has the bits of src/kernels/ref/depthwise.ts (the twin): each product of two float32 values
// is exact in float64, and each sum adds the same terms in the same order (f64x2 lanes are separate
// outputs or separate taps; no fused multiply-add). The geometry comes as a block of i32 slots
// (DW_* below, written by src/kernels/wasm/depthwise.ts); the scratch block is the calling thread's.

// slots of the geometry block (i32)
// @ts-ignore: decorator
@inline const DW_N = 0;
// @ts-ignore: decorator
@inline const DW_C = 1;
// @ts-ignore: decorator
@inline const DW_H = 2;
// @ts-ignore: decorator
@inline const DW_W = 3;
// @ts-ignore: decorator
@inline const DW_OH = 4;
// @ts-ignore: decorator
@inline const DW_OW = 5;
// @ts-ignore: decorator
@inline const DW_KH = 6;
// @ts-ignore: decorator
@inline const DW_KW = 7;
// @ts-ignore: decorator
@inline const DW_SH = 8;
// @ts-ignore: decorator
@inline const DW_SW = 9;
// @ts-ignore: decorator
@inline const DW_PH = 10;
// @ts-ignore: decorator
@inline const DW_PW = 11;
// @ts-ignore: decorator
@inline const DW_DH = 12;
// @ts-ignore: decorator
@inline const DW_DW = 13;
/** The reference's zero-padded plane Hp×Wp. */
// @ts-ignore: decorator
@inline const DW_HP = 14;
// @ts-ignore: decorator
@inline const DW_WP = 15;
/** Columns of each of the sw column-phase planes of the padded input (Hp rows each). */
// @ts-ignore: decorator
@inline const DW_WQ = 16;
/** The zero-padded output-gradient plane Hg×Wg, gy at (Ly, Lx). */
// @ts-ignore: decorator
@inline const DW_HG = 17;
// @ts-ignore: decorator
@inline const DW_WG = 18;
// @ts-ignore: decorator
@inline const DW_LY = 19;
// @ts-ignore: decorator
@inline const DW_LX = 20;
/** Byte offsets in the scratch block: tap weights (f64), tap offsets (i32), tap counts (i32), sums (f64). */
// @ts-ignore: decorator
@inline const DW_OFF_TW = 21;
// @ts-ignore: decorator
@inline const DW_OFF_TO = 22;
// @ts-ignore: decorator
@inline const DW_OFF_TN = 23;
// @ts-ignore: decorator
@inline const DW_OFF_ACC = 24;

// @ts-ignore: decorator
@inline function slot(d: usize, k: i32): i32 {
  return load<i32>(d + (<usize>k << 2));
}

/** Zeroes n f64 at p. */
function dwZero(p: usize, n: i32): void {
  const z = f64x2.splat(0);
  const end = p + (<usize>n << 3);
  for (; p + 16 <= end; p += 16) v128.store(p, z);
  if (p < end) store<f64>(p, 0);
}

/**
 * Writes the H×W float32 plane at x into the sw column-phase planes at dst (phase φ holds the padded
 * columns φ + sw·k at column k, Hp rows of Wq): the padded input plane of the reference, its column
 * of input column q being q + pw and its row of input row r being r + ph. The padding stays zero.
 */
function fillPhases(x: usize, d: usize, dst: usize): void {
  const H = slot(d, DW_H);
  const W = slot(d, DW_W);
  const sw = slot(d, DW_SW);
  const ph = slot(d, DW_PH);
  const pw = slot(d, DW_PW);
  const Wq = slot(d, DW_WQ);
  const sub = <usize>slot(d, DW_HP) * <usize>Wq;
  for (let f = 0; f < sw; f++) {
    // the first input column in phase f, and its column in that phase's plane
    const q0 = (f + sw - pw % sw) % sw;
    const plane = dst + ((<usize>f * sub + <usize>((q0 + pw) / sw)) << 3);
    for (let r = 0; r < H; r++) {
      const src = x + ((<usize>r * <usize>W) << 2);
      let o = plane + ((<usize>(r + ph) * <usize>Wq) << 3);
      for (let q = q0; q < W; q += sw) {
        store<f64>(o, <f64>load<f32>(src + (<usize>q << 2)));
        o += 8;
      }
    }
  }
}

/** out[0], out[step] (and out[2·step], out[3·step] when four) = f32 of the lanes (+ bias). */
// @ts-ignore: decorator
@inline function storeSums(o: usize, step: usize, a0: v128, a1: v128, four: bool, bias: f64, addBias: bool): void {
  if (addBias) {
    a0 = f64x2.add(a0, f64x2.splat(bias));
    a1 = f64x2.add(a1, f64x2.splat(bias));
  }
  store<f32>(o, <f32>f64x2.extract_lane(a0, 0));
  store<f32>(o + step, <f32>f64x2.extract_lane(a0, 1));
  if (four) {
    store<f32>(o + 2 * step, <f32>f64x2.extract_lane(a1, 0));
    store<f32>(o + 3 * step, <f32>f64x2.extract_lane(a1, 1));
  }
}

/**
 * n sums along one row, or along two when `two` (the second row's sources sRow bytes and outputs oRow
 * bytes further): out[k·step] = f32(Σ_t tw[t]·src[k + to[t]] (+ bias)) for k < n, the taps in order
 * (tw: f64 weights, to: i32 byte offsets from src), four outputs of each row at a time (four sums in
 * flight over two rows), then two; a lane past n is computed from the plane's spare column and not
 * stored. Inlined with constant `two` and `addBias`, whose branches fold away.
 */
// @ts-ignore: decorator
@inline function tapRows(src: usize, sRow: usize, tw: usize, to: usize, nt: i32, n: i32, two: bool, out: usize, step: usize, oRow: usize, bias: f64, addBias: bool): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let b0 = f64x2.splat(0);
    let b1 = f64x2.splat(0);
    const p = src + (<usize>k << 3);
    for (let t = 0; t < nt; t++) {
      const wv = v128.load64_splat(tw + (<usize>t << 3));
      const q = p + <usize>load<i32>(to + (<usize>t << 2));
      a0 = f64x2.add(a0, f64x2.mul(wv, v128.load(q)));
      a1 = f64x2.add(a1, f64x2.mul(wv, v128.load(q, 16)));
      if (two) {
        b0 = f64x2.add(b0, f64x2.mul(wv, v128.load(q + sRow)));
        b1 = f64x2.add(b1, f64x2.mul(wv, v128.load(q + sRow, 16)));
      }
    }
    const o = out + <usize>k * step;
    storeSums(o, step, a0, a1, true, bias, addBias);
    if (two) storeSums(o + oRow, step, b0, b1, true, bias, addBias);
  }
  for (; k < n; k += 2) {
    let a0 = f64x2.splat(0);
    let b0 = f64x2.splat(0);
    const p = src + (<usize>k << 3);
    for (let t = 0; t < nt; t++) {
      const wv = v128.load64_splat(tw + (<usize>t << 3));
      const q = p + <usize>load<i32>(to + (<usize>t << 2));
      a0 = f64x2.add(a0, f64x2.mul(wv, v128.load(q)));
      if (two) b0 = f64x2.add(b0, f64x2.mul(wv, v128.load(q + sRow)));
    }
    const o = out + <usize>k * step;
    if (k + 1 < n) {
      storeSums(o, step, a0, a0, false, bias, addBias);
      if (two) storeSums(o + oRow, step, b0, b0, false, bias, addBias);
    } else {
      store<f32>(o, <f32>(addBias ? f64x2.extract_lane(a0, 0) + bias : f64x2.extract_lane(a0, 0)));
      if (two) store<f32>(o + oRow, <f32>(addBias ? f64x2.extract_lane(b0, 0) + bias : f64x2.extract_lane(b0, 0)));
    }
  }
}

/**
 * Byte offsets (into the column-phase planes) of the kh·kw taps from an output's top-left input, in
 * tap order: tap (i, j) reads padded row dh·i below it and column dw·j to its right, i.e. phase
 * (dw·j) mod sw, column ⌊dw·j / sw⌋.
 */
function phaseTapOffsets(d: usize, to: usize): void {
  const kh = slot(d, DW_KH);
  const kw = slot(d, DW_KW);
  const sw = slot(d, DW_SW);
  const dh = slot(d, DW_DH);
  const dw = slot(d, DW_DW);
  const Wq = slot(d, DW_WQ);
  const sub = slot(d, DW_HP) * Wq;
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const c = dw * j;
      store<i32>(to + (<usize>(i * kw + j) << 2), (((c % sw) * sub + dh * i * Wq + c / sw) << 3));
    }
}

/**
 * y = conv(x, w) + b for the channels [c0, c1) of every image (see depthwiseForwardRef): per image,
 * the input plane is padded into the column-phase planes, and each output row is one tapRow over all
 * taps in order, its outputs ox reading phase-plane column ox + ⌊dw·j / sw⌋.
 */
export function dwForwardF32(d: usize, x: usize, w: usize, b: usize, hasBias: bool, y: usize, scratch: usize, c0: i32, c1: i32): void {
  const N = slot(d, DW_N);
  const C = slot(d, DW_C);
  const oh = slot(d, DW_OH);
  const ow = slot(d, DW_OW);
  const kk = slot(d, DW_KH) * slot(d, DW_KW);
  const sh = slot(d, DW_SH);
  const Wq = slot(d, DW_WQ);
  const xs = <usize>slot(d, DW_H) * <usize>slot(d, DW_W);
  const ys = <usize>oh * <usize>ow;
  const tw = scratch + <usize>slot(d, DW_OFF_TW);
  const to = scratch + <usize>slot(d, DW_OFF_TO);
  dwZero(scratch, slot(d, DW_SW) * slot(d, DW_HP) * Wq);
  phaseTapOffsets(d, to);
  for (let c = c0; c < c1; c++) {
    for (let t = 0; t < kk; t++) store<f64>(tw + (<usize>t << 3), <f64>load<f32>(w + ((<usize>(c * kk + t)) << 2)));
    const bv: f64 = hasBias ? <f64>load<f32>(b + (<usize>c << 2)) : 0;
    for (let n = 0; n < N; n++) {
      const plane = <usize>n * <usize>C + <usize>c;
      fillPhases(x + ((plane * xs) << 2), d, scratch);
      const sRow = (<usize>sh * <usize>Wq) << 3;
      const yp = y + ((plane * ys) << 2);
      let oy = 0;
      for (; oy + 2 <= oh; oy += 2) {
        const src = scratch + <usize>oy * sRow;
        tapRows(src, sRow, tw, to, kk, ow, true, yp + ((<usize>oy * <usize>ow) << 2), 4, <usize>ow << 2, bv, true);
      }
      if (oy < oh) tapRows(scratch + <usize>oy * sRow, 0, tw, to, kk, ow, false, yp + ((<usize>oy * <usize>ow) << 2), 4, 0, bv, true);
    }
  }
}

/**
 * For each output phase (φy, φx) (padded rows φy + sh·m, columns φx + sw·m), the taps that reach it,
 * in descending tap order (the order in which the reference's scatter adds them): tap (i, j) with
 * dh·i ≡ φy (mod sh) and dw·j ≡ φx (mod sw), reading the output gradient ei = (dh·i − φy) / sh rows
 * and ej = (dw·j − φx) / sw columns before m in the padded gradient plane. Writes weights (tw),
 * byte offsets (to, kk per phase) and counts (tn); returns whether every weight is finite.
 */
function phaseTaps(d: usize, w: usize, c: i32, tw: usize, to: usize, tn: usize): bool {
  const kh = slot(d, DW_KH);
  const kw = slot(d, DW_KW);
  const sh = slot(d, DW_SH);
  const sw = slot(d, DW_SW);
  const dh = slot(d, DW_DH);
  const dw = slot(d, DW_DW);
  const Wg = slot(d, DW_WG);
  const Ly = slot(d, DW_LY);
  const Lx = slot(d, DW_LX);
  const kk = kh * kw;
  let finite = true;
  for (let fy = 0; fy < sh; fy++)
    for (let fx = 0; fx < sw; fx++) {
      const ph = fy * sw + fx;
      let nt = 0;
      for (let i = kh - 1; i >= 0; i--) {
        const ry = dh * i - fy;
        if (ry < 0 || ry % sh != 0) continue;
        for (let j = kw - 1; j >= 0; j--) {
          const rx = dw * j - fx;
          if (rx < 0 || rx % sw != 0) continue;
          const k = ph * kk + nt;
          const v = <f64>load<f32>(w + ((<usize>(c * kk + i * kw + j)) << 2));
          if (!isFinite(v)) finite = false;
          store<f64>(tw + (<usize>k << 3), v);
          store<i32>(to + (<usize>k << 2), ((Ly - ry / sh) * Wg + (Lx - rx / sw)) << 3);
          nt++;
        }
      }
      store<i32>(tn + (<usize>ph << 2), nt);
    }
  return finite;
}

/**
 * gx plane = the reference's scatter, literally (for a channel with a non-finite weight, whose
 * products with the padding's zeros would not vanish): buf (Hp×Wp f64) += w[t]·gy over outputs, then
 * taps, in order; then the interior out.
 */
function scatterPlane(d: usize, gy: usize, w: usize, c: i32, gx: usize, buf: usize): void {
  const H = slot(d, DW_H);
  const W = slot(d, DW_W);
  const oh = slot(d, DW_OH);
  const ow = slot(d, DW_OW);
  const kh = slot(d, DW_KH);
  const kw = slot(d, DW_KW);
  const sh = slot(d, DW_SH);
  const sw = slot(d, DW_SW);
  const dh = slot(d, DW_DH);
  const dw = slot(d, DW_DW);
  const Wp = slot(d, DW_WP);
  const kk = kh * kw;
  dwZero(buf, slot(d, DW_HP) * Wp);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const v = <f64>load<f32>(gy + ((<usize>(oy * ow + ox)) << 2));
      const base = sh * oy * Wp + sw * ox;
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++) {
          const p = buf + ((<usize>(base + dh * i * Wp + dw * j)) << 3);
          store<f64>(p, load<f64>(p) + <f64>load<f32>(w + ((<usize>(c * kk + i * kw + j)) << 2)) * v);
        }
    }
  const ph = slot(d, DW_PH);
  const pw = slot(d, DW_PW);
  for (let r = 0; r < H; r++)
    for (let q = 0; q < W; q++)
      store<f32>(gx + ((<usize>(r * W + q)) << 2), <f32>load<f64>(buf + ((<usize>((ph + r) * Wp + pw + q)) << 3)));
}

/**
 * gx = ∂⟨gy, conv(x, w)⟩/∂x for the channels [c0, c1) of every image (see depthwiseInputGradRef), as a
 * gather: per output phase, each input's sum over the taps that reach it, in descending tap order
 * (the reference's order of adds), from the output-gradient plane zero-padded so that no tap needs a
 * bounds check (a finite weight times a padding zero adds +0 or −0 to a sum that starts at +0, which
 * changes no bits). Channels with a non-finite weight take the reference's scatter.
 */
export function dwInputGradF32(d: usize, gy: usize, w: usize, gx: usize, scratch: usize, c0: i32, c1: i32): void {
  const N = slot(d, DW_N);
  const C = slot(d, DW_C);
  const H = slot(d, DW_H);
  const W = slot(d, DW_W);
  const oh = slot(d, DW_OH);
  const ow = slot(d, DW_OW);
  const sh = slot(d, DW_SH);
  const sw = slot(d, DW_SW);
  const ph = slot(d, DW_PH);
  const pw = slot(d, DW_PW);
  const Wg = slot(d, DW_WG);
  const Ly = slot(d, DW_LY);
  const Lx = slot(d, DW_LX);
  const kk = slot(d, DW_KH) * slot(d, DW_KW);
  const xs = <usize>H * <usize>W;
  const ys = <usize>oh * <usize>ow;
  const gpN = <usize>slot(d, DW_HG) * <usize>Wg;
  const tw = scratch + <usize>slot(d, DW_OFF_TW);
  const to = scratch + <usize>slot(d, DW_OFF_TO);
  const tn = scratch + <usize>slot(d, DW_OFF_TN);
  const buf = scratch + (gpN << 3);
  dwZero(scratch, <i32>gpN);
  for (let c = c0; c < c1; c++) {
    const finite = phaseTaps(d, w, c, tw, to, tn);
    for (let n = 0; n < N; n++) {
      const plane = <usize>n * <usize>C + <usize>c;
      const g = gy + ((plane * ys) << 2);
      const out = gx + ((plane * xs) << 2);
      if (!finite) {
        scatterPlane(d, g, w, c, out, buf);
        continue;
      }
      for (let oy = 0; oy < oh; oy++) {
        const src = g + ((<usize>oy * <usize>ow) << 2);
        const dst = scratch + ((<usize>(oy + Ly) * <usize>Wg + <usize>Lx) << 3);
        for (let ox = 0; ox < ow; ox++) store<f64>(dst + (<usize>ox << 3), <f64>load<f32>(src + (<usize>ox << 2)));
      }
      for (let fy = 0; fy < sh; fy++) {
        // rows φy + sh·m of the padded plane inside the input: m in [m0, m1]
        const m0 = (ph - fy + sh - 1) / sh;
        const last = ph + H - 1 - fy;
        if (last < 0) continue;
        const m1 = last / sh;
        for (let fx = 0; fx < sw; fx++) {
          const k0 = (pw - fx + sw - 1) / sw;
          const lastX = pw + W - 1 - fx;
          if (lastX < 0) continue;
          const k1 = lastX / sw;
          if (k1 < k0) continue;
          const p = fy * sw + fx;
          const nt = load<i32>(tn + (<usize>p << 2));
          const ptw = tw + ((<usize>(p * kk)) << 3);
          const pto = to + ((<usize>(p * kk)) << 2);
          const sRow = <usize>Wg << 3;
          const oRow = (<usize>sh * <usize>W) << 2;
          const step = <usize>sw << 2;
          const nk = k1 - k0 + 1;
          let m = m0;
          for (; m <= m1; m += 2) {
            const src = scratch + ((<usize>m * <usize>Wg + <usize>k0) << 3);
            const o = out + ((<usize>(fy + sh * m - ph) * <usize>W + <usize>(fx + sw * k0 - pw)) << 2);
            if (m < m1) tapRows(src, sRow, ptw, pto, nt, nk, true, o, step, oRow, 0, false);
            else tapRows(src, 0, ptw, pto, nt, nk, false, o, step, 0, 0, false);
          }
        }
      }
    }
  }
}

/**
 * gw = ∂⟨gy, conv(x, w)⟩/∂w for the channels [c0, c1) (see depthwiseWeightGradRef): per channel, each
 * tap's sum over images, output rows and columns in order, four taps at a time (two f64x2 sums; the
 * last group repeats its last tap, whose lanes then hold equal sums), from the column-phase planes.
 */
export function dwWeightGradF32(d: usize, x: usize, gy: usize, gw: usize, scratch: usize, c0: i32, c1: i32): void {
  const N = slot(d, DW_N);
  const C = slot(d, DW_C);
  const oh = slot(d, DW_OH);
  const ow = slot(d, DW_OW);
  const kk = slot(d, DW_KH) * slot(d, DW_KW);
  const sh = slot(d, DW_SH);
  const Wq = slot(d, DW_WQ);
  const xs = <usize>slot(d, DW_H) * <usize>slot(d, DW_W);
  const ys = <usize>oh * <usize>ow;
  const to = scratch + <usize>slot(d, DW_OFF_TO);
  const acc = scratch + <usize>slot(d, DW_OFF_ACC);
  dwZero(scratch, slot(d, DW_SW) * slot(d, DW_HP) * Wq);
  phaseTapOffsets(d, to);
  for (let c = c0; c < c1; c++) {
    dwZero(acc, kk);
    for (let n = 0; n < N; n++) {
      const plane = <usize>n * <usize>C + <usize>c;
      fillPhases(x + ((plane * xs) << 2), d, scratch);
      const g = gy + ((plane * ys) << 2);
      for (let t0 = 0; t0 < kk; t0 += 4) {
        const t1 = min(t0 + 1, kk - 1);
        const t2 = min(t0 + 2, kk - 1);
        const t3 = min(t0 + 3, kk - 1);
        const o0 = scratch + <usize>load<i32>(to + (<usize>t0 << 2));
        const o1 = scratch + <usize>load<i32>(to + (<usize>t1 << 2));
        const o2 = scratch + <usize>load<i32>(to + (<usize>t2 << 2));
        const o3 = scratch + <usize>load<i32>(to + (<usize>t3 << 2));
        let a01 = v128.load64_lane(acc + (<usize>t1 << 3), v128.load64_splat(acc + (<usize>t0 << 3)), 1);
        let a23 = v128.load64_lane(acc + (<usize>t3 << 3), v128.load64_splat(acc + (<usize>t2 << 3)), 1);
        for (let oy = 0; oy < oh; oy++) {
          const row = (<usize>(sh * oy) * <usize>Wq) << 3;
          const gr = g + ((<usize>oy * <usize>ow) << 2);
          for (let ox = 0; ox < ow; ox++) {
            const gv = f64x2.splat(<f64>load<f32>(gr + (<usize>ox << 2)));
            const at = row + (<usize>ox << 3);
            a01 = f64x2.add(a01, f64x2.mul(gv, v128.load64_lane(o1 + at, v128.load64_splat(o0 + at), 1)));
            a23 = f64x2.add(a23, f64x2.mul(gv, v128.load64_lane(o3 + at, v128.load64_splat(o2 + at), 1)));
          }
        }
        // lanes of a repeated tap hold equal sums: storing them in order leaves the right value
        v128.store64_lane(acc + (<usize>t0 << 3), a01, 0);
        v128.store64_lane(acc + (<usize>t1 << 3), a01, 1);
        v128.store64_lane(acc + (<usize>t2 << 3), a23, 0);
        v128.store64_lane(acc + (<usize>t3 << 3), a23, 1);
      }
    }
    for (let t = 0; t < kk; t++) store<f32>(gw + ((<usize>(c * kk + t)) << 2), <f32>load<f64>(acc + (<usize>t << 3)));
  }
}
