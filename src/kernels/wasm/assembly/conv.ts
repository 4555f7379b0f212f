// Stride-1 2-D convolutions as one GEMM per block of output rows, with the im2col matrix never built:
// the input planes are zero-padded once per image (padded width Wp = ow + dw·(kw − 1), so that every
// tap's row of the im2col matrix is one contiguous run of a padded plane), and the GEMM's B panels
// are packed straight from those runs. Twin: src/kernels/ref/conv.ts (convStride1Ref).

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
