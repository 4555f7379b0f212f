/**
 * Gradient checking by central finite differences in float64. For a function `fn` of tensors, it
 * compares the autograd vector-Jacobian product `vᵀJ` (for a random `v`) with the numerical one.
 */
import { noGrad } from "./autograd.js";
import { ErlangenError } from "./errors.js";
import { Generator } from "./rng.js";
import { Tensor } from "./tensor.js";

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Seed for the random upstream gradient (default 0). */
  seed?: number;
  /** Throw on mismatch (default true); otherwise return the report. */
  raiseException?: boolean;
}

export interface GradcheckReport {
  ok: boolean;
  /** Largest |analytic − numeric| over all checked entries. */
  maxAbsError: number;
  /** Per input, the first mismatch found (index, analytic, numeric), if any. */
  mismatches: { input: number; index: number; analytic: number; numeric: number }[];
}

/**
 * Checks the gradients of `fn` with respect to every float64 input with `requiresGrad`.
 * Inputs must be float64 (cast them with `.double()`); int/bool inputs are passed through unchanged.
 * Returns a report; throws (by default) when any entry differs by more than `atol + rtol·|numeric|`.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): GradcheckReport {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const gen = new Generator(opts.seed ?? 0);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.requiresGrad && t.dtype !== "float64") {
      throw new ErlangenError(`gradcheck: argument 'inputs[${i}]' expected dtype float64, got ${t.dtype}`);
    }
  }
  const leaves = inputs.map((t) => {
    if (!t.requiresGrad) return t;
    const l = new Tensor(t.data.slice() as Float64Array, t.shape, "float64");
    l.requiresGrad = true;
    return l;
  });
  const out = fn(...leaves);
  if (out.dtype !== "float64") throw new ErlangenError(`gradcheck: output expected dtype float64, got ${out.dtype}`);
  const v = new Float64Array(out.size);
  for (let i = 0; i < v.length; i++) v[i] = gen.normal();
  if (!out.requiresGrad)
    throw new ErlangenError("gradcheck: output does not require grad (no differentiable path from inputs)");
  out.backward(new Tensor(v.slice(), out.shape, "float64"));

  const dot = (o: Tensor) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * o.data[i]!;
    return s;
  };
  const report: GradcheckReport = { ok: true, maxAbsError: 0, mismatches: [] };
  noGrad(() => {
    for (let k = 0; k < leaves.length; k++) {
      const x = leaves[k]!;
      if (!x.requiresGrad) continue;
      const analytic = x.grad;
      let reported = false;
      for (let i = 0; i < x.size; i++) {
        const orig = x.data[i]!;
        x.data[i] = orig + eps;
        const fp = dot(fn(...leaves));
        x.data[i] = orig - eps;
        const fm = dot(fn(...leaves));
        x.data[i] = orig;
        const numeric = (fp - fm) / (2 * eps);
        const a = analytic === null ? 0 : analytic.data[i]!;
        const err = Math.abs(a - numeric);
        if (!(err <= report.maxAbsError))
          report.maxAbsError = Number.isNaN(err) ? Number.NaN : Math.max(report.maxAbsError, err);
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          report.ok = false;
          if (!reported) {
            report.mismatches.push({ input: k, index: i, analytic: a, numeric });
            reported = true;
          }
        }
      }
    }
  });
  if (!report.ok && opts.raiseException !== false) {
    const m = report.mismatches
      .map((e) => `input ${e.input}[${e.index}]: analytic ${e.analytic}, numeric ${e.numeric}`)
      .join("; ");
    throw new ErlangenError(`gradcheck: gradients differ (max abs error ${report.maxAbsError}): ${m}`);
  }
  return report;
}
