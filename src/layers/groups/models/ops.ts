/**
 * Fused message-passing ops of the atomistic models (plain loops; candidates for kernels in
 * `src/kernels`): they avoid materialising the `[E, F]` gathered features and products.
 */
import { record } from "../../../tensor/autograd.js";
import { allocate } from "../../../tensor/dtype.js";
import { fmtShape, opError } from "../../../tensor/errors.js";
import { Tensor } from "../../../tensor/tensor.js";

/**
 * Continuous-filter message passing: `out[dst[e]] += x[src[e]] ⊙ w[e]` for every edge e.
 * `x` `[N, F]`, `w` `[E, F]` (same float dtype), `src`/`dst` int32 `[E]` node ids (checked);
 * returns `[numNodes, F]`. Differentiable in `x` and `w`.
 */
export function gatherMulScatter(x: Tensor, w: Tensor, src: Tensor, dst: Tensor, numNodes: number): Tensor {
  const op = "gatherMulScatter";
  if (x.ndim !== 2) opError(op, "x", "shape [N, F]", fmtShape(x.shape));
  const N = x.shape[0]!;
  const F = x.shape[1]!;
  if (w.ndim !== 2 || w.shape[1] !== F) opError(op, "w", `shape [E, ${F}]`, fmtShape(w.shape));
  if (x.dtype !== w.dtype || (x.dtype !== "float32" && x.dtype !== "float64"))
    opError(op, "w", `float dtype equal to x's (${x.dtype})`, w.dtype);
  const E = w.shape[0]!;
  for (const [name, t, hi] of [
    ["src", src, N],
    ["dst", dst, numNodes],
  ] as const) {
    if (t.dtype !== "int32" || t.ndim !== 1 || t.shape[0] !== E)
      opError(op, name, `int32 [${E}]`, `${t.dtype} ${fmtShape(t.shape)}`);
    for (let e = 0; e < E; e++) {
      const v = t.data[e]!;
      if (v < 0 || v >= hi) opError(op, name, `node ids in [0, ${hi})`, `${v} at edge ${e}`);
    }
  }
  const s = src.data as Int32Array;
  const d = dst.data as Int32Array;
  const xd = x.data;
  const wd = w.data;
  const out = allocate(x.dtype, numNodes * F);
  for (let e = 0; e < E; e++) {
    const xo = s[e]! * F;
    const oo = d[e]! * F;
    const wo = e * F;
    for (let f = 0; f < F; f++) out[oo + f]! += xd[xo + f]! * wd[wo + f]!;
  }
  return record(op, [x, w], new Tensor(out, [numNodes, F], x.dtype), (g) => {
    const gd = g.data;
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (x.requiresGrad) {
      const a = allocate(x.dtype, N * F);
      for (let e = 0; e < E; e++) {
        const xo = s[e]! * F;
        const go = d[e]! * F;
        const wo = e * F;
        for (let f = 0; f < F; f++) a[xo + f]! += gd[go + f]! * wd[wo + f]!;
      }
      gx = new Tensor(a, x.shape, x.dtype);
    }
    if (w.requiresGrad) {
      const a = allocate(w.dtype, E * F);
      for (let e = 0; e < E; e++) {
        const xo = s[e]! * F;
        const go = d[e]! * F;
        const wo = e * F;
        for (let f = 0; f < F; f++) a[wo + f] = gd[go + f]! * xd[xo + f]!;
      }
      gw = new Tensor(a, w.shape, w.dtype);
    }
    return [gx, gw];
  });
}
