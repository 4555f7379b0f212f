/**
 * Functional forms of the layers and losses (like `torch.nn.functional`), exported from the package
 * root as the namespace `F` (`F.linear`, `F.crossEntropy`, …). Activations and softmax are the tensor
 * ops themselves, re-exported here for convenience.
 */
import {
  batchNormGrad,
  batchNormGradNCL,
  binary,
  channelAffine,
  channelAffineNCL,
  channelStats,
  channelStatsNCL,
  gemm,
  linearAct as linearActKernel,
  positiveGrad,
  reduceAxis,
  sparseLinearGrad,
  sparseLinear as sparseLinearKernel,
  spmmCsrWide,
  transpose2d,
  unary,
  unaryGrad,
} from "../kernels/registry.js";
import { freshGrad, record } from "../tensor/autograd.js";
import { allocate, allocateEmpty, type FloatDType, isFloat } from "../tensor/dtype.js";
import { fmtShape, opError } from "../tensor/errors.js";
import { add, clamp, div, mul, relu, rsqrt, sub, where } from "../tensor/ops/elementwise.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import { matmul } from "../tensor/ops/linalg.js";
import { radialBasis } from "../tensor/ops/radial.js";
import { mean, norm, sum } from "../tensor/ops/reduce.js";
import { permute, transpose } from "../tensor/ops/shape.js";
import { SparseMatrix, spmm } from "../tensor/sparse.js";
import { Tensor } from "../tensor/tensor.js";

export {
  elu,
  gelu,
  leakyRelu,
  relu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from "../tensor/ops/elementwise.js";
export { dropout } from "../tensor/ops/random.js";
export { logSoftmax, softmax } from "../tensor/ops/reduce.js";
export {
  type BCEOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type ClassLossOptions,
  type CrossEntropyOptions,
  checkFinite,
  crossEntropy,
  type HuberOptions,
  huberLoss,
  type LossOptions,
  l1Loss,
  mseLoss,
  nllLoss,
  type Reduction,
  type SmoothL1Options,
  smoothL1Loss,
} from "./losses.js";

type FloatArray = Float32Array | Float64Array;

function checkFloat(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) opError(op, arg, "a Tensor", typeof t);
  if (!isFloat(t.dtype)) opError(op, arg, "a float32 or float64 tensor", t.dtype);
}

/**
 * `y = x·Wᵀ + b` over the last axis of `x` (`[..., in]` → `[..., out]`), with `weight` stored
 * `[out, in]` as in PyTorch. `x` may also be a {@link SparseMatrix} `[N, in]` (then `spmm` is used).
 * Dense inputs run one `gemm` (no transposed copy of the weight; the bias is added in the same kernel
 * call, see {@link linearAct}); gradients flow to `x`, `weight` and
 * `bias`.
 */
export function linear(x: Tensor | SparseMatrix, weight: Tensor, bias: Tensor | null = null): Tensor {
  const op = "linear";
  const [outF, inF] = checkWeightBias(op, weight, bias);
  if (x instanceof SparseMatrix) {
    if (x.shape[1] !== inF) opError(op, "x", `a sparse matrix with ${inF} columns`, `shape [${x.shape.join(", ")}]`);
    if (x.values === null || !x.values.requiresGrad) return sparseLinear(x, weight, bias);
    const y = spmm(x, transpose(weight));
    return bias === null ? y : add(y, bias);
  }
  const N = checkDenseInput(op, x, weight, inF);
  const out = allocateEmpty(x.dtype as FloatDType, N * outF);
  if (bias === null) gemm(x.data as FloatArray, weight.data as FloatArray, out, N, outF, inF, false, true, false);
  // the product and the bias in one kernel call: in WASM the bias is added to each block of the
  // product before it is copied out (the same kernels in the same order as gemm + add: the same bits)
  else
    linearActKernel(
      x.data as FloatArray,
      weight.data as FloatArray,
      bias.data as FloatArray,
      out,
      null,
      N,
      outF,
      inF,
      "none",
      null,
    );
  const res = new Tensor(out, [...x.shape.slice(0, -1), outF], x.dtype);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record(op, inputs, res, (g) => linearGrads(x, weight, bias, g.data as FloatArray, N, outF, inF), {
    releasesGrad: true,
  });
}

/** The activations {@link linearAct} fuses with the affine map. */
export type LinearActivation = "relu" | "shiftedSoftplus";

/**
 * `act(x·Wᵀ + b)` as one op, for `act` ReLU or SchNet's {@link shiftedSoftplus}: the same numbers as
 * `relu(linear(x, weight, bias))` (or `shiftedSoftplus(…)`), computed by the same kernels, but in WASM
 * the bias and the activation run on each block of the product before it leaves WASM memory, and the
 * graph holds one node instead of two. Dense `x` `[..., in]` only (a {@link SparseMatrix} input is
 * composed from {@link linear}). Gradients flow to `x`, `weight` and `bias`.
 */
export function linearAct(
  x: Tensor | SparseMatrix,
  weight: Tensor,
  bias: Tensor | null,
  act: LinearActivation,
): Tensor {
  const op = "linearAct";
  if (act !== "relu" && act !== "shiftedSoftplus") opError(op, "act", "'relu' or 'shiftedSoftplus'", String(act));
  if (x instanceof SparseMatrix) {
    const y = linear(x, weight, bias);
    return act === "relu" ? relu(y) : shiftedSoftplus(y);
  }
  const [outF, inF] = checkWeightBias(op, weight, bias);
  const N = checkDenseInput(op, x, weight, inF);
  const n = N * outF;
  // outputs the kernel writes in full: not zero-filled
  const out = allocateEmpty(x.dtype as FloatDType, n);
  // the activation's input, for the shifted softplus' gradient (ReLU's reads the output's sign)
  const pre = act === "shiftedSoftplus" ? allocateEmpty(x.dtype as FloatDType, n) : null;
  const b = bias === null ? null : (bias.data as FloatArray);
  linearActKernel(x.data as FloatArray, weight.data as FloatArray, b, out, pre, N, outF, inF, act, null);
  const res = new Tensor(out, [...x.shape.slice(0, -1), outF], x.dtype);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record(op, inputs, res, (g) => {
    const gd = (g.dtype === x.dtype ? g : g.cast(x.dtype)).data as FloatArray;
    const gz = allocateEmpty(x.dtype as FloatDType, n);
    if (pre !== null) unaryGrad("shiftedSoftplus", pre, gd, gz, 1);
    else {
      // g · [y > 0], as relu's gradient (a table load: the sign is random, a branch mispredicts)
      const pick = new Float64Array(2);
      pick[1] = 1;
      for (let i = 0; i < n; i++) gz[i] = gd[i]! * pick[+(out[i]! > 0)]!;
    }
    return linearGrads(x, weight, bias, gz, N, outF, inF);
  });
}

/**
 * `(x·Wᵀ + b) ⊙ s` with one factor per row: `s` holds one value per row of `x` (shape `x.shape[:-1]`,
 * or with a trailing 1). SchNet's filter `mlpOut(·) · C(r)` as one op: the same numbers as
 * `linear(x, weight, bias)` times `s` broadcast along the last axis, with the bias and the scale
 * applied in WASM before the product is copied out. Dense `x` only; gradients flow to `x`, `weight`, `bias` and `s`.
 */
export function linearScaled(x: Tensor, weight: Tensor, bias: Tensor | null, s: Tensor): Tensor {
  const op = "linearScaled";
  const [outF, inF] = checkWeightBias(op, weight, bias);
  const N = checkDenseInput(op, x, weight, inF);
  checkFloat(op, "s", s);
  if (s.dtype !== x.dtype) opError(op, "s", `dtype ${x.dtype} (x's)`, s.dtype);
  if (s.size !== N) opError(op, "s", `${N} values (one per row of x)`, `shape ${fmtShape(s.shape)}`);
  const n = N * outF;
  const out = allocateEmpty(x.dtype as FloatDType, n);
  const sd = s.data as FloatArray;
  // x·Wᵀ + b, for the scale's gradient
  const pre = s.requiresGrad ? allocateEmpty(x.dtype as FloatDType, n) : null;
  const b = bias === null ? null : (bias.data as FloatArray);
  linearActKernel(x.data as FloatArray, weight.data as FloatArray, b, out, pre, N, outF, inF, "none", sd);
  const res = new Tensor(out, [...x.shape.slice(0, -1), outF], x.dtype);
  const inputs = bias === null ? [x, weight, s] : [x, weight, bias, s];
  return record(op, inputs, res, (g) => {
    const gd = (g.dtype === x.dtype ? g : g.cast(x.dtype)).data as FloatArray;
    const gz = allocateEmpty(x.dtype as FloatDType, n);
    binary("mul", gd, sd, gz, [N, outF], [outF, 1], [1, 0]);
    const [dx, dw, db] = linearGrads(x, weight, bias, gz, N, outF, inF);
    let ds: Tensor | null = null;
    if (pre !== null) {
      // ds[r] = Σ_c g[r, c]·(x·Wᵀ + b)[r, c]
      binary("mul", gd, pre, gz, [N, outF], [outF, 1], [outF, 1]);
      const d = allocate(x.dtype, N) as FloatArray;
      reduceAxis("sum", gz, N, outF, 1, d);
      ds = new Tensor(d, s.shape, s.dtype);
    }
    return bias === null ? [dx, dw, ds] : [dx, dw, db, ds];
  });
}

/** Checks a Linear's weight `[out, in]` and bias `[out]` (or null); returns `[out, in]`. */
function checkWeightBias(op: string, weight: Tensor, bias: Tensor | null): [number, number] {
  checkFloat(op, "weight", weight);
  if (weight.ndim !== 2) opError(op, "weight", "a 2-D tensor [out, in]", `shape ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (bias !== null) {
    checkFloat(op, "bias", bias);
    if (bias.ndim !== 1 || bias.shape[0] !== outF) opError(op, "bias", `shape [${outF}]`, fmtShape(bias.shape));
    if (bias.dtype !== weight.dtype) opError(op, "bias", `dtype ${weight.dtype} (the weight's)`, bias.dtype);
  }
  return [outF, inF];
}

/** Checks a dense input `[..., in]` of the weight's dtype; returns its rows (the product of the leading axes). */
function checkDenseInput(op: string, x: Tensor, weight: Tensor, inF: number): number {
  checkFloat(op, "x", x);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF)
    opError(op, "x", `shape [..., ${inF}] (in features of weight ${fmtShape(weight.shape)})`, fmtShape(x.shape));
  if (x.dtype !== weight.dtype) opError(op, "x", `dtype ${weight.dtype} (the weight's)`, x.dtype);
  let N = 1; // rows: the leading axes (not size / inF, which is 0 / 0 for an empty feature axis)
  for (let a = 0; a < x.ndim - 1; a++) N *= x.shape[a]!;
  return N;
}

/** The gradients of `x·Wᵀ + b` for the output gradient `gd` [N×outF]: `[dx, dW, db]` (no db without a bias). */
function linearGrads(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  gd: FloatArray,
  N: number,
  outF: number,
  inF: number,
): (Tensor | null)[] {
  // dX = G·W, dW = Gᵀ·X (one GEMM each, transposes by flags), db = column sums of G
  const live = N >= 64 ? liveRows(gd, N, outF) : null;
  if (live !== null && (!x.requiresGrad || allFinite(weight.data as FloatArray)))
    return linearGradRows(x, weight, bias, gd, live, N, outF, inF);
  let dx: Tensor | null = null;
  if (x.requiresGrad) {
    const d = allocateEmpty(x.dtype as FloatDType, N * inF);
    gemm(gd, weight.data as FloatArray, d, N, inF, outF, false, false, false);
    dx = freshGrad(new Tensor(d, x.shape, x.dtype));
  }
  let dw: Tensor | null = null;
  if (weight.requiresGrad) {
    const d = allocate(weight.dtype, outF * inF) as FloatArray;
    gemm(gd, x.data as FloatArray, d, outF, inF, N, true, false, false);
    dw = new Tensor(d, [outF, inF], weight.dtype);
  }
  let db: Tensor | null = null;
  if (bias?.requiresGrad) {
    const d = allocate(bias.dtype, outF) as FloatArray;
    reduceAxis("sum", gd, 1, N, outF, d);
    db = new Tensor(d, [outF], bias.dtype);
  }
  return [dx, dw, db];
}

/**
 * The rows of G [N×F] that hold a non-zero (or NaN) entry, when they are at most a quarter of the
 * rows (as when a loss reads a subset of the rows), else null. Stops scanning once too many are found.
 */
function liveRows(gd: FloatArray, N: number, F: number): Int32Array | null {
  const limit = N >> 2;
  const rows = new Int32Array(limit);
  let k = 0;
  for (let r = 0, o = 0; r < N; r++, o += F) {
    for (let c = o; c < o + F; c++) {
      if (gd[c] !== 0) {
        if (k === limit) return null;
        rows[k++] = r;
        break;
      }
    }
  }
  return rows.subarray(0, k);
}

function allFinite(a: FloatArray): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/**
 * {@link linear}'s gradients when only the rows `live` of G are non-zero: the products run over those
 * rows (rows of dX outside them are zero; dW and db get no terms from them). The same sums up to
 * rounding order, except that Inf/NaN in the skipped rows of x would have made 0·Inf = NaN terms.
 */
function linearGradRows(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  gd: FloatArray,
  live: Int32Array,
  N: number,
  outF: number,
  inF: number,
): (Tensor | null)[] {
  const k = live.length;
  const dtype = weight.dtype;
  const gs = allocate(dtype, k * outF) as FloatArray;
  for (let i = 0; i < k; i++) gs.set(gd.subarray(live[i]! * outF, (live[i]! + 1) * outF), i * outF);
  let dx: Tensor | null = null;
  if (x.requiresGrad) {
    const d = allocate(x.dtype, N * inF) as FloatArray;
    if (k > 0) {
      const ds = allocate(x.dtype, k * inF) as FloatArray;
      gemm(gs, weight.data as FloatArray, ds, k, inF, outF, false, false, false);
      for (let i = 0; i < k; i++) d.set(ds.subarray(i * inF, (i + 1) * inF), live[i]! * inF);
    }
    dx = freshGrad(new Tensor(d, x.shape, x.dtype));
  }
  let dw: Tensor | null = null;
  if (weight.requiresGrad) {
    const d = allocate(dtype, outF * inF) as FloatArray;
    if (k > 0) {
      const xd = x.data as FloatArray;
      const xs = allocate(dtype, k * inF) as FloatArray;
      for (let i = 0; i < k; i++) xs.set(xd.subarray(live[i]! * inF, (live[i]! + 1) * inF), i * inF);
      gemm(gs, xs, d, outF, inF, k, true, false, false);
    }
    dw = new Tensor(d, [outF, inF], dtype);
  }
  let db: Tensor | null = null;
  if (bias?.requiresGrad) {
    const d = allocate(bias.dtype, outF) as FloatArray;
    if (k > 0) reduceAxis("sum", gs, 1, k, outF, d);
    db = new Tensor(d, [outF], bias.dtype);
  }
  return bias === null ? [dx, dw] : [dx, dw, db];
}

/** The transposed CSR structure of a sparse matrix: `ptr`/`col` of Xᵀ and the stored entry of each. */
interface CsrTranspose {
  ptr: Int32Array;
  col: Int32Array;
  perm: Int32Array;
}

// keyed by the row pointers, which `withValues` copies (e.g. dropout on the values) share
const csrTransposeCache = new WeakMap<Int32Array, CsrTranspose>();

function csrTransposeOf(x: SparseMatrix): CsrTranspose {
  let t = csrTransposeCache.get(x.rowPtr);
  if (t !== undefined && t.perm.length === x.nnz) return t;
  const rows = x.rows;
  const cols = x.cols;
  const nnz = x.nnz;
  const ptr = new Int32Array(cols + 1);
  const col = new Int32Array(nnz);
  const perm = new Int32Array(nnz);
  const c = x.col;
  for (let p = 0; p < nnz; p++) ptr[c[p]! + 1]!++;
  for (let j = 0; j < cols; j++) ptr[j + 1]! += ptr[j]!;
  const cursor = ptr.slice(0, cols);
  const rp = x.rowPtr;
  for (let r = 0; r < rows; r++) {
    for (let p = rp[r]!; p < rp[r + 1]!; p++) {
      const q = cursor[c[p]!]!++;
      col[q] = r;
      perm[q] = p;
    }
  }
  t = { ptr, col, perm };
  csrTransposeCache.set(x.rowPtr, t);
  return t;
}

/**
 * `X·Wᵀ + b` for a sparse `X` [N, in] whose values need no gradient, as one op: the weight is
 * transposed by a blocked kernel, the product is one CSR SpMM, and the backward pass computes
 * `dW = (Xᵀ·G)ᵀ` as a row-gathering SpMM over the cached transposed structure, and `db` as column sums.
 */
function sparseLinear(x: SparseMatrix, weight: Tensor, bias: Tensor | null): Tensor {
  const [outF, inF] = weight.shape as [number, number];
  const N = x.rows;
  const dtype = weight.dtype;
  const vals =
    x.values === null ? null : ((x.values.dtype === dtype ? x.values : x.values.cast(dtype)).data as FloatArray);
  const out = allocate(dtype, N * outF) as FloatArray;
  // one fused kernel call where it applies (float32, outF a multiple of 16), else composed
  const fused = sparseLinearKernel(
    x.rowPtr,
    x.col,
    vals,
    N,
    weight.data as FloatArray,
    outF,
    inF,
    bias === null ? null : (bias.data as FloatArray),
    out,
  );
  if (!fused) {
    const wt = allocate(dtype, inF * outF) as FloatArray;
    transpose2d(weight.data as FloatArray, wt, outF, inF);
    spmmCsrWide(x.rowPtr, x.col, vals, N, wt, outF, out);
    if (bias !== null) binary("add", out, bias.data as FloatArray, out, [N, outF], [outF, 1], [0, 1]);
  }
  const res = new Tensor(out, [N, outF], dtype);
  const inputs = bias === null ? [weight] : [weight, bias];
  return record("linear", inputs, res, (g) => {
    const gd = g.data as FloatArray;
    const wantW = weight.requiresGrad;
    const wantB = bias?.requiresGrad === true;
    if (fused && (wantW || wantB)) {
      // dW = Gᵀ·X and db in one call; all-zero rows of G (rows outside a loss mask) are skipped
      const dwd = wantW ? (allocate(dtype, outF * inF) as FloatArray) : null;
      const dbd = wantB ? (allocate(dtype, outF) as FloatArray) : null;
      if (sparseLinearGrad(x.rowPtr, x.col, vals, N, gd, outF, inF, () => csrTransposeOf(x), dwd, dbd)) {
        const dw = dwd === null ? null : new Tensor(dwd, [outF, inF], dtype);
        const db = dbd === null ? null : new Tensor(dbd, [outF], dtype);
        return bias === null ? [dw] : [dw, db];
      }
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      // Xᵀ·G as a row-gathering product over the cached transposed structure
      const t = csrTransposeOf(x);
      let tv: FloatArray | null = null;
      if (vals !== null) {
        tv = allocate(dtype, t.perm.length) as FloatArray;
        const perm = t.perm;
        for (let q = 0; q < perm.length; q++) tv[q] = vals[perm[q]!]!;
      }
      const dwt = allocate(dtype, inF * outF) as FloatArray;
      spmmCsrWide(t.ptr, t.col, tv, inF, gd, outF, dwt);
      const d = allocate(dtype, outF * inF) as FloatArray;
      transpose2d(dwt, d, inF, outF);
      dw = new Tensor(d, [outF, inF], dtype);
    }
    let db: Tensor | null = null;
    if (bias?.requiresGrad) {
      const d = allocate(bias.dtype, outF) as FloatArray;
      reduceAxis("sum", gd, 1, N, outF, d);
      db = new Tensor(d, [outF], bias.dtype);
    }
    return bias === null ? [dw] : [dw, db];
  });
}

/**
 * Bilinear map `y_k = x1ᵀ·W_k·x2 + b_k` with `weight` `[out, in1, in2]`; `x1` is `[..., in1]` and `x2`
 * `[..., in2]` with the same leading axes; the result is `[..., out]`.
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const op = "bilinear";
  checkFloat(op, "x1", x1);
  checkFloat(op, "x2", x2);
  checkFloat(op, "weight", weight);
  if (weight.ndim !== 3) opError(op, "weight", "a 3-D tensor [out, in1, in2]", `shape ${fmtShape(weight.shape)}`);
  const [outF, in1, in2] = weight.shape as [number, number, number];
  if (x1.ndim === 0 || x1.shape[x1.ndim - 1] !== in1) opError(op, "x1", `shape [..., ${in1}]`, fmtShape(x1.shape));
  const lead = x1.shape.slice(0, -1);
  if (x2.ndim !== x1.ndim || x2.shape[x2.ndim - 1] !== in2 || lead.some((d, i) => d !== x2.shape[i])) {
    opError(op, "x2", `shape [${[...lead, in2].join(", ")}]`, fmtShape(x2.shape));
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outF))
    opError(op, "bias", `shape [${outF}]`, fmtShape(bias.shape));
  const N = x1.size / in1;
  const w = permute(weight, [1, 0, 2]).reshape([in1, outF * in2]);
  const t = matmul(x1.reshape([N, in1]), w).reshape([N, outF, in2]);
  let y = sum(mul(t, x2.reshape([N, 1, in2])), -1);
  if (bias !== null) y = add(y, bias);
  return y.reshape([...lead, outF]);
}

/**
 * Looks up rows of `weight` `[num, dim]` for an int32 `index` of any shape (result `[...index.shape, dim]`).
 * Rows at `paddingIdx` receive no gradient.
 */
export function embedding(index: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  const op = "embedding";
  if (!(index instanceof Tensor) || index.dtype !== "int32") {
    opError(op, "index", "an int32 tensor", index instanceof Tensor ? index.dtype : typeof index);
  }
  if (!(weight instanceof Tensor) || weight.ndim !== 2)
    opError(op, "weight", "a 2-D tensor [num, dim]", weight instanceof Tensor ? fmtShape(weight.shape) : typeof weight);
  const [num, dim] = weight.shape as [number, number];
  const flat = index.reshape([-1]);
  const d = flat.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i]! < 0 || d[i]! >= num) opError(op, "index", `values in [0, ${num - 1}]`, `${d[i]} at flat position ${i}`);
  }
  let rows = indexSelect(weight, 0, flat);
  if (paddingIdx !== null) {
    const p = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
    const mask = new Uint8Array(d.length);
    let any = false;
    for (let i = 0; i < d.length; i++) {
      if (d[i] === p) {
        mask[i] = 1;
        any = true;
      }
    }
    if (any) rows = where(new Tensor(mask, [d.length, 1], "bool"), indexSelect(weight.detach(), 0, flat), rows);
  }
  return rows.reshape([...index.shape, dim]);
}

function normShape(op: string, normalizedShape: number | readonly number[]): number[] {
  const s = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  if (s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0))
    opError(op, "normalizedShape", "positive integer sizes", fmtShape(s));
  return s;
}

/**
 * Layer normalisation over the trailing `normalizedShape` axes: `(x − mean)/√(var + eps)·weight + bias`
 * (biased variance, like PyTorch).
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const op = "layerNorm";
  checkFloat(op, "x", x);
  const s = normShape(op, normalizedShape);
  const tail = x.shape.slice(x.ndim - s.length);
  if (x.ndim < s.length || tail.some((d, i) => d !== s[i]))
    opError(op, "x", `shape [..., ${s.join(", ")}]`, fmtShape(x.shape));
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && (t.ndim !== s.length || t.shape.some((d, i) => d !== s[i])))
      opError(op, name, fmtShape(s), fmtShape(t.shape));
  }
  const axes = s.map((_, i) => x.ndim - s.length + i);
  const xc = sub(x, mean(x, axes, true));
  const v = mean(mul(xc, xc), axes, true);
  let y = mul(xc, rsqrt(add(v, eps)));
  if (weight !== null) y = mul(y, weight);
  if (bias !== null) y = add(y, bias);
  return y;
}

/**
 * Batch normalisation of `x` `[N, C]` or `[N, C, L]` per channel C. In training mode it normalises with
 * the batch statistics (biased variance) and, when running statistics are given, updates them in place:
 * `running ← (1 − momentum)·running + momentum·batch` (unbiased variance for `runningVar`). In eval mode it
 * uses the running statistics.
 *
 * One fused op (statistics, normalisation and affine map in two passes over `x`; channels-first
 * `[N, C, L]` runs the kernels of the G-CNN feature maps) with a hand-written backward; see
 * {@link batchNormAct} for the variant with a fused ReLU.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  return batchNormAct(x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
}

/**
 * {@link batchNorm} followed by an optional ReLU, as one op: `relu(batchNorm(x, ...))` without the
 * intermediate tensor (the ReLU mask is read back from the output in the backward pass). Gradients
 * flow to `x`, `weight` and `bias`; in training mode (batch statistics) through the mean and variance:
 * `dx = γ·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))` per channel.
 */
export function batchNormAct(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
  relu: boolean,
): Tensor {
  const op = "batchNorm";
  checkFloat(op, "x", x);
  if (x.ndim !== 2 && x.ndim !== 3) opError(op, "x", "shape [N, C] or [N, C, L]", fmtShape(x.shape));
  const N = x.shape[0]!;
  const C = x.shape[1]!;
  const L = x.ndim === 3 ? x.shape[2]! : 1;
  for (const [name, t] of [
    ["runningMean", runningMean],
    ["runningVar", runningVar],
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== C))
      opError(op, name, `shape [${C}] (channels of x ${fmtShape(x.shape)})`, fmtShape(t.shape));
  }
  const M = N * L;
  const useBatch = training || runningMean === null || runningVar === null;
  if (useBatch && M <= 1 && training)
    opError(op, "x", "more than 1 value per channel in training mode", `shape ${fmtShape(x.shape)}`);
  const xd = x.data as FloatArray;
  const mean = new Float64Array(C);
  const invStd = new Float64Array(C);
  if (useBatch) {
    const vars = new Float64Array(C);
    if (L === 1) channelStats(xd, N, C, mean, vars);
    else channelStatsNCL(xd, N, C, L, mean, vars);
    for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(vars[c]! + eps);
    if (training && runningMean !== null && runningVar !== null)
      updateRunningStats(runningMean, runningVar, mean, vars, M, momentum);
  } else {
    const rm = runningMean!.data;
    const rv = runningVar!.data;
    for (let c = 0; c < C; c++) {
      mean[c] = rm[c]!;
      invStd[c] = 1 / Math.sqrt(rv[c]! + eps);
    }
  }
  // y = x·scale + shift per channel
  const wd = weight?.data;
  const bd = bias?.data;
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const s = invStd[c]! * (wd === undefined ? 1 : wd[c]!);
    scale[c] = s;
    shift[c] = (bd === undefined ? 0 : bd[c]!) - mean[c]! * s;
  }
  // channelAffine and channelAffineNCL write every element: not zero-filled
  const yd = allocateEmpty(x.dtype as FloatDType, x.size);
  if (L === 1) {
    channelAffine(xd, yd, N, C, scale, shift, relu);
  } else {
    channelAffineNCL(xd, yd, N, C, L, scale, shift);
    // in place, the kernels of a separate relu (and its gradient below): the same bits as one
    if (relu) unary("relu", yd, yd, 0);
  }
  const out = new Tensor(yd, x.shape, x.dtype);
  const inputs: Tensor[] = [x];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  return record(
    relu ? "batchNormRelu" : "batchNorm",
    inputs,
    out,
    (g, gOwned) => {
      const gd = g.data as FloatArray;
      // per-channel sums of g' (g masked by the ReLU) and g'·x̂, then dx
      const sums = new Float64Array(2 * C);
      let dx: FloatArray | null;
      let sumGX: Float64Array;
      if (L === 1) {
        // dx may overwrite g when the backward pass owns it (each element of g is read before it is written)
        dx = x.requiresGrad
          ? gOwned === true && gd.length === x.size
            ? gd
            : allocateEmpty(x.dtype as FloatDType, x.size)
          : null;
        batchNormGrad(xd, yd, gd, dx, N, C, mean, scale, invStd, M, useBatch, relu, sums);
        sumGX = new Float64Array(C);
        for (let c = 0; c < C; c++) sumGX[c] = sums[C + c]! * invStd[c]!;
      } else {
        // the mask and gradient kernels write every element (not zero-filled), and each may write over
        // its input (every channel's g' is read before its dx is written): g' and dx go into g when the
        // backward pass owns it, else into one fresh array
        const ownG = gOwned === true && gd.length === x.size;
        const gm = relu && !ownG ? allocateEmpty(x.dtype as FloatDType, x.size) : gd;
        if (relu) positiveGrad(yd, gd, gm, 0);
        // dx = γσ⁻¹·(g' − mean(g') − x̂·mean(g'·x̂)) in training, γσ⁻¹·g' in eval
        dx = relu || ownG ? gm : allocateEmpty(x.dtype as FloatDType, x.size);
        batchNormGradNCL(xd, gm, dx, N, C, L, mean, invStd, scale, useBatch, sums);
        sumGX = sums.subarray(C, 2 * C);
      }
      const grads: (Tensor | null)[] = [
        x.requiresGrad && dx !== null ? freshGrad(new Tensor(dx, x.shape, x.dtype)) : null,
      ];
      if (weight !== null)
        grads.push(weight.requiresGrad ? new Tensor(toFloatDtype(sumGX, x.dtype), [C], x.dtype) : null);
      if (bias !== null)
        grads.push(bias.requiresGrad ? new Tensor(toFloatDtype(sums.subarray(0, C), x.dtype), [C], x.dtype) : null);
      return grads;
    },
    { releasesGrad: true },
  );
}

/**
 * The running-statistics update of batch normalisation, in place:
 * `running ← (1 − momentum)·running + momentum·batch`, with the unbiased batch variance
 * `var·n/(n − 1)` for `runningVar` (`n` values per channel). Bumps both versions.
 */
export function updateRunningStats(
  runningMean: Tensor,
  runningVar: Tensor,
  mean: Float64Array,
  biasedVar: Float64Array,
  n: number,
  momentum: number,
): void {
  const rm = runningMean.data;
  const rv = runningVar.data;
  for (let c = 0; c < mean.length; c++) {
    rm[c] = (1 - momentum) * rm[c]! + momentum * mean[c]!;
    rv[c] = (1 - momentum) * rv[c]! + (momentum * biasedVar[c]! * n) / (n - 1);
  }
  runningMean.version++;
  runningVar.version++;
}

function toFloatDtype(v: Float64Array, dtype: "float32" | "float64" | string): FloatArray {
  return dtype === "float64" ? v.slice() : Float32Array.from(v);
}

/** `x / max(‖x‖_p, eps)` along `axis` (default 1, like PyTorch's `F.normalize`). */
export function normalize(x: Tensor, p = 2, axis = 1, eps = 1e-12): Tensor {
  checkFloat("normalize", "x", x);
  return div(x, clamp(norm(x, p, axis, true), eps));
}

/**
 * Shifted softplus ssp(x) = log(1 + eˣ) − log 2 (SchNet), one fused pass computed as
 * max(x, 0) + log1p(expm1(−|x|)/2) (stable for large |x|, accurate near 0); the gradient is
 * sigmoid(x), also one fused pass. float32 runs the WASM kernels (`unary` / `unaryGrad`).
 */
export function shiftedSoftplus(x: Tensor): Tensor {
  checkFloat("shiftedSoftplus", "x", x);
  const n = x.size;
  const out = allocate(x.dtype, n) as FloatArray;
  unary("shiftedSoftplus", x.data as FloatArray, out, 0);
  return record("shiftedSoftplus", [x], new Tensor(out, x.shape, x.dtype), (g) => {
    const gd = (g.dtype === x.dtype ? g : g.cast(x.dtype)).data as FloatArray;
    const gx = allocate(x.dtype, n) as FloatArray;
    unaryGrad("shiftedSoftplus", x.data as FloatArray, gd, gx, 1);
    return [new Tensor(gx, x.shape, x.dtype)];
  });
}

/**
 * Gaussian smearing (SchNet's radial basis): `out[..., k] = exp(coeff · (x − centers[k])²)` for every
 * element of `x`, shape `[..., K]` with K = `centers.length`; `coeff` is negative (−1/(2Δ²) for centres
 * Δ apart). One fused pass (`radialBasis`); the gradient is Σ_k g·out·2·coeff·(x − centers[k]).
 */
export function gaussianSmearing(x: Tensor, centers: readonly number[], coeff: number): Tensor {
  checkFloat("gaussianSmearing", "x", x);
  if (centers.length === 0) opError("gaussianSmearing", "centers", "at least one centre", "none");
  if (!Number.isFinite(coeff)) opError("gaussianSmearing", "coeff", "a finite number", String(coeff));
  return radialBasis(x, { kind: "gaussian", centers, coeff });
}
