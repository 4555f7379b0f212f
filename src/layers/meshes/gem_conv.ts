/**
 * GemConv (de Haan, Weiler, Cohen, Welling, "Gauge Equivariant Mesh CNNs: Anisotropic Convolutions on
 * Geometric Graphs", ICLR 2021):
 *
 *   f'_p = K_self f_p + Σ_{q ∈ N(p)} w_pq K_neigh(θ_pq) ρ_in(g_{q→p}) f_q  (+ b on the ρ_0 outputs)
 *
 * Features are direct sums of SO(2) irreps ({@link SO2Irreps}); θ_pq and g_{q→p} come from the gauge
 * bundle ({@link MeshGauge}: the polar angle of q in p's frame, and the parallel transport from q to p).
 * Under a gauge transformation (f_v ↦ ρ(g_v) f_v, θ_pq ↦ θ_pq + g_p, g_{q→p} ↦ g_{q→p} + g_p − g_q) the
 * output transforms as f'_p ↦ ρ_out(g_p) f'_p exactly when the kernels satisfy
 *
 *   K_neigh(θ + g) = ρ_out(g) K_neigh(θ) ρ_in(−g),      K_self ρ_in(g) = ρ_out(g) K_self.
 *
 * The complete solution of the first constraint is K_neigh(θ) = ρ_out(θ) K₀ ρ_in(−θ) with K₀ any
 * [C_out, C_in] matrix: between ρ_n and ρ_m this spans exactly the paper's basis ({@link gemKernelBasis}:
 * 1 function for 0 → 0, 2 for n → 0 and 0 → m, 4 for n → m: R((m−n)θ), R((m−n)θ)J, R((m+n)θ)F,
 * R((m+n)θ)FJ). The self-interaction solutions are a·1 for ρ_0 → ρ_0 and a·I + b·J for ρ_n → ρ_n, zero
 * between different orders ({@link gemSelfBasis}). So the neighbour term is computed per edge as
 *
 *   m_e = ρ_out(θ_pq) · K₀ · ρ_in(g_{q→p} − θ_pq) · f_q,     f'_p = Σ_e w_e m_e,
 *
 * vectorised over edges (gather → per-edge rotation → one matmul → per-edge rotation → scatter-add), with
 * `weight` = K₀, `selfWeight` the self-interaction coefficients and `bias` on the ρ_0 outputs only.
 * Neighbour weights: the bundle's `weight` if it has one, else 1/deg(p) (`aggr: "mean"`, default) or 1.
 */

import type { MeshGauge } from "../../domains/mesh/gauge.js";
import { normal } from "../../nn/init.js";
import type { LayerOptions } from "../../nn/linear.js";
import { Module, Parameter } from "../../nn/module.js";
import { applySO2Rotation, type SO2Irreps, so2Irreps, so2RotationTables } from "../../symmetry/so2_irreps.js";
import { zeros } from "../../tensor/creation.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { add, mul } from "../../tensor/ops/elementwise.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { t as transpose } from "../../tensor/ops/shape.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of {@link GemConv}. */
export interface GemConvOptions extends LayerOptions {
  /** Neighbour weights when the bundle has none: `"mean"` (w_pq = 1/deg(p), default) or `"sum"` (w_pq = 1). */
  aggr?: "mean" | "sum";
  /** Add the self-interaction K_self f_p (default true). */
  selfInteraction?: boolean;
  /** Learn a bias on the ρ_0 outputs (default true). */
  bias?: boolean;
}

/** Per-bundle constants of one (irrepsIn, irrepsOut, aggr, dtype) combination, cached. */
interface EdgeTables {
  src: Tensor;
  dst: Tensor;
  rotIn: { cos: Tensor; sin: Tensor };
  rotOut: { cos: Tensor; sin: Tensor };
  weight: Tensor;
}

const tableCache = new WeakMap<MeshGauge, Map<string, EdgeTables>>();

/** Neighbour weights w_e `[E, 1]` of a bundle: its own, else 1/deg(target) or 1. */
export function gaugeEdgeWeights(gauge: MeshGauge, aggr: "mean" | "sum"): Float64Array {
  const E = gauge.theta.length;
  if (gauge.weight !== null) return gauge.weight;
  const w = new Float64Array(E).fill(1);
  if (aggr === "sum") return w;
  const deg = new Float64Array(gauge.numNodes);
  const ei = gauge.edgeIndex.data as Int32Array;
  for (let e = 0; e < E; e++) deg[ei[E + e]!]! += 1;
  for (let e = 0; e < E; e++) w[e] = 1 / deg[ei[E + e]!]!;
  return w;
}

function edgeTables(
  gauge: MeshGauge,
  irrepsIn: SO2Irreps,
  irrepsOut: SO2Irreps,
  aggr: "mean" | "sum",
  dtype: "float32" | "float64",
): EdgeTables {
  const key = `${irrepsIn}|${irrepsOut}|${aggr}|${dtype}`;
  let byKey = tableCache.get(gauge);
  if (byKey === undefined) {
    byKey = new Map();
    tableCache.set(gauge, byKey);
  }
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  if (byKey.size === 0) checkGauge("GemConv", gauge, gauge.numNodes);
  const E = gauge.theta.length;
  const ei = gauge.edgeIndex.data as Int32Array;
  const alpha = new Float64Array(E);
  for (let e = 0; e < E; e++) alpha[e] = gauge.transport[e]! - gauge.theta[e]!;
  const w = gaugeEdgeWeights(gauge, aggr);
  const t: EdgeTables = {
    src: new Tensor(ei.slice(0, E), [E], "int32"),
    dst: new Tensor(ei.slice(E, 2 * E), [E], "int32"),
    rotIn: so2RotationTables(irrepsIn, alpha, dtype),
    rotOut: so2RotationTables(irrepsOut, gauge.theta, dtype),
    weight: new Tensor(dtype === "float64" ? Float64Array.from(w) : Float32Array.from(w), [E, 1], dtype),
  };
  byKey.set(key, t);
  return t;
}

/** Checks that a bundle is usable: an int32 [2, E] edge index with ids in range and angles per edge. */
export function checkGauge(op: string, gauge: MeshGauge, numNodes: number): void {
  const ei = gauge.edgeIndex;
  if (ei.dtype !== "int32" || ei.ndim !== 2 || ei.shape[0] !== 2)
    opError(op, "gauge.edgeIndex", "an int32 tensor [2, E]", `${ei.dtype} ${fmtShape(ei.shape)}`);
  const E = ei.shape[1]!;
  if (gauge.theta.length !== E || gauge.transport.length !== E)
    opError(op, "gauge", `theta and transport of length ${E}`, `${gauge.theta.length} and ${gauge.transport.length}`);
  if (gauge.numNodes !== numNodes)
    opError(op, "gauge", `a bundle of ${numNodes} vertices (the rows of x)`, `${gauge.numNodes} vertices`);
  const d = ei.data as Int32Array;
  for (let i = 0; i < d.length; i++) {
    if (!(d[i]! >= 0 && d[i]! < numNodes))
      opError(op, "gauge.edgeIndex", `vertex ids in [0, ${numNodes})`, `${d[i]} at edge ${i % E}`);
  }
}

/** 2×2 helpers (row-major). */
const R = (a: number) => [Math.cos(a), -Math.sin(a), Math.sin(a), Math.cos(a)];
const mm2 = (a: number[], b: number[]) => [
  a[0]! * b[0]! + a[1]! * b[2]!,
  a[0]! * b[1]! + a[1]! * b[3]!,
  a[2]! * b[0]! + a[3]! * b[2]!,
  a[2]! * b[1]! + a[3]! * b[3]!,
];
const J2 = [0, -1, 1, 0];
const F2 = [1, 0, 0, -1];

/**
 * The paper's basis of gauge-equivariant neighbour kernels ρ_n → ρ_m (orders n, m ≥ 0): functions of θ
 * returning row-major [d_m, d_n] matrices that satisfy K(θ + g) = ρ_m(g) K(θ) ρ_n(−g). 1 function for
 * (0, 0), 2 for (n, 0) and (0, m), 4 for (n, m) with n, m ≥ 1.
 */
export function gemKernelBasis(n: number, m: number): ((theta: number) => Float64Array)[] {
  if (!Number.isInteger(n) || n < 0) opError("gemKernelBasis", "n", "a non-negative integer", String(n));
  if (!Number.isInteger(m) || m < 0) opError("gemKernelBasis", "m", "a non-negative integer", String(m));
  if (n === 0 && m === 0) return [() => new Float64Array([1])];
  if (n === 0) {
    return [
      (t) => new Float64Array([Math.cos(m * t), Math.sin(m * t)]),
      (t) => new Float64Array([-Math.sin(m * t), Math.cos(m * t)]),
    ];
  }
  if (m === 0) {
    return [
      (t) => new Float64Array([Math.cos(n * t), Math.sin(n * t)]),
      (t) => new Float64Array([-Math.sin(n * t), Math.cos(n * t)]),
    ];
  }
  return [
    (t) => Float64Array.from(R((m - n) * t)),
    (t) => Float64Array.from(mm2(R((m - n) * t), J2)),
    (t) => Float64Array.from(mm2(R((m + n) * t), F2)),
    (t) => Float64Array.from(mm2(mm2(R((m + n) * t), F2), J2)),
  ];
}

/** The self-interaction basis ρ_n → ρ_m (constant matrices commuting with the group): [1], [I, J] or none. */
export function gemSelfBasis(n: number, m: number): Float64Array[] {
  if (n !== m) return [];
  if (n === 0) return [new Float64Array([1])];
  return [new Float64Array([1, 0, 0, 1]), new Float64Array(J2)];
}

/** Channel offset and size of every irrep copy, with its order. */
function copies(ir: SO2Irreps): { offset: number; order: number }[] {
  const out: { offset: number; order: number }[] = [];
  let c = 0;
  for (const { mul: k, order } of ir.entries) {
    for (let i = 0; i < k; i++) {
      out.push({ offset: c, order });
      c += order === 0 ? 1 : 2;
    }
  }
  return out;
}

/**
 * The self-interaction basis of whole types as a [P, C_out · C_in] matrix (rows: basis elements), with the
 * fan-in of every element (the input channels of its order).
 */
function selfBasisMatrix(irIn: SO2Irreps, irOut: SO2Irreps): { P: number; data: Float64Array; fan: Float64Array } {
  const Cin = irIn.dim;
  const Cout = irOut.dim;
  const rows: Float64Array[] = [];
  const fans: number[] = [];
  const ins = copies(irIn);
  const channelsOfOrder = (k: number) => ins.filter((i) => i.order === k).length * (k === 0 ? 1 : 2);
  for (const o of copies(irOut)) {
    for (const i of ins) {
      for (const B of gemSelfBasis(i.order, o.order)) {
        const row = new Float64Array(Cout * Cin);
        const d = o.order === 0 ? 1 : 2;
        for (let r = 0; r < d; r++)
          for (let c = 0; c < d; c++) row[(o.offset + r) * Cin + i.offset + c] = B[r * d + c]!;
        rows.push(row);
        fans.push(channelsOfOrder(o.order));
      }
    }
  }
  const data = new Float64Array(rows.length * Cout * Cin);
  rows.forEach((r, k) => {
    data.set(r, k * Cout * Cin);
  });
  return { P: rows.length, data, fan: Float64Array.from(fans) };
}

/** Gauge-equivariant mesh convolution; see the file header. */
export class GemConv extends Module<[Tensor, MeshGauge], Tensor> {
  readonly irrepsIn: SO2Irreps;
  readonly irrepsOut: SO2Irreps;
  readonly aggr: "mean" | "sum";
  /** K₀ `[C_out, C_in]`: the neighbour kernel at θ = 0 (any matrix; see the file header). */
  weight: Parameter;
  /** Coefficients of the self-interaction basis `[P]`, or null. */
  selfWeight: Parameter | null;
  /** Bias of the ρ_0 outputs `[numScalarsOut]`, or null. */
  bias: Parameter | null;
  readonly #selfBasis: Tensor | null;
  readonly #selfFan: Float64Array | null;
  readonly #biasEmbed: Tensor | null;

  /**
   * @param irrepsIn - input type, e.g. `"3x0"` (three scalars) or `SO2Irreps.bandLimited(16, 2)`.
   * @param irrepsOut - output type.
   */
  constructor(irrepsIn: SO2Irreps | string, irrepsOut: SO2Irreps | string, opts: GemConvOptions = {}) {
    super();
    this.irrepsIn = so2Irreps(irrepsIn);
    this.irrepsOut = so2Irreps(irrepsOut);
    const aggr = opts.aggr ?? "mean";
    if (aggr !== "mean" && aggr !== "sum") opError("GemConv", "aggr", "'mean' or 'sum'", String(aggr));
    this.aggr = aggr;
    const dtype = opts.dtype ?? "float32";
    const Cin = this.irrepsIn.dim;
    const Cout = this.irrepsOut.dim;
    this.weight = new Parameter(zeros([Cout, Cin], { dtype }));
    if (opts.selfInteraction ?? true) {
      const sb = selfBasisMatrix(this.irrepsIn, this.irrepsOut);
      this.selfWeight = sb.P > 0 ? new Parameter(zeros([sb.P], { dtype })) : null;
      this.#selfBasis = sb.P > 0 ? new Tensor(sb.data, [sb.P, Cout * Cin], "float64").cast(dtype) : null;
      this.#selfFan = sb.fan;
    } else {
      this.selfWeight = null;
      this.#selfBasis = null;
      this.#selfFan = null;
    }
    const n0 = this.irrepsOut.numScalars;
    if ((opts.bias ?? true) && n0 > 0) {
      this.bias = new Parameter(zeros([n0], { dtype }));
      const emb = new Float64Array(n0 * Cout);
      this.irrepsOut.scalarChannels().forEach((c, i) => {
        emb[i * Cout + c] = 1;
      });
      this.#biasEmbed = new Tensor(emb, [n0, Cout], "float64").cast(dtype);
    } else {
      this.bias = null;
      this.#biasEmbed = null;
    }
    this.resetParameters(opts.generator);
  }

  /**
   * Draws K₀ from N(0, 3/C_in) and every self-interaction coefficient from N(0, 1.5/n), n the input channels
   * of its order; zeroes the bias. (The neighbour term of the ρ_k outputs averages rotated neighbours and
   * loses scale; with these variances a stack of GemConv + RegularNonlinearity(ReLU) blocks keeps the
   * feature RMS near 1 over 6 blocks on an icosphere, for random and for constant inputs.)
   */
  resetParameters(generator?: LayerOptions["generator"]): void {
    normal(this.weight, 0, Math.sqrt(3 / Math.max(1, this.irrepsIn.dim)), { generator });
    if (this.selfWeight !== null && this.#selfFan !== null) {
      normal(this.selfWeight, 0, 1, { generator });
      const fan = this.#selfFan;
      const d = this.selfWeight.data;
      for (let i = 0; i < d.length; i++) d[i] = d[i]! * Math.sqrt(1.5 / Math.max(1, fan[i]!));
    }
    if (this.bias !== null) this.bias.data.fill(0);
  }

  /** K_self as a `[C_out, C_in]` tensor (differentiable in `selfWeight`), or null. */
  selfKernel(): Tensor | null {
    if (this.selfWeight === null || this.#selfBasis === null) return null;
    const P = this.selfWeight.shape[0]!;
    return matmul(this.selfWeight.reshape([1, P]), this.#selfBasis).reshape([this.irrepsOut.dim, this.irrepsIn.dim]);
  }

  /** The neighbour kernel K_neigh(θ) = ρ_out(θ) K₀ ρ_in(−θ) as a row-major `[C_out, C_in]` array. */
  kernel(theta: number): Float64Array {
    const Cin = this.irrepsIn.dim;
    const Cout = this.irrepsOut.dim;
    const Ro = this.irrepsOut.matrix(theta);
    const Ri = this.irrepsIn.matrix(-theta);
    const K = this.weight.data;
    const tmp = new Float64Array(Cout * Cin);
    for (let i = 0; i < Cout; i++)
      for (let k = 0; k < Cout; k++) {
        const r = Ro[i * Cout + k]!;
        if (r !== 0) for (let j = 0; j < Cin; j++) tmp[i * Cin + j]! += r * K[k * Cin + j]!;
      }
    const out = new Float64Array(Cout * Cin);
    for (let i = 0; i < Cout; i++)
      for (let k = 0; k < Cin; k++) {
        const t = tmp[i * Cin + k]!;
        if (t !== 0) for (let j = 0; j < Cin; j++) out[i * Cin + j]! += t * Ri[k * Cin + j]!;
      }
    return out;
  }

  /**
   * @param x - features `[V, irrepsIn.dim]` in the bundle's frames.
   * @param gauge - the gauge bundle of the V vertices ({@link meshGauge}, {@link pointGauge}).
   * @returns features `[V, irrepsOut.dim]`.
   */
  forward(x: Tensor, gauge: MeshGauge): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.irrepsIn.dim)
      opError("GemConv", "x", `shape [V, ${this.irrepsIn.dim}] for irreps ${this.irrepsIn}`, fmtShape(x.shape));
    const V = x.shape[0]!;
    const dtype = this.weight.dtype === "float64" ? "float64" : "float32";
    if (x.dtype !== dtype) opError("GemConv", "x", `dtype ${dtype} (the parameters' dtype)`, x.dtype);
    if (gauge.numNodes !== V)
      opError("GemConv", "gauge", `a bundle of ${V} vertices (the rows of x)`, `${gauge.numNodes} vertices`);
    const t = edgeTables(gauge, this.irrepsIn, this.irrepsOut, this.aggr, dtype);
    // gather the neighbours, transport them into p's frame and rotate by −θ_pq: ρ_in(g_{q→p} − θ_pq) f_q
    const xq = applySO2Rotation(indexSelect(x, 0, t.src), this.irrepsIn, t.rotIn);
    // K₀, then back by ρ_out(θ_pq), weighted, summed at the targets
    const msg = mul(applySO2Rotation(matmul(xq, transpose(this.weight)), this.irrepsOut, t.rotOut), t.weight);
    let out = scatter(msg, t.dst, 0, V, "sum");
    const ks = this.selfKernel();
    if (ks !== null) out = add(out, matmul(x, transpose(ks)));
    if (this.bias !== null && this.#biasEmbed !== null) {
      out = add(out, matmul(this.bias.reshape([1, this.bias.shape[0]!]), this.#biasEmbed));
    }
    return out;
  }

  override extraRepr(): string {
    return `${this.irrepsIn} -> ${this.irrepsOut}, aggr=${this.aggr}, self=${this.selfWeight !== null}, bias=${this.bias !== null}`;
  }
}
