/**
 * Equivariant nonlinearities for irreps features (e3nn's `nn.Gate` and `nn.NormActivation`).
 *
 * - {@link Gate}: scalars go through ordinary activations; every non-scalar irrep copy is multiplied
 *   by its own gate, an activated extra scalar. Input `scalars ⊕ gates ⊕ gated`, output
 *   `act(scalars) ⊕ gated·act(gates)`.
 * - {@link NormActivation}: each irrep copy v becomes v/‖v‖ · φ(‖v‖) (or v · φ(‖v‖)).
 *
 * Both act on the invariant norms or on scalars only, hence commute with O(3).
 */
import { Module, Parameter } from "../../../nn/module.js";
import { Irrep, Irreps } from "../../../symmetry/o3/irreps.js";
import { zeros } from "../../../tensor/creation.js";
import { ErlangenError } from "../../../tensor/errors.js";
import { Tensor } from "../../../tensor/tensor.js";
import { applyActivation, type NormalizedActivation, normalizedActivation } from "./activation.js";
import "../../../tensor/index.js";
import { type ActivationSpec, resolveActivation } from "../../../nn/activation.js";

function int32(a: ArrayLike<number>): Tensor {
  return new Tensor(Int32Array.from(a), [a.length], "int32");
}

/** Output irreps of activations acting on scalar blocks (parity rule of e3nn's `Activation`). */
function activatedIrreps(op: string, arg: string, irreps: Irreps, acts: NormalizedActivation[]): Irreps {
  return new Irreps(
    irreps.items.map(({ mul, ir }, i) => {
      const a = acts[i]!;
      if (ir.p === 1) return { mul, ir };
      if (a.parity === 0) {
        throw new ErlangenError(
          `${op}: argument '${arg}[${i}]' expected an even or odd activation for the pseudo-scalars ${mul}x${ir}, got one that is neither`,
        );
      }
      return { mul, ir: new Irrep(0, a.parity === 1 ? 1 : -1) };
    }),
  );
}

function checkScalars(op: string, arg: string, irreps: Irreps): void {
  for (const { ir } of irreps.items) {
    if (ir.l !== 0) throw new ErlangenError(`${op}: argument '${arg}' expected scalar irreps (l = 0), got '${irreps}'`);
  }
}

/** Per scalar block, the activation applied (scaled to unit second moment). */
function applyBlocks(x: Tensor, irreps: Irreps, acts: NormalizedActivation[]): Tensor[] {
  const out: Tensor[] = [];
  irreps.slices().forEach(([s, e], i) => {
    if (e > s) out.push(applyActivation(acts[i]!, x.narrow(1, s, e - s)));
  });
  return out;
}

/** Options of {@link Gate}. */
export interface GateOptions {
  /**
   * The second-moment constants c (the activations are c · φ) per scalar block, instead of the exact
   * 1/√E[φ(z)²] (e.g. e3nn's sampled estimates, to reproduce an e3nn model to 1e-5).
   */
  scalarScales?: readonly number[];
  /** The same for the gate blocks. */
  gateScales?: readonly number[];
}

/**
 * Gated nonlinearity: `new Gate("16x0e", ["silu"], "8x0e", ["sigmoid"], "4x1o + 4x2e")` takes input
 * irreps `16x0e + 8x0e + 4x1o + 4x2e` and returns `16x0e + 4x1o + 4x2e`. Activations are given per
 * block (a function or a name) and rescaled to unit second moment, as in e3nn.
 */
export class Gate extends Module<[Tensor], Tensor> {
  readonly irrepsScalars: Irreps;
  readonly irrepsGates: Irreps;
  readonly irrepsGated: Irreps;
  readonly irrepsIn: Irreps;
  readonly irrepsOut: Irreps;
  private readonly _actScalars: NormalizedActivation[];
  private readonly _actGates: NormalizedActivation[];
  /** For each component of the gated part, the index of its gate. */
  private readonly _gateOf: Tensor;

  constructor(
    irrepsScalars: Irreps | string,
    actScalars: readonly ActivationSpec[],
    irrepsGates: Irreps | string,
    actGates: readonly ActivationSpec[],
    irrepsGated: Irreps | string,
    opts: GateOptions = {},
  ) {
    super();
    const op = "Gate";
    this.irrepsScalars = new Irreps(irrepsScalars);
    this.irrepsGates = new Irreps(irrepsGates);
    this.irrepsGated = new Irreps(irrepsGated);
    checkScalars(op, "irrepsScalars", this.irrepsScalars);
    checkScalars(op, "irrepsGates", this.irrepsGates);
    if (actScalars.length !== this.irrepsScalars.length) {
      throw new ErlangenError(
        `${op}: argument 'actScalars' expected ${this.irrepsScalars.length} activations (one per block of '${this.irrepsScalars}'), got ${actScalars.length}`,
      );
    }
    if (actGates.length !== this.irrepsGates.length) {
      throw new ErlangenError(
        `${op}: argument 'actGates' expected ${this.irrepsGates.length} activations (one per block of '${this.irrepsGates}'), got ${actGates.length}`,
      );
    }
    if (this.irrepsGates.numIrreps !== this.irrepsGated.numIrreps) {
      throw new ErlangenError(
        `${op}: argument 'irrepsGates' expected ${this.irrepsGated.numIrreps} gates (one per irrep of '${this.irrepsGated}'), got ${this.irrepsGates.numIrreps}`,
      );
    }
    const scaled = (acts: readonly ActivationSpec[], scales: readonly number[] | undefined, arg: string) =>
      acts.map((a, i) => {
        const n = normalizedActivation(op, a);
        if (scales === undefined) return n;
        const c = scales[i];
        if (scales.length !== acts.length || c === undefined || !(Number.isFinite(c) && c > 0))
          throw new ErlangenError(
            `${op}: argument '${arg}' expected ${acts.length} positive finite constants (one per block), got ${JSON.stringify(scales)}`,
          );
        return { ...n, scale: c };
      });
    this._actScalars = scaled(actScalars, opts.scalarScales, "opts.scalarScales");
    this._actGates = scaled(actGates, opts.gateScales, "opts.gateScales");
    const scalarsOut = activatedIrreps(op, "actScalars", this.irrepsScalars, this._actScalars);
    const gatesOut = activatedIrreps(op, "actGates", this.irrepsGates, this._actGates);
    // parity of each gate copy, then of each gated output copy
    const gateParity: (1 | -1)[] = [];
    for (const { mul, ir } of gatesOut.items) for (let u = 0; u < mul; u++) gateParity.push(ir.p);
    const gatedOut: { mul: number; ir: Irrep }[] = [];
    const gateOf: number[] = [];
    let g = 0;
    for (const { mul, ir } of this.irrepsGated.items) {
      for (let u = 0; u < mul; u++, g++) {
        const p = (ir.p * gateParity[g]!) as 1 | -1;
        const last = gatedOut[gatedOut.length - 1];
        if (last && last.ir.l === ir.l && last.ir.p === p && u > 0) last.mul++;
        else gatedOut.push({ mul: 1, ir: new Irrep(ir.l, p) });
        for (let m = 0; m < ir.dim; m++) gateOf.push(g);
      }
    }
    this._gateOf = int32(gateOf);
    this.irrepsIn = this.irrepsScalars.add(this.irrepsGates).add(this.irrepsGated);
    this.irrepsOut = scalarsOut.add(new Irreps(gatedOut));
  }

  forward(x: Tensor): Tensor {
    this.irrepsIn.check("Gate", x);
    const lead = x.shape.slice(0, -1);
    const Z = lead.reduce((p, q) => p * q, 1);
    const a = x.reshape(Z, this.irrepsIn.dim);
    const nS = this.irrepsScalars.dim;
    const nG = this.irrepsGates.dim;
    const nV = this.irrepsGated.dim;
    const parts = applyBlocks(nS > 0 ? a.narrow(1, 0, nS) : a, this.irrepsScalars, this._actScalars);
    if (nV > 0) {
      const gates = applyBlocks(a.narrow(1, nS, nG), this.irrepsGates, this._actGates);
      const gcat = gates.length === 1 ? gates[0]! : gates[0]!.concat(gates.slice(1), 1);
      parts.push(a.narrow(1, nS + nG, nV).mul(gcat.indexSelect(1, this._gateOf)));
    }
    if (parts.length === 0) return x.reshape(...lead, 0);
    const y = parts.length === 1 ? parts[0]! : parts[0]!.concat(parts.slice(1), 1);
    return y.reshape(...lead, this.irrepsOut.dim);
  }

  override extraRepr(): string {
    return `${this.irrepsIn} -> ${this.irrepsOut}`;
  }
}

/** Options of {@link NormActivation}. */
export interface NormActivationOptions {
  /** Divide by the norm, so the output is v̂ · φ(‖v‖) (default true). */
  normalize?: boolean;
  /** Norms below ε are raised to ε before use (default 1e-8 when normalizing). */
  epsilon?: number;
  /** A trainable bias added to each norm before φ (default false). */
  bias?: boolean;
}

/**
 * Norm nonlinearity: for each irrep copy v, `v/‖v‖ · φ(‖v‖ + b)` (with `normalize`, the default) or
 * `v · φ(‖v‖ + b)`. The output irreps equal the input irreps. `φ` is not rescaled (as in e3nn).
 */
export class NormActivation extends Module<[Tensor], Tensor> {
  readonly irrepsIn: Irreps;
  readonly irrepsOut: Irreps;
  readonly normalize: boolean;
  readonly epsilon: number;
  /** One bias per irrep copy, or null. */
  biases: Parameter | null;
  private readonly _act: (x: Tensor) => Tensor;
  private readonly _copyOf: Tensor;
  private readonly _sumMatrix: Map<string, Tensor> = new Map();

  constructor(irreps: Irreps | string, act: ActivationSpec, opts: NormActivationOptions = {}) {
    super();
    this.irrepsIn = new Irreps(irreps);
    this.irrepsOut = this.irrepsIn;
    this.normalize = opts.normalize ?? true;
    if (opts.epsilon !== undefined && !(opts.epsilon >= 0))
      throw new ErlangenError(`NormActivation: argument 'epsilon' expected a non-negative number, got ${opts.epsilon}`);
    this.epsilon = opts.epsilon ?? (this.normalize ? 1e-8 : 0);
    this._act = resolveActivation(act, "NormActivation");
    this.biases = opts.bias ? new Parameter(zeros([this.irrepsIn.numIrreps])) : null;
    const copyOf: number[] = [];
    let c = 0;
    for (const { mul, ir } of this.irrepsIn.items)
      for (let u = 0; u < mul; u++, c++) for (let m = 0; m < ir.dim; m++) copyOf.push(c);
    this._copyOf = int32(copyOf);
  }

  private sumMatrix(dtype: "float32" | "float64"): Tensor {
    let t = this._sumMatrix.get(dtype);
    if (!t) {
      const D = this.irrepsIn.dim;
      const K = this.irrepsIn.numIrreps;
      const m = dtype === "float64" ? new Float64Array(D * K) : new Float32Array(D * K);
      for (let i = 0; i < D; i++) m[i * K + this._copyOf.data[i]!] = 1;
      t = new Tensor(m, [D, K], dtype);
      this._sumMatrix.set(dtype, t);
    }
    return t;
  }

  forward(x: Tensor): Tensor {
    this.irrepsIn.check("NormActivation", x);
    const lead = x.shape.slice(0, -1);
    const Z = lead.reduce((p, q) => p * q, 1);
    const a = x.reshape(Z, this.irrepsIn.dim);
    const dtype = x.dtype === "float64" ? "float64" : "float32";
    let sq = a.square().matmul(this.sumMatrix(dtype)); // [Z, numIrreps]
    if (this.epsilon > 0) sq = sq.clamp(this.epsilon * this.epsilon);
    const norms = sq.sqrt();
    let s = this._act(this.biases ? norms.add(this.biases) : norms);
    if (this.normalize) s = s.div(norms);
    return a.mul(s.indexSelect(1, this._copyOf)).reshape(...lead, this.irrepsIn.dim);
  }

  override extraRepr(): string {
    return `${this.irrepsIn}, normalize=${this.normalize}`;
  }
}
