/**
 * The equivariant linear map between irreps features (e3nn's `o3.Linear`). By Schur's lemma a linear
 * map commuting with O(3) can only mix copies of the same irrep, so the weights are one
 * `mulIn × mulOut` matrix per pair of equal irreps (l and parity), applied identically to the 2l+1
 * components. Paths into one output block are normalised by its fan-in (1/√Σ mulIn, e3nn's
 * "element" path normalisation), so unit-variance inputs give unit-variance outputs with N(0, 1)
 * weights. Biases exist only for `0e` outputs (other irreps have no invariant direction).
 */
import { Module, Parameter } from "../../../nn/module.js";
import { Irreps } from "../../../symmetry/o3/irreps.js";
import { randn, zeros } from "../../../tensor/creation.js";
import { ErlangenError } from "../../../tensor/errors.js";
import type { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import "../../../tensor/index.js";

/** Options of {@link Linear}. */
export interface O3LinearOptions {
  /** Add a trainable bias to each `0e` output block (zeros at start; default false). */
  biases?: boolean;
  /** Source of the initial N(0, 1) weights. */
  generator?: Generator;
}

/** One weight block: input block `iIn` to output block `iOut`. */
export interface LinearInstruction {
  iIn: number;
  iOut: number;
  /** 1/√(fan-in of the output block). */
  pathWeight: number;
  /** Offset and size of the `[mulIn, mulOut]` block in {@link Linear.weight}. */
  weightOffset: number;
  weightNumel: number;
}

/**
 * `y = x · W` between irreps: `new Linear("8x0e + 4x1o", "16x0e + 8x1o")`. Input `[..., irrepsIn.dim]`,
 * output `[..., irrepsOut.dim]`. Output blocks with no matching input irrep are zero (or the bias).
 */
export class Linear extends Module<[Tensor], Tensor> {
  readonly irrepsIn: Irreps;
  readonly irrepsOut: Irreps;
  readonly instructions: readonly LinearInstruction[];
  /** All weight blocks, flattened (like e3nn's `weight`). */
  weight: Parameter | null;
  /** Biases of the `0e` output blocks, concatenated (null without biases). */
  bias: Parameter | null;
  /** Offsets of each output block's biases in {@link Linear.bias} (−1 when the block has none). */
  private readonly _biasOffset: number[];

  constructor(irrepsIn: Irreps | string, irrepsOut: Irreps | string, opts: O3LinearOptions = {}) {
    super();
    this.irrepsIn = new Irreps(irrepsIn);
    this.irrepsOut = new Irreps(irrepsOut);
    const ins: LinearInstruction[] = [];
    let offset = 0;
    this.irrepsOut.items.forEach((o, j) => {
      const sources = this.irrepsIn.items.map((m, i) => ({ m, i })).filter(({ m }) => m.ir.equals(o.ir) && m.mul > 0);
      const fanIn = sources.reduce((s, { m }) => s + m.mul, 0);
      for (const { m, i } of sources) {
        if (o.mul === 0) continue;
        const n = m.mul * o.mul;
        ins.push({ iIn: i, iOut: j, pathWeight: 1 / Math.sqrt(fanIn), weightOffset: offset, weightNumel: n });
        offset += n;
      }
    });
    this.instructions = ins;
    this.weight = offset > 0 ? new Parameter(randn([offset], { generator: opts.generator })) : null;
    this._biasOffset = [];
    let nb = 0;
    for (const { mul, ir } of this.irrepsOut.items) {
      const scalar = ir.l === 0 && ir.p === 1;
      this._biasOffset.push(opts.biases && scalar && mul > 0 ? nb : -1);
      if (opts.biases && scalar) nb += mul;
    }
    this.bias = nb > 0 ? new Parameter(zeros([nb])) : null;
  }

  /** Number of weights. */
  get weightNumel(): number {
    return this.weight?.size ?? 0;
  }

  /**
   * Per output block: the input columns its product reads, component-major (column k·M + m holds
   * component k of the m-th input copy, the copies of its instructions in order), the weight entries
   * of its instructions in order, M, and the block's path weight. Built once.
   */
  private _gathers: ({ cols: Tensor; weights: Tensor; M: number; pathWeight: number } | null)[] | null = null;

  private gathers(): ({ cols: Tensor; weights: Tensor; M: number; pathWeight: number } | null)[] {
    if (this._gathers !== null) return this._gathers;
    const sIn = this.irrepsIn.slices();
    this._gathers = this.irrepsOut.items.map(({ ir }, j) => {
      const mine = this.instructions.filter((s) => s.iOut === j);
      if (mine.length === 0) return null;
      const d = ir.dim;
      const M = mine.reduce((t, s) => t + this.irrepsIn.items[s.iIn]!.mul, 0);
      const cols = new Int32Array(d * M);
      const weights = new Int32Array(mine.reduce((t, s) => t + s.weightNumel, 0));
      for (let k = 0, c = 0; k < d; k++) {
        for (const s of mine) {
          const off = sIn[s.iIn]![0];
          for (let m = 0; m < this.irrepsIn.items[s.iIn]!.mul; m++) cols[c++] = off + m * d + k;
        }
      }
      let w = 0;
      for (const s of mine) for (let e = 0; e < s.weightNumel; e++) weights[w++] = s.weightOffset + e;
      return {
        cols: new Tensor(cols, [cols.length], "int32"),
        weights: new Tensor(weights, [w], "int32"),
        M,
        pathWeight: mine[0]!.pathWeight,
      };
    });
    return this._gathers;
  }

  forward(x: Tensor): Tensor {
    this.irrepsIn.check("o3.Linear", x);
    const lead = x.shape.slice(0, -1);
    const Z = lead.reduce((p, q) => p * q, 1);
    const dtype = x.dtype === "float64" ? "float64" : "float32";
    const a = x.reshape(Z, this.irrepsIn.dim);
    const gathers = this.gathers();
    const blocks: Tensor[] = [];
    this.irrepsOut.items.forEach(({ mul: mo, ir }, j) => {
      const d = ir.dim;
      const gj = gathers[j]!;
      let out: Tensor | null = null;
      if (gj !== null && this.weight) {
        // the inputs of this irrep stacked along the multiplicity axis, component-major: one gather
        // gives the [Z·d, M] matrix of the product (rows z·d + k), and one the matching weight rows
        const xs = a.indexSelect(1, gj.cols).reshape(Z * d, gj.M);
        const wcat = this.weight.indexSelect(0, gj.weights).reshape(gj.M, mo).mul(gj.pathWeight);
        out = xs.matmul(wcat);
        if (d > 1)
          out = out
            .reshape(Z, d, mo)
            .transpose(1, 2)
            .reshape(Z, mo * d);
      }
      const bo = this._biasOffset[j]!;
      if (bo >= 0 && this.bias) {
        const b = this.bias.narrow(0, bo, mo);
        out = out ? out.add(b) : b.reshape(1, mo).expand(Z, mo).cast(dtype);
      }
      blocks.push(
        out ??
          new Tensor(
            dtype === "float64" ? new Float64Array(Z * mo * d) : new Float32Array(Z * mo * d),
            [Z, mo * d],
            dtype,
          ),
      );
    });
    if (blocks.length === 0)
      throw new ErlangenError(`o3.Linear: argument 'irrepsOut' expected at least one block, got '${this.irrepsOut}'`);
    const y = blocks.length === 1 ? blocks[0]! : blocks[0]!.concat(blocks.slice(1), 1);
    return y.reshape(...lead, this.irrepsOut.dim);
  }

  override extraRepr(): string {
    return `${this.irrepsIn} -> ${this.irrepsOut} | ${this.weightNumel} weights${this.bias ? ` + ${this.bias.size} biases` : ""}`;
  }
}
