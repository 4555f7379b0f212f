/** Clear errors for mistaken input: sizes, seeds, empty features, label lengths, negative degrees. */
import { describe, expect, it } from "vitest";
import { checkDegrees, gcnNorm, getLaplacian } from "../src/domains/graph/normalization.js";
import { allocate, checkAllocation, MAX_TENSOR_ELEMENTS } from "../src/tensor/dtype.js";
import {
  APPNP,
  ChebConv,
  GCNConv,
  Generator,
  Graph,
  Linear,
  manualSeed,
  randn,
  SGConv,
  scalar,
  tensor,
  zeros,
} from "./helpers/graphs.js";

describe("tensor allocation", () => {
  it("names the op and the size instead of 'Invalid typed array length'", () => {
    expect(() => new Linear(1433, 100_000_000)).toThrow(
      /^Linear: cannot allocate a float32 tensor of shape \[100000000, 1433\] \(143,300,000,000 elements, 573 GB\): more than the limit of 4,294,967,296 elements per tensor$/,
    );
    expect(() => zeros([70000, 70000])).toThrow(/^full: cannot allocate a float32 tensor of shape \[70000, 70000\]/);
    expect(() => randn([1e6, 1e6], { dtype: "float64" })).toThrow(/^randn: cannot allocate a float64 tensor/);
    expect(() => allocate("float32", Number.NaN)).toThrow(/allocate: .*the size must be a non-negative integer/);
    expect(() => allocate("int32", -1)).toThrow(/non-negative integer/);
    expect(() => checkAllocation("op", "bool", MAX_TENSOR_ELEMENTS + 1)).toThrow(/^op: cannot allocate a bool tensor/);
    expect(allocate("float32", 3)).toEqual(new Float32Array(3));
  });
});

describe("Linear with an empty feature axis", () => {
  it("Linear(0, 5) maps [3, 0] to the bias, with gradients (as PyTorch)", () => {
    manualSeed(0);
    const lin = new Linear(0, 5);
    const x = zeros([3, 0]).requiresGrad_();
    const y = lin.forward(x);
    expect(y.shape).toEqual([3, 5]);
    expect(y.toFlatArray()).toEqual(new Array(15).fill(0)); // U(±1/√0) is U(0, 0), as in PyTorch
    y.sum().backward();
    expect(lin.weight.grad!.shape).toEqual([5, 0]);
    expect(lin.bias!.grad!.toFlatArray()).toEqual([3, 3, 3, 3, 3]);
    expect(x.grad!.shape).toEqual([3, 0]);
    expect(new Linear(0, 2).forward(zeros([2, 4, 0])).shape).toEqual([2, 4, 2]);
    expect(new Linear(3, 2).forward(zeros([0, 3])).shape).toEqual([0, 2]);
  });
});

describe("Graph targets", () => {
  const x = zeros([4, 2]);
  it("refuses a label vector of the wrong length", () => {
    expect(() => new Graph({ x, y: tensor([1, 2, 3], { dtype: "int32" }) })).toThrow(
      /^Graph: argument 'y' expected 4 rows \(one target per node, numNodes = 4\).*got shape \[3\]$/,
    );
    const g = new Graph({ x });
    expect(() => {
      g.y = tensor([0, 1, 1, 0, 1], { dtype: "int32" });
    }).toThrow(/^Graph\.set: argument 'y' expected 4 rows/);
    expect(() => new Graph({ numNodes: 2, y: zeros([3]) })).toThrow(/expected 2 rows/);
  });
  it("accepts node-level, graph-level and explicitly graph-level targets", () => {
    expect(new Graph({ x, y: zeros([4]) }).levelOf("y")).toBe("node");
    expect(new Graph({ x, y: scalar(1, { dtype: "int32" }) }).levelOf("y")).toBe("graph");
    expect(new Graph({ x, y: zeros([1, 3]) }).levelOf("y")).toBe("graph");
    expect(new Graph({ x }).set("y", zeros([3]), "graph").levelOf("y")).toBe("graph");
    expect(new Graph({ y: zeros([3]) }).y!.shape).toEqual([3]); // no node count known: nothing to check
  });
});

describe("negative GCN degrees", () => {
  // path 0 - 1 - 2 with the edges into node 1 weighted -1: deg(1) = 1 (loop) - 2 = -1
  const ei = tensor(
    [
      [0, 1, 2, 1],
      [1, 0, 1, 2],
    ],
    { dtype: "int32" },
  );
  const w = tensor([-1, 1, -1, 1]);
  const x = tensor([[1], [2], [3]]);

  it("throw, naming the node and the degree (PyG's gcn_norm gives NaN there)", () => {
    const msg =
      /argument 'edgeWeight' expected weights that give every node a non-negative weighted degree .*got degree -1 at node 1$/;
    expect(() => new GCNConv(1, 1).forward(x, ei, w)).toThrow(msg);
    expect(() => new GCNConv(1, 1).forward(x, ei, w.clone().requiresGrad_())).toThrow(msg);
    expect(() => new SGConv(1, 1, { K: 2 }).forward(x, ei, w)).toThrow(msg);
    expect(() => new APPNP(2, 0.1).forward(x, ei, w)).toThrow(msg);
    expect(() => gcnNorm(ei, { edgeWeight: w })).toThrow(/^gcnNorm: .*got degree -1 at node 1$/);
    expect(() => getLaplacian(ei, { edgeWeight: w, normalization: "sym" })).toThrow(
      /^getLaplacian: .*degree -1 at node 0$/,
    );
    expect(() => new ChebConv(1, 1, 2).forward(x, ei, w)).toThrow(/^ChebConv: .*got degree -1 at node 0$/);
    expect(() => checkDegrees("op", [1, 0, Number.NaN])).toThrow(/degree NaN at node 2/);
  });

  it("negative weights with non-negative degrees keep working; zero degrees give zero rows", () => {
    const ok = tensor([-0.5, 1, -0.5, 1]); // deg(1) = 1 - 1 = 0, deg(0) = deg(2) = 2
    const r = gcnNorm(ei, { edgeWeight: ok });
    expect(r.edgeWeight.toFlatArray().every(Number.isFinite)).toBe(true);
    const out = new GCNConv(1, 1, { bias: false }).forward(x, ei, ok).toFlatArray();
    expect(out.every(Number.isFinite)).toBe(true);
    expect(out[1]).toBe(0);
    // random-walk Laplacian: D^-1 of a negative degree is negative (as PyG), not silently 0
    const rw = getLaplacian(ei, { edgeWeight: w, normalization: "rw" }).edgeWeight.toFlatArray();
    expect(rw[0]).toBeCloseTo(-1); // edge 0 -> 1 of weight -1, out-degree of 0 is -1: -w / deg = -1 (was 0)
  });
});

describe("seeds", () => {
  const first = (s: number) => new Generator(s).nextUint32();
  it("seeds in [0, 2^32) keep their streams", () => {
    const g = new Generator(123);
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual([189052924, 4227129383, 36639034]);
    expect(first(4294967295)).toBe(2464728017);
  });
  it("distinct safe integers give distinct streams (2^32 and 0, -1 and 2^32 - 1 used to collide)", () => {
    const seeds = [0, 2 ** 32, 2 ** 33, -1, 2 ** 32 - 1, 2 ** 53 - 1, 2 ** 53 - 2, -(2 ** 53 - 1), 1, -(2 ** 32)];
    const firsts = seeds.map((s) => {
      const g = new Generator(s);
      return `${g.nextUint32()},${g.nextUint32()}`;
    });
    expect(new Set(firsts).size).toBe(seeds.length);
    expect(first(2 ** 40)).toBe(first(2 ** 40));
  });
  it("fractions and unsafe integers are refused", () => {
    for (const s of [1.5, 2 ** 53, 1e300, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new Generator(s)).toThrow(/Generator\.manualSeed: argument 'seed' expected a safe integer/);
    expect(() => manualSeed(2 ** 53 + 2)).toThrow(/safe integer/);
  });
});
