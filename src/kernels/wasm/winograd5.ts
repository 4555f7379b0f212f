/**
 * JS side of the Winograd F(4×4, 5×5) convolutions (the `wg5…` exports of `assembly/winograd5.ts`).
 * Per group, the 64 transformed kernels U[ξ] once; then per block of images (about
 * {@link WINOGRAD5_TILE_BLOCK} tiles) the input transform, the 64 products (one packed GEMM per ξ:
 * `gemmPackB` + `gemmRows`, whose cache blocking suits the long channel sums of wide layers) and the
 * output transform. The weight gradient transforms the input and the output gradient per block and
 * accumulates Σ_tiles Y[ξ]·V[ξ]ᵀ per ξ over all images.
 *
 * Each phase is split into chunks (`team_jobs.ts`): the transforms by ranges of channels, each chunk
 * over the block's images in order (the stores a tile row spills past its last tile land on lanes that
 * are written after them in that order), the products by ξ. A kernel team runs the chunks over its
 * threads; one thread runs the same chunks in turn. No chunk reads what another writes in the same
 * phase, and every number is computed by the same kernel call whoever runs it: the results do not
 * depend on the thread count, bit for bit. Images and outputs are copied in and out whole.
 * Twins: `ref/winograd5.ts`.
 */
import type { WinogradGeometry } from "../ref/winograd.js";
import { WINOGRAD5_M, type Winograd5Factors } from "../ref/winograd5.js";
import { chunkSpan, kernelTeam, type TeamStream } from "../team.js";
import { BATCHED_GEMM_ARGS, TEAM_JOB, WINOGRAD5_TRANSFORM, WINOGRAD5_TRANSFORM_ARGS } from "../team_jobs.js";
import { runTeamJob } from "../team_run.js";
import { gatheredJob, gatheredRowsPer, KC, MC, NR, stageGathered } from "./linalg.js";
import { alignUp, pad4, type WasmRuntime } from "./loader.js";
import { winogradRowPad } from "./winograd.js";

/** Tiles per block of images in the F(4×4, 5×5) kernel (at least one image per block). */
export let WINOGRAD5_TILE_BLOCK = 196;

/** Positions ξ of the 8×8 transformed tile: one product (GEMM) each. */
const XI = (WINOGRAD5_M + 4) ** 2;

/** Overrides {@link WINOGRAD5_TILE_BLOCK} (tuning and tests). */
export function setWinograd5TileBlock(tiles: number): void {
  WINOGRAD5_TILE_BLOCK = tiles;
}

/**
 * The 4×4 tiles of an F(4×4, 5×5) pass, the images per block and the padded scratch sizes (the input
 * transform's plane Hp×Wq and row buffer 8×Wq; the output-gradient transform's fit in them).
 */
function winograd5Plan(N: number, oh: number, ow: number) {
  const th = Math.ceil(oh / WINOGRAD5_M);
  const tw = Math.ceil(ow / WINOGRAD5_M);
  const T1 = th * tw;
  const nb = Math.max(1, Math.min(N, Math.floor(WINOGRAD5_TILE_BLOCK / T1)));
  // the transforms store no lane past an image's last tile: rows of whole 8-column GEMM panels
  const Tp = Math.ceil((nb * T1) / 8) * 8;
  const Wq = 16 * Math.ceil(tw / 4) + 4;
  const Hp = 4 * th + 4;
  return { th, tw, T1, nb, Tp, planeBytes: Hp * Wq * 4, rowBytes: 8 * Wq * 4 };
}

/**
 * Runs `chunks` chunks of a team job: over the team's threads, or in turn on this one (each chunk's
 * `feed`, then the chunk, then its `drain`).
 */
type PhaseRunner = (job: number, chunks: number, args: number[], stream?: TeamStream) => void;

/**
 * The phases' runner and per-thread blocks (`threads` of `stride` bytes: the padded plane and row buffer
 * of the transforms at +0 and +offTb, packed B at +0 and the packed block of A at +offAp for the
 * products; the phases never overlap). Call before any other allocation in the arena (starting a team
 * frees it).
 */
function phases(rt: WasmRuntime, work: number, planeBytes: number, rowBytes: number, panelBytes: number) {
  const team = kernelTeam(rt, work);
  const threads = team?.size ?? 1;
  const offTb = alignUp(planeBytes);
  const offAp = alignUp(panelBytes);
  const stride = Math.max(offTb + alignUp(rowBytes), offAp + alignUp(MC * KC * 4));
  rt.reset();
  const blocks = rt.alloc(threads * stride);
  const e = rt.exports;
  const run: PhaseRunner =
    team !== null
      ? (job, chunks, args, stream) => team.run(job, chunks, args, stream)
      : (job, chunks, args, stream) => {
          const a = Float64Array.from(args);
          for (let c = 0; c < chunks; c++) {
            stream?.feed?.(c);
            runTeamJob(e, job, a, c, 0);
            stream?.drain?.(c);
          }
        };
  /** Channels per chunk of a transform over C channels (about four chunks per thread), a multiple of `align`. */
  const cPer = (C: number, align = 1): number =>
    Math.ceil((threads === 1 ? C : Math.ceil(C / Math.min(C, 4 * threads))) / align) * align;
  return { run, threads, blocks, stride, offTb, offAp, cPer };
}

/**
 * The distance in floats between the planes of consecutive ξ of U (kernel transform) and S (weight
 * gradient sums) for planes of n floats: an odd number of 64-byte lines, so that the 64 rows that the
 * kernel transforms write, and the finishes read, for one block of kernels fall in 64 different L1
 * sets (plane sizes that are multiples of 4 KB otherwise put them all in one).
 */
function spreadStride(n: number): number {
  const lines = Math.ceil(n / 16);
  return 16 * (lines % 2 === 1 ? lines : lines + 1);
}

/** The argument slots of the transform jobs of one pass (group, images and kind are set per phase). */
function transformArgs(
  geom: WinogradGeometry,
  plan: ReturnType<typeof winograd5Plan>,
  ph5: ReturnType<typeof phases>,
  bias: number,
  hasBias: boolean,
): number[] {
  const T = WINOGRAD5_TRANSFORM_ARGS;
  const tr: number[] = [];
  tr[T.G] = geom.G;
  tr[T.H] = geom.H;
  tr[T.W] = geom.W;
  tr[T.ph] = geom.ph;
  tr[T.pw] = geom.pw;
  tr[T.oh] = geom.oh;
  tr[T.ow] = geom.ow;
  tr[T.th] = plan.th;
  tr[T.tw] = plan.tw;
  tr[T.Tp] = plan.Tp;
  tr[T.T1] = plan.T1;
  tr[T.bias] = bias;
  tr[T.hasBias] = hasBias ? 1 : 0;
  tr[T.scratch] = ph5.blocks;
  tr[T.scratchStride] = ph5.stride;
  tr[T.offTb] = ph5.offTb;
  return tr;
}

/** The argument slots of a {@link TEAM_JOB.batchedGemm} job from named values and the phase plan's scratch layout. */
function batchedGemmArgs(
  v: Omit<Record<keyof typeof BATCHED_GEMM_ARGS, number>, "scratch" | "scratchStride" | "offAp">,
  ph: { blocks: number; stride: number; offAp: number },
): number[] {
  const R = BATCHED_GEMM_ARGS;
  const args: number[] = [];
  for (const k of Object.keys(v) as (keyof typeof v)[]) args[R[k]] = v[k];
  args[R.scratch] = ph.blocks;
  args[R.scratchStride] = ph.stride;
  args[R.offAp] = ph.offAp;
  return args;
}

/**
 * y = conv2d(x, w) + b (5×5, stride 1, zero padding ph/pw, G groups), float32, by Winograd F(4×4, 5×5):
 * per group the 64 transformed kernels U[ξ][m][c] once, then per block of images the input transform,
 * the 64 products and the output transform (see the file comment). With `flipped`, w holds the kernels
 * [G·Cg, Og, 5, 5] of the convolution whose input gradient this is, read with their channel axes
 * swapped and both kernel axes reversed. See winograd5ConvRef.
 */
export function winograd5ConvWasm(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  geom: WinogradGeometry,
  flipped = false,
  fac: Winograd5Factors | null = null,
): void {
  const { N, G, Cg, Og, H, W, oh, ow } = geom;
  const plan = winograd5Plan(N, oh, ow);
  const { nb, Tp } = plan;
  // floats per kernel: its 25 taps, or its nU factors
  const per = fac === null ? 25 : fac.prof.nU;
  const Ogp = pad4(Og);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  const ph5 = phases(rt, N * G * Og * Cg * oh * ow, plan.planeBytes, plan.rowBytes, Math.ceil(Tp / NR) * NR * Cg * 4);
  const Us = spreadStride(Ogp * Cg);
  const pU = rt.alloc(XI * Us * 4);
  // odd row counts per ξ (the transforms' strided accesses spread over the L1 sets, see wasm/winograd.ts)
  const Cs = Cg | 1;
  const Ms = Ogp + winogradRowPad(rt);
  const pV = rt.alloc(XI * Cs * Tp * 4);
  const pM = rt.alloc(XI * Ms * Tp * 4);
  const pX = rt.alloc(N * G * xs * 4);
  const pY = rt.alloc(N * G * ys * 4);
  const pB = rt.alloc(Math.max(Og, 1) * 4);
  const pW = rt.alloc(Og * Cg * per * 4);
  // gathered factors: their source and parts in the arena, the planes formed into pW below
  const gj = fac?.gathered === undefined ? null : gatheredPlanes(rt, ph5, fac, G, Og * Cg, pW, false);
  const f = rt.f32;
  if (gj !== null) f.set(w.subarray(0, gj.n), gj.pA >> 2);
  const T = WINOGRAD5_TRANSFORM_ARGS;
  const tr = transformArgs(geom, plan, ph5, pB, b !== null);
  if (fac !== null) factorArgs(rt, tr, fac, flipped);
  // M[ξ] (Ogp×Tp) = U[ξ] (Ogp×Cg) · V[ξ] (Cg×Tp)
  const gm = batchedGemmArgs(
    {
      A: pU,
      aStride: Us * 4,
      lda: Cg,
      B: pV,
      bStride: Cs * Tp * 4,
      Kb: Cg,
      Nb: Tp,
      transB: 0,
      C: pM,
      cStride: Ms * Tp * 4,
      m: Ogp,
      N: Tp,
      K: Cg,
      accumulate: 0,
    },
    ph5,
  );
  for (let gi = 0; gi < G; gi++) {
    // rows m ≥ Og of U are left as they are: they only give rows of M that the output transform skips;
    // the calling thread copies each chunk's kernels in while the other threads transform
    tr[T.Cg] = Cg;
    tr[T.flip] = flipped ? 1 : 0;
    if (fac === null) {
      const feedW = kernelCopy(f, w, gi, pW, Og, Cg, flipped, ph5.cPer(Og));
      transform(ph5, tr, WINOGRAD5_TRANSFORM.kernel, pW, pU, Og, Us, { feed: feedW });
    } else if (gj !== null) {
      // the planes from the gathered source, then their transform (nothing to copy in)
      ph5.run(TEAM_JOB.gatheredRows, gj.chunks, gj.args);
      transform(ph5, tr, WINOGRAD5_TRANSFORM.factoredKernel, pW, pU, Og, Us, {}, flipped ? fac.dI : fac.dO);
    } else {
      // chunks of whole blocks of the kernels' rows m (the filter's rows, or with `flipped` its columns),
      // copied in while the other threads transform
      const { dO, dI } = fac;
      const blk = { G, gi, Oo: flipped ? Cg : Og, Io: flipped ? Og : Cg, nU: per, dO, dI };
      const align = flipped ? dI : dO;
      const cPer = ph5.cPer(Og, align);
      const feed = (k: number): void => {
        const [m0, m1] = chunkSpan(k, cPer, Og);
        planeCopy(f, w, pW, "in", blk, !flipped, m0, m1);
      };
      transform(ph5, tr, WINOGRAD5_TRANSFORM.factoredKernel, pW, pU, Og, Us, { feed }, align);
    }
    if (b !== null) f.set(b.subarray(gi * Og, (gi + 1) * Og), pB >> 2);
    tr[T.gi] = gi;
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      tr[T.n0] = n0;
      tr[T.nI] = nI;
      // the calling thread copies each chunk's channels of the block's images in, and the outputs out,
      // while the other threads transform
      const feedX = channelChunkCopy(f, x, pX, "in", { n0, nI, G, gi, C: Cg, plane: H * W }, ph5.cPer(Cg));
      transform(ph5, tr, WINOGRAD5_TRANSFORM.input, pX, pV, Cg, Cs, { feed: feedX });
      ph5.run(TEAM_JOB.batchedGemm, XI, gm);
      const drainY = channelChunkCopy(f, y, pY, "out", { n0, nI, G, gi, C: Og, plane: oh * ow }, ph5.cPer(Og));
      transform(ph5, tr, WINOGRAD5_TRANSFORM.output, pM, pY, Og, Ms, { drain: drainY });
    }
  }
}

/**
 * The copy into the arena at byte offset `p` of the kernels of group `gi` that chunk k of the kernel
 * transform reads (output channels m in [k·cPer, (k+1)·cPer)): rows m of w [G·Og, Cg, 25], or with
 * `flipped` (w [G·Cg, Og, 25], read transposed) the runs w[gi, c, m0:m1] of every c.
 */
function kernelCopy(
  f: Float32Array,
  w: Float32Array,
  gi: number,
  p: number,
  Og: number,
  Cg: number,
  flipped: boolean,
  cPer: number,
): (k: number) => void {
  const base = gi * Og * Cg * 25;
  const at = p >> 2;
  return (k) => {
    const [m0, m1] = chunkSpan(k, cPer, Og);
    if (!flipped) {
      f.set(w.subarray(base + m0 * Cg * 25, base + m1 * Cg * 25), at + m0 * Cg * 25);
      return;
    }
    for (let c = 0; c < Cg; c++) {
      const o = (c * Og + m0) * 25;
      f.set(w.subarray(base + o, base + o + (m1 - m0) * 25), at + o);
    }
  };
}

/**
 * The copy between the JS array `Y` (nU planes of G·R factors, R = Oo·Io, laid out as
 * `Winograd5Factors` says) and the arena at byte offset `p` (nU planes of R) of group gi's factors of
 * the kernels (o, i) with o in [o0, o1) (`rows` true) or i in [o0, o1) (false), the range's ends whole
 * blocks of dO (rows) or dI: into the arena (`in`) or out of it (`out`).
 */
function planeCopy(
  f: Float32Array,
  Y: Float32Array,
  p: number,
  dir: "in" | "out",
  b: { G: number; gi: number; Oo: number; Io: number; nU: number; dO: number; dI: number },
  rows: boolean,
  o0: number,
  o1: number,
): void {
  const R = b.Oo * b.Io;
  const copy = (y: number, a: number, n: number): void => {
    if (dir === "in") f.set(Y.subarray(y, y + n), a);
    else Y.set(f.subarray(a, a + n), y);
  };
  for (let u = 0; u < b.nU; u++) {
    const at = (u * b.G + b.gi) * R;
    const ap = (p >> 2) + u * R;
    if (rows) {
      // whole blocks of rows: one run
      copy(at + o0 * b.Io, ap + o0 * b.Io, (o1 - o0) * b.Io);
      continue;
    }
    // columns [o0, o1) of every block row: one run of whole blocks per block row
    const block = b.dO * b.dI;
    const i0 = (o0 / b.dI) * block;
    const n = ((o1 - o0) / b.dI) * block;
    for (let ob = 0; ob < b.Oo / b.dO; ob++) {
      const r = ob * (b.Io / b.dI) * block + i0;
      copy(at + r, ap + r, n);
    }
  }
}

/**
 * The gathered-products job of factors given as a gathered source (`fac.gathered`, one group of R·N =
 * `kernels` kernels): the source's place pA (n = R·K floats, for the caller to fill, or for the
 * gradient to read back), the parts staged in the arena, and the job's arguments: the planes into pW
 * from pA, or with `grad` the source's gradient into pA from the planes' gradient at pW.
 */
function gatheredPlanes(
  rt: WasmRuntime,
  ph5: ReturnType<typeof phases>,
  fac: Winograd5Factors,
  G: number,
  kernels: number,
  pW: number,
  grad: boolean,
): { pA: number; n: number; args: number[]; chunks: number } {
  const q = fac.gathered!;
  if (G !== 1) throw new Error(`winograd5: argument 'fac' expected gathered factors with one group, got ${G} groups`);
  const N = fac.dO * fac.dI;
  const R = kernels / N;
  const pA = rt.alloc(R * q.K * 4);
  const staged = stageGathered(rt, q.ids, q.offs, q.mats as Float32Array, N, grad);
  const rowsPer = gatheredRowsPer(ph5.threads, R);
  const args = grad ? gatheredJob(staged, pW, pA, q.K, R, rowsPer) : gatheredJob(staged, pA, pW, q.K, R, rowsPer);
  return { pA, n: R * q.K, args, chunks: Math.ceil(R / rowsPer) };
}

/** The factored kinds' argument slots, and the transformed profiles copied into the arena. */
function factorArgs(rt: WasmRuntime, tr: number[], fac: Winograd5Factors, flipped: boolean): void {
  const T = WINOGRAD5_TRANSFORM_ARGS;
  const TP = flipped ? fac.prof.TPf : fac.prof.TP;
  tr[T.prof] = rt.alloc(TP.length * 4);
  rt.f32.set(TP, tr[T.prof]! >> 2);
  tr[T.nU] = fac.prof.nU;
  tr[T.dO] = fac.dO;
  tr[T.dI] = fac.dI;
}

/** A block of images of one group: images [n0, n0 + nI) of N·G maps of C channels of `plane` floats. */
interface ImageBlock {
  n0: number;
  nI: number;
  G: number;
  gi: number;
  C: number;
  plane: number;
}

/**
 * The copy of one transform chunk's data (channels [k·cPer, (k+1)·cPer) of the block's images) between
 * the JS array `arr` and the arena at byte offset `p` (both laid out [N, G, C, plane]): into the arena
 * (`in`, a transform's input) or out of it (`out`, its result).
 */
function channelChunkCopy(
  f: Float32Array,
  arr: Float32Array,
  p: number,
  dir: "in" | "out",
  b: ImageBlock,
  cPer: number,
): (k: number) => void {
  return (k) => {
    const [c0, c1] = chunkSpan(k, cPer, b.C, b.plane);
    const len = c1 - c0;
    for (let n = b.n0; n < b.n0 + b.nI; n++) {
      const at = (n * b.G + b.gi) * b.C * b.plane + c0;
      if (dir === "in") f.set(arr.subarray(at, at + len), (p >> 2) + at);
      else arr.set(f.subarray((p >> 2) + at, (p >> 2) + at + len), at);
    }
  };
}

/**
 * Runs one transform phase over C channels (`rows` tile rows per ξ), in chunks of a multiple of
 * `align` channels (the last one excepted).
 */
function transform(
  ph5: ReturnType<typeof phases>,
  tr: number[],
  kind: number,
  src: number,
  dst: number,
  C: number,
  rows: number,
  stream?: TeamStream,
  align = 1,
): void {
  const T = WINOGRAD5_TRANSFORM_ARGS;
  const cPer = ph5.cPer(C, align);
  tr[T.kind] = kind;
  tr[T.src] = src;
  tr[T.dst] = dst;
  tr[T.C] = C;
  tr[T.rows] = rows;
  tr[T.cPer] = cPer;
  ph5.run(TEAM_JOB.winograd5Transform, Math.ceil(C / cPer), tr, stream);
}

/**
 * gw = ∂⟨gy, conv2d(x, w)⟩/∂w for the convolutions of {@link winograd5ConvWasm} (overwritten), float32:
 * by the transposition principle gw = Gᵀ[Σ_tiles (A·gy·Aᵀ) ⊙ (Bᵀ·d·B)]G, with the sums over tiles (one
 * packed GEMM per ξ, Y[ξ]·V[ξ]ᵀ) accumulated in the arena over all images. See winograd5WeightGradRef.
 */
export function winograd5WeightGradWasm(
  rt: WasmRuntime,
  x: Float32Array,
  gy: Float32Array,
  gw: Float32Array,
  geom: WinogradGeometry,
  fac: Winograd5Factors | null = null,
): void {
  const { N, G, Cg, Og, H, W, oh, ow } = geom;
  const per = fac === null ? 25 : fac.prof.nU;
  const e = rt.exports;
  const plan = winograd5Plan(N, oh, ow);
  const { T1, nb, Tp } = plan;
  const Ogp = pad4(Og);
  const Cgp = pad4(Cg);
  const xs = Cg * H * W;
  const ys = Og * oh * ow;
  const ph5 = phases(rt, N * G * Og * Cg * oh * ow, plan.planeBytes, plan.rowBytes, Math.ceil(Cgp / NR) * NR * Tp * 4);
  const pad = winogradRowPad(rt);
  const Vs = Cgp + pad;
  const Ys = Ogp + pad;
  const pV = rt.alloc(XI * Vs * Tp * 4);
  const pY = rt.alloc(XI * Ys * Tp * 4);
  // the factored finish reads 16 lanes at a time: up to 12 floats past S
  const Ss = spreadStride(Ogp * Cgp);
  const pS = rt.alloc(XI * Ss * 4 + 64);
  const pX = rt.alloc(N * G * xs * 4);
  const pG = rt.alloc(N * G * ys * 4);
  const pW = rt.alloc(Og * Cg * per * 4);
  // gathered factors: the planes' gradient stays in pW, the source's goes to gj.pA
  const gj = fac?.gathered === undefined ? null : gatheredPlanes(rt, ph5, fac, G, Og * Cg, pW, true);
  const f = rt.f32;
  // rows c ≥ Cg of V and m ≥ Og of Y only reach entries of S that the finish skips; the lanes past a
  // block's last tile are zeroed (in both: the arena may hold anything there)
  const T = WINOGRAD5_TRANSFORM_ARGS;
  const tr = transformArgs(geom, plan, ph5, 0, false);
  if (fac !== null) factorArgs(rt, tr, fac, false);
  // S[ξ] (Ogp×Cgp) += Y[ξ] (Ogp×Tp) · V[ξ]ᵀ, V[ξ] packed as Bᵀ
  const gm = batchedGemmArgs(
    {
      A: pY,
      aStride: Ys * Tp * 4,
      lda: Tp,
      B: pV,
      bStride: Vs * Tp * 4,
      Kb: Tp,
      Nb: Cgp,
      transB: 1,
      C: pS,
      cStride: Ss * 4,
      m: Ogp,
      N: Cgp,
      K: Tp,
      accumulate: 1,
    },
    ph5,
  );
  for (let gi = 0; gi < G; gi++) {
    tr[T.gi] = gi;
    for (let n0 = 0; n0 < N; n0 += nb) {
      const nI = Math.min(nb, N - n0);
      tr[T.n0] = n0;
      tr[T.nI] = nI;
      const feedX = channelChunkCopy(f, x, pX, "in", { n0, nI, G, gi, C: Cg, plane: H * W }, ph5.cPer(Cg));
      transform(ph5, tr, WINOGRAD5_TRANSFORM.input, pX, pV, Cg, Vs, { feed: feedX });
      const feedG = channelChunkCopy(f, gy, pG, "in", { n0, nI, G, gi, C: Og, plane: oh * ow }, ph5.cPer(Og));
      transform(ph5, tr, WINOGRAD5_TRANSFORM.gradOut, pG, pY, Og, Ys, { feed: feedG });
      if (nI * T1 < Tp) {
        e.wgZeroLanes(pV, XI * Vs, Tp, nI * T1);
        e.wgZeroLanes(pY, XI * Ys, Tp, nI * T1);
      }
      // the first block of images overwrites S (no zeroing of its 64·Ogp·Cgp floats), the others add to it
      gm[BATCHED_GEMM_ARGS.accumulate] = n0 === 0 ? 0 : 1;
      ph5.run(TEAM_JOB.batchedGemm, XI, gm);
    }
    tr[T.Cg] = Cg;
    tr[T.Cgp] = Cgp;
    if (gj !== null && fac !== null) {
      // the planes' gradient in the arena, then the source's, copied out
      transform(ph5, tr, WINOGRAD5_TRANSFORM.factoredFinish, pS, pW, Og, Ss, {}, fac.dO);
      ph5.run(TEAM_JOB.gatheredRows, gj.chunks, gj.args);
      gw.set(f.subarray(gj.pA >> 2, (gj.pA >> 2) + gj.n));
      continue;
    }
    if (fac !== null) {
      // chunks of whole blocks of rows, copied out as the other threads finish theirs
      const blk = { G, gi, Oo: Og, Io: Cg, nU: per, dO: fac.dO, dI: fac.dI };
      const cPer = ph5.cPer(Og, fac.dO);
      const drain = (k: number): void => {
        const [m0, m1] = chunkSpan(k, cPer, Og);
        planeCopy(f, gw, pW, "out", blk, true, m0, m1);
      };
      transform(ph5, tr, WINOGRAD5_TRANSFORM.factoredFinish, pS, pW, Og, Ss, { drain }, fac.dO);
      continue;
    }
    // the calling thread copies each chunk's rows of gw out as the other threads finish theirs
    const cPerF = ph5.cPer(Og);
    const base = gi * Og * Cg * 25;
    transform(ph5, tr, WINOGRAD5_TRANSFORM.finish, pS, pW, Og, Ss, {
      drain: (k) => {
        const [a, z] = chunkSpan(k, cPerF, Og, Cg * 25);
        gw.set(f.subarray((pW >> 2) + a, (pW >> 2) + z), base + a);
      },
    });
  }
}
