/**
 * Tensor products of irreps features (e3nn's `TensorProduct` and its common forms).
 *
 *   out[z, off3 + w·(2l3+1) + k] += pathWeight · Σ_{u,v,i,j} W[u,v,w] C[i,j,k] x1[z, u, i] x2[z, v, j]
 *
 * with C = wigner3j(l1, l2, l3) and, per connection mode, the weights indexed as in e3nn
 * (`uvw`, `uvu`, `uvv`, `uuw`, `uuu`, `uvuv`). Path normalisation follows e3nn: `irrepNormalization`
 * `component` gives α = 2l3+1 (`norm`: (2l1+1)(2l2+1), `none`: 1), `pathNormalization` `element`
 * divides α by the number of weighted elements of all paths into the same output block (`path`: by
 * the number of paths), and the path weight is √α. Weights are internal parameters (shared across
 * the batch) or given per sample, e.g. per edge from a radial network.
 */
import { Module, Parameter } from "../../../nn/module.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import { randn } from "../../../tensor/creation.js";
import type { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import { Irreps } from "../../../symmetry/o3/irreps.js";
import { wigner3j } from "../../../symmetry/o3/wigner.js";
import "../../../tensor/index.js";

export type ConnectionMode = "uvw" | "uvu" | "uvv" | "uuw" | "uuu" | "uvuv";

/** One path of a tensor product, as given by the user: [iIn1, iIn2, iOut, mode, hasWeight, pathWeight?]. */
export type InstructionSpec = [number, number, number, ConnectionMode, boolean, number?];

/** A resolved path. */
export interface Instruction {
  iIn1: number;
  iIn2: number;
  iOut: number;
  connectionMode: ConnectionMode;
  hasWeight: boolean;
  /** √α times the user's path weight. */
  pathWeight: number;
  pathShape: number[];
  weightOffset: number;
  weightNumel: number;
}

export interface TensorProductOptions {
  irrepNormalization?: "component" | "norm" | "none";
  pathNormalization?: "element" | "path" | "none";
  /** Keep the weights as a parameter of the module (default: true when sharedWeights). */
  internalWeights?: boolean;
  /** One set of weights for the whole batch (default true); false means `forward(x1, x2, weight[..., weightNumel])`. */
  sharedWeights?: boolean;
  generator?: Generator;
}

function numElements(mode: ConnectionMode, m1: number, m2: number): number {
  switch (mode) {
    case "uvw":
      return m1 * m2;
    case "uvu":
      return m2;
    case "uvv":
      return m1;
    case "uuw":
      return m1;
    case "uuu":
    case "uvuv":
      return 1;
  }
}

export class TensorProduct extends Module<[Tensor, Tensor, Tensor?], Tensor> {
  readonly irrepsIn1: Irreps;
  readonly irrepsIn2: Irreps;
  readonly irrepsOut: Irreps;
  readonly instructions: Instruction[];
  readonly weightNumel: number;
  readonly sharedWeights: boolean;
  /** Internal weights [weightNumel] (null when weights are given to forward). */
  weight: Parameter | null;
  private readonly _w3j: Map<string, Tensor> = new Map();

  constructor(
    irrepsIn1: Irreps | string,
    irrepsIn2: Irreps | string,
    irrepsOut: Irreps | string,
    instructions: readonly InstructionSpec[],
    opts: TensorProductOptions = {},
  ) {
    super();
    this.irrepsIn1 = new Irreps(irrepsIn1);
    this.irrepsIn2 = new Irreps(irrepsIn2);
    this.irrepsOut = new Irreps(irrepsOut);
    const irrepNorm = opts.irrepNormalization ?? "component";
    const pathNorm = opts.pathNormalization ?? "element";
    this.sharedWeights = opts.sharedWeights ?? true;
    const internal = opts.internalWeights ?? this.sharedWeights;
    if (internal && !this.sharedWeights) throw new ErlangenError("TensorProduct: argument 'internalWeights' requires sharedWeights = true");
    const I1 = this.irrepsIn1.items;
    const I2 = this.irrepsIn2.items;
    const IO = this.irrepsOut.items;
    for (const [k, spec] of instructions.entries()) {
      const [a, b, c, mode] = spec;
      if (!(a >= 0 && a < I1.length && b >= 0 && b < I2.length && c >= 0 && c < IO.length)) {
        throw new ErlangenError(`TensorProduct: argument 'instructions[${k}]' expected block indices within (${I1.length}, ${I2.length}, ${IO.length}), got (${a}, ${b}, ${c})`);
      }
      const ir1 = I1[a]!.ir;
      const ir2 = I2[b]!.ir;
      const ir3 = IO[c]!.ir;
      if (ir3.p !== ir1.p * ir2.p || ir3.l < Math.abs(ir1.l - ir2.l) || ir3.l > ir1.l + ir2.l) {
        throw new ErlangenError(`TensorProduct: argument 'instructions[${k}]' expected an allowed path, but ${ir1} ⊗ ${ir2} does not contain ${ir3}`);
      }
      const m1 = I1[a]!.mul;
      const m2 = I2[b]!.mul;
      const m3 = IO[c]!.mul;
      const ok =
        mode === "uvw" ||
        (mode === "uvu" && m1 === m3) ||
        (mode === "uvv" && m2 === m3) ||
        (mode === "uuw" && m1 === m2) ||
        (mode === "uuu" && m1 === m2 && m2 === m3) ||
        (mode === "uvuv" && m1 * m2 === m3);
      if (!ok) throw new ErlangenError(`TensorProduct: argument 'instructions[${k}]' mode '${mode}' does not fit multiplicities (${m1}, ${m2}, ${m3})`);
    }
    let offset = 0;
    this.instructions = instructions.map(([a, b, c, mode, hasWeight, pw]) => {
      const m1 = I1[a]!.mul;
      const m2 = I2[b]!.mul;
      const m3 = IO[c]!.mul;
      const ir1 = I1[a]!.ir;
      const ir2 = I2[b]!.ir;
      const ir3 = IO[c]!.ir;
      let alpha = irrepNorm === "component" ? ir3.dim : irrepNorm === "norm" ? ir1.dim * ir2.dim : 1;
      const same = instructions.filter((s) => s[2] === c);
      if (pathNorm === "element") {
        const x = same.reduce((s, t) => s + numElements(t[3], I1[t[0]]!.mul, I2[t[1]]!.mul), 0);
        if (x > 0) alpha /= x;
      } else if (pathNorm === "path") {
        alpha /= same.length;
      }
      const pathShape =
        mode === "uvw" ? [m1, m2, m3] : mode === "uvu" || mode === "uvv" || mode === "uvuv" ? [m1, m2] : mode === "uuw" ? [m1, m3] : [m1];
      const weightNumel = hasWeight ? pathShape.reduce((p, q) => p * q, 1) : 0;
      const ins: Instruction = {
        iIn1: a,
        iIn2: b,
        iOut: c,
        connectionMode: mode,
        hasWeight,
        pathWeight: Math.sqrt(alpha) * (pw ?? 1),
        pathShape: hasWeight ? pathShape : [],
        weightOffset: offset,
        weightNumel,
      };
      offset += weightNumel;
      return ins;
    });
    this.weightNumel = offset;
    this.weight = internal && offset > 0 ? new Parameter(randn([offset], { generator: opts.generator })) : null;
  }

  private w3j(l1: number, l2: number, l3: number, dtype: "float32" | "float64"): Tensor {
    const key = `${l1},${l2},${l3},${dtype}`;
    let t = this._w3j.get(key);
    if (!t) {
      const c = wigner3j(l1, l2, l3);
      t = new Tensor(dtype === "float32" ? Float32Array.from(c) : c, [2 * l1 + 1, (2 * l2 + 1) * (2 * l3 + 1)], dtype);
      this._w3j.set(key, t);
    }
    return t;
  }

  /**
   * x1 [..., dim1], x2 [..., dim2] (same leading shape, or one of them with a single row broadcast),
   * weight: internal, or [weightNumel] (shared) / [..., weightNumel] (per sample). Returns [..., dimOut].
   */
  forward(x1: Tensor, x2: Tensor, weight?: Tensor): Tensor {
    this.irrepsIn1.check("TensorProduct", x1, "x1");
    this.irrepsIn2.check("TensorProduct", x2, "x2");
    const lead = x1.shape.slice(0, -1);
    const lead2 = x2.shape.slice(0, -1);
    if (lead.length !== lead2.length || lead.some((d, i) => d !== lead2[i])) {
      throw new ErlangenError(`TensorProduct: argument 'x2' expected leading shape ${fmtShape(lead)} like x1, got ${fmtShape(lead2)}`);
    }
    const Z = lead.reduce((p, q) => p * q, 1);
    let w = weight ?? this.weight;
    if (this.weightNumel > 0) {
      if (!w) throw new ErlangenError(`TensorProduct: argument 'weight' expected a tensor of ${this.weightNumel} weights (the module has no internal weights), got none`);
      const perSample = !this.sharedWeights;
      const expected = perSample ? [...lead, this.weightNumel] : [this.weightNumel];
      if (w.size !== expected.reduce((p, q) => p * q, 1) || w.shape[w.ndim - 1] !== this.weightNumel) {
        throw new ErlangenError(`TensorProduct: argument 'weight' expected shape ${fmtShape(expected)}, got ${fmtShape(w.shape)}`);
      }
      w = perSample ? w.reshape(Z, this.weightNumel) : w.reshape(this.weightNumel);
    }
    const dtype = x1.dtype === "float64" ? "float64" : "float32";
    const a = x1.reshape(Z, this.irrepsIn1.dim);
    const b = x2.reshape(Z, this.irrepsIn2.dim);
    const s1 = this.irrepsIn1.slices();
    const s2 = this.irrepsIn2.slices();
    const outParts: (Tensor | null)[] = this.irrepsOut.items.map(() => null);
    for (const ins of this.instructions) {
      const { mul: U, ir: ir1 } = this.irrepsIn1.items[ins.iIn1]!;
      const { mul: V, ir: ir2 } = this.irrepsIn2.items[ins.iIn2]!;
      const { mul: Wm, ir: ir3 } = this.irrepsOut.items[ins.iOut]!;
      if (U === 0 || V === 0 || Wm === 0) continue;
      const d1 = ir1.dim;
      const d2 = ir2.dim;
      const d3 = ir3.dim;
      const xa = a.narrow(1, s1[ins.iIn1]![0], U * d1).reshape(Z, U, d1);
      const xb = b.narrow(1, s2[ins.iIn2]![0], V * d2).reshape(Z, V, d2);
      const C = this.w3j(ir1.l, ir2.l, ir3.l, dtype);
      // A[z, u, j, k] = Σ_i x1[z,u,i] C[i,j,k]
      const A = xa.reshape(Z * U, d1).matmul(C).reshape(Z, U, d2, d3);
      let wPath: Tensor | null = null;
      if (ins.hasWeight && w) {
        wPath = this.sharedWeights
          ? w.narrow(0, ins.weightOffset, ins.weightNumel).reshape(ins.pathShape)
          : w.narrow(1, ins.weightOffset, ins.weightNumel).reshape(Z, ...ins.pathShape);
      }
      let out: Tensor; // [Z, Wm, d3]
      const mode = ins.connectionMode;
      if (mode === "uuu" || mode === "uuw") {
        // T[z, u, k] = Σ_j A[z,u,j,k] x2[z,u,j]
        const T = A.permute([0, 1, 3, 2]).reshape(Z * U, d3, d2).bmm(xb.reshape(Z * U, d2, 1)).reshape(Z, U, d3);
        if (mode === "uuu") {
          out = wPath ? T.mul(this.sharedWeights ? wPath.reshape(1, U, 1) : wPath.reshape(Z, U, 1)) : T;
        } else {
          const Tt = T.permute([0, 2, 1]); // [Z, d3, U]
          out = (this.sharedWeights ? Tt.reshape(Z * d3, U).matmul(wPath!).reshape(Z, d3, Wm) : Tt.bmm(wPath!)).permute([0, 2, 1]);
        }
      } else {
        // T[z, u, k, v] = Σ_j A[z,u,j,k] x2[z,v,j]
        const T = A.permute([0, 1, 3, 2]).reshape(Z, U * d3, d2).bmm(xb.transpose(1, 2)).reshape(Z, U, d3, V);
        if (mode === "uvw") {
          const Tt = T.permute([0, 2, 1, 3]).reshape(Z, d3, U * V);
          out = (this.sharedWeights ? Tt.reshape(Z * d3, U * V).matmul(wPath!.reshape(U * V, Wm)).reshape(Z, d3, Wm) : Tt.bmm(wPath!.reshape(Z, U * V, Wm))).permute([0, 2, 1]);
        } else if (mode === "uvu") {
          const wv = wPath ? (this.sharedWeights ? wPath.reshape(1, U, 1, V) : wPath.reshape(Z, U, 1, V)) : null;
          out = (wv ? T.mul(wv) : T).sum(3);
        } else if (mode === "uvv") {
          const wv = wPath ? (this.sharedWeights ? wPath.reshape(1, U, 1, V) : wPath.reshape(Z, U, 1, V)) : null;
          out = (wv ? T.mul(wv) : T).sum(1).permute([0, 2, 1]);
        } else {
          // uvuv
          const wv = wPath ? (this.sharedWeights ? wPath.reshape(1, U, 1, V) : wPath.reshape(Z, U, 1, V)) : null;
          out = (wv ? T.mul(wv) : T).permute([0, 1, 3, 2]).reshape(Z, U * V, d3);
        }
      }
      const scaled = out.mul(ins.pathWeight);
      const prev = outParts[ins.iOut];
      outParts[ins.iOut] = prev ? prev.add(scaled) : scaled;
    }
    const blocks = this.irrepsOut.items.map(({ mul, ir }, i) => {
      const p = outParts[i];
      return p ? p.reshape(Z, mul * ir.dim) : new Tensor(dtype === "float64" ? new Float64Array(Z * mul * ir.dim) : new Float32Array(Z * mul * ir.dim), [Z, mul * ir.dim]);
    });
    const y = blocks.length === 1 ? blocks[0]! : blocks.length === 0 ? new Tensor(new Float32Array(0), [Z, 0]) : Tensor.prototype.concat.call(blocks[0]!, blocks.slice(1), 1);
    return y.reshape(...lead, this.irrepsOut.dim);
  }

  override toString(): string {
    return `${this.constructor.name}(${this.irrepsIn1} x ${this.irrepsIn2} -> ${this.irrepsOut} | ${this.instructions.length} paths | ${this.weightNumel} weights)`;
  }
}

/** Every allowed path (i1, i2) → o with its own weights `uvw` (e3nn's FullyConnectedTensorProduct). */
export class FullyConnectedTensorProduct extends TensorProduct {
  constructor(irrepsIn1: Irreps | string, irrepsIn2: Irreps | string, irrepsOut: Irreps | string, opts: TensorProductOptions = {}) {
    const a = new Irreps(irrepsIn1);
    const b = new Irreps(irrepsIn2);
    const o = new Irreps(irrepsOut);
    const ins: InstructionSpec[] = [];
    a.items.forEach((x, i) =>
      b.items.forEach((y, j) =>
        o.items.forEach((z, k) => {
          if (z.ir.p === x.ir.p * y.ir.p && z.ir.l >= Math.abs(x.ir.l - y.ir.l) && z.ir.l <= x.ir.l + y.ir.l) ins.push([i, j, k, "uvw", true]);
        }),
      ),
    );
    super(a, b, o, ins, opts);
  }
}

function splitToMatch(a: Irreps, b: Irreps): [Irreps, Irreps] {
  if (a.numIrreps !== b.numIrreps) {
    throw new ErlangenError(`ElementwiseTensorProduct: argument 'irrepsIn2' expected ${a.numIrreps} irreps like irrepsIn1, got ${b.numIrreps}`);
  }
  const A = a.items.map((x) => ({ ...x }));
  const B = b.items.map((x) => ({ ...x }));
  const outA: { mul: number; ir: (typeof A)[number]["ir"] }[] = [];
  const outB: typeof outA = [];
  let i = 0;
  let j = 0;
  while (i < A.length && j < B.length) {
    const m = Math.min(A[i]!.mul, B[j]!.mul);
    if (m > 0) {
      outA.push({ mul: m, ir: A[i]!.ir });
      outB.push({ mul: m, ir: B[j]!.ir });
    }
    A[i]!.mul -= m;
    B[j]!.mul -= m;
    if (A[i]!.mul === 0) i++;
    if (B[j]!.mul === 0) j++;
  }
  return [new Irreps(outA), new Irreps(outB)];
}

/** Pairs the irreps of both inputs one to one (`uuu`, no weights), e3nn's ElementwiseTensorProduct. */
export class ElementwiseTensorProduct extends TensorProduct {
  constructor(irrepsIn1: Irreps | string, irrepsIn2: Irreps | string, opts: TensorProductOptions & { filterIrOut?: string[] } = {}) {
    const [a, b] = splitToMatch(new Irreps(irrepsIn1), new Irreps(irrepsIn2));
    const out: [number, string][] = [];
    const ins: InstructionSpec[] = [];
    a.items.forEach((x, i) => {
      const y = b.items[i]!;
      for (const ir of x.ir.mul(y.ir)) {
        if (opts.filterIrOut && !opts.filterIrOut.includes(ir.toString())) continue;
        ins.push([i, i, out.length, "uuu", false]);
        out.push([x.mul, ir.toString()]);
      }
    });
    super(a, b, new Irreps(out), ins, opts);
  }
}

/** All products of all pairs (`uvuv`, no weights), output sorted and simplified, e3nn's FullTensorProduct. */
export class FullTensorProduct extends TensorProduct {
  constructor(irrepsIn1: Irreps | string, irrepsIn2: Irreps | string, opts: TensorProductOptions & { filterIrOut?: string[] } = {}) {
    const a = new Irreps(irrepsIn1);
    const b = new Irreps(irrepsIn2);
    const out: [number, string][] = [];
    const raw: [number, number, number][] = [];
    a.items.forEach((x, i) =>
      b.items.forEach((y, j) => {
        for (const ir of x.ir.mul(y.ir)) {
          if (opts.filterIrOut && !opts.filterIrOut.includes(ir.toString())) continue;
          raw.push([i, j, out.length]);
          out.push([x.mul * y.mul, ir.toString()]);
        }
      }),
    );
    const sorted = new Irreps(out).sort();
    const ins: InstructionSpec[] = raw.map(([i, j, k]) => [i, j, sorted.p[k]!, "uvuv", false]);
    super(a, b, sorted.irreps, ins, opts);
  }
}
