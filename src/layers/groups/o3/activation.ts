/**
 * Scalar activations for equivariant layers, in e3nn's conventions: every activation is rescaled
 * to unit second moment (E[φ(z)²] = 1 for z ~ N(0, 1), "normalize2mom") so that stacked layers keep
 * the scale of their features, and its parity (even, odd or neither) decides which parity of scalar
 * it may act on (an even function of a pseudo-scalar gives a scalar, an odd one keeps the parity).
 * Activations are resolved by `nn/activation.ts` (names, functions or modules).
 */
import { noGrad } from "../../../tensor/autograd.js";
import { ErlangenError } from "../../../tensor/errors.js";
import { Tensor } from "../../../tensor/tensor.js";
import "../../../tensor/index.js";
import { type ActivationSpec, resolveActivation } from "../../../nn/activation.js";

/**
 * 1/√E[φ(z)²] for z ~ N(0, 1), by the trapezoidal rule on [−12, 12] (exact to ~1e-9 for the smooth
 * activations; e3nn estimates the same number by sampling). Returns 1 when within 1e-4 of 1, as e3nn.
 */
export function secondMomentScale(fn: (x: Tensor) => Tensor): number {
  const n = 8001;
  const a = 12;
  const h = (2 * a) / (n - 1);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = -a + i * h;
  const y = noGrad(() => fn(new Tensor(z, [n], "float64")));
  let m = 0;
  for (let i = 0; i < n; i++) {
    const w = ((i === 0 || i === n - 1 ? 0.5 : 1) * h * Math.exp(-0.5 * z[i]! * z[i]!)) / Math.sqrt(2 * Math.PI);
    m += w * Number(y.data[i]) ** 2;
  }
  if (!(m > 0) || !Number.isFinite(m))
    throw new ErlangenError(
      `secondMomentScale: argument 'fn' expected an activation with a positive finite second moment, got ${m}`,
    );
  const c = 1 / Math.sqrt(m);
  return Math.abs(c - 1) < 1e-4 ? 1 : c;
}

/** Parity of a scalar function: 1 if even, −1 if odd, 0 if neither (probed on [0, 10], as e3nn). */
export function activationParity(fn: (x: Tensor) => Tensor): 1 | -1 | 0 {
  const n = 257;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = (10 * i) / (n - 1);
  const neg = Float64Array.from(x, (v) => -v);
  const [yp, yn] = noGrad(() => [fn(new Tensor(x, [n], "float64")), fn(new Tensor(neg, [n], "float64"))]);
  let even = true;
  let odd = true;
  for (let i = 0; i < n; i++) {
    const p = Number(yp!.data[i]);
    const q = Number(yn!.data[i]);
    const tol = 1e-6 * (1 + Math.abs(p));
    if (Math.abs(p - q) > tol) even = false;
    if (Math.abs(p + q) > tol) odd = false;
  }
  return even ? 1 : odd ? -1 : 0;
}

/** An activation with its second-moment scale and parity. */
export interface NormalizedActivation {
  fn: (x: Tensor) => Tensor;
  scale: number;
  parity: 1 | -1 | 0;
}

/** Resolves and normalises an activation (see the module docs). */
export function normalizedActivation(op: string, act: ActivationSpec, normalize = true): NormalizedActivation {
  const fn = resolveActivation(act, op);
  return { fn, scale: normalize ? secondMomentScale(fn) : 1, parity: activationParity(fn) };
}

/** Applies a normalised activation: scale · φ(x). */
export function applyActivation(a: NormalizedActivation, x: Tensor): Tensor {
  const y = a.fn(x);
  return a.scale === 1 ? y : y.mul(a.scale);
}
