import { describe, expect, it } from "vitest";
import {
  gradcheck,
  randn,
  scatter,
  scatterLogsumexp,
  scatterSoftmax,
  segment,
  tensor,
  zeros,
} from "../src/tensor/index.js";

const i32 = (v: number[], shape?: number[]) => tensor(v, { dtype: "int32", shape });

// A small directed graph: 4 nodes, 5 edges (src -> dst); node 3 receives nothing.
const dst = i32([1, 0, 1, 2, 1]);
const msg = tensor([
  [1, -1],
  [2, 5],
  [3, 0],
  [4, 4],
  [-6, 2],
]);

const close = (a: number[], b: number[], tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
};

describe("scatter", () => {
  it("sum / mean / max / min / mul on a hand-made graph", () => {
    expect(scatter(msg, dst, 0, 4, "sum").toArray()).toEqual([
      [2, 5],
      [-2, 1],
      [4, 4],
      [0, 0],
    ]);
    close(scatter(msg, dst, 0, 4, "mean").toFlatArray(), [2, 5, -2 / 3, 1 / 3, 4, 4, 0, 0]);
    expect(scatter(msg, dst, 0, 4, "max").toArray()).toEqual([
      [2, 5],
      [3, 2],
      [4, 4],
      [0, 0],
    ]);
    expect(scatter(msg, dst, 0, 4, "min").toArray()).toEqual([
      [2, 5],
      [-6, -1],
      [4, 4],
      [0, 0],
    ]);
    expect(scatter(msg, dst, 0, 4, "mul").toArray()).toEqual([
      [2, 5],
      [-18, 0],
      [4, 4],
      [0, 0],
    ]);
    // dimSize defaults to max(index) + 1
    expect(scatter(msg, dst).shape).toEqual([3, 2]);
    expect(msg.scatter(dst, 0, 4, "add").shape).toEqual([4, 2]);
  });

  it("works along other axes (node_dim = -2) and for int32", () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { shape: [2, 3, 2] });
    const out = scatter(x, i32([1, 0, 1]), -2, 2, "sum");
    expect(out.toArray()).toEqual([
      [
        [3, 4],
        [6, 8],
      ],
      [
        [9, 10],
        [18, 20],
      ],
    ]);
    const last = scatter(tensor([[1, 2, 3]]), i32([0, 0, 1]), 1, 2, "max");
    expect(last.toArray()).toEqual([[2, 3]]);
    const ints = scatter(tensor([1, 2, 3], { dtype: "int32" }), i32([0, 0, 1]), 0, 3, "mean");
    expect(ints.dtype).toBe("int32");
    expect(ints.toFlatArray()).toEqual([1, 3, 0]);
  });

  it("rejects bad indices and arguments", () => {
    expect(() => scatter(msg, i32([1, 0, 1, 4, 1]), 0, 4)).toThrow(
      /scatter: argument 'index' expected values in \[0, 4\), got 4 at position 3/,
    );
    expect(() => scatter(msg, i32([0, 1]), 0, 4)).toThrow(
      /scatter: argument 'index' expected a 1-D tensor of length 5/,
    );
    expect(() => scatter(msg, tensor([0, 1, 0, 1, 0]), 0, 4)).toThrow(/expected dtype int32, got float32/);
    expect(() => scatter(msg, dst, 0, 4, "median" as "sum")).toThrow(/scatter: argument 'reduce'/);
    expect(() => scatter(msg, dst, 0, -1)).toThrow(/scatter: argument 'dimSize'/);
  });

  it("gradcheck every reduction, including empty groups and zeros for mul", () => {
    const x = randn([6, 3]).double().requiresGrad_();
    const idx = i32([0, 2, 0, 2, 2, 1]);
    for (const reduce of ["sum", "mean", "max", "min", "mul"] as const) {
      gradcheck((t) => scatter(t, idx, 0, 4, reduce), [x]);
    }
    const y = randn([2, 5, 3]).double().requiresGrad_();
    for (const reduce of ["sum", "mean", "max", "min", "mul"] as const) {
      gradcheck((t) => scatter(t, i32([1, 0, 1, 1, 3]), 1, 4, reduce), [y]);
    }
    // mul with one zero and with two zeros in a group
    const z = tensor([0, 2, 3, 0, 0, 5], { dtype: "float64" }).requiresGrad_();
    gradcheck((t) => scatter(t, i32([0, 0, 0, 1, 1, 2]), 0, 3, "mul"), [z]);
    const out = scatter(z, i32([0, 0, 0, 1, 1, 2]), 0, 3, "mul");
    out.backward(tensor([1, 1, 1], { dtype: "float64" }));
    expect(z.grad!.toFlatArray()).toEqual([6, 0, 0, 0, 0, 1]);
  });
});

describe("segment", () => {
  const src = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
    [7, -8],
  ]);
  const ptr = i32([0, 2, 2, 4]);

  it("sum / mean / max / min over CSR pointers", () => {
    expect(segment(src, ptr, "sum").toArray()).toEqual([
      [4, 6],
      [0, 0],
      [12, -2],
    ]);
    expect(segment(src, ptr, "mean").toArray()).toEqual([
      [2, 3],
      [0, 0],
      [6, -1],
    ]);
    expect(src.segment(ptr, "max").toArray()).toEqual([
      [3, 4],
      [0, 0],
      [7, 6],
    ]);
    expect(segment(src, ptr, "min").toArray()).toEqual([
      [1, 2],
      [0, 0],
      [5, -8],
    ]);
  });

  it("handles empty inputs", () => {
    expect(segment(zeros([0, 3]), i32([0, 0, 0])).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(scatter(zeros([0, 2]), i32([]), 0, 2, "max").toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("validates ptr", () => {
    expect(() => segment(src, i32([1, 2, 4]))).toThrow(
      /segment: argument 'ptr' expected to start at 0, got 1 at position 0/,
    );
    expect(() => segment(src, i32([0, 3, 2, 4]))).toThrow(
      /segment: argument 'ptr' expected non-decreasing values, got 2 after 3 at position 2/,
    );
    expect(() => segment(src, i32([0, 2, 3]))).toThrow(
      /segment: argument 'ptr' expected to end at 4 \(the number of rows\), got 3/,
    );
    expect(() => segment(src, tensor([0, 4]))).toThrow(/segment: argument 'ptr' expected dtype int32/);
  });

  it("gradcheck", () => {
    const x = randn([4, 3]).double().requiresGrad_();
    for (const reduce of ["sum", "mean", "max", "min"] as const) gradcheck((t) => segment(t, ptr, reduce), [x]);
  });
});

describe("scatterSoftmax / scatterLogsumexp", () => {
  it("normalises within groups, stable for large inputs", () => {
    const s = tensor([1000, 1001, 5, 1000]);
    const out = scatterSoftmax(s, i32([0, 0, 1, 0]), 3);
    const e = Math.exp(1);
    close(out.toFlatArray(), [1 / (2 + e), e / (2 + e), 1, 1 / (2 + e)]);
    const lse = scatterLogsumexp(tensor([1, 2, 3], { dtype: "float64" }), i32([0, 0, 1]), 3);
    close(lse.toFlatArray(), [Math.log(Math.exp(1) + Math.exp(2)), 3, 0], 1e-12);
  });

  it("matches a dense softmax per group (2-D, axis 0)", () => {
    const x = randn([5, 2]);
    const idx = i32([0, 1, 0, 1, 1]);
    const out = scatterSoftmax(x, idx);
    const sums = scatter(out, idx, 0, 2, "sum");
    close(sums.toFlatArray(), [1, 1, 1, 1], 1e-6);
  });

  it("gradcheck", () => {
    const x = randn([6, 2]).double().requiresGrad_();
    const idx = i32([0, 2, 0, 2, 2, 0]);
    gradcheck((t) => scatterSoftmax(t, idx, 4), [x]);
    gradcheck((t) => scatterLogsumexp(t, idx, 4), [x]);
    const y = randn([2, 4]).double().requiresGrad_();
    gradcheck((t) => scatterSoftmax(t, i32([1, 1, 0, 1]), 2, 1), [y]);
  });

  it("rejects integer src", () => {
    expect(() => scatterSoftmax(zeros([2], { dtype: "int32" }), i32([0, 0]))).toThrow(
      /scatterSoftmax: argument 'src' expected dtype float32 or float64/,
    );
  });
});
