import { describe, expect, it } from "vitest";
import { arange, randn, tensor, zeros } from "../src/tensor/creation.js";
import { gradcheck } from "../src/tensor/gradcheck.js";
import { indexSelect } from "../src/tensor/ops/indexing.js";
import { bmm, dot, einsum, gatheredMatmul, matmul, mm, outer } from "../src/tensor/ops/linalg.js";
import { concat, permute } from "../src/tensor/ops/shape.js";
import { manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";

/** Naive reference: out[..., i, j] = sum_k a[..., i, k] b[..., k, j] on equal batch shapes. */
function refMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

function close(a: Tensor, b: number[] | Tensor, tol = 1e-5): void {
  const x = a.toFlatArray();
  const y = Array.isArray(b) ? b : b.toFlatArray();
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i]!)));
}

const d = (shape: number[]) => randn(shape, { dtype: "float64" }).requiresGrad_();

describe("matmul", () => {
  it("2-D known values", () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2]);
    expect(c.toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(a.matmul(b).toArray()).toEqual(c.toArray());
    expect(mm(a, b).toArray()).toEqual(c.toArray());
  });

  it("1-D cases follow torch.matmul", () => {
    const v = tensor([1, 2, 3]);
    const m = tensor([
      [1, 0, 2],
      [0, 1, 1],
    ]);
    const dv = matmul(v, v);
    expect(dv.shape).toEqual([]);
    expect(dv.item()).toBe(14);
    expect(matmul(m, v).toArray()).toEqual([7, 5]);
    expect(matmul(tensor([1, 1]), m).toArray()).toEqual([1, 1, 3]);
    const batched = randn([4, 3, 5]);
    expect(matmul(tensor([1, 2, 3]), batched).shape).toEqual([4, 5]);
    expect(matmul(batched.reshape(4, 5, 3), v).shape).toEqual([4, 5]);
    expect(dot(v, v).item()).toBe(14);
    expect(outer(tensor([1, 2]), tensor([3, 4, 5])).toArray()).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
  });

  it("batched with broadcasting of batch axes matches per-batch products", () => {
    manualSeed(1);
    const a = randn([2, 1, 3, 4]);
    const b = randn([5, 4, 2]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    const A = a.toArray() as number[][][][];
    const B = b.toArray() as number[][][];
    const C = c.toArray() as number[][][][];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 5; j++) close(tensor(C[i]![j]!), tensor(refMatmul(A[i]![0]!, B[j]!)).toFlatArray());
    const x = randn([3, 2, 4]);
    const y = randn([3, 4, 6]);
    expect(bmm(x, y).shape).toEqual([3, 2, 6]);
  });

  it("int operands give int32; mixed floats promote", () => {
    const a = tensor([[1, 2]], { dtype: "int32" });
    const b = tensor([[3], [4]], { dtype: "int32" });
    const c = matmul(a, b);
    expect(c.dtype).toBe("int32");
    expect(c.toArray()).toEqual([[11]]);
    expect(matmul(a.double(), b.float()).dtype).toBe("float64");
  });

  it("errors name the op, the argument and the shapes", () => {
    expect(() => matmul(randn([2, 3]), randn([4, 5]))).toThrow(
      /matmul: argument 'b' expected shape \[3, \*\].*got \[4, 5\]/,
    );
    expect(() => matmul(randn([2, 2, 3]), randn([3, 3, 5]))).toThrow(
      /matmul: argument 'b' expected batch axes broadcastable with \[2\].*got \[3, 3, 5\]/,
    );
    expect(() => matmul(randn([3]), randn([4]))).toThrow(/matmul: argument 'b'/);
    expect(() => mm(randn([2, 3, 1]), randn([3, 1]))).toThrow(/mm: argument 'a' expected a 2-D tensor/);
    expect(() => bmm(randn([2, 3, 4]), randn([3, 4, 1]))).toThrow(/bmm: argument 'b'/);
    expect(() => dot(randn([3]), randn([2]))).toThrow(/dot: argument 'b'/);
    expect(() => matmul(tensor([true]), tensor([true]))).toThrow(/matmul: argument 'a'.*bool/);
  });

  it("gradcheck: 2-D, 1-D forms, batched with broadcasting", () => {
    manualSeed(2);
    expect(gradcheck(matmul, [d([3, 4]), d([4, 2])]).ok).toBe(true);
    expect(gradcheck(matmul, [d([4]), d([4])]).ok).toBe(true);
    expect(gradcheck(matmul, [d([3, 4]), d([4])]).ok).toBe(true);
    expect(gradcheck(matmul, [d([4]), d([2, 4, 3])]).ok).toBe(true);
    expect(gradcheck(matmul, [d([2, 1, 3, 4]), d([3, 4, 2])]).ok).toBe(true);
    expect(gradcheck(matmul, [d([3, 4]), d([2, 4, 5])]).ok).toBe(true);
    expect(gradcheck(bmm, [d([2, 3, 4]), d([2, 4, 2])]).ok).toBe(true);
    expect(gradcheck(outer, [d([3]), d([2])]).ok).toBe(true);
    expect(gradcheck(dot, [d([3]), d([3])]).ok).toBe(true);
  });

  it("gradient only to the input that requires it", () => {
    const a = randn([2, 3], { dtype: "float64" }).requiresGrad_();
    const b = randn([3, 2], { dtype: "float64" });
    matmul(a, b).backward(
      tensor(
        [
          [1, 1],
          [1, 1],
        ],
        { dtype: "float64" },
      ),
    );
    expect(a.grad?.shape).toEqual([2, 3]);
    expect(b.grad).toBeNull();
  });
});

describe("einsum", () => {
  manualSeed(3);
  const cases: [string, number[][]][] = [
    [
      "ij,jk->ik",
      [
        [3, 4],
        [4, 2],
      ],
    ],
    [
      "bij,bjk->bik",
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
    ],
    ["i,i->", [[5], [5]]],
    ["ij->ji", [[3, 4]]],
    ["ij,j->i", [[3, 4], [4]]],
    [
      "bi,bj->bij",
      [
        [2, 3],
        [2, 4],
      ],
    ],
    [
      "ijk,ik->ij",
      [
        [2, 3, 4],
        [2, 4],
      ],
    ],
    [
      "uvw,zu,zv->zw",
      [
        [2, 3, 4],
        [5, 2],
        [5, 3],
      ],
    ],
    ["ii->i", [[3, 3]]],
    ["ii", [[3, 3]]],
    ["ij->", [[3, 4]]],
    ["ij", [[3, 4]]],
    ["ji", [[3, 4]]],
    [
      "ij,jk",
      [
        [2, 3],
        [3, 4],
      ],
    ],
    [
      "...ij,...jk->...ik",
      [
        [2, 2, 3],
        [3, 4],
      ],
    ],
    ["i,j,k->ijk", [[2], [3], [4]]],
    [
      "ij,ij->ij",
      [
        [2, 3],
        [2, 3],
      ],
    ],
    ["iij,j->i", [[3, 3, 2], [2]]],
    [
      "ab,cd->",
      [
        [2, 3],
        [4, 2],
      ],
    ],
    [
      "ij,ij,ij->i",
      [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
    ],
    [
      "ab,ba->",
      [
        [2, 3],
        [3, 2],
      ],
    ],
    ["i...j->...", [[2, 3, 4, 2]]],
    [
      "bhqd,bhkd->bhqk",
      [
        [2, 2, 3, 4],
        [2, 2, 5, 4],
      ],
    ],
    [
      "ijk,jil->kl",
      [
        [2, 3, 4],
        [3, 2, 2],
      ],
    ],
  ];

  it("matches explicit sums on known cases", () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([
      [5, 6],
      [7, 8],
    ]);
    expect(einsum("ij,jk->ik", a, b).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(einsum("ii->i", a).toArray()).toEqual([1, 4]);
    expect(einsum("ii", a).item()).toBe(5);
    expect(einsum("ij->ji", a).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(einsum("ij,ij->", a, b).item()).toBe(70);
    expect(einsum("ij->j", a).toArray()).toEqual([4, 6]);
    expect(einsum("i,j->ij", tensor([1, 2]), tensor([3, 4, 5])).toArray()).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
    expect(einsum("ij,jk->ik", [a, b]).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  it("3-operand and batched forms match matmul compositions", () => {
    const x = randn([2, 3, 4]);
    const z = randn([5, 2]);
    const w = randn([5, 3]);
    const r = einsum("uvw,zu,zv->zw", x, z, w);
    expect(r.shape).toEqual([5, 4]);
    // reference: r[z,w] = sum_{u,v} x[u,v,w] z[z,u] w[z,v]
    const X = x.toArray() as number[][][];
    const Z = z.toArray() as number[][];
    const W = w.toArray() as number[][];
    const ref: number[] = [];
    for (let zz = 0; zz < 5; zz++)
      for (let ww = 0; ww < 4; ww++) {
        let s = 0;
        for (let u = 0; u < 2; u++) for (let v = 0; v < 3; v++) s += X[u]![v]![ww]! * Z[zz]![u]! * W[zz]![v]!;
        ref.push(s);
      }
    close(r, ref);
    const p = randn([3, 2, 4]);
    const q = randn([3, 4, 5]);
    close(einsum("bij,bjk->bik", p, q), matmul(p, q));
    close(einsum("...ij,...jk->...ik", p, q), matmul(p, q));
    close(einsum("bij,bjk->kib", p, q), permute(matmul(p, q), [2, 1, 0]));
  });

  it("broadcasts size-1 axes and ellipses", () => {
    const a = randn([1, 3]);
    const b = randn([4, 3]);
    expect(einsum("ij,ij->ij", a, b).shape).toEqual([4, 3]);
    expect(einsum("...i,...i->...", randn([2, 1, 3]), randn([5, 3])).shape).toEqual([2, 5]);
  });

  it("empty axes", () => {
    expect(matmul(randn([0, 3]), randn([3, 2])).shape).toEqual([0, 2]);
    expect(matmul(randn([2, 0]), randn([0, 2])).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(einsum("ij,jk->ik", randn([2, 0]), randn([0, 3])).shape).toEqual([2, 3]);
  });

  it("int operands give int32", () => {
    const a = arange(6).reshape(2, 3);
    const r = einsum("ij->i", a);
    expect(r.dtype).toBe("int32");
    expect(r.toArray()).toEqual([3, 12]);
  });

  it("errors name einsum and the argument", () => {
    expect(() => einsum("ij,jk->ik", randn([2, 3]), randn([4, 5]))).toThrow(
      /einsum: argument 'operands\[1\]' expected size 3 for subscript 'j'/,
    );
    expect(() => einsum("ij,jk->ik", randn([2, 3]))).toThrow(/einsum: argument 'operands' expected 2 operand/);
    expect(() => einsum("ijk->i", randn([2, 3]))).toThrow(/einsum: argument 'operands\[0\]' expected 3 axes/);
    expect(() => einsum("ij->ii", randn([2, 2]))).toThrow(/einsum: argument 'equation'/);
    expect(() => einsum("ij->k", randn([2, 2]))).toThrow(/einsum: argument 'equation'/);
    expect(() => einsum("i1->i", randn([2, 2]))).toThrow(/einsum: argument 'equation'/);
  });

  /** Brute-force einsum over explicit letter subscripts (no ellipsis). */
  function bruteEinsum(eq: string, xs: Tensor[]): number[] {
    const [lhs, rhs0] = eq.split("->");
    const terms = lhs!.split(",");
    const count = new Map<string, number>();
    for (const t of terms) for (const c of t) count.set(c, (count.get(c) ?? 0) + 1);
    const rhs =
      rhs0 ??
      [...count.keys()]
        .filter((c) => count.get(c) === 1)
        .sort()
        .join("");
    const size = new Map<string, number>();
    terms.forEach((t, k) => {
      [...t].forEach((c, p) => {
        size.set(c, xs[k]!.shape[p]!);
      });
    });
    const labels = [...size.keys()];
    const outShape = [...rhs].map((c) => size.get(c)!);
    const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
    const val = new Map<string, number>();
    const offset = (sub: string, shape: readonly number[]) =>
      [...sub].reduce((o, c, p) => o * shape[p]! + val.get(c)!, 0);
    const rec = (i: number): void => {
      if (i === labels.length) {
        let prod = 1;
        terms.forEach((t, k) => {
          prod *= xs[k]!.data[offset(t, xs[k]!.shape)]!;
        });
        out[offset(rhs, outShape)]! += prod;
        return;
      }
      for (let v = 0; v < size.get(labels[i]!)!; v++) {
        val.set(labels[i]!, v);
        rec(i + 1);
      }
    };
    rec(0);
    return out;
  }

  it("forward matches a brute-force evaluation on every case", () => {
    for (const [eq, shapes] of cases) {
      if (eq.includes("...")) continue;
      const xs = shapes.map((sh) => randn(sh, { dtype: "float64" }));
      close(einsum(eq, ...xs), bruteEinsum(eq, xs), 1e-10);
    }
  });

  for (const [eq, shapes] of cases) {
    it(`gradcheck '${eq}'`, () => {
      const inputs = shapes.map((s) => d(s));
      const fn = (...xs: Tensor[]) => einsum(eq, ...xs);
      expect(gradcheck(fn, inputs).ok).toBe(true);
    });
  }
});

describe("gatheredMatmul", () => {
  const idx = (v: number[]) => tensor(v, { dtype: "int32" });
  const indices = () => [idx([0, 3]), idx([1, 3, 4]), idx([2, 2]), idx([])];
  const mats = (dtype: "float32" | "float64") => indices().map((i) => randn([i.size, 6], { dtype }));

  /** The composition it fuses: stack over u of a[:, idx_u] · mats[u] (empty parts give zeros). */
  const composed = (a: Tensor, ix: Tensor[], ms: Tensor[]): Tensor =>
    concat(
      ix.map((i, u) =>
        i.size === 0
          ? zeros([1, a.shape[0]!, ms[u]!.shape[1]!], { dtype: a.dtype })
          : matmul(indexSelect(a, 1, i), ms[u]!).unsqueeze(0),
      ),
      0,
    );

  it("equals indexSelect + matmul + stack, forward and gradient, with the same bits in float32", () => {
    manualSeed(3);
    const ms = mats("float32");
    const a1 = randn([70, 5]).requiresGrad_();
    const a2 = new Tensor(a1.data.slice(), a1.shape, "float32").requiresGrad_();
    const y1 = gatheredMatmul(a1, indices(), ms);
    const y2 = composed(a2, indices(), ms);
    expect(y1.shape).toEqual([4, 70, 6]);
    expect(Array.from(y1.data)).toEqual(Array.from(y2.data));
    const w = randn([4, 70, 6]);
    y1.mul(w).sum().backward();
    y2.mul(w).sum().backward();
    expect(Array.from(a1.grad!.data)).toEqual(Array.from(a2.grad!.data));
  });

  it("passes a float64 gradcheck", () => {
    manualSeed(4);
    const ms = mats("float64");
    expect(gradcheck((a) => gatheredMatmul(a, indices(), ms), [d([7, 5])]).ok).toBe(true);
  });

  it("names the argument on bad input", () => {
    const a = randn([3, 5]);
    expect(() => gatheredMatmul(a, [idx([5])], [randn([1, 2])])).toThrow(
      "gatheredMatmul: argument 'indices[0]' expected values in [0, 5) (the columns of 'a' [3, 5]), got 5 at position 0",
    );
    expect(() => gatheredMatmul(a, [idx([0, 1])], [randn([3, 2])])).toThrow(
      "gatheredMatmul: argument 'mats[0]' expected shape [2, 2], got [3, 2]",
    );
    expect(() => gatheredMatmul(a, [idx([0])], [randn([1, 2], { dtype: "float64" })])).toThrow(
      "gatheredMatmul: argument 'mats[0]' expected dtype float32 (the dtype of 'a'), got float64",
    );
    expect(() => gatheredMatmul(a, [idx([0])], [])).toThrow("gatheredMatmul: argument 'mats'");
  });
});
