/**
 * Finite-difference check of a module's parameter gradients (float64): the autograd vector-Jacobian
 * product vᵀ ∂out/∂p against central differences, on up to `perParameter` entries of every parameter.
 * `gradcheck` checks the inputs of a function; this checks the parameters a module holds.
 */
import type { Module } from "../../src/nn/module.js";
import { noGrad, Tensor } from "../../src/tensor/index.js";
import { Generator } from "../../src/tensor/rng.js";

export function checkParameterGradients(
  module: Module,
  run: () => Tensor,
  opts: { eps?: number; atol?: number; rtol?: number; perParameter?: number; seed?: number } = {},
): { maxAbsError: number; checked: number } {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const per = opts.perParameter ?? 6;
  const gen = new Generator(opts.seed ?? 0);
  module.zeroGrad();
  const out = run();
  if (out.dtype !== "float64") throw new Error("checkParameterGradients: the output must be float64");
  const v = new Float64Array(out.size);
  for (let i = 0; i < v.length; i++) v[i] = gen.normal();
  out.backward(new Tensor(v.slice(), out.shape, "float64"));
  const dot = (o: Tensor) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * o.data[i]!;
    return s;
  };
  let maxAbs = 0;
  let checked = 0;
  for (const [name, p] of module.namedParameters()) {
    if (!p.requiresGrad) continue;
    if (p.dtype !== "float64") throw new Error(`checkParameterGradients: ${name} is ${p.dtype}, not float64`);
    const g = p.grad;
    const picks = p.size <= per ? Array.from({ length: p.size }, (_, i) => i) : [];
    while (picks.length < Math.min(per, p.size)) {
      const i = Math.floor(gen.uniform() * p.size);
      if (!picks.includes(i)) picks.push(i);
    }
    for (const i of picks) {
      const orig = p.data[i]!;
      const num = noGrad(() => {
        p.data[i] = orig + eps;
        const fp = dot(run());
        p.data[i] = orig - eps;
        const fm = dot(run());
        p.data[i] = orig;
        return (fp - fm) / (2 * eps);
      });
      const ana = g === null ? 0 : g.data[i]!;
      const err = Math.abs(ana - num);
      maxAbs = Math.max(maxAbs, err);
      checked++;
      if (err > atol + rtol * Math.abs(num)) {
        throw new Error(`checkParameterGradients: ${name}[${i}] analytic ${ana} vs numeric ${num}`);
      }
    }
  }
  return { maxAbsError: maxAbs, checked };
}
