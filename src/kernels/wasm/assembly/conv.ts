// Stride-1 2-D convolutions as one GEMM per block of output rows, with the im2col matrix never built:
// the input planes are zero-padded once per image (padded width Wp = ow + dw·(kw − 1), so that every
// tap's row of the im2col matrix is one contiguous run of a padded plane), and the GEMM's B panels
// are packed straight from those runs (Bᵀ for the weight gradient). Twins: src/kernels/ref/conv.ts
// (convStride1Ref, convStride1WeightGradRef).

// @ts-ignore: decorator
@inline const NR: i32 = 8;

/**
 * Copies C planes of H×W at x into the padded planes at xp (plane floats apart, row stride Wp, the
 * input's (0, 0) at `inner`); the padding is left as it is (zero from the caller's fill).
 */
export function convPadPlanesF32(x: usize, C: i32, H: i32, W: i32, xp: usize, Wp: i32, plane: i32, inner: i32): void {
  const rowB = <usize>W << 2;
  for (let c = 0; c < C; c++) {
    let src = x + ((<usize>c * <usize>H * <usize>W) << 2);
    let dst = xp + ((<usize>c * <usize>plane + <usize>inner) << 2);
    for (let i = 0; i < H; i++) {
      let o: usize = 0;
      for (; o + 16 <= rowB; o += 16) v128.store(dst + o, v128.load(src + o));
      for (; o < rowB; o += 4) store<f32>(dst + o, load<f32>(src + o));
      src += rowB;
      dst += <usize>Wp << 2;
    }
  }
}

/**
 * Packs B = im2col of the padded planes for `len` output positions from offset `off` (floats) into
 * GEMM panels Bp[jr][k][NR] (as gemmPackB, zero past len): row k = (c, a, b) of B is the run of plane
 * c starting at off + a·dh·Wp + b·dw.
 */
export function convPackBF32(xp: usize, Bp: usize, C: i32, kh: i32, kw: i32, dh: i32, dw: i32, Wp: i32, plane: i32, off: i32, len: i32): void {
  const K = C * kh * kw;
  const panels = (len + NR - 1) / NR;
  for (let jr = 0; jr < panels; jr++) {
    const j0 = jr * NR;
    const w = min(NR, len - j0);
    let dst = Bp + ((<usize>jr * <usize>K * NR) << 2);
    for (let c = 0; c < C; c++) {
      for (let a = 0; a < kh; a++) {
        let src = xp + ((<usize>c * <usize>plane + <usize>off + <usize>(a * dh) * <usize>Wp + <usize>j0) << 2);
        for (let b = 0; b < kw; b++) {
          if (w == NR) {
            v128.store(dst, v128.load(src));
            v128.store(dst, v128.load(src, 16), 16);
          } else {
            for (let t = 0; t < NR; t++) store<f32>(dst + (<usize>t << 2), t < w ? load<f32>(src + (<usize>t << 2)) : 0);
          }
          src += <usize>dw << 2;
          dst += NR << 2;
        }
      }
    }
  }
}

/**
 * y rows [r0, r0 + rows) of M channel planes (oh·ow = P floats apart, from y) = the GEMM's output
 * C[M × rows·Wp] without each row's last Wp − ow columns, plus bias[m] when hasBias.
 */
export function convUnpadRowsF32(Cm: usize, M: i32, rows: i32, Wp: i32, ow: i32, y: usize, P: i32, r0: i32, bias: usize, hasBias: bool): void {
  const len = rows * Wp;
  const rowB = <usize>ow << 2;
  for (let m = 0; m < M; m++) {
    const bv = hasBias ? load<f32>(bias + (<usize>m << 2)) : <f32>0;
    const bvv = f32x4.splat(bv);
    let src = Cm + ((<usize>m * <usize>len) << 2);
    let dst = y + ((<usize>m * <usize>P + <usize>(r0 * ow)) << 2);
    for (let r = 0; r < rows; r++) {
      let o: usize = 0;
      for (; o + 16 <= rowB; o += 16) v128.store(dst + o, f32x4.add(v128.load(src + o), bvv));
      for (; o < rowB; o += 4) store<f32>(dst + o, load<f32>(src + o) + bv);
      src += <usize>Wp << 2;
      dst += rowB;
    }
  }
}

/** Byte offset of tap k = (c, a, b) in the padded planes. */
// @ts-ignore: decorator
@inline function tapOffset(k: i32, kh: i32, kw: i32, dh: i32, dw: i32, Wp: i32, plane: i32): usize {
  const kk = kh * kw;
  const c = k / kk;
  const r = k - c * kk;
  const a = r / kw;
  const b = r - a * kw;
  return (<usize>c * <usize>plane + <usize>(a * dh) * <usize>Wp + <usize>(b * dw)) << 2;
}

/**
 * Packs Bᵀ (B = the im2col matrix of {@link convPackBF32}: K = C·kh·kw taps × len positions from
 * offset `off`) into GEMM panels over the taps, Bp[jr][j][NR] (tap jr·NR + t at lane t, zero past K):
 * the B operand of the weight gradient gw[m][k] += Σ_j gy[m][j]·B[k][j]. Four positions of eight
 * taps at a time through two 4×4 transposes.
 */
export function convPackBTF32(xp: usize, Bp: usize, C: i32, kh: i32, kw: i32, dh: i32, dw: i32, Wp: i32, plane: i32, off: i32, len: i32): void {
  const K = C * kh * kw;
  const panels = (K + NR - 1) / NR;
  const base = xp + (<usize>off << 2);
  for (let jr = 0; jr < panels; jr++) {
    const k0 = jr * NR;
    let dst = Bp + ((<usize>jr * <usize>len * NR) << 2);
    if (k0 + NR <= K) {
      const s0 = base + tapOffset(k0, kh, kw, dh, dw, Wp, plane);
      const s1 = base + tapOffset(k0 + 1, kh, kw, dh, dw, Wp, plane);
      const s2 = base + tapOffset(k0 + 2, kh, kw, dh, dw, Wp, plane);
      const s3 = base + tapOffset(k0 + 3, kh, kw, dh, dw, Wp, plane);
      const s4 = base + tapOffset(k0 + 4, kh, kw, dh, dw, Wp, plane);
      const s5 = base + tapOffset(k0 + 5, kh, kw, dh, dw, Wp, plane);
      const s6 = base + tapOffset(k0 + 6, kh, kw, dh, dw, Wp, plane);
      const s7 = base + tapOffset(k0 + 7, kh, kw, dh, dw, Wp, plane);
      let j = 0;
      for (; j + 4 <= len; j += 4) {
        const o = <usize>j << 2;
        const q0 = v128.load(s0 + o);
        const q1 = v128.load(s1 + o);
        const q2 = v128.load(s2 + o);
        const q3 = v128.load(s3 + o);
        const l01 = v128.shuffle<i32>(q0, q1, 0, 4, 1, 5);
        const l23 = v128.shuffle<i32>(q2, q3, 0, 4, 1, 5);
        const h01 = v128.shuffle<i32>(q0, q1, 2, 6, 3, 7);
        const h23 = v128.shuffle<i32>(q2, q3, 2, 6, 3, 7);
        const q4 = v128.load(s4 + o);
        const q5 = v128.load(s5 + o);
        const q6 = v128.load(s6 + o);
        const q7 = v128.load(s7 + o);
        const m01 = v128.shuffle<i32>(q4, q5, 0, 4, 1, 5);
        const m23 = v128.shuffle<i32>(q6, q7, 0, 4, 1, 5);
        const g01 = v128.shuffle<i32>(q4, q5, 2, 6, 3, 7);
        const g23 = v128.shuffle<i32>(q6, q7, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<i64>(l01, l23, 0, 2));
        v128.store(dst, v128.shuffle<i64>(m01, m23, 0, 2), 16);
        v128.store(dst, v128.shuffle<i64>(l01, l23, 1, 3), 32);
        v128.store(dst, v128.shuffle<i64>(m01, m23, 1, 3), 48);
        v128.store(dst, v128.shuffle<i64>(h01, h23, 0, 2), 64);
        v128.store(dst, v128.shuffle<i64>(g01, g23, 0, 2), 80);
        v128.store(dst, v128.shuffle<i64>(h01, h23, 1, 3), 96);
        v128.store(dst, v128.shuffle<i64>(g01, g23, 1, 3), 112);
        dst += 128;
      }
      for (; j < len; j++) {
        const o = <usize>j << 2;
        store<f32>(dst, load<f32>(s0 + o));
        store<f32>(dst, load<f32>(s1 + o), 4);
        store<f32>(dst, load<f32>(s2 + o), 8);
        store<f32>(dst, load<f32>(s3 + o), 12);
        store<f32>(dst, load<f32>(s4 + o), 16);
        store<f32>(dst, load<f32>(s5 + o), 20);
        store<f32>(dst, load<f32>(s6 + o), 24);
        store<f32>(dst, load<f32>(s7 + o), 28);
        dst += NR << 2;
      }
    } else {
      for (let j = 0; j < len; j++) {
        for (let t = 0; t < NR; t++) {
          const k = k0 + t;
          store<f32>(dst + (<usize>t << 2), k < K ? load<f32>(base + tapOffset(k, kh, kw, dh, dw, Wp, plane) + (<usize>j << 2)) : 0);
        }
        dst += NR << 2;
      }
    }
  }
}
