import { describe, expect, it } from "vitest";
import {
  abs,
  add,
  clamp,
  cos,
  div,
  elu,
  eq,
  exp,
  Generator,
  ge,
  gelu,
  gradcheck,
  gt,
  isFinite as isFiniteT,
  isNan,
  le,
  leakyRelu,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  randn,
  reciprocal,
  relu,
  rsqrt,
  scalar,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  sqrt,
  square,
  sub,
  type Tensor,
  tanh,
  tensor,
  uniform,
  where,
} from "../src/index.js";

function close(t: Tensor, expected: number[], tol = 1e-6): void {
  const got = t.toFlatArray();
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(expected[i]!)) expect(got[i]).toBeNaN();
    else expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

const gen = () => new Generator(42);
/** float64 leaf with values in [lo, hi). */
const u = (shape: number[], lo = -2, hi = 2, seed = 1) =>
  uniform(shape, lo, hi, { dtype: "float64", generator: new Generator(seed) }).requiresGrad_();

describe("binary arithmetic", () => {
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor([10, 20, 30]);

  it("computes values with broadcasting", () => {
    expect(add(a, b).toArray()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(sub(a, b).toArray()).toEqual([
      [-9, -18, -27],
      [-6, -15, -24],
    ]);
    expect(mul(a, tensor([[2], [3]])).toArray()).toEqual([
      [2, 4, 6],
      [12, 15, 18],
    ]);
    close(div(a, 4), [0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    expect(pow(a, 2).toFlatArray()).toEqual([1, 4, 9, 16, 25, 36]);
    expect(pow(2, tensor([0, 1, 3])).toFlatArray()).toEqual([1, 2, 8]);
    expect(maximum(a, 3.5).toFlatArray()).toEqual([3.5, 3.5, 3.5, 4, 5, 6]);
    expect(minimum(a, tensor([[2], [5]])).toFlatArray()).toEqual([1, 2, 2, 4, 5, 5]);
    expect(sub(1, a).toFlatArray()).toEqual([0, -1, -2, -3, -4, -5]);
  });

  it("broadcasts [3,1] with [1,4] to [3,4] and scalars", () => {
    const x = tensor([[1], [2], [3]]);
    const y = tensor([[10, 20, 30, 40]]);
    const z = add(x, y);
    expect(z.shape).toEqual([3, 4]);
    expect(z.toArray()).toEqual([
      [11, 21, 31, 41],
      [12, 22, 32, 42],
      [13, 23, 33, 43],
    ]);
    expect(add(scalar(1), x).shape).toEqual([3, 1]);
    expect(add(tensor([[[1, 2]]]), tensor([[3], [4]])).shape).toEqual([1, 2, 2]);
    expect(add(x, tensor([])).shape).toEqual([3, 0]);
  });

  it("methods match free functions", () => {
    expect(a.add(1).mul(2).sub(b).div(2).toFlatArray()).toEqual([-3, -7, -11, 0, -4, -8]);
    expect(a.pow(tensor([1, 0, 2])).toFlatArray()).toEqual([1, 1, 9, 4, 1, 36]);
    expect(a.maximum(b).toFlatArray()).toEqual([10, 20, 30, 10, 20, 30]);
    expect(a.minimum(b).toFlatArray()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("promotes dtypes", () => {
    const i = tensor([1, 2, 3], { dtype: "int32" });
    const f64 = tensor([1, 2, 3], { dtype: "float64" });
    const bo = tensor([true, false, true]);
    expect(add(i, i).dtype).toBe("int32");
    expect(mul(i, i).toFlatArray()).toEqual([1, 4, 9]);
    expect(sub(i, 1).dtype).toBe("int32");
    expect(add(i, 0.5).dtype).toBe("float32");
    expect(add(i, 0.5).toFlatArray()).toEqual([1.5, 2.5, 3.5]);
    expect(div(i, i).dtype).toBe("float32");
    expect(div(tensor([1, 3], { dtype: "int32" }), 2).toFlatArray()).toEqual([0.5, 1.5]);
    expect(add(i, tensor([1, 2, 3])).dtype).toBe("float32");
    expect(add(f64, tensor([1, 2, 3])).dtype).toBe("float64");
    expect(add(tensor([1]), 2).dtype).toBe("float32");
    expect(add(f64, 2).dtype).toBe("float64");
    expect(add(bo, bo).dtype).toBe("int32");
    expect(add(bo, bo).toFlatArray()).toEqual([2, 0, 2]);
    expect(add(bo, i).dtype).toBe("int32");
    expect(pow(i, 2).dtype).toBe("int32");
    expect(maximum(bo, bo).dtype).toBe("bool");
    expect(add(1, 2).dtype).toBe("float32");
  });

  it("maximum/minimum propagate NaN", () => {
    expect(
      maximum(tensor([Number.NaN, 1]), tensor([0, Number.NaN]))
        .toFlatArray()
        .every(Number.isNaN),
    ).toBe(true);
    expect(minimum(tensor([Number.NaN]), 0).toFlatArray()[0]).toBeNaN();
  });

  it("errors name the op, the argument and the shapes", () => {
    expect(() => add(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(
      "add: argument 'b' expected a shape broadcastable with 'a' [3], got [2]",
    );
    expect(() => mul(tensor([[1, 2]]), tensor([[1], [2], [3]]).reshape(1, 3))).toThrow(
      /mul: argument 'b' expected a shape broadcastable/,
    );
    expect(() => pow(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/pow: argument 'exponent'/);
    expect(() => add(tensor([1]), "x" as unknown as number)).toThrow(
      "add: argument 'b' expected a Tensor or a number, got string",
    );
    expect(() => where(tensor([true, false]), tensor([1, 2, 3]), 0)).toThrow(
      /where: argument 'a' expected a shape broadcastable with 'cond' \[2\], got \[3\]/,
    );
  });
});

describe("binary gradients", () => {
  it("add/sub/mul/div with broadcasting", () => {
    const x = u([2, 3]);
    const y = u([3], 0.5, 2, 2);
    const z = u([2, 1], 0.5, 2, 3);
    gradcheck((p, q) => add(p, q), [x, y]);
    gradcheck((p, q) => sub(p, q), [x, z]);
    gradcheck((p, q) => mul(p, q), [x, y]);
    gradcheck((p, q) => div(p, q), [x, z]);
    gradcheck((p, q) => div(q, p), [u([2, 3], 0.5, 2, 4), y]);
    gradcheck((p) => sub(3, mul(p, 2)), [x]);
    gradcheck((p) => div(1, p), [u([4], 0.5, 2)]);
  });

  it("pow wrt base and exponent", () => {
    const base = u([2, 3], 0.5, 2);
    const e = u([3], -1.5, 1.5, 7);
    gradcheck((p, q) => pow(p, q), [base, e]);
    gradcheck((p) => pow(p, 3), [u([5])]);
    gradcheck((p) => pow(2, p), [u([5])]);
    // d/dx x^0 = 0, and d/dy 0^y = 0 (masked, not NaN)
    const x = tensor([0, 1], { dtype: "float64" }).requiresGrad_();
    pow(x, 0).sum().backward();
    expect(x.grad!.toFlatArray()).toEqual([0, 0]);
    const y = tensor([2], { dtype: "float64" }).requiresGrad_();
    pow(tensor([0], { dtype: "float64" }), y)
      .sum()
      .backward();
    expect(y.grad!.toFlatArray()).toEqual([0]);
  });

  it("maximum/minimum route to the winner and split ties", () => {
    const x = u([3, 4], -2, 2, 11);
    const y = u([4], -2, 2, 12);
    gradcheck((p, q) => maximum(p, q), [x, y]);
    gradcheck((p, q) => minimum(p, q), [x, y]);
    const a = tensor([1, 5, 2], { dtype: "float64" }).requiresGrad_();
    const b = tensor([3, 1, 2], { dtype: "float64" }).requiresGrad_();
    maximum(a, b).sum().backward();
    expect(a.grad!.toFlatArray()).toEqual([0, 1, 0.5]);
    expect(b.grad!.toFlatArray()).toEqual([1, 0, 0.5]);
  });

  it("mixed float32/float64 inputs get gradients in their own dtype", () => {
    const a = tensor([1, 2]).requiresGrad_();
    const b = tensor([3, 4], { dtype: "float64" }).requiresGrad_();
    const c = mul(a, b);
    expect(c.dtype).toBe("float64");
    c.sum().backward();
    expect(a.grad!.dtype).toBe("float32");
    expect(a.grad!.toFlatArray()).toEqual([3, 4]);
    expect(b.grad!.toFlatArray()).toEqual([1, 2]);
  });

  it("int operands get no gradient but float ones do", () => {
    const a = tensor([1, 2], { dtype: "int32" });
    const b = tensor([0.5, 1.5]).requiresGrad_();
    mul(a, b).sum().backward();
    expect(b.grad!.toFlatArray()).toEqual([1, 2]);
  });
});

describe("comparisons, logic and where", () => {
  const a = tensor([1, 2, 3]);
  it("compare with broadcasting, bool results", () => {
    expect(eq(a, 2).toArray()).toEqual([false, true, false]);
    expect(ne(a, 2).toArray()).toEqual([true, false, true]);
    expect(lt(a, 2).toArray()).toEqual([true, false, false]);
    expect(le(a, 2).toArray()).toEqual([true, true, false]);
    expect(gt(a, 2).toArray()).toEqual([false, false, true]);
    expect(ge(a, 2).dtype).toBe("bool");
    expect(a.ge(tensor([[2], [0]])).toArray()).toEqual([
      [false, true, true],
      [true, true, true],
    ]);
    expect(eq(tensor([0.1]), 0.1).toArray()).toEqual([true]);
    expect(eq(tensor([Number.NaN]), Number.NaN).toArray()).toEqual([false]);
  });

  it("logical ops", () => {
    const p = tensor([true, true, false, false]);
    const q = tensor([true, false, true, false]);
    expect(logicalAnd(p, q).toArray()).toEqual([true, false, false, false]);
    expect(logicalOr(p, q).toArray()).toEqual([true, true, true, false]);
    expect(logicalNot(p).toArray()).toEqual([false, false, true, true]);
    expect(logicalAnd(tensor([0, 2]), 1).toArray()).toEqual([false, true]);
    expect(p.logicalNot().dtype).toBe("bool");
  });

  it("where selects and broadcasts", () => {
    const c = tensor([true, false, true]);
    expect(where(c, a, 0).toFlatArray()).toEqual([1, 0, 3]);
    expect(c.where(a, tensor([[10], [20]])).toArray()).toEqual([
      [1, 10, 3],
      [1, 20, 3],
    ]);
    expect(where(c, 1, 2).dtype).toBe("float32");
    expect(where(c, tensor([1, 2, 3], { dtype: "int32" }), 0).dtype).toBe("int32");
  });

  it("where gradient", () => {
    const c = tensor([[true, false, true]]);
    gradcheck((p, q) => where(c, p, q), [u([2, 3]), u([3], -1, 1, 5)]);
    gradcheck((p) => where(c, p, 0), [u([2, 3])]);
  });
});

describe("unary ops", () => {
  it("values", () => {
    close(neg(tensor([1, -2])), [-1, 2]);
    close(exp(tensor([0, 1])), [1, Math.E]);
    close(log(tensor([1, Math.E])), [0, 1]);
    close(log1p(tensor([0, 1e-10], { dtype: "float64" })), [0, 1e-10], 1e-15);
    close(sqrt(tensor([4, 9])), [2, 3]);
    close(rsqrt(tensor([4, 16])), [0.5, 0.25]);
    close(abs(tensor([-1.5, 2])), [1.5, 2]);
    close(sign(tensor([-3, 0, 2])), [-1, 0, 1]);
    close(sin(tensor([0, Math.PI / 2])), [0, 1]);
    close(cos(tensor([0, Math.PI])), [1, -1]);
    close(tanh(tensor([0, 1])), [0, Math.tanh(1)]);
    close(sigmoid(tensor([0, 2, -800])), [0.5, 1 / (1 + Math.exp(-2)), 0]);
    close(relu(tensor([-1, 0, 2])), [0, 0, 2]);
    close(leakyRelu(tensor([-1, 2])), [-0.01, 2]);
    close(leakyRelu(tensor([-1, 2]), 0.2), [-0.2, 2]);
    close(elu(tensor([-1, 2])), [Math.exp(-1) - 1, 2]);
    close(elu(tensor([-1]), 2), [2 * (Math.exp(-1) - 1)]);
    close(silu(tensor([0, 1])), [0, 1 / (1 + Math.exp(-1))]);
    close(softplus(tensor([0, 30, -30])), [Math.log(2), 30, Math.log1p(Math.exp(-30))]);
    close(softplus(tensor([1]), 2), [Math.log1p(Math.exp(2)) / 2]);
    close(softplus(tensor([3]), 1, 2), [3]);
    close(clamp(tensor([-2, 0.5, 3]), -1, 1), [-1, 0.5, 1]);
    close(clamp(tensor([-2, 0.5, 3]), undefined, 1), [-2, 0.5, 1]);
    close(clamp(tensor([-2, 0.5, 3]), 0), [0, 0.5, 3]);
    close(square(tensor([-3, 2])), [9, 4]);
    close(reciprocal(tensor([2, -4])), [0.5, -0.25]);
    expect(isNan(tensor([Number.NaN, 1, Number.POSITIVE_INFINITY])).toArray()).toEqual([true, false, false]);
    expect(isFiniteT(tensor([Number.NaN, 1, Number.NEGATIVE_INFINITY])).toArray()).toEqual([false, true, false]);
  });

  it("gelu exact (erf) and tanh approximation", () => {
    // reference values of x·Φ(x)
    close(
      gelu(tensor([-1, 0, 1, 2, -3], { dtype: "float64" })),
      [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416, -0.00404969409489028],
      1e-12,
    );
    close(gelu(tensor([1, -1]), "tanh"), [0.8411919906082768, -0.15880800939172324], 1e-6);
    const far = gelu(tensor([10, -10], { dtype: "float64" })).toFlatArray();
    expect(far[0]).toBe(10);
    expect(Math.abs(far[1]! / -7.619853024160528e-23 - 1)).toBeLessThan(1e-12);
    expect(() => gelu(tensor([1]), "x" as "none")).toThrow(
      "gelu: argument 'approximate' expected 'none' or 'tanh', got x",
    );
  });

  it("dtype handling", () => {
    const i = tensor([-2, 0, 3], { dtype: "int32" });
    expect(neg(i).dtype).toBe("int32");
    expect(abs(i).toFlatArray()).toEqual([2, 0, 3]);
    expect(relu(i).dtype).toBe("int32");
    expect(sign(i).toFlatArray()).toEqual([-1, 0, 1]);
    expect(square(i).toFlatArray()).toEqual([4, 0, 9]);
    expect(clamp(i, -1, 1).toFlatArray()).toEqual([-1, 0, 1]);
    expect(clamp(i, -1, 1).dtype).toBe("int32");
    expect(exp(i).dtype).toBe("float32");
    expect(sqrt(tensor([4], { dtype: "float64" })).dtype).toBe("float64");
    expect(tensor([1]).exp().log().relu().sigmoid().dtype).toBe("float32");
  });

  it("errors", () => {
    expect(() => clamp(tensor([1]))).toThrow(
      "clamp: argument 'min' expected at least one of 'min' and 'max', got neither",
    );
    expect(() => exp([1, 2] as unknown as Tensor)).toThrow("exp: argument 'a' expected a Tensor, got an array");
  });

  it("gradients (float64 gradcheck, inputs away from kinks)", () => {
    const any = u([3, 4], -2, 2, 21);
    const pos = u([3, 4], 0.2, 3, 22);
    // values away from 0 for abs / relu / leakyRelu / elu / clamp bounds
    const awayFromZero = tensor([-2, -1.1, -0.6, -0.3, 0.3, 0.7, 1.2, 2.5], { dtype: "float64" }).requiresGrad_();
    gradcheck((x) => neg(x), [any]);
    gradcheck((x) => exp(x), [any]);
    gradcheck((x) => log(x), [pos]);
    gradcheck((x) => log1p(x), [pos]);
    gradcheck((x) => sqrt(x), [pos]);
    gradcheck((x) => rsqrt(x), [pos]);
    gradcheck((x) => abs(x), [awayFromZero]);
    gradcheck((x) => sign(x), [awayFromZero]);
    gradcheck((x) => sin(x), [any]);
    gradcheck((x) => cos(x), [any]);
    gradcheck((x) => tanh(x), [any]);
    gradcheck((x) => sigmoid(x), [any]);
    gradcheck((x) => relu(x), [awayFromZero]);
    gradcheck((x) => leakyRelu(x, 0.1), [awayFromZero]);
    gradcheck((x) => elu(x, 1.5), [awayFromZero]);
    gradcheck((x) => gelu(x), [any]);
    gradcheck((x) => gelu(x, "tanh"), [any]);
    gradcheck((x) => silu(x), [any]);
    gradcheck((x) => softplus(x), [any]);
    gradcheck((x) => softplus(x, 2, 1), [awayFromZero]);
    gradcheck((x) => clamp(x, -1, 1), [awayFromZero]);
    gradcheck((x) => clamp(x, 0.5), [awayFromZero]);
    gradcheck((x) => square(x), [any]);
    gradcheck((x) => reciprocal(x), [pos]);
  });

  it("kinks get gradient 0 (abs, relu, sign at 0; clamp outside)", () => {
    const x = tensor([0, -3, 3], { dtype: "float64" }).requiresGrad_();
    abs(x).sum().backward();
    expect(x.grad!.toFlatArray()).toEqual([0, -1, 1]);
    const y = tensor([0, -3, 3], { dtype: "float64" }).requiresGrad_();
    relu(y).sum().backward();
    expect(y.grad!.toFlatArray()).toEqual([0, 0, 1]);
    const z = tensor([0, -3, 3], { dtype: "float64" }).requiresGrad_();
    clamp(z, -1, 1).sum().backward();
    expect(z.grad!.toFlatArray()).toEqual([1, 0, 0]);
  });

  it("chains through a random composite", () => {
    const x = randn([3, 3], { dtype: "float64", generator: gen() }).requiresGrad_();
    gradcheck((p) => tanh(mul(sigmoid(p), exp(neg(square(p))))).add(sin(p)), [x]);
  });
});
