import { describe, expect, it } from "vitest";
import {
  assertEquivariant,
  Generator,
  gradcheck,
  O3,
  pointAction,
  randn,
  SO3,
  type Tensor,
  tensor,
} from "../src/index.js";
import {
  BatchNorm,
  Gate,
  irrepsFieldType,
  Linear,
  NormActivation,
  o3Action,
  SphericalHarmonics,
  secondMomentScale,
} from "../src/layers/groups/o3/index.js";
import { Irreps } from "../src/symmetry/o3/irreps.js";

const F64 = { atol: 0, rtol: 1e-11 };
const F32 = { atol: 0, rtol: 1e-4 };

function equivariant(
  fn: (x: Tensor) => Tensor,
  irrepsIn: string | Irreps,
  irrepsOut: string | Irreps,
  x: Tensor,
  tol: { atol: number; rtol: number },
) {
  return assertEquivariant(fn, {
    group: new O3(),
    inputAction: o3Action(irrepsIn),
    outputAction: o3Action(irrepsOut),
    inputs: [x],
    samples: 6,
    ...tol,
  });
}

describe("o3.Linear", () => {
  it("mixes only equal irreps, normalised by fan-in, with biases on 0e only", () => {
    const g = new Generator(0);
    const lin = new Linear("2x0e + 1x1o + 1x1e", "1x0e + 2x1o + 1x2e", { biases: true, generator: g }).double();
    expect(lin.weightNumel).toBe(2 * 1 + 1 * 2); // 0e: 2→1, 1o: 1→2; 1e and 2e have no partner
    expect(lin.bias!.size).toBe(1);
    lin.bias!.data[0] = 0.5;
    const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]], { dtype: "float64" });
    const y = lin.forward(x).toFlatArray();
    const w = lin.weight!.toFlatArray();
    expect(y[0]).toBeCloseTo((1 * w[0]! + 2 * w[1]!) / Math.SQRT2 + 0.5, 12);
    // 1o: each output copy is w·v, same weight for the three components
    for (let m = 0; m < 3; m++) {
      expect(y[1 + m]).toBeCloseTo(w[2]! * (3 + m), 12);
      expect(y[4 + m]).toBeCloseTo(w[3]! * (3 + m), 12);
    }
    for (let i = 7; i < 12; i++) expect(y[i]).toBe(0); // 2e has no input
  });

  it("keeps unit variance with N(0,1) weights (e3nn's normalisation)", () => {
    const g = new Generator(1);
    const lin = new Linear("64x0e + 32x1o", "64x0e + 32x1o", { generator: g });
    const y = lin.forward(randn([400, lin.irrepsIn.dim], { generator: g }));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i]! ** 2;
    expect(s / y.size).toBeGreaterThan(0.8);
    expect(s / y.size).toBeLessThan(1.2);
  });

  it("is O(3)-equivariant (float64 round-off, float32 < 1e-4) and has correct gradients", () => {
    const g = new Generator(2);
    const ir = "3x0e + 2x1o + 2x1e + 1x2e + 1x0o";
    const out = "2x0e + 3x1o + 1x2e + 2x0o";
    const lin = new Linear(ir, out, { biases: true, generator: g });
    const x = randn([5, new Irreps(ir).dim], { generator: g });
    equivariant((v) => lin.forward(v), ir, out, x, F32);
    lin.double();
    equivariant((v) => lin.forward(v), ir, out, x.double(), F64);
    const small = new Linear("2x0e + 1x1o", "1x0e + 2x1o", { biases: true, generator: g }).double();
    small.bias!.data[0] = 0.3;
    gradcheck(
      (a, w, b) => {
        small.weight = w as never;
        small.bias = b as never;
        return small.forward(a);
      },
      [
        randn([3, 5], { dtype: "float64", generator: g }).requiresGrad_(),
        small.weight!.detach().requiresGrad_(),
        small.bias!.detach().requiresGrad_(),
      ],
    );
  });

  it("rejects inputs of the wrong width", () => {
    const lin = new Linear("2x0e", "1x0e");
    expect(() => lin.forward(randn([3, 4]))).toThrow(/o3.Linear: argument 'x' expected last dimension 2/);
  });
});

describe("Gate", () => {
  it("gates each non-scalar copy by its own activated scalar", () => {
    const gate = new Gate("2x0e", ["relu"], "2x0e", ["sigmoid"], "1x1o + 1x2e");
    expect(gate.irrepsIn.toString()).toBe("2x0e+2x0e+1x1o+1x2e");
    expect(gate.irrepsOut.toString()).toBe("2x0e+1x1o+1x2e");
    const x = tensor([[1, -1, 0, 2, 1, 2, 3, 1, 1, 1, 1, 1]], { dtype: "float64" });
    const y = gate.forward(x).toFlatArray();
    const c = secondMomentScale((t) => t.relu());
    expect(c).toBeCloseTo(Math.SQRT2, 6); // E[relu(z)²] = 1/2
    expect(y[0]).toBeCloseTo(c, 12);
    expect(y[1]).toBe(0);
    const cs = secondMomentScale((t) => t.sigmoid());
    const s0 = cs * (1 / (1 + Math.exp(0)));
    const s1 = cs * (1 / (1 + Math.exp(-2)));
    expect(y.slice(2, 5).map((v) => v / s0)).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(2, 12),
      expect.closeTo(3, 12),
    ]);
    for (let i = 5; i < 10; i++) expect(y[i]! / s1).toBeCloseTo(1, 12);
  });

  it("follows e3nn's parity rule for pseudo-scalars", () => {
    const gate = new Gate("2x0o", ["tanh"], "1x0o", ["abs"], "1x1o");
    expect(gate.irrepsOut.toString()).toBe("2x0o+1x1o"); // tanh is odd: 0o stays 0o; abs is even: gate is 0e
    const gate2 = new Gate("1x0e", ["silu"], "1x0o", ["tanh"], "1x1o");
    expect(gate2.irrepsOut.toString()).toBe("1x0e+1x1e"); // odd gate flips the gated parity
    expect(() => new Gate("1x0o", ["silu"], "", [], "")).toThrow(
      /Gate: argument 'actScalars\[0\]' expected an even or odd activation/,
    );
    expect(() => new Gate("1x1o", ["silu"], "", [], "")).toThrow(/expected scalar irreps/);
    expect(() => new Gate("1x0e", ["silu"], "1x0e", ["sigmoid"], "2x1o")).toThrow(/expected 2 gates/);
  });

  it("is O(3)-equivariant and has correct gradients", () => {
    const g = new Generator(3);
    const gate = new Gate("3x0e + 1x0o", ["silu", "tanh"], "2x0e + 1x0o", ["sigmoid", "tanh"], "2x1o + 1x2e");
    const x = randn([6, gate.irrepsIn.dim], { generator: g });
    equivariant((v) => gate.forward(v), gate.irrepsIn, gate.irrepsOut, x, F32);
    equivariant((v) => gate.forward(v), gate.irrepsIn, gate.irrepsOut, x.double(), F64);
    gradcheck(
      (v) => gate.forward(v),
      [randn([2, gate.irrepsIn.dim], { dtype: "float64", generator: g }).requiresGrad_()],
    );
  });
});

describe("NormActivation", () => {
  it("rescales each copy by φ(‖v‖)/‖v‖", () => {
    const na = new NormActivation("1x1o + 1x0e", "sigmoid");
    const y = na.forward(tensor([[3, 0, 4, -2]], { dtype: "float64" })).toFlatArray();
    const s = 1 / (1 + Math.exp(-5));
    expect(y[0]).toBeCloseTo((3 / 5) * s, 12);
    expect(y[2]).toBeCloseTo((4 / 5) * s, 12);
    expect(y[3]).toBeCloseTo(-1 / (1 + Math.exp(-2)), 12);
    const plain = new NormActivation("1x1o", "sigmoid", { normalize: false });
    expect(plain.forward(tensor([[3, 0, 4]], { dtype: "float64" })).toFlatArray()[0]).toBeCloseTo(3 * s, 12);
  });

  it("is O(3)-equivariant and has correct gradients (with biases)", () => {
    const g = new Generator(4);
    const ir = "2x0e + 2x1o + 1x2e";
    const na = new NormActivation(ir, "silu", { bias: true });
    na.biases!.data.set([0.1, -0.2, 0.3, 0.1, -0.1]);
    const x = randn([4, new Irreps(ir).dim], { generator: g });
    equivariant((v) => na.forward(v), ir, ir, x, F32);
    na.double();
    equivariant((v) => na.forward(v), ir, ir, x.double(), F64);
    gradcheck(
      (v, b) => {
        na.biases = b as never;
        return na.forward(v);
      },
      [randn([2, 13], { dtype: "float64", generator: g }).requiresGrad_(), na.biases!.detach().requiresGrad_()],
    );
  });
});

describe("o3.BatchNorm", () => {
  it("normalises scalars like BatchNorm and vectors by their mean squared norm; tracks running stats", () => {
    const g = new Generator(5);
    const bn = new BatchNorm("2x0e + 1x1o", { eps: 0 });
    const x = randn([50, 5], { dtype: "float64", generator: g, mean: 3, std: 2 });
    const y = bn.forward(x);
    const col = (k: number) => Array.from({ length: 50 }, (_, i) => y.data[i * 5 + k]!);
    for (const k of [0, 1]) {
      const c = col(k);
      expect(c.reduce((a, b) => a + b, 0) / 50).toBeCloseTo(0, 10);
      expect(c.reduce((a, b) => a + b * b, 0) / 50).toBeCloseTo(1, 10);
    }
    let ms = 0;
    for (let i = 0; i < 50; i++) for (let m = 2; m < 5; m++) ms += y.data[i * 5 + m]! ** 2;
    expect(ms / 150).toBeCloseTo(1, 10); // component normalisation
    // running stats: (1 − 0.1)·init + 0.1·batch
    let mean0 = 0;
    for (let i = 0; i < 50; i++) mean0 += x.data[i * 5]!;
    mean0 /= 50;
    expect(bn.getBuffer("running_mean")!.data[0]).toBeCloseTo(0.1 * mean0, 5);
    let sq = 0;
    for (let i = 0; i < 50; i++) for (let m = 2; m < 5; m++) sq += x.data[i * 5 + m]! ** 2;
    expect(bn.getBuffer("running_var")!.data[2]).toBeCloseTo(0.9 + (0.1 * sq) / 150, 5);
    // eval uses the running statistics
    bn.eval();
    const ye = bn.forward(x);
    const rv = bn.getBuffer("running_var")!.data[2]!;
    expect(ye.data[2]).toBeCloseTo(x.data[2]! / Math.sqrt(rv), 6);
  });

  it("is O(3)-equivariant in training and eval mode, and has correct gradients", () => {
    const g = new Generator(6);
    const ir = "2x0e + 1x0o + 2x1o + 1x2e";
    const bn = new BatchNorm(ir);
    bn.weight!.data.set([1.5, 0.5, 2, 0.7, 1.1, 0.9]);
    bn.bias!.data.set([0.2, -0.3]);
    const x = randn([7, new Irreps(ir).dim], { dtype: "float64", generator: g });
    equivariant((v) => bn.forward(v), ir, ir, x.float(), F32);
    bn.double();
    equivariant((v) => bn.forward(v), ir, ir, x, F64);
    bn.eval();
    equivariant((v) => bn.forward(v), ir, ir, x, F64);
    bn.train();
    gradcheck(
      (v, w) => {
        bn.weight = w as never;
        return bn.forward(v);
      },
      [
        randn([4, new Irreps(ir).dim], { dtype: "float64", generator: g }).requiresGrad_(),
        bn.weight!.detach().requiresGrad_(),
      ],
    );
  });
});

describe("SphericalHarmonics module and O(3) actions", () => {
  it("maps rotated vectors to D(R)·Y (rotations and reflections)", () => {
    const sh = new SphericalHarmonics(3);
    expect(sh.irrepsOut.toString()).toBe("1x0e+1x1o+1x2e+1x3o");
    const g = new Generator(7);
    const v = randn([10, 3], { dtype: "float64", generator: g });
    assertEquivariant((p: Tensor) => sh.forward(p), {
      group: new O3(),
      inputAction: pointAction(new O3()),
      outputAction: o3Action(sh.irrepsOut),
      inputs: [v],
      ...F64,
    });
    assertEquivariant((p: Tensor) => sh.forward(p), {
      group: new O3(),
      inputAction: pointAction(new O3()),
      outputAction: o3Action(sh.irrepsOut),
      inputs: [v.float()],
      ...F32,
    });
    // component normalisation: Σ_m Y_lm² = 2l+1
    const y = sh.forward(v);
    let s = 0;
    for (let m = 4; m < 9; m++) s += y.data[m]! ** 2;
    expect(s).toBeCloseTo(5, 10);
    expect(() => new SphericalHarmonics("1e")).toThrow(/parities \(-1\)\^l/);
  });

  it("irrepsFieldType gives the same action as o3Action and a homomorphism", () => {
    const ft = irrepsFieldType("2x0e + 1x1o + 1x2e");
    expect(ft.size).toBe(10);
    const g = new Generator(8);
    const Q = new O3().sample(g);
    const x = randn([3, 10], { dtype: "float64", generator: g });
    const a = ft.transform(x, Q, -1).toFlatArray();
    const b = o3Action("2x0e + 1x1o + 1x2e")(Q, x).toFlatArray();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
    const so3 = irrepsFieldType("1x1e", new SO3());
    expect(so3.group.name).toBe("SO(3)");
  });
});
