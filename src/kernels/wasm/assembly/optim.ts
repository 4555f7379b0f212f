// Optimiser steps (f32, in place). Twin: src/kernels/ref/optim.ts.

/**
 * One Adam step over n parameters in place: p ← p·decay; g' = sign·g + l2·p;
 * m ← m + (g' − m)(1 − β₁); v ← β₂v + (1 − β₂)g'²; p ← p − stepSize·m / (√v / bc2Sqrt + eps).
 */
export function adamF32(p: usize, g: usize, m: usize, v: usize, n: i32, b1: f32, b2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32, l2: f32, decay: f32, sign: f32): void {
  const n4 = n & ~3;
  const vdecay = f32x4.splat(decay);
  const vsign = f32x4.splat(sign);
  const vl2 = f32x4.splat(l2);
  const v1b1 = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const v1b2 = f32x4.splat(1 - b2);
  const vstep = f32x4.splat(stepSize);
  const vinvbc2 = f32x4.splat(1 / bc2Sqrt);
  const veps = f32x4.splat(eps);
  const useDecay = decay != 1;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    let x = v128.load(p + o);
    if (useDecay) x = f32x4.mul(x, vdecay);
    const gr = f32x4.add(f32x4.mul(vsign, v128.load(g + o)), f32x4.mul(vl2, x));
    let mm = v128.load(m + o);
    mm = f32x4.add(mm, f32x4.mul(f32x4.sub(gr, mm), v1b1));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(v1b2, f32x4.mul(gr, gr)));
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinvbc2), veps);
    x = f32x4.sub(x, f32x4.div(f32x4.mul(vstep, mm), denom));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    v128.store(p + o, x);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let x = load<f32>(p + o);
    if (useDecay) x *= decay;
    const gr = sign * load<f32>(g + o) + l2 * x;
    let mm = load<f32>(m + o);
    mm = mm + (gr - mm) * (1 - b1);
    const vv = b2 * load<f32>(v + o) + (1 - b2) * gr * gr;
    x -= (stepSize * mm) / (sqrt<f32>(vv) / bc2Sqrt + eps);
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(p + o, x);
  }
}
