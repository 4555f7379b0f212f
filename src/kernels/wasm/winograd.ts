/**
 * JS side of the Winograd F(4×4, 3×3) convolutions (`assembly/winograd.ts`). The data stays in the arena
 * from the input transform through the 36 products to the output transform; images are copied in and
 * out one block at a time (about {@link WINOGRAD_TILE_BLOCK} tiles, so that V and M stay in L2).
 * Twins: `ref/winograd.ts`.
 */
import { type WinogradGeometry, winogradWeightGradFinish } from "../ref/winograd.js";
import { chunkSpan, type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { TEAM_JOB, WINOGRAD_BACKWARD_ARGS, WINOGRAD_FORWARD_ARGS } from "../team_jobs.js";
import { alignUp, pad4, type WasmRuntime } from "./loader.js";

/** The exports of `assembly/winograd.ts` and `assembly/winograd5.ts`. */
export interface WinogradExports {
  wgInputF32(
    x: number,
    C: number,
    H: number,
    W: number,
    ph: number,
    pw: number,
    th: number,
    tw: number,
    xp: number,
    tb: number,
    V: number,
    Cs: number,
    Tp: number,
    t0: number,
  ): void;
  wgGradOutF32(
    gy: number,
    Og: number,
    oh: number,
    ow: number,
    th: number,
    tw: number,
    gp: number,
    tb: number,
    Y: number,
    Ms: number,
    Tp: number,
    t0: number,
    bs: number,
    hasBs: number,
  ): void;
  wgInputAdjF32(
    dV: number,
    Cs: number,
    Tp: number,
    t0: number,
    C: number,
    H: number,
    W: number,
    ph: number,
    pw: number,
    th: number,
    tw: number,
    xp: number,
    tb: number,
    gx: number,
  ): void;
  wgGemmF32(U: number, V: number, M: number, Ogp: number, Cg: number, Cs: number, Tp: number, Ms: number): void;
  wgDotF32(Y: number, V: number, S: number, Ogp: number, Cgp: number, Tp: number, Ys: number, Vs: number): void;
  wgOutputF32(
    M: number,
    Ms: number,
    Tp: number,
    t0: number,
    th: number,
    tw: number,
    y: number,
    Og: number,
    oh: number,
    ow: number,
    bias: number,
    hasBias: number,
  ): void;
  wgKernelF32(w: number, Og: number, Cg: number, U: number, st: number, sm: number, sc: number): void;
  wgZeroLanes(P: number, rows: number, Tp: number, T: number): void;
  wgZero(p: number, n: number): void;
  wg5InputF32(
    x: number,
    C: number,
    H: number,
    W: number,
    ph: number,
    pw: number,
    th: number,
    tw: number,
    xp: number,
    tb: number,
    V: number,
    Cs: number,
    Tp: number,
    t0: number,
  ): void;
  wg5KernelF32(w: number, Og: number, Cg: number, U: number, st: number, flip: number, m0: number, m1: number): void;
  wg5GradOutF32(
    gy: number,
    Og: number,
    oh: number,
    ow: number,
    th: number,
    tw: number,
    gp: number,
    tb: number,
    Y: number,
    Ms: number,
    Tp: number,
    t0: number,
  ): void;
  wg5FinishF32(S: number, Og: number, Cg: number, Ss: number, Cgp: number, gw: number, m0: number, m1: number): void;
  wg5FactoredKernelF32(
    Y: number,
    nU: number,
    TP: number,
    Og: number,
    Cg: number,
    U: number,
    st: number,
    flip: number,
    m0: number,
    m1: number,
    dO: number,
    dI: number,
  ): void;
  wg5FactoredFinishF32(
    S: number,
    Og: number,
    Cg: number,
    Ss: number,
    Cgp: number,
    TP: number,
    nU: number,
    gY: number,
    m0: number,
    m1: number,
    dO: number,
    dI: number,
  ): void;
  wg5OutputF32(
    M: number,
    Ms: number,
    Tp: number,
    t0: number,
    th: number,
    tw: number,
    y: number,
    Og: number,
    oh: number,
    ow: number,
    bias: number,
    hasBias: number,
  ): void;
}

/**
 * Tiles per block of images in the Winograd kernels (at least one image per block). The backward's
 * weight gradient sums its blocks in order, so this block also fixes those bits.
 */
export let WINOGRAD_TILE_BLOCK = 196;

/**
 * The forward's blocks take at most this many tiles (and at most {@link WINOGRAD_TILE_BLOCK}): with
 * 32 channels in and out, V and M of 98 tiles take 0.9 MB, within one core's 1 MB L2 where 196 tiles
 * spill to the shared L3. Each output is a sum over channels within one tile, so the block size does
 * not change the forward's bits. N64 32→32 28×28 forward at two threads, six alternations: median
 * of the runs' medians 6.9 → 5.8 ms; beside torch in `npm run bench`, three alternations: p10 5.0–5.9
 * → 5.0–5.1 ms.
 */
export const WINOGRAD_FORWARD_TILE_BLOCK = 98;

/** Overrides {@link WINOGRAD_TILE_BLOCK} (tuning and tests). */
export function setWinogradTileBlock(tiles: number): void {
  WINOGRAD_TILE_BLOCK = tiles;
}

interface WinogradPlan {
  th: number;
  tw: number;
  T1: number;
  nb: number;
  Tp: number;
  Wq: number;
  Hp: number;
}

function winogradPlan(N: number, oh: number, ow: number, tiles = WINOGRAD_TILE_BLOCK): WinogradPlan {
  const th = Math.ceil(oh / 4);
  const tw = Math.ceil(ow / 4);
  const T1 = th * tw;
  const nb = Math.max(1, Math.min(N, Math.floor(tiles / T1)));
  const Tp = Math.ceil((nb * T1 + 3) / 8) * 8;
  return { th, tw, T1, nb, Tp, Wq: 16 * Math.ceil(tw / 4) + 4, Hp: 4 * th + 2 };
}

/** y = conv2d(x, w) + b (3×3, stride 1, zero padding ph/pw, G groups), float32. See winogradConv3x3Ref. */
export function winogradConvWasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const team = kernelTeam(rt, N * G * Og * Cg * oh * ow);
  const tiles = Math.min(WINOGRAD_TILE_BLOCK, WINOGRAD_FORWARD_TILE_BLOCK);
  if (team !== null && Math.ceil(N / winogradPlan(N, oh, ow, tiles).nb) <= TEAM_MAX_CHUNKS) {
    winogradConvTeam(team, x, w, b, y, geom);
    return;
  }
  const e = rt.exports;
  const { th, tw, T1, nb, Tp, Wq, Hp } = winogradPlan(N, oh, ow, tiles);
  const Ogp = pad4(Og);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  rt.reset();
  const pU = rt.alloc(36 * Ogp * Cg * 4);
  // V gets an odd number of rows per ξ: with Cg·Tp floats (a multiple of 256 bytes) the input
  // transform's 36 stores per tile group hit a few L1 sets only (1.3 -> 1.2 CPU-ms per 64 images, A/B);
  // likewise M's rows for the output transform's loads
  const Cs = Cg | 1;
  const Ms = Ogp + winogradRowPad(rt);
  const pV = rt.alloc(36 * Cs * Tp * 4);
  const pM = rt.alloc(36 * Ms * Tp * 4);
  const pX = rt.alloc(nb * xs * 4);
  const pY = rt.alloc(nb * ys * 4);
  const pXp = rt.alloc(Hp * Wq * 4);
  const pTb = rt.alloc(6 * Wq * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const pW = rt.alloc(Og * Cg * 9 * 4);
  const f = rt.f32;
  for (let gi = 0; gi < G; gi++) {
    // U[ξ][m][c] (Ogp rows of Cg, zero past Og)
    f.set(w.subarray(gi * Og * Cg * 9, (gi + 1) * Og * Cg * 9), pW >> 2);
    e.wgZero(pU, 36 * Ogp * Cg);
    e.wgKernelF32(pW, Og, Cg, pU, Ogp * Cg, Cg, 1);
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      for (let k = 0; k < nI; k++) {
        const src = ((n0 + k) * G + gi) * xs;
        f.set(x.subarray(src, src + xs), (pX >> 2) + k * xs);
        e.wgInputF32(pX + k * xs * 4, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, Cs, Tp, k * T1);
      }
      e.wgGemmF32(pU, pV, pM, Ogp, Cg, Cs, Tp, Ms);
      for (let k = 0; k < nI; k++) {
        e.wgOutputF32(pM, Ms, Tp, k * T1, th, tw, pY + k * ys * 4, Og, oh, ow, pB, b === null ? 0 : 1);
        const dst = ((n0 + k) * G + gi) * ys;
        y.set(f.subarray((pY >> 2) + k * ys, (pY >> 2) + (k + 1) * ys), dst);
      }
    }
  }
}

/**
 * One spare row per ξ (the odd row counts that keep the transforms' strided accesses spread over the
 * L1 sets) where the module's products take separate row counts; 0 with an older build.
 */
export function winogradRowPad(rt: WasmRuntime): number {
  return rt.exports.wgGemmF32.length >= 8 ? 1 : 0;
}

/**
 * The whole backward of {@link winogradConvWasm} from one transform of gy per tile: Y = A·gy·Aᵀ is
 * shared by the weight gradient (Σ_t Y·Vᵀ, V the input transform) and the input gradient (Uᵀ·Y, then
 * the adjoint of the input transform); the bias gradient is summed while gy is copied in. Each of gx,
 * gw, gb may be null (not computed); all three are overwritten. Float32.
 */
export function winogradBackwardWasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  gx: Float32Array | null,
  gw: Float32Array | null,
  gb: Float32Array | null,
  geom: WinogradGeometry,
): void {
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const team = kernelTeam(rt, N * G * Og * Cg * oh * ow);
  if (team !== null && Math.ceil(N / winogradPlan(N, oh, ow).nb) <= TEAM_MAX_CHUNKS) {
    winogradBackwardTeam(team, x, w, gy, gx, gw, gb, geom);
    return;
  }
  const e = rt.exports;
  const { th, tw, T1, nb, Tp, Wq, Hp, Ogp, Cgp, xs, ys, Wg, Vs, Ys } = backwardPlan(rt, geom);
  rt.reset();
  const pV = rt.alloc(36 * Vs * Tp * 4);
  const pYt = rt.alloc(36 * Ys * Tp * 4);
  const pS = rt.alloc(36 * Ogp * Cgp * 4);
  const pUT = rt.alloc(36 * Cgp * Ogp * 4);
  const pX = rt.alloc(nb * xs * 4);
  const pG = rt.alloc(nb * ys * 4);
  const pXp = rt.alloc(Hp * Wq * 4);
  const pTb = rt.alloc(6 * Wq * 4);
  const pGp = rt.alloc(4 * th * Wg * 4);
  const pBs = rt.alloc(Math.max(Og, 1) * 4);
  const pW = gx === null ? 0 : rt.alloc(Og * Cg * 9 * 4);
  const f = rt.f32;
  const S = gw === null ? null : new Float32Array(G * 36 * Ogp * Cgp);
  e.wgZero(pV, 36 * Vs * Tp);
  e.wgZero(pYt, 36 * Ys * Tp);
  for (let gi = 0; gi < G; gi++) {
    if (S !== null) e.wgZero(pS, 36 * Ogp * Cgp);
    e.wgZero(pBs, Og);
    if (gx !== null) transposedKernels(rt, w, gi, Og, Cg, pW, pUT);
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      for (let k = 0; k < nI; k++) {
        if (S !== null) {
          const sx = ((n0 + k) * G + gi) * xs;
          f.set(x.subarray(sx, sx + xs), (pX >> 2) + k * xs);
          e.wgInputF32(pX + k * xs * 4, Cg, H, W, ph, pw, th, tw, pXp, pTb, pV, Vs, Tp, k * T1);
        }
        const sy = ((n0 + k) * G + gi) * ys;
        f.set(gy.subarray(sy, sy + ys), (pG >> 2) + k * ys);
        e.wgGradOutF32(pG + k * ys * 4, Og, oh, ow, th, tw, pGp, pTb, pYt, Ys, Tp, k * T1, pBs, gb === null ? 0 : 1);
      }
      if (nI < nb) e.wgZeroLanes(pYt, 36 * Ys, Tp, nI * T1);
      if (S !== null) e.wgDotF32(pYt, pV, pS, Ogp, Cgp, Tp, Ys, Vs);
      if (gx !== null) {
        // dV = Uᵀ·Y over V's rows (V is spent), then the adjoint input transform per image
        e.wgGemmF32(pUT, pYt, pV, Cgp, Ogp, Ys, Tp, Vs);
        for (let k = 0; k < nI; k++) {
          e.wgInputAdjF32(pV, Vs, Tp, k * T1, Cg, H, W, ph, pw, th, tw, pXp, pTb, pX + k * xs * 4);
          const dst = ((n0 + k) * G + gi) * xs;
          gx.set(f.subarray((pX >> 2) + k * xs, (pX >> 2) + (k + 1) * xs), dst);
        }
      }
    }
    if (S !== null) S.set(f.subarray(pS >> 2, (pS >> 2) + 36 * Ogp * Cgp), gi * 36 * Ogp * Cgp);
    if (gb !== null) gb.set(f.subarray(pBs >> 2, (pBs >> 2) + Og), gi * Og);
  }
  if (S !== null && gw !== null) winogradWeightGradFinish(S, G, Og, Cg, Ogp, Cgp, gw);
}

/**
 * The blocks and buffer rows of {@link winogradBackwardWasm} (both paths): the plan's tiles and image
 * blocks, the padded channel counts, the image and output strides, gy's plane width, and the odd row
 * counts per ξ of V (also dV) and Y, as in {@link winogradConvWasm}.
 */
function backwardPlan(rt: WasmRuntime, geom: WinogradGeometry) {
  const { N, Cg, Og, H, W, oh, ow } = geom;
  const plan = winogradPlan(N, oh, ow);
  const Ogp = pad4(Og);
  const Cgp = pad4(Cg);
  const pad = winogradRowPad(rt);
  return {
    ...plan,
    Ogp,
    Cgp,
    xs: Cg * H * W,
    ys: Og * oh * ow,
    Wg: 16 * Math.ceil(plan.tw / 4),
    Vs: Cgp + pad,
    Ys: Ogp + pad,
  };
}

/**
 * Uᵀ[ξ][c][m] of group gi at pUT (Cgp rows of Ogp, zero past Cg and Og), the input gradient's products
 * dV = Uᵀ·Y, from the group's kernels copied to pW.
 */
function transposedKernels(
  rt: WasmRuntime,
  w: Float32Array,
  gi: number,
  Og: number,
  Cg: number,
  pW: number,
  pUT: number,
): void {
  const e = rt.exports;
  const Ogp = pad4(Og);
  const Cgp = pad4(Cg);
  rt.f32.set(w.subarray(gi * Og * Cg * 9, (gi + 1) * Og * Cg * 9), pW >> 2);
  e.wgZero(pUT, 36 * Cgp * Ogp);
  e.wgKernelF32(pW, Og, Cg, pUT, Cgp * Ogp, 1, Ogp);
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winogradConvWasm}, float32; when `gb`
 * is given, also the bias gradient gb[c] = Σ gy[·, c]: {@link winogradBackwardWasm} without the input
 * gradient (which alone reads the weights).
 */
export function winogradWeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: WinogradGeometry,
  gb: Float32Array | null = null,
): void {
  winogradBackwardWasm(rt, x, NO_WEIGHTS, gy, null, gw, gb, geom);
}

const NO_WEIGHTS = new Float32Array(0);

/**
 * {@link winogradConvWasm} over the threads of a kernel team: x and y are copied in and out whole, the
 * kernel transform of each group is computed once, and each chunk is one block of images (the blocks
 * of the one-thread path: input transforms, the 36 products, output transforms) in its thread's own
 * V, M and plane buffers. Images do not mix, so the result equals one thread's bit for bit.
 */
function winogradConvTeam(
  team: KernelTeam,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: WinogradGeometry,
): void {
  const rt = team.runtime;
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const e = rt.exports;
  const { th, tw, T1, nb, Tp, Wq, Hp } = winogradPlan(
    N,
    oh,
    ow,
    Math.min(WINOGRAD_TILE_BLOCK, WINOGRAD_FORWARD_TILE_BLOCK),
  );
  const Ogp = pad4(Og);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  rt.reset();
  const Cs = Cg | 1;
  const Ms = Ogp + winogradRowPad(rt);
  // one block per thread: V, M, the padded plane and the row buffer, each 64-byte aligned
  const offM = alignUp(36 * Cs * Tp * 4);
  const offXp = offM + alignUp(36 * Ms * Tp * 4);
  const offTb = offXp + alignUp(Hp * Wq * 4);
  const blockStride = offTb + alignUp(6 * Wq * 4);
  const pBlocks = rt.alloc(team.size * blockStride);
  const pU = rt.alloc(36 * Ogp * Cg * 4);
  const pX = rt.alloc(N * G * xs * 4);
  const pY = rt.alloc(N * G * ys * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const pW = rt.alloc(Og * Cg * 9 * 4);
  const f = rt.f32;
  const R = WINOGRAD_FORWARD_ARGS;
  const args: number[] = [];
  args[R.U] = pU;
  args[R.x] = pX;
  args[R.y] = pY;
  args[R.G] = G;
  args[R.Cg] = Cg;
  args[R.H] = H;
  args[R.W] = W;
  args[R.ph] = ph;
  args[R.pw] = pw;
  args[R.th] = th;
  args[R.tw] = tw;
  args[R.Tp] = Tp;
  args[R.Cs] = Cs;
  args[R.Ms] = Ms;
  args[R.Ogp] = Ogp;
  args[R.Og] = Og;
  args[R.oh] = oh;
  args[R.ow] = ow;
  args[R.bias] = pB;
  args[R.hasBias] = b === null ? 0 : 1;
  args[R.nb] = nb;
  args[R.N] = N;
  args[R.T1] = T1;
  args[R.blocks] = pBlocks;
  args[R.blockStride] = blockStride;
  args[R.offM] = offM;
  args[R.offXp] = offXp;
  args[R.offTb] = offTb;
  for (let gi = 0; gi < G; gi++) {
    f.set(w.subarray(gi * Og * Cg * 9, (gi + 1) * Og * Cg * 9), pW >> 2);
    e.wgZero(pU, 36 * Ogp * Cg);
    e.wgKernelF32(pW, Og, Cg, pU, Ogp * Cg, Cg, 1);
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    args[R.gi] = gi;
    // chunk k is images [k·nb, (k+1)·nb): the calling thread copies them in (with the first group) and
    // their outputs out (after the last) while the other threads compute
    team.run(TEAM_JOB.winogradForward, Math.ceil(N / nb), args, {
      feed:
        gi === 0
          ? (k) => {
              const [a, z] = chunkSpan(k, nb, N, G * xs);
              f.set(x.subarray(a, z), (pX >> 2) + a);
            }
          : undefined,
      drain:
        gi === G - 1
          ? (k) => {
              const [a, z] = chunkSpan(k, nb, N, G * ys);
              y.set(f.subarray((pY >> 2) + a, (pY >> 2) + z), a);
            }
          : undefined,
    });
  }
}

/**
 * {@link winogradBackwardWasm} over the threads of a kernel team, one block of images per chunk (the
 * one-thread path's blocks, in per-thread V, Y and plane buffers). What crosses blocks is summed by the
 * calling thread in block order, as the one-thread path sums it: each block's weight-gradient sums
 * (written by its chunk into its own slot; the kernel adds a block's full dot products to the running
 * sums, so adding the slot gives the same float32 sums) and each image's bias-gradient sums. It copies
 * x and gy in and the input gradient out while the other threads compute: one thread's bits.
 */
function winogradBackwardTeam(
  team: KernelTeam,
  x: Float32Array,
  w: Float32Array,
  gy: Float32Array,
  gx: Float32Array | null,
  gw: Float32Array | null,
  gb: Float32Array | null,
  geom: WinogradGeometry,
): void {
  const rt = team.runtime;
  const e = rt.exports;
  const { N, G, Cg, Og, H, W, oh, ow, ph, pw } = geom;
  const { th, tw, T1, nb, Tp, Wq, Hp, Ogp, Cgp, xs, ys, Wg, Vs, Ys } = backwardPlan(rt, geom);
  const chunks = Math.ceil(N / nb);
  const dn = 36 * Ogp * Cgp;
  rt.reset();
  const offY = alignUp(36 * Vs * Tp * 4);
  const offXp = offY + alignUp(36 * Ys * Tp * 4);
  const offTb = offXp + alignUp(Hp * Wq * 4);
  const offGp = offTb + alignUp(6 * Wq * 4);
  const blockStride = offGp + alignUp(4 * th * Wg * 4);
  const pBlocks = rt.alloc(team.size * blockStride);
  const pUT = gx === null ? 0 : rt.alloc(36 * Cgp * Ogp * 4);
  const pD = gw === null ? 0 : rt.alloc(chunks * dn * 4);
  const pSlots = rt.alloc(N * Math.max(Og, 1) * 4);
  const pX = rt.alloc(N * xs * 4);
  const pG = rt.alloc(N * ys * 4);
  const pW = gx === null ? 0 : rt.alloc(Og * Cg * 9 * 4);
  const f = rt.f32;
  // V and Y start zeroed in every thread's block, as the one-thread path's buffers do
  for (let t = 0; t < team.size; t++) {
    e.wgZero(pBlocks + t * blockStride, 36 * Vs * Tp);
    e.wgZero(pBlocks + t * blockStride + offY, 36 * Ys * Tp);
  }
  const S = gw === null ? null : new Float32Array(G * dn);
  const bias = gb === null ? null : new Float32Array(Og);
  const R = WINOGRAD_BACKWARD_ARGS;
  const args: number[] = [];
  args[R.x] = pX;
  args[R.gy] = pG;
  args[R.UT] = pUT;
  args[R.D] = pD;
  args[R.slots] = pSlots;
  args[R.Cg] = Cg;
  args[R.Og] = Og;
  args[R.H] = H;
  args[R.W] = W;
  args[R.ph] = ph;
  args[R.pw] = pw;
  args[R.oh] = oh;
  args[R.ow] = ow;
  args[R.th] = th;
  args[R.tw] = tw;
  args[R.Tp] = Tp;
  args[R.T1] = T1;
  args[R.nb] = nb;
  args[R.N] = N;
  args[R.Vs] = Vs;
  args[R.Ys] = Ys;
  args[R.Ogp] = Ogp;
  args[R.Cgp] = Cgp;
  args[R.blocks] = pBlocks;
  args[R.blockStride] = blockStride;
  args[R.offY] = offY;
  args[R.offXp] = offXp;
  args[R.offTb] = offTb;
  args[R.offGp] = offGp;
  args[R.what] = (gw !== null ? 1 : 0) | (gx !== null ? 2 : 0) | (gb !== null ? 4 : 0);
  for (let gi = 0; gi < G; gi++) {
    if (gx !== null) transposedKernels(rt, w, gi, Og, Cg, pW, pUT);
    if (bias !== null) {
      bias.fill(0);
      e.wgZero(pSlots, N * Og);
    }
    team.run(TEAM_JOB.winogradBackward, chunks, args, {
      feed: (k) => {
        const [n0, n1] = chunkSpan(k, nb, N);
        for (let n = n0; n < n1; n++) {
          const sx = (n * G + gi) * xs;
          if (gw !== null) f.set(x.subarray(sx, sx + xs), (pX >> 2) + n * xs);
          const sy = (n * G + gi) * ys;
          f.set(gy.subarray(sy, sy + ys), (pG >> 2) + n * ys);
        }
      },
      drain: (k) => {
        const [n0, n1] = chunkSpan(k, nb, N);
        if (S !== null) {
          const d = (pD >> 2) + k * dn;
          const s0 = gi * dn;
          for (let i = 0; i < dn; i++) S[s0 + i]! += f[d + i]!;
        }
        if (bias !== null)
          for (let n = n0; n < n1; n++) {
            const sl = (pSlots >> 2) + n * Og;
            for (let m = 0; m < Og; m++) bias[m]! += f[sl + m]!;
          }
        if (gx !== null)
          for (let n = n0; n < n1; n++)
            gx.set(f.subarray((pX >> 2) + n * xs, (pX >> 2) + (n + 1) * xs), (n * G + gi) * xs);
      },
    });
    if (gb !== null && bias !== null) gb.set(bias, gi * Og);
  }
  if (S !== null && gw !== null) winogradWeightGradFinish(S, G, Og, Cg, Ogp, Cgp, gw);
}
