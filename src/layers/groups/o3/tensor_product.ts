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
import { Irreps } from "../../../symmetry/o3/irreps.js";
import { wigner3j } from "../../../symmetry/o3/wigner.js";
import { randn } from "../../../tensor/creation.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import { type ConnectionMode, type TensorProductPath, tensorProductPaths } from "../../../tensor/ops/tensor_product.js";
import type { Generator } from "../../../tensor/rng.js";
import type { Tensor } from "../../../tensor/tensor.js";
import "../../../tensor/index.js";

export type { ConnectionMode };

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
  private _plans: TensorProductPath[] | null = null;

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
    if (internal && !this.sharedWeights)
      throw new ErlangenError("TensorProduct: argument 'internalWeights' requires sharedWeights = true");
    const I1 = this.irrepsIn1.items;
    const I2 = this.irrepsIn2.items;
    const IO = this.irrepsOut.items;
    for (const [k, spec] of instructions.entries()) {
      const [a, b, c, mode] = spec;
      if (!(a >= 0 && a < I1.length && b >= 0 && b < I2.length && c >= 0 && c < IO.length)) {
        throw new ErlangenError(
          `TensorProduct: argument 'instructions[${k}]' expected block indices within (${I1.length}, ${I2.length}, ${IO.length}), got (${a}, ${b}, ${c})`,
        );
      }
      const ir1 = I1[a]!.ir;
      const ir2 = I2[b]!.ir;
      const ir3 = IO[c]!.ir;
      if (ir3.p !== ir1.p * ir2.p || ir3.l < Math.abs(ir1.l - ir2.l) || ir3.l > ir1.l + ir2.l) {
        throw new ErlangenError(
          `TensorProduct: argument 'instructions[${k}]' expected an allowed path, but ${ir1} ⊗ ${ir2} does not contain ${ir3}`,
        );
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
      if (!ok)
        throw new ErlangenError(
          `TensorProduct: argument 'instructions[${k}]' mode '${mode}' does not fit multiplicities (${m1}, ${m2}, ${m3})`,
        );
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
        mode === "uvw"
          ? [m1, m2, m3]
          : mode === "uvu" || mode === "uvv" || mode === "uvuv"
            ? [m1, m2]
            : mode === "uuw"
              ? [m1, m3]
              : [m1];
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

  /** The execution plan of each path (offsets, sizes, sparse Wigner-3j coefficients), built once. */
  private plans(): TensorProductPath[] {
    if (this._plans) return this._plans;
    const s1 = this.irrepsIn1.slices();
    const s2 = this.irrepsIn2.slices();
    const s3 = this.irrepsOut.slices();
    const plans: TensorProductPath[] = [];
    for (const ins of this.instructions) {
      const { mul: U, ir: ir1 } = this.irrepsIn1.items[ins.iIn1]!;
      const { mul: V, ir: ir2 } = this.irrepsIn2.items[ins.iIn2]!;
      const { mul: Wm, ir: ir3 } = this.irrepsOut.items[ins.iOut]!;
      if (U === 0 || V === 0 || Wm === 0) continue;
      const d1 = ir1.dim;
      const d2 = ir2.dim;
      const d3 = ir3.dim;
      const c = wigner3j(ir1.l, ir2.l, ir3.l);
      let cmax = 0;
      for (const v of c) cmax = Math.max(cmax, Math.abs(v));
      const ci: number[] = [];
      const cj: number[] = [];
      const ck: number[] = [];
      const cv: number[] = [];
      for (let i = 0; i < d1; i++) {
        for (let j = 0; j < d2; j++) {
          for (let k = 0; k < d3; k++) {
            const v = c[(i * d2 + j) * d3 + k]!;
            if (Math.abs(v) > 1e-14 * cmax) {
              ci.push(i);
              cj.push(j);
              ck.push(k);
              cv.push(v);
            }
          }
        }
      }
      plans.push({
        mode: ins.connectionMode,
        U,
        V,
        W: Wm,
        d1,
        d2,
        d3,
        o1: s1[ins.iIn1]![0],
        o2: s2[ins.iIn2]![0],
        o3: s3[ins.iOut]![0],
        hasWeight: ins.hasWeight,
        wOff: ins.weightOffset,
        pw: ins.pathWeight,
        ci: Int32Array.from(ci),
        cj: Int32Array.from(cj),
        ck: Int32Array.from(ck),
        cv: Float64Array.from(cv),
      });
    }
    this._plans = plans;
    return plans;
  }

  /**
   * x1 [..., dim1], x2 [..., dim2] (same leading shape), weight: internal, or [weightNumel] (shared)
   * / [..., weightNumel] (per sample). Returns [..., dimOut]. One fused op: per sample and path it
   * contracts the inputs with the sparse Wigner-3j coefficients and mixes multiplicities with the
   * path's weights; the backward pass recomputes the contraction.
   */
  forward(x1: Tensor, x2: Tensor, weight?: Tensor): Tensor {
    this.irrepsIn1.check("TensorProduct", x1, "x1");
    this.irrepsIn2.check("TensorProduct", x2, "x2");
    const lead = x1.shape.slice(0, -1);
    const lead2 = x2.shape.slice(0, -1);
    if (lead.length !== lead2.length || lead.some((d, i) => d !== lead2[i])) {
      throw new ErlangenError(
        `TensorProduct: argument 'x2' expected leading shape ${fmtShape(lead)} like x1, got ${fmtShape(lead2)}`,
      );
    }
    let w: Tensor | null = weight ?? this.weight;
    const perSample = !this.sharedWeights;
    if (this.weightNumel > 0) {
      if (!w)
        throw new ErlangenError(
          `TensorProduct: argument 'weight' expected a tensor of ${this.weightNumel} weights (the module has no internal weights), got none`,
        );
      const expected = perSample ? [...lead, this.weightNumel] : [this.weightNumel];
      if (w.size !== expected.reduce((p, q) => p * q, 1) || w.shape[w.ndim - 1] !== this.weightNumel) {
        throw new ErlangenError(
          `TensorProduct: argument 'weight' expected shape ${fmtShape(expected)}, got ${fmtShape(w.shape)}`,
        );
      }
    } else w = null;
    const dtype = x1.dtype === "float64" || x2.dtype === "float64" || w?.dtype === "float64" ? "float64" : "float32";
    const a = x1.dtype === dtype ? x1 : x1.cast(dtype);
    const b = x2.dtype === dtype ? x2 : x2.cast(dtype);
    const wc = w === null ? null : w.dtype === dtype ? w : w.cast(dtype);
    return tensorProductPaths(a, b, wc, this.plans(), {
      dims: [this.irrepsIn1.dim, this.irrepsIn2.dim, this.irrepsOut.dim],
      weightNumel: this.weightNumel,
      perSample,
    });
  }

  override toString(): string {
    return `${this.constructor.name}(${this.irrepsIn1} x ${this.irrepsIn2} -> ${this.irrepsOut} | ${this.instructions.length} paths | ${this.weightNumel} weights)`;
  }
}

/** Every allowed path (i1, i2) → o with its own weights `uvw` (e3nn's FullyConnectedTensorProduct). */
export class FullyConnectedTensorProduct extends TensorProduct {
  constructor(
    irrepsIn1: Irreps | string,
    irrepsIn2: Irreps | string,
    irrepsOut: Irreps | string,
    opts: TensorProductOptions = {},
  ) {
    const a = new Irreps(irrepsIn1);
    const b = new Irreps(irrepsIn2);
    const o = new Irreps(irrepsOut);
    const ins: InstructionSpec[] = [];
    a.items.forEach((x, i) => {
      b.items.forEach((y, j) => {
        o.items.forEach((z, k) => {
          if (z.ir.p === x.ir.p * y.ir.p && z.ir.l >= Math.abs(x.ir.l - y.ir.l) && z.ir.l <= x.ir.l + y.ir.l)
            ins.push([i, j, k, "uvw", true]);
        });
      });
    });
    super(a, b, o, ins, opts);
  }
}

function splitToMatch(a: Irreps, b: Irreps): [Irreps, Irreps] {
  if (a.numIrreps !== b.numIrreps) {
    throw new ErlangenError(
      `ElementwiseTensorProduct: argument 'irrepsIn2' expected ${a.numIrreps} irreps like irrepsIn1, got ${b.numIrreps}`,
    );
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
  constructor(
    irrepsIn1: Irreps | string,
    irrepsIn2: Irreps | string,
    opts: TensorProductOptions & { filterIrOut?: string[] } = {},
  ) {
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
  constructor(
    irrepsIn1: Irreps | string,
    irrepsIn2: Irreps | string,
    opts: TensorProductOptions & { filterIrOut?: string[] } = {},
  ) {
    const a = new Irreps(irrepsIn1);
    const b = new Irreps(irrepsIn2);
    const out: [number, string][] = [];
    const raw: [number, number, number][] = [];
    a.items.forEach((x, i) => {
      b.items.forEach((y, j) => {
        for (const ir of x.ir.mul(y.ir)) {
          if (opts.filterIrOut && !opts.filterIrOut.includes(ir.toString())) continue;
          raw.push([i, j, out.length]);
          out.push([x.mul * y.mul, ir.toString()]);
        }
      });
    });
    const sorted = new Irreps(out).sort();
    const ins: InstructionSpec[] = raw.map(([i, j, k]) => [i, j, sorted.p[k]!, "uvuv", false]);
    super(a, b, sorted.irreps, ins, opts);
  }
}
