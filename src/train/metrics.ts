/**
 * Evaluation metrics: accuracy, F1 (macro / micro), binary ROC-AUC (ties averaged), MAE and MSE.
 * They take tensors (or plain arrays) and return plain numbers; nothing here records gradients.
 * Predictions may be class indices (int32, shape [N]) or scores/logits (shape [N, C], argmax taken).
 */
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";

/** A tensor or a plain array of numbers. */
export type NumericInput = Tensor | ArrayLike<number>;

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "shape" in x && "data" in x && "dtype" in x;
}

function flat(op: string, arg: string, x: NumericInput): ArrayLike<number> {
  if (isTensor(x)) return x.data;
  if (x === null || typeof x !== "object" || typeof (x as ArrayLike<number>).length !== "number") {
    opError(op, arg, "a Tensor or an array of numbers", typeof x);
  }
  return x;
}

/** Selects entries where `mask` is true (mask: bool tensor or boolean/0-1 array). */
function maskRows(mask: NumericInput | readonly boolean[] | undefined, n: number, op: string): number[] {
  const rows: number[] = [];
  if (mask === undefined) {
    for (let i = 0; i < n; i++) rows.push(i);
    return rows;
  }
  const m = isTensor(mask) ? mask.data : (mask as ArrayLike<number | boolean>);
  if (m.length !== n) opError(op, "mask", `${n} entries (one per sample)`, `${m.length}`);
  for (let i = 0; i < n; i++) if (m[i]) rows.push(i);
  return rows;
}

/**
 * Class indices from predictions: an int tensor/array of shape [N] is used as is; a float tensor of
 * shape [N, C] gives the argmax of each row (first maximum on ties).
 */
export function predictedClasses(pred: NumericInput, op = "predictedClasses"): Int32Array {
  if (isTensor(pred) && pred.ndim === 2) {
    const [n, c] = pred.shape as [number, number];
    if (c < 1) opError(op, "pred", "at least one class column", fmtShape(pred.shape));
    const d = pred.data;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bv = d[i * c]!;
      for (let j = 1; j < c; j++) {
        const v = d[i * c + j]!;
        if (v > bv || (Number.isNaN(bv) && !Number.isNaN(v))) {
          bv = v;
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }
  if (isTensor(pred) && pred.ndim !== 1)
    opError(op, "pred", "shape [N] (classes) or [N, C] (scores)", fmtShape(pred.shape));
  const d = flat(op, "pred", pred);
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]!;
  return out;
}

function targetClasses(target: NumericInput, n: number, op: string): Int32Array {
  if (isTensor(target) && target.ndim !== 1) opError(op, "target", `shape [${n}]`, fmtShape(target.shape));
  const d = flat(op, "target", target);
  if (d.length !== n) opError(op, "target", `${n} labels (one per prediction)`, `${d.length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    if (!Number.isInteger(v)) opError(op, "target", "integer class labels", String(v));
    out[i] = v;
  }
  return out;
}

/**
 * Fraction of correct predictions. `pred` holds classes [N] or scores [N, C]; `target` the classes
 * [N]; `mask` (optional, bool [N]) restricts to the selected samples. Returns NaN when nothing is selected.
 */
export function accuracy(pred: NumericInput, target: NumericInput, mask?: NumericInput | readonly boolean[]): number {
  const p = predictedClasses(pred, "accuracy");
  const t = targetClasses(target, p.length, "accuracy");
  const rows = maskRows(mask, p.length, "accuracy");
  if (rows.length === 0) return Number.NaN;
  let ok = 0;
  for (const i of rows) if (p[i] === t[i]) ok++;
  return ok / rows.length;
}

/** Options of {@link f1Score}. */
export interface F1Options {
  /** `macro`: unweighted mean of per-class F1; `micro`: F1 of the pooled counts (default `macro`). */
  average?: "macro" | "micro";
  /** Number of classes (default: 1 + the largest label seen in pred or target). */
  numClasses?: number;
  /** Optional bool [N] selection. */
  mask?: NumericInput | readonly boolean[];
}

/**
 * F1 score for multi-class predictions. Macro averaging takes the mean over classes that occur in
 * the target or the predictions (a class with no true and no predicted samples is skipped, like
 * scikit-learn's `labels` of present classes); a class with tp = 0 scores 0.
 */
export function f1Score(pred: NumericInput, target: NumericInput, opts: F1Options = {}): number {
  const average = opts.average ?? "macro";
  if (average !== "macro" && average !== "micro") opError("f1Score", "average", "'macro' or 'micro'", String(average));
  const p = predictedClasses(pred, "f1Score");
  const t = targetClasses(target, p.length, "f1Score");
  const rows = maskRows(opts.mask, p.length, "f1Score");
  let maxLabel = -1;
  for (const i of rows) maxLabel = Math.max(maxLabel, p[i]!, t[i]!);
  const k = opts.numClasses ?? maxLabel + 1;
  if (maxLabel >= k) opError("f1Score", "numClasses", `more than the largest label ${maxLabel}`, String(k));
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  for (const i of rows) {
    const pi = p[i]!;
    const ti = t[i]!;
    if (pi < 0 || ti < 0)
      opError("f1Score", pi < 0 ? "pred" : "target", "non-negative class labels", String(Math.min(pi, ti)));
    if (pi === ti) tp[pi]!++;
    else {
      fp[pi]!++;
      fn[ti]!++;
    }
  }
  if (rows.length === 0) return Number.NaN;
  if (average === "micro") {
    let TP = 0;
    let FP = 0;
    let FN = 0;
    for (let c = 0; c < k; c++) {
      TP += tp[c]!;
      FP += fp[c]!;
      FN += fn[c]!;
    }
    return TP === 0 ? 0 : (2 * TP) / (2 * TP + FP + FN);
  }
  let s = 0;
  let count = 0;
  for (let c = 0; c < k; c++) {
    const denom = 2 * tp[c]! + fp[c]! + fn[c]!;
    if (denom === 0) continue;
    s += (2 * tp[c]!) / denom;
    count++;
  }
  return count === 0 ? 0 : s / count;
}

/**
 * Area under the ROC curve for binary labels (0/1) and real-valued scores (higher means class 1).
 * Tied scores count one half (the Mann–Whitney U statistic with average ranks). `scores` may be [N],
 * [N, 1], or [N, 2] (the column of class 1 is used). Throws when only one class is present.
 */
export function rocAuc(scores: NumericInput, labels: NumericInput, mask?: NumericInput | readonly boolean[]): number {
  let s: ArrayLike<number>;
  if (isTensor(scores) && scores.ndim === 2) {
    const [n, c] = scores.shape as [number, number];
    if (c === 1) s = scores.data;
    else if (c === 2) {
      const arr = new Float64Array(n);
      for (let i = 0; i < n; i++) arr[i] = scores.data[i * 2 + 1]! - scores.data[i * 2]!;
      s = arr;
    } else opError("rocAuc", "scores", "shape [N], [N, 1] or [N, 2]", fmtShape(scores.shape));
  } else {
    if (isTensor(scores) && scores.ndim !== 1)
      opError("rocAuc", "scores", "shape [N], [N, 1] or [N, 2]", fmtShape(scores.shape));
    s = flat("rocAuc", "scores", scores);
  }
  const y = flat("rocAuc", "labels", labels);
  if (y.length !== s.length) opError("rocAuc", "labels", `${s.length} labels (one per score)`, `${y.length}`);
  const rows = maskRows(mask, s.length, "rocAuc");
  const idx = rows.slice().sort((a, b) => s[a]! - s[b]!);
  let nPos = 0;
  let nNeg = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && s[idx[j + 1]!] === s[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      const lab = y[idx[k]!]!;
      if (lab !== 0 && lab !== 1) opError("rocAuc", "labels", "binary labels 0 or 1", String(lab));
      if (lab === 1) {
        nPos++;
        rankSumPos += avgRank;
      } else nNeg++;
    }
    i = j + 1;
  }
  if (nPos === 0 || nNeg === 0) {
    throw new ErlangenError(
      `rocAuc: argument 'labels' expected both classes 0 and 1, got only class ${nPos === 0 ? 0 : 1}`,
    );
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function pairedErrors(op: string, pred: NumericInput, target: NumericInput): [ArrayLike<number>, ArrayLike<number>] {
  const p = flat(op, "pred", pred);
  const t = flat(op, "target", target);
  if (p.length !== t.length) {
    const ps = isTensor(pred) ? fmtShape(pred.shape) : `${p.length} values`;
    const ts = isTensor(target) ? fmtShape(target.shape) : `${t.length} values`;
    opError(op, "target", `as many values as pred (${ps})`, ts);
  }
  if (p.length === 0) opError(op, "pred", "at least one value", "none");
  return [p, t];
}

/** Mean absolute error over all elements (pred and target have equal element counts). */
export function meanAbsoluteError(pred: NumericInput, target: NumericInput): number {
  const [p, t] = pairedErrors("meanAbsoluteError", pred, target);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i]! - t[i]!);
  return s / p.length;
}

/** Mean squared error over all elements. */
export function meanSquaredError(pred: NumericInput, target: NumericInput): number {
  const [p, t] = pairedErrors("meanSquaredError", pred, target);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const d = p[i]! - t[i]!;
    s += d * d;
  }
  return s / p.length;
}

/** Short alias of {@link meanAbsoluteError}. */
export const mae = meanAbsoluteError;
/** Short alias of {@link meanSquaredError}. */
export const mse = meanSquaredError;

/** Summary statistics of repeated runs: mean, sample standard deviation (n − 1), median, values. */
export interface RunStats {
  mean: number;
  std: number;
  median: number;
  values: number[];
}

/** Mean, sample std (0 for a single value), and median of `values`. */
export function summarize(values: readonly number[]): RunStats {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, median: Number.NaN, values: [] };
  let m = 0;
  for (const v of values) m += v;
  m /= n;
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return { mean: m, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, median: median(values), values: [...values] };
}

/** Median (mean of the two middle values for even counts; NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
