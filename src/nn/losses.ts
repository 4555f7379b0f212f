/**
 * Loss functions, in functional form (`crossEntropy(input, target, opts)`, also under `F`) and as
 * modules (`new CrossEntropyLoss(opts).forward(input, target)`), with PyTorch's definitions and
 * reductions. Every loss first checks its inputs for NaN/Inf and then its output, and throws an error
 * naming the loss, the argument and the first bad position, e.g.
 * `crossEntropy: argument 'input' contains NaN at [12, 3]`.
 *
 * A `mask` (bool `[N]`, or int32 row indices) selects rows of the batch axis of input and target first,
 * as in node classification with train/validation masks.
 */
import { record } from "../tensor/autograd.js";
import { allocate, isFloat } from "../tensor/dtype.js";
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import { abs, add, clamp, exp, log, log1p, lt, mul, neg, relu, square, sub, where } from "../tensor/ops/elementwise.js";
import { indexSelect } from "../tensor/ops/indexing.js";
import { logSoftmax, mean, sum } from "../tensor/ops/reduce.js";
import { permute } from "../tensor/ops/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/** How per-element losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = "mean" | "sum" | "none";

/** Options shared by every loss. */
export interface LossOptions {
  reduction?: Reduction;
  /** Rows of the batch axis to keep: bool `[N]` or int32 indices. */
  mask?: Tensor;
}

/** Formats a flat index of `shape` as `[i, j, ...]`. */
function multiIndex(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k]!;
    idx[k] = d === 0 ? 0 : flat % d;
    flat = d === 0 ? 0 : Math.floor(flat / d);
  }
  return `[${idx.join(", ")}]`;
}

/** Throws if `t` holds NaN or ±Inf, naming the loss, the argument and the first bad position. */
export function checkFinite(op: string, arg: string, t: Tensor): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
      throw new ErlangenError(`${op}: argument '${arg}' contains ${what} at ${multiIndex(i, t.shape)}`);
    }
  }
}

/** Throws if the loss value is NaN or ±Inf although the inputs were finite. */
function checkOutput(op: string, out: Tensor, hint = ""): Tensor {
  const d = out.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
      const where = out.ndim === 0 ? "" : ` at ${multiIndex(i, out.shape)}`;
      throw new ErlangenError(
        `${op}: output contains ${what}${where} although the inputs are finite${hint ? ` (${hint})` : ""}`,
      );
    }
  }
  return out;
}

function checkReduction(op: string, r: Reduction): void {
  if (r !== "mean" && r !== "sum" && r !== "none") opError(op, "reduction", "'mean', 'sum' or 'none'", String(r));
}

function checkFloatT(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) opError(op, arg, "a Tensor", typeof t);
  if (!isFloat(t.dtype)) opError(op, arg, "a float32 or float64 tensor", t.dtype);
}

/** Row indices selected by a mask (bool [N] or int32 indices), bounds-checked. */
function maskRows(op: string, mask: Tensor, n: number): Tensor {
  if (!(mask instanceof Tensor)) opError(op, "mask", "a bool or int32 Tensor", typeof mask);
  if (mask.ndim !== 1)
    opError(op, "mask", `a 1-D tensor (bool [${n}] or int32 indices)`, `shape ${fmtShape(mask.shape)}`);
  if (mask.dtype === "bool") {
    if (mask.shape[0] !== n) opError(op, "mask", `shape [${n}] (the batch size)`, fmtShape(mask.shape));
    const d = mask.data;
    let c = 0;
    for (let i = 0; i < n; i++) if (d[i]) c++;
    const idx = new Int32Array(c);
    for (let i = 0, k = 0; i < n; i++) if (d[i]) idx[k++] = i;
    return new Tensor(idx, [c], "int32");
  }
  if (mask.dtype !== "int32") opError(op, "mask", "dtype bool or int32", mask.dtype);
  const d = mask.data;
  for (let i = 0; i < d.length; i++)
    if (d[i]! < 0 || d[i]! >= n) opError(op, "mask", `indices in [0, ${n - 1}]`, `${d[i]} at [${i}]`);
  return mask;
}

function applyMask(op: string, mask: Tensor | undefined, ...ts: Tensor[]): Tensor[] {
  if (mask === undefined) return ts;
  const n = ts[0]!.ndim === 0 ? 1 : ts[0]!.shape[0]!;
  const rows = maskRows(op, mask, n);
  return ts.map((t) => indexSelect(t, 0, rows));
}

function reduce(t: Tensor, r: Reduction): Tensor {
  return r === "none" ? t : r === "sum" ? sum(t) : mean(t);
}

function sameShapeOrThrow(op: string, input: Tensor, target: Tensor): void {
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    opError(op, "target", `shape ${fmtShape(input.shape)} (like 'input')`, fmtShape(target.shape));
  }
}

/** Shared preparation of pointwise regression losses. */
function pointwise(op: string, input: Tensor, target: Tensor, opts: LossOptions): [Tensor, Tensor, Reduction] {
  checkFloatT(op, "input", input);
  checkFloatT(op, "target", target);
  sameShapeOrThrow(op, input, target);
  const reduction = opts.reduction ?? "mean";
  checkReduction(op, reduction);
  checkFinite(op, "input", input);
  checkFinite(op, "target", target);
  const [x, y] = applyMask(op, opts.mask, input, target) as [Tensor, Tensor];
  return [x, y.dtype === x.dtype ? y : y.cast(x.dtype), reduction];
}

/** Mean squared error `(input − target)²`. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const [x, y, r] = pointwise("mseLoss", input, target, opts);
  return checkOutput("mseLoss", reduce(square(sub(x, y)), r));
}

/** Mean absolute error `|input − target|`. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const [x, y, r] = pointwise("l1Loss", input, target, opts);
  return checkOutput("l1Loss", reduce(abs(sub(x, y)), r));
}

/** Options of {@link huberLoss}. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber loss: `½d²` for `|d| < delta`, else `delta·(|d| − ½delta)`, with d = input − target. */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const op = "huberLoss";
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) opError(op, "delta", "a positive number", String(delta));
  const [x, y, r] = pointwise(op, input, target, opts);
  const d = sub(x, y);
  const ad = abs(d);
  const l = where(lt(ad, delta), mul(square(d), 0.5), mul(sub(ad, 0.5 * delta), delta));
  return checkOutput(op, reduce(l, r));
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  beta?: number;
}

/** Smooth L1: `½d²/beta` for `|d| < beta`, else `|d| − ½beta` (Huber divided by beta). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  const op = "smoothL1Loss";
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) opError(op, "beta", "a number >= 0", String(beta));
  const [x, y, r] = pointwise(op, input, target, opts);
  const d = sub(x, y);
  const ad = abs(d);
  const l = beta === 0 ? ad : where(lt(ad, beta), mul(square(d), 0.5 / beta), sub(ad, 0.5 * beta));
  return checkOutput(op, reduce(l, r));
}

/** Options of the binary cross-entropy losses. */
export interface BCEOptions extends LossOptions {
  /** Per-element rescaling weight, broadcast against the input. */
  weight?: Tensor;
  /** Weight of positive examples, broadcast along the last axis (logits version only). */
  posWeight?: Tensor;
}

/**
 * Binary cross-entropy on logits, computed stably:
 * `(1 − t)·x + (1 + (posWeight − 1)·t)·(log(1 + e^{−|x|}) + max(−x, 0))`, times `weight`.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const [x, t, r] = pointwise(op, input, target, opts);
  const softTerm = add(log1p(exp(neg(abs(x)))), relu(neg(x)));
  let l: Tensor;
  if (opts.posWeight !== undefined) {
    checkFloatT(op, "posWeight", opts.posWeight);
    checkFinite(op, "posWeight", opts.posWeight);
    const pw = opts.posWeight.cast(x.dtype);
    l = add(mul(sub(1, t), x), mul(add(1, mul(sub(pw, 1), t)), softTerm));
  } else {
    l = add(mul(sub(1, t), x), softTerm);
  }
  if (opts.weight !== undefined) {
    checkFloatT(op, "weight", opts.weight);
    l = mul(l, opts.weight.cast(x.dtype));
  }
  return checkOutput(op, reduce(l, r));
}

/**
 * Binary cross-entropy on probabilities in [0, 1]: `−(t·log p + (1 − t)·log(1 − p))`, with each log
 * clamped at −100 like PyTorch. Prefer {@link binaryCrossEntropyWithLogits}.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: Omit<BCEOptions, "posWeight"> = {}): Tensor {
  const op = "binaryCrossEntropy";
  const [p, t, r] = pointwise(op, input, target, opts);
  const d = p.data;
  for (let i = 0; i < d.length; i++)
    if (d[i]! < 0 || d[i]! > 1) opError(op, "input", "probabilities in [0, 1]", `${d[i]} at ${multiIndex(i, p.shape)}`);
  const lp = clamp(log(p), -100);
  const lq = clamp(log(sub(1, p)), -100);
  let l = neg(add(mul(t, lp), mul(sub(1, t), lq)));
  if (opts.weight !== undefined) {
    checkFloatT(op, "weight", opts.weight);
    l = mul(l, opts.weight.cast(p.dtype));
  }
  return checkOutput(op, reduce(l, r));
}

/** Options of {@link nllLoss} and {@link crossEntropy}. */
export interface ClassLossOptions extends LossOptions {
  /** Per-class weights `[C]`. */
  weight?: Tensor;
  /** Targets equal to this are skipped (default −100). */
  ignoreIndex?: number;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

interface ClassProblem {
  /** Scores `[M, C]` with classes last. */
  x: Tensor;
  /** Class index targets (length M) or null for probability targets. */
  y: Int32Array | null;
  /** Probability targets `[M, C]`. */
  probs: Tensor | null;
  /** Shape of unreduced per-sample losses. */
  outShape: number[];
  C: number;
  weight: Float64Array | null;
  weightT: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;
}

/** Validates and reshapes a classification loss's input `[N, C, d...]` / target `[N, d...]` to rows. */
function classProblem(op: string, input: Tensor, target: Tensor, opts: ClassLossOptions): ClassProblem {
  checkFloatT(op, "input", input);
  if (!(target instanceof Tensor)) opError(op, "target", "a Tensor", typeof target);
  const reduction = opts.reduction ?? "mean";
  checkReduction(op, reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (input.ndim === 0) opError(op, "input", "shape [C], [N, C] or [N, C, d1, ...]", "a 0-D tensor");
  checkFinite(op, "input", input);
  const soft = isFloat(target.dtype);
  if (!soft && target.dtype !== "int32")
    opError(op, "target", "int32 class indices or float class probabilities", target.dtype);
  if (soft) checkFinite(op, "target", target);
  let x = input;
  let t = target;
  if (x.ndim === 1) {
    x = x.reshape([1, x.shape[0]!]);
    t = t.reshape(soft ? [1, t.size] : [1]);
  }
  [x, t] = applyMask(op, opts.mask, x, t) as [Tensor, Tensor];
  const C = x.shape[1]!;
  const rest = x.shape.slice(2);
  const expected = soft ? x.shape : [x.shape[0]!, ...rest];
  if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    const given = input.ndim === 1 ? target.shape : t.shape;
    opError(
      op,
      "target",
      `shape ${fmtShape(input.ndim === 1 ? (soft ? [C] : []) : expected)}${soft ? " (probabilities like 'input')" : " (class indices)"}`,
      fmtShape(given),
    );
  }
  const outShape = [x.shape[0]!, ...rest];
  if (x.ndim > 2) {
    const perm = [0, ...rest.map((_, i) => i + 2), 1];
    x = permute(x, perm).reshape([-1, C]);
    if (soft) t = permute(t, perm).reshape([-1, C]);
  }
  let weight: Float64Array | null = null;
  let weightT: Tensor | null = null;
  if (opts.weight !== undefined) {
    checkFloatT(op, "weight", opts.weight);
    if (opts.weight.ndim !== 1 || opts.weight.shape[0] !== C)
      opError(op, "weight", `shape [${C}] (one per class)`, fmtShape(opts.weight.shape));
    weight = Float64Array.from(opts.weight.data);
    weightT = opts.weight.cast(x.dtype).detach();
  }
  let y: Int32Array | null = null;
  if (!soft) {
    y = t.data as Int32Array;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (v !== ignoreIndex && (v < 0 || v >= C)) {
        opError(
          op,
          "target",
          `class indices in [0, ${C - 1}] (or ignoreIndex ${ignoreIndex})`,
          `${v} at ${multiIndex(i, outShape)}`,
        );
      }
    }
  }
  return { x, y, probs: soft ? t.cast(x.dtype) : null, outShape, C, weight, weightT, ignoreIndex, reduction };
}

/**
 * The negative log-likelihood on rows of log-probabilities `logp` `[M, C]`: per row `−w[y]·logp[y]`
 * (0 for ignored rows); `mean` divides the sum by the total weight of the non-ignored targets.
 * Returns the loss and that total weight. One fused op; its gradient is a constant sparse matrix
 * times the upstream gradient.
 */
function nllRows(P: ClassProblem, logp: Tensor): { loss: Tensor; totalWeight: number; count: number } {
  const { C, y, weight, ignoreIndex, reduction } = P;
  const M = logp.shape[0]!;
  const d = logp.data;
  const per = allocate(logp.dtype, M);
  let totalWeight = 0;
  let count = 0;
  for (let i = 0; i < M; i++) {
    const c = y![i]!;
    if (c === ignoreIndex) continue;
    const w = weight === null ? 1 : weight[c]!;
    per[i] = -w * d[i * C + c]!;
    totalWeight += w;
    count++;
  }
  let out: Tensor;
  let scale = 1;
  if (reduction === "none") out = new Tensor(per, [M], logp.dtype);
  else {
    let s = 0;
    for (let i = 0; i < M; i++) s += per[i]!;
    if (reduction === "mean") {
      scale = 1 / totalWeight;
      s *= scale;
    }
    const o = allocate(logp.dtype, 1);
    o[0] = s;
    out = new Tensor(o, [], logp.dtype);
  }
  const loss = record("nllLoss", [logp], out, (g) => {
    const coef = allocate(logp.dtype, M * C);
    for (let i = 0; i < M; i++) {
      const c = y![i]!;
      if (c === ignoreIndex) continue;
      coef[i * C + c] = -(weight === null ? 1 : weight[c]!) * scale;
    }
    const K = new Tensor(coef, [M, C], logp.dtype);
    return [mul(K, reduction === "none" ? g.reshape([M, 1]) : g)];
  });
  return { loss, totalWeight, count };
}

const ALL_IGNORED = "no target counts: every target is ignoreIndex, masked out, or has class weight 0";

/**
 * Negative log-likelihood on log-probabilities `input` `[N, C]` (or `[C]`, or `[N, C, d1, ...]`) with
 * int32 class targets `[N]` (`[N, d1, ...]`): `−weight[y]·input[y]`; `mean` divides by the total weight.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: ClassLossOptions = {}): Tensor {
  const op = "nllLoss";
  const P = classProblem(op, input, target, opts);
  if (P.y === null) opError(op, "target", "int32 class indices", target.dtype);
  const { loss } = nllRows(P, P.x);
  return checkOutput(op, P.reduction === "none" ? loss.reshape(P.outShape) : loss, ALL_IGNORED);
}

/**
 * Cross-entropy of raw scores `input` `[N, C]` (or `[C]`, or `[N, C, d1, ...]`) against int32 class
 * indices `[N]` (`[N, d1, ...]`) or float class probabilities shaped like the input. Equals
 * `nllLoss(logSoftmax(input, 1), target)` plus PyTorch's label smoothing:
 * `(1 − ε)·nll + ε/C · Σ_c −w_c·logp_c` (the smoothing term normalised like the nll).
 * Supports `weight`, `ignoreIndex`, `reduction` and a row `mask`.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropy";
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) opError(op, "labelSmoothing", "a number in [0, 1]", String(eps));
  const P = classProblem(op, input, target, opts);
  const { C, reduction } = P;
  const logp = logSoftmax(P.x, 1);
  const M = logp.shape[0]!;
  let loss: Tensor;
  if (P.probs !== null) {
    let t = P.probs;
    if (eps > 0) t = add(mul(t, 1 - eps), eps / C);
    let wl = mul(logp, t);
    if (P.weightT !== null) wl = mul(wl, P.weightT);
    const per = neg(sum(wl, 1));
    loss = reduce(per, reduction);
  } else {
    const nll = nllRows(P, logp);
    loss = nll.loss;
    if (eps > 0) {
      const keep = new Float64Array(M);
      for (let i = 0; i < M; i++) keep[i] = P.y![i] === P.ignoreIndex ? 0 : 1;
      let wl = logp;
      if (P.weightT !== null) wl = mul(wl, P.weightT);
      let smooth = mul(
        neg(sum(wl, 1)),
        new Tensor(logp.dtype === "float64" ? keep : Float32Array.from(keep), [M], logp.dtype),
      );
      if (reduction === "sum") smooth = sum(smooth);
      else if (reduction === "mean") smooth = mul(sum(smooth), 1 / (P.weight !== null ? nll.totalWeight : nll.count));
      loss = add(mul(loss, 1 - eps), mul(smooth, eps / C));
    }
  }
  if (reduction === "none") loss = loss.reshape(P.outShape);
  return checkOutput(op, loss, P.probs === null ? ALL_IGNORED : "");
}

// ------------------------------------------------------------------------------------------------
// modules

/** Base of the loss modules: holds the options and calls the functional form. */
abstract class Loss<O extends LossOptions> extends Module<[Tensor, Tensor], Tensor> {
  constructor(readonly options: O) {
    super();
  }

  override extraRepr(): string {
    return Object.entries(this.options)
      .filter(([, v]) => !(v instanceof Tensor))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ");
  }
}

/** Module form of {@link mseLoss}. */
export class MSELoss extends Loss<LossOptions> {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** Module form of {@link l1Loss}. */
export class L1Loss extends Loss<LossOptions> {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** Module form of {@link huberLoss}. */
export class HuberLoss extends Loss<HuberOptions> {
  constructor(opts: HuberOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/** Module form of {@link smoothL1Loss}. */
export class SmoothL1Loss extends Loss<SmoothL1Options> {
  constructor(opts: SmoothL1Options = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** Module form of {@link binaryCrossEntropyWithLogits}. */
export class BCEWithLogitsLoss extends Loss<BCEOptions> {
  constructor(opts: BCEOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}

/** Module form of {@link binaryCrossEntropy}. */
export class BCELoss extends Loss<Omit<BCEOptions, "posWeight">> {
  constructor(opts: Omit<BCEOptions, "posWeight"> = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.options);
  }
}

/** Module form of {@link nllLoss}. */
export class NLLLoss extends Loss<ClassLossOptions> {
  constructor(opts: ClassLossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/** Module form of {@link crossEntropy}. */
export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  constructor(opts: CrossEntropyOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}
