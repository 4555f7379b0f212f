import { describe, expect, it } from "vitest";
import {
  arange,
  eye,
  full,
  Generator,
  gradcheck,
  manualSeed,
  noGrad,
  randn,
  scalar,
  type Tensor,
  tensor,
  zeros,
} from "../src/index.js";
import { allocateEmpty } from "../src/tensor/dtype.js";

describe("Tensor core", () => {
  it("creates from nested arrays with shape and dtype", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor([true, false]).dtype).toBe("bool");
    expect(scalar(3).item()).toBe(3);
  });

  it("rejects ragged data and bad shapes with a named error", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: argument 'data'/);
    expect(() => zeros([2, -1])).toThrow(/full: argument 'shape'/);
    expect(() => tensor([1, 2, 3]).reshape(2, 2)).toThrow(/reshape: argument 'shape'/);
  });

  it("reshape shares storage and infers -1", () => {
    const t = arange(6);
    const r = t.reshape(2, -1);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toBe(t.data);
  });

  it("factories", () => {
    expect(eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(full([2], 7, { dtype: "int32" }).toArray()).toEqual([7, 7]);
    expect(arange(0, 1, 0.25).toFlatArray()).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it("seeded randomness is reproducible", () => {
    manualSeed(42);
    const a = randn([5]).toFlatArray();
    manualSeed(42);
    const b = randn([5]).toFlatArray();
    expect(a).toEqual(b);
    const g1 = new Generator(7);
    const g2 = new Generator(7);
    expect([g1.random(), g1.random()]).toEqual([g2.random(), g2.random()]);
    expect(new Generator(8).random()).not.toBe(new Generator(7).random());
  });

  it("backward through reshape and cast, with accumulation", () => {
    const x = tensor([1, 2, 3, 4], { dtype: "float64", requiresGrad: true });
    const y = x.reshape(2, 2).cast("float32");
    y.backward(
      tensor([
        [1, 1],
        [1, 1],
      ]),
    );
    expect(x.grad?.toFlatArray()).toEqual([1, 1, 1, 1]);
    y.backward(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(x.grad?.toFlatArray()).toEqual([2, 3, 4, 5]);
  });

  it("backward on a non-scalar without grad is an error", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.reshape(2, 1).backward()).toThrow(/backward: argument 'grad'/);
  });

  it("noGrad and detach stop recording", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(noGrad(() => x.reshape(2, 1)).requiresGrad).toBe(false);
    expect(x.detach().requiresGrad).toBe(false);
  });

  it("gradcheck passes for reshape", () => {
    const x = randn([3, 4], { dtype: "float64" }).requiresGrad_();
    expect(gradcheck((a: Tensor) => a.reshape(4, 3), [x]).ok).toBe(true);
  });

  it("toString is readable", () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toString(),
    ).toBe("tensor([[1., 2.],\n        [3., 4.]])");
    expect(String(zeros([2000]))).toContain("...");
  });
});

describe("allocateEmpty", () => {
  it("gives float arrays of the asked length and type; small ones zero-filled", () => {
    const small = allocateEmpty("float32", 100);
    expect(small).toBeInstanceOf(Float32Array);
    expect(small.length).toBe(100);
    expect(small.every((v) => v === 0)).toBe(true);
    for (const [dtype, Ctor] of [
      ["float32", Float32Array],
      ["float64", Float64Array],
    ] as const) {
      const big = allocateEmpty(dtype, (1 << 16) + 3);
      expect(big).toBeInstanceOf(Ctor);
      expect(big.length).toBe((1 << 16) + 3);
      expect(big.byteLength).toBe(big.length * Ctor.BYTES_PER_ELEMENT);
      big.fill(1.5);
      expect(big[big.length - 1]).toBe(1.5);
    }
  });
});
