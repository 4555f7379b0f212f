/**
 * JS side of the stride-1 2-D convolutions without an im2col matrix (`assembly/conv.ts`): per image,
 * the input planes are padded in the arena once, and each block of output rows is one GEMM whose B
 * panels are packed straight from the padded planes; the weights are copied once per group.
 * Large calls split over the kernel team (`team_jobs.ts`): the forward by (image, group) items, the
 * weight gradient by a group's output channels; either way each output is computed as on one thread.
 * Twins: `ref/conv.ts`.
 */
import type { Stride1Geometry } from "../ref/conv.js";
import { chunkSpan, jobArgs, type KernelTeam, kernelTeam, TEAM_MAX_CHUNKS } from "../team.js";
import { CONV_STRIDE1_ARGS, CONV_STRIDE1_PASS, TEAM_JOB } from "../team_jobs.js";
import { type Stride1Item, stride1ItemForward } from "../team_run.js";
import { KC, MC, MR, NR } from "./linalg.js";
import { alignUp, type WasmRuntime } from "./loader.js";

/** Packs the GEMM's B panels (or Bᵀ) for `len` columns from `off` of C padded planes and kh×kw taps. */
type PackB = (
  xp: number,
  Bp: number,
  C: number,
  kh: number,
  kw: number,
  dh: number,
  dw: number,
  Wp: number,
  plane: number,
  off: number,
  len: number,
) => void;

/** The exports of `assembly/conv.ts` (the bindings also call `gemmRows` and `wgZero`). */
export interface ConvExports {
  convPadPlanesF32(
    x: number,
    C: number,
    H: number,
    W: number,
    xp: number,
    Wp: number,
    plane: number,
    inner: number,
  ): void;
  convPackBF32: PackB;
  convPackBTF32: PackB;
  convUnpadRowsF32(
    Cm: number,
    M: number,
    rows: number,
    Wp: number,
    ow: number,
    y: number,
    P: number,
    r0: number,
    bias: number,
    hasBias: number,
  ): void;
}

/** Bytes of packed B panels per block of output rows (the block stays in L2 while the GEMM runs). */
const CONV_PANEL_BYTES = 524288;

/**
 * Fewest output positions per GEMM (rows of a block × Wp), whatever the panel bytes: with long
 * kernels (Kg = Cg·kh·kw in the thousands) the 512 KiB rule gives one output row per GEMM, and the
 * [Og, Kg] weight matrix (several MB, past L2) is then streamed from memory for every row; with at
 * least this many columns each packed block of weights serves 64 panels of B.
 */
const CONV_MIN_COLUMNS = 512;

/** The padded layout of {@link convStride1Wasm} and the blocks of output rows per GEMM. */
function stride1Sizes(geom: Stride1Geometry) {
  const { Cg, H, W, kh, kw, dh, dw, oh, ow } = geom;
  const Kg = Cg * kh * kw;
  const Wp = ow + dw * (kw - 1);
  const plane = (oh + dh * (kh - 1)) * Wp;
  // planes plus the run that taps of the last rows read past the last plane, plus a panel's width
  const tail = dw * (kw - 1) + NR;
  const rowsPer = Math.min(
    oh,
    Math.max(1, Math.floor(CONV_PANEL_BYTES / 4 / Math.max(Kg, 1) / Wp), Math.ceil(CONV_MIN_COLUMNS / Wp)),
  );
  return { Kg, Wp, plane, P: oh * ow, xs: Cg * H * W, rowsPer, maxLen: rowsPer * Wp, padded: Cg * plane + tail };
}

/**
 * The layout of {@link stride1Sizes}; resets the arena and allocates the image block pX and its padded
 * planes pXp (zeroed: only the interior is written).
 */
function stride1Plan(rt: WasmRuntime, geom: Stride1Geometry) {
  const z = stride1Sizes(geom);
  rt.reset();
  const pX = rt.alloc(z.xs * 4);
  const pXp = rt.alloc(z.padded * 4);
  rt.exports.wgZero(pXp, z.padded);
  return { ...z, pX, pXp };
}

/** Multiply-adds of a stride-1 convolution (its forward or weight gradient): the kernel team's work. */
function stride1Work({ N, G, Cg, Og, kh, kw, oh, ow }: Stride1Geometry): number {
  return N * G * Og * Cg * kh * kw * oh * ow;
}

/**
 * The arena of a {@link TEAM_JOB.convStride1} pass with layout `z`: the arguments with the geometry and
 * the per-thread blocks (allocated first and zeroed: padded planes, `bBytes` of packed B, `cBytes` of
 * GEMM result or padded gy rows, packed A), the rest of the slots left to set.
 */
function stride1TeamArgs(
  team: KernelTeam,
  geom: Stride1Geometry,
  z: ReturnType<typeof stride1Sizes>,
  pass: number,
  bBytes: number,
  cBytes: number,
): number[] {
  const rt = team.runtime;
  const offBp = alignUp(z.padded * 4);
  const offC = offBp + alignUp(bBytes);
  const offAp = offC + alignUp(cBytes);
  const stride = offAp + alignUp(MC * KC * 4);
  rt.reset();
  const blocks = rt.alloc(team.size * stride);
  rt.exports.wgZero(blocks, (team.size * stride) >> 2);
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  return jobArgs(CONV_STRIDE1_ARGS, {
    pass,
    blocks,
    blockStride: stride,
    offBp,
    offC,
    offAp,
    ...{ N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow },
    Wp: z.Wp,
    plane: z.plane,
    rowsPer: z.rowsPer,
  });
}

/**
 * The forward of {@link convStride1Wasm} over the kernel team: chunks of (image, group) items, each the
 * one-thread pass's work for its items (the same bits); the calling thread copies each chunk's images
 * in and its outputs out while the other threads compute.
 */
function convStride1Team(
  team: KernelTeam,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: Stride1Geometry,
): void {
  const { N, G, Og } = geom;
  const rt = team.runtime;
  const z = stride1Sizes(geom);
  const args = stride1TeamArgs(
    team,
    geom,
    z,
    CONV_STRIDE1_PASS.forward,
    Math.ceil(z.maxLen / NR) * z.Kg * NR * 4,
    Og * z.maxLen * 4,
  );
  const items = N * G;
  const ys = Og * z.P;
  const pW = rt.alloc(G * Og * z.Kg * 4);
  const pB = rt.alloc(G * Og * 4);
  const pX = rt.alloc(items * z.xs * 4);
  const pY = rt.alloc(items * ys * 4);
  const f = rt.f32;
  f.set(w.subarray(0, G * Og * z.Kg), pW >> 2);
  if (b !== null) f.set(b.subarray(0, G * Og), pB >> 2);
  else rt.exports.wgZero(pB, G * Og);
  const per = Math.ceil(items / Math.min(items, 4 * team.size, TEAM_MAX_CHUNKS));
  jobArgs(CONV_STRIDE1_ARGS, { x: pX, y: pY, w: pW, bias: pB, per }, args);
  team.run(TEAM_JOB.convStride1, Math.ceil(items / per), args, {
    feed: (k) => {
      const [s, e] = chunkSpan(k, per, items, z.xs);
      f.set(x.subarray(s, e), (pX >> 2) + s);
    },
    drain: (k) => {
      const [s, e] = chunkSpan(k, per, items, ys);
      y.set(f.subarray((pY >> 2) + s, (pY >> 2) + e), s);
    },
  });
}

/**
 * The weight gradient of {@link convStride1WeightGradWasm} over the kernel team: chunks of a group's
 * output channels (whole register tiles of MR rows), each accumulating its rows of gw over every image
 * in order, as the one-thread pass does (the same bits). Returns false where the groups alone exceed
 * the chunks a job may have.
 */
function convStride1WeightGradTeam(
  team: KernelTeam,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: Stride1Geometry,
): boolean {
  const { N, G, Og, oh } = geom;
  if (G > TEAM_MAX_CHUNKS) return false;
  const rt = team.runtime;
  const cpgWanted = Math.max(
    1,
    Math.min(Math.ceil(Og / MR), Math.floor(TEAM_MAX_CHUNKS / G), Math.ceil((4 * team.size) / G)),
  );
  const per = Math.ceil(Math.ceil(Og / cpgWanted) / MR) * MR;
  const cpg = Math.ceil(Og / per);
  const z = stride1Sizes(geom);
  const args = stride1TeamArgs(
    team,
    geom,
    z,
    CONV_STRIDE1_PASS.weightGrad,
    Math.ceil(z.Kg / NR) * z.maxLen * NR * 4,
    per * oh * z.Wp * 4,
  );
  const items = N * G;
  const pX = rt.alloc(items * z.xs * 4);
  const pG = rt.alloc(items * Og * z.P * 4);
  const pW = rt.alloc(G * Og * z.Kg * 4);
  const f = rt.f32;
  f.set(x.subarray(0, items * z.xs), pX >> 2);
  f.set(gy.subarray(0, items * Og * z.P), pG >> 2);
  rt.exports.wgZero(pW, G * Og * z.Kg);
  jobArgs(CONV_STRIDE1_ARGS, { x: pX, y: pG, w: pW, per, cpg }, args);
  team.run(TEAM_JOB.convStride1, G * cpg, args);
  gw.set(f.subarray(pW >> 2, (pW >> 2) + G * Og * z.Kg));
  return true;
}

/** y = conv2d(x, w) + b, stride 1, float32. See convStride1Ref for the layouts. */
export function convStride1Wasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: Stride1Geometry,
): void {
  const team = kernelTeam(rt, stride1Work(geom));
  if (team !== null) {
    convStride1Team(team, x, w, b, y, geom);
    return;
  }
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  const e = rt.exports;
  const { Kg, Wp, plane, P, xs, rowsPer, maxLen, pX, pXp } = stride1Plan(rt, geom);
  const item: Stride1Item = { Cg, H, W, kh, kw, dh, dw, oh, ow, Og, Wp, plane, rowsPer, inner: ph * Wp + pw };
  const pA = rt.alloc(Og * Kg * 4);
  const pBp = rt.alloc(Math.ceil(maxLen / NR) * Kg * NR * 4);
  const pC = rt.alloc(Og * maxLen * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const pY = rt.alloc(Og * P * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const f = rt.f32;
  if (b === null) e.wgZero(pB, Math.max(Og, 1));
  for (let gi = 0; gi < G; gi++) {
    f.set(w.subarray(gi * Og * Kg, (gi + 1) * Og * Kg), pA >> 2);
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    for (let n = 0; n < N; n++) {
      const src = (n * G + gi) * xs;
      f.set(x.subarray(src, src + xs), pX >> 2);
      stride1ItemForward(e, item, pX, pA, pB, pY, [pXp, pBp, pC, pAp]);
      const dst = (n * G + gi) * Og * P;
      y.set(f.subarray(pY >> 2, (pY >> 2) + Og * P), dst);
    }
  }
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link convStride1Wasm} (overwritten), float32:
 * per block of output rows, gw[m][k] += Σ_j gy[m][j]·B[k][j] with gy in padded rows (zero past ow)
 * and Bᵀ packed from the padded input planes; gw accumulates in the arena over all images.
 */
export function convStride1WeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: Stride1Geometry,
): void {
  const team = kernelTeam(rt, stride1Work(geom));
  if (team !== null && convStride1WeightGradTeam(team, x, gy, gw, geom)) return;
  const { N, G, Cg, Og, H, W, kh, kw, dh, dw, ph, pw, oh, ow } = geom;
  const e = rt.exports;
  const { Kg, Wp, plane, P, xs, rowsPer, maxLen, pX, pXp } = stride1Plan(rt, geom);
  const pG = rt.alloc(Og * P * 4);
  const pGp = rt.alloc(Og * oh * Wp * 4);
  const pBp = rt.alloc(Math.ceil(Kg / NR) * maxLen * NR * 4);
  const pC = rt.alloc(Og * Kg * 4);
  const pAp = rt.alloc(MC * KC * 4);
  const f = rt.f32;
  e.wgZero(pGp, Og * oh * Wp);
  for (let gi = 0; gi < G; gi++) {
    e.wgZero(pC, Og * Kg);
    for (let n = 0; n < N; n++) {
      const sx = (n * G + gi) * xs;
      f.set(x.subarray(sx, sx + xs), pX >> 2);
      e.convPadPlanesF32(pX, Cg, H, W, pXp, Wp, plane, ph * Wp + pw);
      const sy = (n * G + gi) * Og * P;
      f.set(gy.subarray(sy, sy + Og * P), pG >> 2);
      e.convPadPlanesF32(pG, Og, oh, ow, pGp, Wp, oh * Wp, 0);
      for (let r0 = 0; r0 < oh; r0 += rowsPer) {
        const len = Math.min(rowsPer, oh - r0) * Wp;
        e.convPackBTF32(pXp, pBp, Cg, kh, kw, dh, dw, Wp, plane, r0 * Wp, len);
        e.gemmRows(pGp + r0 * Wp * 4, oh * Wp, pBp, pC, Og, Kg, len, 1, pAp);
      }
    }
    gw.set(f.subarray(pC >> 2, (pC >> 2) + Og * Kg), gi * Og * Kg);
  }
}
