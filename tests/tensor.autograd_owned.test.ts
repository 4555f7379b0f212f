/**
 * The backward pass's own gradients: fresh gradients (`freshGrad`) take later sums in place, and a
 * backward function told `gradOwned` may overwrite its output gradient, without changing any number.
 */
import { describe, expect, it } from "vitest";
import { globalAddPool } from "../src/domains/graph/pool.js";
import { batchNormAct, linear } from "../src/nn/functional.js";
import { freshGrad, record } from "../src/tensor/autograd.js";
import { randn } from "../src/tensor/creation.js";
import { allocateEmpty, recycleArray, withReusePool } from "../src/tensor/dtype.js";
import { conv2d } from "../src/tensor/ops/conv.js";
import { Generator } from "../src/tensor/rng.js";
import { SparseMatrix, spmm } from "../src/tensor/sparse.js";
import { Tensor } from "../src/tensor/tensor.js";

function leaf(t: Tensor): Tensor {
  t.requiresGrad = true;
  return t;
}

/** An op `a + c` (elementwise; `d` only orders the pass) whose backward hands one fresh tensor to `a` and `c`. */
function sharedFreshAdd(a: Tensor, c: Tensor, d: Tensor): Tensor {
  const out = new Tensor(
    a.data.map((v, i) => v + c.data[i]!),
    a.shape,
    a.dtype,
  );
  return record("sharedFreshAdd", [a, c, d], out, (g) => {
    const f = freshGrad(g.clone());
    return [f, f, null];
  });
}

describe("owned gradients in the backward pass", () => {
  it("a fresh gradient handed to two inputs is not summed into in place", () => {
    const a = leaf(new Tensor(new Float64Array([1, 2, 3]), [3], "float64"));
    const b = leaf(new Tensor(new Float64Array([4, 5, 6]), [3], "float64"));
    const c = b.mul(3);
    const d = a.mul(2);
    // the pass runs sharedFreshAdd, then d (a's second gradient, 2), then c: c must still get ones
    const loss = sharedFreshAdd(a, c, d).sum().add(d.sum());
    loss.backward();
    expect(Array.from(b.grad!.data)).toEqual([3, 3, 3]);
    expect(Array.from(a.grad!.data)).toEqual([3, 3, 3]);
  });

  it("fresh gradients of a reused node sum to the same numbers as before (readout + next layer)", () => {
    // a GIN-like step: h feeds a sum readout and a sparse product; both backward results are fresh
    const A = SparseMatrix.fromCoo([0, 1, 1, 2, 3], [1, 0, 2, 1, 3], { shape: [4, 4] });
    const batch = new Tensor(new Int32Array([0, 0, 1, 1]), [4], "int32");
    const run = (owned: boolean) => {
      const x = leaf(randn([4, 5], { generator: new Generator(7) }));
      const w = leaf(randn([5, 5], { generator: new Generator(8) }));
      let h = linear(x, w);
      if (!owned) h = h.mul(1); // a pass-through whose gradient is not fresh
      const out = globalAddPool(h, batch, 2).sum().add(spmm(A, h).mul(h).sum());
      out.backward();
      return [Array.from(x.grad!.data), Array.from(w.grad!.data)];
    };
    expect(run(true)).toEqual(run(false));
  });

  it("batch norm: the backward result with gradOwned overwrites g and equals the one without", () => {
    const gen = new Generator(11);
    // [N, C] and channels-first [N, C, L] (the G-CNN feature maps' kernels)
    for (const [shape, relu] of [
      [[70, 8], false],
      [[70, 8], true],
      [[6, 8, 11], false],
      [[6, 8, 11], true],
    ] as [number[], boolean][]) {
      const x = leaf(randn(shape, { generator: gen }));
      const w = leaf(randn([8], { generator: gen }));
      const b = leaf(randn([8], { generator: gen }));
      const y = batchNormAct(x, null, null, w, b, true, 0.1, 1e-5, relu);
      const g = randn(shape, { generator: gen });
      const plain = y.gradFn!.backward(g.clone(), false);
      const gOwned = g.clone();
      const owned = y.gradFn!.backward(gOwned, true);
      expect(owned[0]!.data).toBe(gOwned.data);
      for (let i = 0; i < 3; i++) expect(Array.from(owned[i]!.data)).toEqual(Array.from(plain[i]!.data));
    }
  });

  it("a model's gradients are bit-identical whether or not the pass reuses its own buffers", () => {
    // linear → BN+ReLU → linear → BN+ReLU, used by a readout and by the next layer (as in GIN)
    const gen = new Generator(5);
    const x = randn([40, 6], { generator: gen });
    const w1 = randn([16, 6], { generator: gen });
    const w2 = randn([16, 16], { generator: gen });
    const batch = new Tensor(
      new Int32Array(40).map((_, i) => i >> 3),
      [40],
      "int32",
    );
    const grads = (cut: boolean) => {
      const p = [w1.clone(), w2.clone()].map(leaf);
      let h = batchNormAct(linear(x, p[0]!), null, null, null, null, true, 0.1, 1e-5, true);
      if (cut) h = h.mul(1);
      let h2 = batchNormAct(linear(h, p[1]!), null, null, null, null, true, 0.1, 1e-5, true);
      if (cut) h2 = h2.mul(1);
      globalAddPool(h, batch, 5)
        .sum()
        .add(globalAddPool(h2, batch, 5).square().sum())
        .backward();
      return p.map((t) => Array.from(t.grad!.data));
    };
    expect(grads(false)).toEqual(grads(true));
  });

  it("convolutions' input gradients and reshape views are the pass's own: a G-CNN block's gradients are unchanged", () => {
    // conv → reshape [N, C, L] → BN+ReLU (overwrites an owned g) → reshape → pool-like depthwise conv →
    // conv, with a second use of the first activation (its gradient is summed in place)
    const gen = new Generator(8);
    const x = randn([2, 3, 9, 9], { generator: gen });
    const w1 = randn([8, 3, 3, 3], { generator: gen });
    const wd = randn([8, 1, 3, 3], { generator: gen });
    const w2 = randn([4, 8, 5, 5], { generator: gen });
    const grads = (cut: boolean) => {
      const p = [w1.clone(), wd.clone(), w2.clone()].map(leaf);
      let h = conv2d(x, p[0]!, null, { padding: 1 });
      if (cut) h = h.mul(1);
      let r = h.reshape([2, 4, 162]);
      if (cut) r = r.mul(1);
      let a = batchNormAct(r, null, null, null, null, true, 0.1, 1e-5, true).reshape([2, 8, 9, 9]);
      if (cut) a = a.mul(1);
      const d = conv2d(a, p[1]!, null, { padding: 1, stride: 2, groups: 8 });
      const out = conv2d(d, p[2]!, null, { padding: 2 }).square().sum().add(h.sum());
      out.backward();
      return p.map((t) => Array.from(t.grad!.data));
    };
    expect(grads(false)).toEqual(grads(true));
  });

  it("a backward function that keeps its gradient (no releasesGrad) keeps it intact", () => {
    // x → lin1 → stash → lin2 → lin3: lin2's dx reaches stash owned; lin1's dx then reuses lin3's
    // dx (released by lin2); stash's gradient must not be handed out again
    const gen = new Generator(2);
    const x = leaf(randn([64, 64], { generator: gen }));
    const ws = [0, 1, 2].map(() => leaf(randn([64, 64], { generator: gen })));
    let kept: Tensor | null = null;
    let snapshot: number[] = [];
    const stash = (t: Tensor) =>
      record("stash", [t], new Tensor(t.data.slice(), t.shape, t.dtype), (g) => {
        kept = g;
        snapshot = Array.from(g.data);
        return [g.mul(2)];
      });
    linear(linear(stash(linear(x, ws[0]!)), ws[1]!), ws[2]!)
      .sum()
      .backward();
    expect(kept).not.toBeNull();
    expect(Array.from(kept!.data)).toEqual(snapshot);
  });
  it("the caller's output gradient, reaching an input twice, is never reused", () => {
    const gen = new Generator(6);
    const a = leaf(randn([64, 64], { generator: gen }));
    const w = leaf(randn([64, 64], { generator: gen }));
    const x = linear(a, w);
    const G = randn([64, 64], { generator: gen });
    const before = Array.from(G.data);
    // add's backward hands G to x twice: the sum is new, G stays the caller's
    x.add(x).backward(G);
    expect(Array.from(G.data)).toEqual(before);
  });
});

describe("withReusePool / recycleArray", () => {
  it("hands a recycled array out again for the same dtype and length, inside the scope only", () => {
    const a = allocateEmpty("float32", 5000) as Float32Array;
    recycleArray(a); // no scope open: ignored
    expect(allocateEmpty("float32", 5000)).not.toBe(a);
    withReusePool(() => {
      const b = allocateEmpty("float32", 5000) as Float32Array;
      recycleArray(b);
      expect(allocateEmpty("float64", 5000)).not.toBe(b);
      expect(allocateEmpty("float32", 4999)).not.toBe(b);
      expect(allocateEmpty("float32", 5000)).toBe(b);
      expect(allocateEmpty("float32", 5000)).not.toBe(b);
      // small arrays (zero-filled by allocateEmpty) and views into larger buffers are not taken
      const small = allocateEmpty("float32", 100) as Float32Array;
      small.fill(3);
      recycleArray(small);
      expect(Array.from(allocateEmpty("float32", 100))).toEqual(new Array(100).fill(0));
      const view = (allocateEmpty("float32", 10000) as Float32Array).subarray(0, 5000);
      recycleArray(view);
      expect(allocateEmpty("float32", 5000)).not.toBe(view);
      recycleArray(allocateEmpty("float32", 6000) as Float32Array);
    });
    // the scope's pool is gone
    const c = allocateEmpty("float32", 6000);
    withReusePool(() => expect(allocateEmpty("float32", 6000)).not.toBe(c));
  });
});
