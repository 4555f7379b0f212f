import { describe, expect, it } from "vitest";
import {
  type DType,
  Generator,
  gather,
  indexSelect,
  logSoftmax,
  noGrad,
  type OutOption,
  randn,
  SparseMatrix,
  scatter,
  scatterAdd,
  scatterSoftmax,
  softmax,
  spmm,
  Tensor,
  tensor,
  zeros,
} from "../src/tensor/index.js";

const i32 = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

/** Random int32 indices in [0, hi). */
function randIndex(gen: Generator, n: number, hi: number): Tensor {
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(Math.floor(gen.uniform() * hi));
  return i32(v);
}

/** A tensor of `like`'s shape and dtype holding NaN (stale contents every op must overwrite). */
function staleLike(like: Tensor): Tensor {
  const t = zeros(like.shape, { dtype: like.dtype });
  t.data.fill(Number.NaN);
  return t;
}

interface OutCase {
  name: string;
  /** The op without `out`, and with it. */
  run: (opts?: OutOption) => Tensor;
}

/** Every op with an `out` option, on sizes that reach the WASM kernels (float32) and in float64. */
function cases(dtype: DType): OutCase[] {
  const gen = new Generator(3);
  const N = 300;
  const E = 1200;
  const F = 16;
  const x = randn([N, F], { generator: gen, dtype });
  const msg = randn([E, F], { generator: gen, dtype });
  const s = randn([E, 8], { generator: gen, dtype });
  const s3 = randn([6, 5, 7], { generator: gen, dtype });
  const xv = randn([N], { generator: gen, dtype });
  const src = randIndex(gen, E, N);
  const dst = randIndex(gen, E, N);
  const A = SparseMatrix.fromEdgeIndex(tensor([[...src.data], [...dst.data]], { dtype: "int32" }), {
    values: randn([E], { generator: gen, dtype }),
    shape: [N, N],
  });
  const g2 = randIndex(gen, E * 2, N);
  const base = randn([N, 2], { generator: gen, dtype });
  const src2 = randn([E, 2], { generator: gen, dtype });
  const idx2 = tensor(
    Array.from({ length: E }, (_, i) => [g2.data[2 * i]!, g2.data[2 * i + 1]!]),
    { dtype: "int32" },
  );
  return [
    { name: "indexSelect", run: (o) => indexSelect(x, 0, src, o) },
    { name: "indexSelect axis 1", run: (o) => indexSelect(s3, 1, i32([4, 0, 0, 2]), o) },
    { name: "gather", run: (o) => gather(base, 0, idx2, o) },
    { name: "scatter sum", run: (o) => scatter(msg, dst, 0, N, "sum", o) },
    { name: "scatter add axis 1", run: (o) => scatter(s3, i32([1, 0, 1, 2, 1]), 1, 4, "add", o) },
    { name: "scatter mean", run: (o) => scatter(msg, dst, 0, N, "mean", o) },
    { name: "scatter max", run: (o) => scatter(msg, dst, 0, N, "max", o) },
    { name: "scatterAdd", run: (o) => scatterAdd(base, 0, idx2, src2, o) },
    { name: "softmax rows", run: (o) => softmax(s, -1, o) },
    { name: "softmax axis 1 of 3", run: (o) => softmax(s3, 1, o) },
    { name: "logSoftmax rows", run: (o) => logSoftmax(s, -1, o) },
    { name: "logSoftmax axis 0", run: (o) => logSoftmax(s, 0, o) },
    { name: "scatterSoftmax", run: (o) => scatterSoftmax(s, dst, N, 0, o) },
    { name: "spmm", run: (o) => spmm(A, x, o) },
    { name: "spmm 1-D", run: (o) => spmm(A, xv, o) },
  ];
}

describe("out option (PyTorch's out=)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`writes the same bits as the op without out, into out, and returns it (${dtype})`, () => {
      for (const c of cases(dtype)) {
        const want = c.run();
        const out = staleLike(want);
        const v0 = out.version;
        const got = c.run({ out });
        expect(got, c.name).toBe(out);
        expect(got.shape, c.name).toEqual(want.shape);
        expect(Array.from(got.data), c.name).toEqual(Array.from(want.data));
        expect(out.version, c.name).toBe(v0 + 1);
        expect(out.requiresGrad, c.name).toBe(false);
        // a second call into the same tensor (now holding a result) gives the same again
        c.run({ out });
        expect(Array.from(out.data), c.name).toEqual(Array.from(want.data));
        expect(out.version, c.name).toBe(v0 + 2);
      }
    });
  }

  it("takes int32 data where the op does (indexSelect, scatter)", () => {
    const a = i32([5, 6, 7, 8]);
    const out = zeros([3], { dtype: "int32" });
    expect(indexSelect(a, 0, i32([3, 0, 3]), { out }).toFlatArray()).toEqual([8, 5, 8]);
    const sum = zeros([2], { dtype: "int32" });
    expect(scatter(a, i32([1, 0, 1, 1]), 0, 2, "sum", { out: sum }).toFlatArray()).toEqual([6, 20]);
  });

  it("is a method option too, and null means none", () => {
    const x = randn([5, 3]);
    const out = zeros([2, 3]);
    expect(x.indexSelect(0, i32([4, 1]), { out })).toBe(out);
    expect(x.softmax(-1, { out: null })).not.toBe(out);
  });

  it("refuses a wrong shape or dtype, naming op, argument, expected and actual", () => {
    const x = randn([10, 4]);
    const idx = i32([1, 2, 3]);
    expect(() => indexSelect(x, 0, idx, { out: zeros([4, 3]) })).toThrow(
      "indexSelect: argument 'out' expected shape [3, 4] (the result's), got [4, 3]",
    );
    expect(() => indexSelect(x, 0, idx, { out: zeros([3, 4], { dtype: "float64" }) })).toThrow(
      "indexSelect: argument 'out' expected dtype float32 (the result's), got float64",
    );
    expect(() => softmax(x, -1, { out: zeros([40]) })).toThrow("softmax: argument 'out' expected shape [10, 4]");
    expect(() => scatter(x, i32([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]), 0, 2, "sum", { out: zeros([3, 4]) })).toThrow(
      "scatter: argument 'out' expected shape [2, 4]",
    );
    expect(() => indexSelect(x, 0, idx, { out: [1, 2] as unknown as Tensor })).toThrow(
      "indexSelect: argument 'out' expected a Tensor, got object",
    );
  });

  it("refuses out when autograd would record the op, and allows it under noGrad", () => {
    const x = randn([10, 4]).requiresGrad_();
    const idx = i32([1, 2, 3]);
    const msg =
      "indexSelect: argument 'out' expected inputs that do not require grad: out= arguments don't support automatic differentiation";
    expect(() => indexSelect(x, 0, idx, { out: zeros([3, 4]) })).toThrow(msg);
    expect(() => softmax(x, -1, { out: zeros([10, 4]) })).toThrow("'a' with requiresGrad = true");
    const A = SparseMatrix.fromEdgeIndex(i32([0, 1, 1, 0], [2, 2]), { values: randn([2]).requiresGrad_() });
    expect(() => spmm(A, randn([2, 3]), { out: zeros([2, 3]) })).toThrow("'values' with requiresGrad = true");
    expect(() => indexSelect(randn([10, 4]), 0, idx, { out: zeros([3, 4]).requiresGrad_() })).toThrow(
      "indexSelect: argument 'out' expected a tensor that does not require grad",
    );
    const out = zeros([3, 4]);
    expect(noGrad(() => indexSelect(x, 0, idx, { out }))).toBe(out);
    expect(out.toFlatArray()).toEqual(Array.from(x.data.subarray(4, 16)));
  });

  it("refuses out sharing memory with an input (the input itself, a view, an overlapping slice)", () => {
    const x = randn([6, 4]);
    expect(() => softmax(x, -1, { out: x })).toThrow(
      "softmax: argument 'out' expected memory not shared with any input, got storage overlapping 'a'",
    );
    expect(() => softmax(x, -1, { out: x.reshape([6, 4]) })).toThrow("storage overlapping 'a'");
    const big = new Float32Array(48);
    big.set(randn([48]).data);
    const a = new Tensor(big.subarray(0, 24), [6, 4]);
    const b = new Tensor(big.subarray(20, 44), [6, 4]);
    const c = new Tensor(big.subarray(24, 48), [6, 4]);
    expect(() => softmax(a, -1, { out: b })).toThrow("storage overlapping 'a'");
    // adjacent, not overlapping: allowed
    expect(softmax(a, -1, { out: c })).toBe(c);
    const idx = i32([0, 1, 2]);
    const ints = i32([1, 2, 3, 4]);
    expect(() => indexSelect(ints, 0, idx, { out: idx })).toThrow("storage overlapping 'index'");
    const msg = randn([3, 2]);
    expect(() => scatter(msg, i32([0, 1, 0]), 0, 3, "sum", { out: msg })).toThrow("storage overlapping 'src'");
  });
});
