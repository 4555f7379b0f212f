import { describe, expect, it } from "vitest";
import {
  BatchNorm1d,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  ReLU,
  Sequential,
  type StateDict,
} from "../src/nn/index.js";
import * as init from "../src/nn/init.js";
import { Generator, manualSeed, type Tensor, tensor, zeros } from "../src/tensor/index.js";

class Block extends Module<[Tensor], Tensor> {
  lin = new Linear(3, 4);
  act = new ReLU();
  forward(x: Tensor): Tensor {
    return this.act.forward(this.lin.forward(x));
  }
}

class Net extends Module<[Tensor], Tensor> {
  scale = new Parameter(tensor([2]));
  blocks = [new Block(), new Block()];
  heads = new ModuleDict({ a: new Linear(4, 1), b: new Linear(4, 2, { bias: false }) });
  list = new ModuleList([new BatchNorm1d(4)]);
  _hidden = new Linear(5, 5); // underscore fields are not registered
  plain: Tensor = zeros([3]); // plain tensors are not state
  nothing: Linear | null = null;
  forward(x: Tensor): Tensor {
    return this.heads.get("a").forward(this.blocks[1]!.forward(this.blocks[0]!.forward(x).narrow(1, 0, 3)));
  }
}

describe("Module tree", () => {
  it("discovers parameters, children and modules with dotted names", () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      "scale",
      "blocks.0.lin.weight",
      "blocks.0.lin.bias",
      "blocks.1.lin.weight",
      "blocks.1.lin.bias",
      "heads.a.weight",
      "heads.a.bias",
      "heads.b.weight",
      "list.0.weight",
      "list.0.bias",
    ]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(["blocks.0", "blocks.1", "heads", "list"]);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      "",
      "blocks.0",
      "blocks.0.lin",
      "blocks.0.act",
      "blocks.1",
      "blocks.1.lin",
      "blocks.1.act",
      "heads",
      "heads.a",
      "heads.b",
      "list",
      "list.0",
    ]);
    expect(net.numParameters()).toBe(1 + 2 * (12 + 4) + 4 + 1 + 8 + 8);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.namedBuffers().map(([n]) => n)).toEqual([
      "list.0.running_mean",
      "list.0.running_var",
      "list.0.num_batches_tracked",
    ]);
    expect(String(net)).toContain("(heads): ModuleDict");
    expect(String(new Linear(2, 3))).toBe("Linear(inFeatures=2, outFeatures=3, bias=true)");
  });

  it("lists a shared parameter once", () => {
    const a = new Linear(2, 2);
    const seq = new Sequential(a, a);
    expect(seq.parameters().length).toBe(2);
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias"]);
  });

  it("train/eval propagate, zeroGrad clears, requiresGrad_ freezes", () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => m.training === false)).toBe(true);
    net.train();
    expect(net.list.at(0).training).toBe(true);
    for (const p of net.parameters()) p.grad = zeros(p.shape);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.requiresGrad_(false);
    expect(net.parameters().some((p) => p.requiresGrad)).toBe(false);
  });

  it("state dict round trip (parameters and buffers), sharing storage", () => {
    manualSeed(1);
    const a = new Net();
    const b = new Net();
    const sd = a.stateDict();
    expect(Object.keys(sd)).toContain("list.0.running_var");
    expect(sd["blocks.0.lin.weight"]!.data).toBe(a.blocks[0]!.lin.weight.data);
    expect(sd["blocks.0.lin.weight"]!.requiresGrad).toBe(false);
    const v0 = b.blocks[0]!.lin.weight.version;
    b.loadStateDict(sd);
    for (const [k, t] of Object.entries(b.stateDict())) expect(t.toFlatArray()).toEqual(sd[k]!.toFlatArray());
    expect(b.blocks[0]!.lin.weight.version).toBe(v0 + 1);
    expect(b.blocks[0]!.lin.weight.data).not.toBe(a.blocks[0]!.lin.weight.data);
  });

  it("loadStateDict errors name missing, unexpected and mis-shaped keys", () => {
    const net = new Net();
    const sd: StateDict = { ...net.stateDict() };
    delete sd["heads.a.bias"];
    sd["extra.weight"] = zeros([1]);
    expect(() => net.loadStateDict(sd)).toThrow(/missing keys: 'heads.a.bias'.*unexpected keys: 'extra.weight'/);
    const r = net.loadStateDict(sd, { strict: false });
    expect(r).toEqual({ missingKeys: ["heads.a.bias"], unexpectedKeys: ["extra.weight"] });
    const bad = { ...net.stateDict(), "blocks.1.lin.weight": zeros([3, 4]) };
    expect(() => net.loadStateDict(bad, { strict: false })).toThrow(
      /size mismatch: 'blocks.1.lin.weight' expected shape \[4, 3\], got \[3, 4\]/,
    );
    const notTensor = { ...net.stateDict(), "heads.a.bias": [1, 2] } as unknown as StateDict;
    expect(() => net.loadStateDict(notTensor)).toThrow(/'heads\.a\.bias' expected a Tensor, got object/);
    // inherited names are not keys: a dict without 'constructor' misses nothing named so
    const lin = new Linear(2, 2);
    const own = Object.assign(Object.create(null), lin.stateDict(), { toString: zeros([1]) });
    expect(lin.loadStateDict(own, { strict: false }).unexpectedKeys).toEqual(["toString"]);
  });

  it("to('float64') casts parameters and float buffers, keeping ties and int buffers", () => {
    const lin = new Linear(2, 2);
    const seq = new Sequential(lin, lin, new BatchNorm1d(2));
    const before = lin.weight.toFlatArray();
    seq.double();
    expect(seq.parameters().every((p) => p.dtype === "float64" && p instanceof Parameter)).toBe(true);
    expect(seq.parameters().length).toBe(4);
    expect((seq.at(0) as Linear).weight).toBe((seq.at(1) as Linear).weight);
    expect(lin.weight.toFlatArray()).toEqual(before);
    const bn = seq.at(2) as BatchNorm1d;
    expect(bn.runningMean!.dtype).toBe("float64");
    expect(bn.getBuffer("num_batches_tracked")!.dtype).toBe("int32");
  });

  it("containers: ModuleList, ModuleDict, Sequential", () => {
    const list = new ModuleList([new ReLU()]).push(new ReLU());
    expect(list.length).toBe(2);
    expect([...list].length).toBe(2);
    expect(() => list.at(5)).toThrow(/ModuleList.at: argument 'i'/);
    const dict = new ModuleDict<Module>();
    dict.set("x", new ReLU());
    expect(dict.keys()).toEqual(["x"]);
    expect(() => dict.get("y")).toThrow(/ModuleDict.get: argument 'key' expected one of \[x\], got 'y'/);
    const seq = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    const y = seq.forward(tensor([[1, 2]]));
    expect(y.shape).toEqual([1, 1]);
    expect(seq.call(tensor([[1, 2]])).toFlatArray()).toEqual(y.toFlatArray());
  });

  it("buffers: registration, getBuffer errors, non-persistent buffers stay out of the state dict", () => {
    class M extends Module<[], number> {
      constructor() {
        super();
        this.registerBuffer("stat", zeros([2]));
        this.registerBuffer("cache", zeros([1]), false);
      }
      forward(): number {
        return 0;
      }
    }
    const m = new M();
    expect(Object.keys(m.stateDict())).toEqual(["stat"]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["stat", "cache"]);
    expect(() => m.getBuffer("nope")).toThrow(/getBuffer: no buffer named 'nope' in M/);
    expect(() => m.registerBuffer("a.b", null)).toThrow(/registerBuffer: argument 'name'/);
  });
});

describe("init", () => {
  it("fans, gains and bounds", () => {
    expect(init.calculateFanInAndFanOut([4, 3, 5])).toEqual({ fanIn: 15, fanOut: 20 });
    expect(init.calculateGain("relu")).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain("leakyRelu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(init.calculateGain("tanh")).toBeCloseTo(5 / 3, 12);
    const w = zeros([50, 20]);
    init.kaimingUniform(w, { a: Math.sqrt(5) });
    const bound = 1 / Math.sqrt(20);
    expect(Math.max(...w.toFlatArray().map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.toFlatArray().map(Math.abs))).toBeGreaterThan(0.9 * bound);
    init.xavierUniform(w);
    expect(Math.max(...w.toFlatArray().map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 70));
    const n = zeros([200, 100], { dtype: "float64" });
    init.kaimingNormal(n, { nonlinearity: "relu" });
    const vals = n.toFlatArray();
    const std = Math.sqrt(vals.reduce((s, v) => s + v * v, 0) / vals.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 100), 2);
    expect(() => init.kaimingUniform(zeros([3]))).toThrow(
      /calculateFanInAndFanOut: argument 'tensor' expected at least 2 axes/,
    );
  });

  it("is reproducible with a seed or an explicit generator", () => {
    const a = init.normal(zeros([5]), 0, 1, { generator: new Generator(7) }).toFlatArray();
    const b = init.normal(zeros([5]), 0, 1, { generator: new Generator(7) }).toFlatArray();
    expect(a).toEqual(b);
    manualSeed(3);
    const c = new Linear(3, 3).weight.toFlatArray();
    manualSeed(3);
    expect(new Linear(3, 3).weight.toFlatArray()).toEqual(c);
  });

  it("orthogonal gives orthonormal rows or columns", () => {
    for (const shape of [
      [4, 6],
      [6, 4],
      [3, 2, 2],
    ]) {
      const w = init.orthogonal(zeros(shape, { dtype: "float64" }), 1, { generator: new Generator(1) });
      const r = shape[0]!;
      const c = w.size / r;
      const d = w.data;
      const small = Math.min(r, c);
      // Gram matrix of the smaller side is the identity.
      for (let i = 0; i < small; i++) {
        for (let j = 0; j < small; j++) {
          let s = 0;
          if (r <= c) for (let k = 0; k < c; k++) s += d[i * c + k]! * d[j * c + k]!;
          else for (let k = 0; k < r; k++) s += d[k * c + i]! * d[k * c + j]!;
          expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
        }
      }
    }
    const e = init.eye(zeros([2, 3]));
    expect(e.toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });
});
