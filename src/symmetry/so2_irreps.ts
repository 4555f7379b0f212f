/**
 * Features made of SO(2) irreps, the field types of gauge-equivariant networks on surfaces, and the gauge
 * group that acts on them.
 *
 * `SO2Irreps("4x0+4x1+2x2")` is a value type in the manner of e3nn's `Irreps`: a direct sum of irreps ρ_k
 * of SO(2) with multiplicities. ρ_0 is the trivial 1-D irrep (a scalar); ρ_k (k ≥ 1) is 2-D and acts on a
 * pair (a, b) by the rotation
 *
 *   ρ_k(g) = [[cos kg, −sin kg], [sin kg, cos kg]],
 *
 * the same matrices as {@link so2Irrep}. Channel layout: entries in order; each entry `mul x k` holds `mul`
 * copies one after the other, each of size 1 (k = 0) or 2 (k ≥ 1, the pair (a, b)).
 *
 * The gauge group of a surface with V vertices is SO(2)^V: an independent rotation g_v of the tangent
 * frame at every vertex ({@link GaugeGroup}). A feature f_v of type ρ becomes ρ(g_v) f_v
 * ({@link gaugeFieldAction}); {@link so2Rotate} applies per-row rotations with tensor ops, so autograd
 * flows through it.
 */

import { record } from "../tensor/autograd.js";
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { Action } from "./actions.js";
import { FieldType } from "./field_type.js";
import type { Group } from "./group.js";
import { SO2 } from "./groups.js";
import { so2Irrep } from "./representation.js";

/** One entry of {@link SO2Irreps}: `mul` copies of the irrep of order `order`. */
export interface SO2IrrepEntry {
  readonly mul: number;
  readonly order: number;
}

const SO2_GROUP = new SO2();

/**
 * A direct sum of SO(2) irreps with multiplicities (see the module docs). Parse from a string
 * (`"16x0+16x1+16x2"`, `"0"` for one scalar) or build from `[mul, order]` pairs.
 */
export class SO2Irreps {
  readonly entries: readonly SO2IrrepEntry[];
  /** Number of channels. */
  readonly dim: number;
  #orders: Int32Array | null = null;
  #partner: Int32Array | null = null;
  #sign: Float64Array | null = null;

  constructor(spec: string | SO2Irreps | readonly (readonly [number, number])[]) {
    if (spec instanceof SO2Irreps) {
      this.entries = spec.entries;
    } else if (typeof spec === "string") {
      this.entries = SO2Irreps.#parse(spec);
    } else {
      this.entries = spec.map(([mul, order]) => {
        SO2Irreps.#checkEntry(mul, order, `[${mul}, ${order}]`);
        return { mul, order };
      });
    }
    this.dim = this.entries.reduce((s, e) => s + e.mul * (e.order === 0 ? 1 : 2), 0);
  }

  static #checkEntry(mul: number, order: number, text: string): void {
    if (!Number.isInteger(mul) || mul < 0 || !Number.isInteger(order) || order < 0) {
      opError("SO2Irreps", "spec", "entries 'MULxORDER' with non-negative integers (e.g. '8x0+8x1')", `'${text}'`);
    }
  }

  static #parse(s: string): SO2IrrepEntry[] {
    const t = s.replace(/\s+/g, "");
    if (t === "") return [];
    return t.split("+").map((part) => {
      const m = /^(?:(\d+)x)?(\d+)$/.exec(part);
      if (!m) opError("SO2Irreps", "spec", "entries 'MULxORDER' (e.g. '8x0+8x1')", `'${part}' in '${s}'`);
      const mul = m[1] === undefined ? 1 : Number(m[1]);
      const order = Number(m[2]);
      SO2Irreps.#checkEntry(mul, order, part);
      return { mul, order };
    });
  }

  /** `mul` scalars (`"mulx0"`). */
  static scalars(mul: number): SO2Irreps {
    return new SO2Irreps([[mul, 0]]);
  }

  /**
   * The band-limited regular type `mul x (ρ_0 ⊕ ρ_1 ⊕ … ⊕ ρ_maxOrder)`, i.e. `"mulx0+mulx1+…+mulxM"`: the
   * Fourier coefficients of `mul` functions on the circle, the input of {@link RegularNonlinearity}.
   */
  static bandLimited(mul: number, maxOrder: number): SO2Irreps {
    return new SO2Irreps(Array.from({ length: maxOrder + 1 }, (_, k) => [mul, k] as const));
  }

  /** The highest order present (−1 when empty). */
  get maxOrder(): number {
    return this.entries.reduce((m, e) => (e.mul > 0 ? Math.max(m, e.order) : m), -1);
  }

  /** Number of ρ_0 channels. */
  get numScalars(): number {
    return this.entries.reduce((s, e) => s + (e.order === 0 ? e.mul : 0), 0);
  }

  /** Order k of every channel `[dim]`. */
  get orders(): Int32Array {
    if (this.#orders === null) this.#layout();
    return this.#orders!;
  }

  /**
   * The partner of every channel in its 2-D irrep (a ↔ b), itself for scalars: with `sign`, a rotation
   * reads ρ(g)x = cos(k g)·x + sin(k g)·sign·x[partner].
   */
  get partner(): Int32Array {
    if (this.#partner === null) this.#layout();
    return this.#partner!;
  }

  /** −1 on the first channel (a) of every 2-D irrep, +1 on the second (b), 0 on scalars. */
  get sign(): Float64Array {
    if (this.#sign === null) this.#layout();
    return this.#sign!;
  }

  /** Indices of the ρ_0 channels, in order. */
  scalarChannels(): Int32Array {
    const o = this.orders;
    const out: number[] = [];
    for (let c = 0; c < o.length; c++) if (o[c] === 0) out.push(c);
    return Int32Array.from(out);
  }

  #layout(): void {
    const orders = new Int32Array(this.dim);
    const partner = new Int32Array(this.dim);
    const sign = new Float64Array(this.dim);
    let c = 0;
    for (const { mul, order } of this.entries) {
      for (let i = 0; i < mul; i++) {
        if (order === 0) {
          orders[c] = 0;
          partner[c] = c;
          c += 1;
        } else {
          orders[c] = order;
          orders[c + 1] = order;
          partner[c] = c + 1;
          partner[c + 1] = c;
          sign[c] = -1;
          sign[c + 1] = 1;
          c += 2;
        }
      }
    }
    this.#orders = orders;
    this.#partner = partner;
    this.#sign = sign;
  }

  /**
   * For a band-limited regular type (every order 0..M present with the same multiplicity, in increasing
   * order), its multiplicity and M; otherwise null.
   */
  bandLimitedShape(): { mul: number; maxOrder: number } | null {
    const es = this.entries.filter((e) => e.mul > 0);
    if (es.length === 0) return null;
    const mul = es[0]!.mul;
    for (let k = 0; k < es.length; k++) if (es[k]!.order !== k || es[k]!.mul !== mul) return null;
    return { mul, maxOrder: es.length - 1 };
  }

  /** The same type as a {@link FieldType} of SO(2) (one field per irrep copy), for the generic machinery. */
  fieldType(): FieldType<number> {
    const reps = this.entries.flatMap((e) => Array.from({ length: e.mul }, () => so2Irrep(SO2_GROUP, e.order)));
    return new FieldType(SO2_GROUP, reps);
  }

  /** The block-diagonal matrix ρ(g) `[dim, dim]` row-major. */
  matrix(g: number): Float64Array {
    const n = this.dim;
    const m = new Float64Array(n * n);
    const o = this.orders;
    const p = this.partner;
    const s = this.sign;
    for (let c = 0; c < n; c++) {
      m[c * n + c] = Math.cos(o[c]! * g);
      if (o[c] !== 0) m[c * n + p[c]!] = s[c]! * Math.sin(o[c]! * g);
    }
    return m;
  }

  /** Concatenation (⊕), keeping the entries in order. */
  concat(other: SO2Irreps): SO2Irreps {
    return new SO2Irreps([...this.entries, ...other.entries].map((e) => [e.mul, e.order] as const));
  }

  equals(other: SO2Irreps): boolean {
    return this.toString() === other.toString();
  }

  /** e.g. `"16x0+16x1+16x2"`. */
  toString(): string {
    return this.entries.map((e) => `${e.mul}x${e.order}`).join("+");
  }
}

/** Accepts an {@link SO2Irreps} or anything its constructor takes. */
export function so2Irreps(spec: string | SO2Irreps | readonly (readonly [number, number])[]): SO2Irreps {
  return spec instanceof SO2Irreps ? spec : new SO2Irreps(spec);
}

/**
 * The per-row rotation tables of `irreps` for `angles` `[N]`: `cos[n, c] = cos(k_c·angle_n)` and
 * `sin[n, c] = sign_c·sin(k_c·angle_n)`, so that ρ(angle_n)x_n = cos ⊙ x + sin ⊙ x[:, partner].
 */
export function so2RotationTables(
  irreps: SO2Irreps,
  angles: ArrayLike<number>,
  dtype: "float32" | "float64" = "float64",
): { cos: Tensor; sin: Tensor } {
  const N = angles.length;
  const C = irreps.dim;
  const o = irreps.orders;
  const s = irreps.sign;
  const Arr = dtype === "float64" ? Float64Array : Float32Array;
  const cs = new Arr(N * C);
  const sn = new Arr(N * C);
  const maxK = Math.max(0, irreps.maxOrder);
  const ck = new Float64Array(maxK + 1);
  const sk = new Float64Array(maxK + 1);
  for (let n = 0; n < N; n++) {
    const a = angles[n]!;
    for (let k = 0; k <= maxK; k++) {
      ck[k] = Math.cos(k * a);
      sk[k] = Math.sin(k * a);
    }
    const base = n * C;
    for (let c = 0; c < C; c++) {
      cs[base + c] = ck[o[c]!]!;
      sn[base + c] = s[c]! * sk[o[c]!]!;
    }
  }
  return { cos: new Tensor(cs, [N, C], dtype), sin: new Tensor(sn, [N, C], dtype) };
}

/**
 * Applies precomputed rotation tables (see {@link so2RotationTables}) to `x` `[N, C]`: one pass over the
 * rows, differentiable in x (the gradient is the inverse rotation, itself differentiable).
 */
export function applySO2Rotation(x: Tensor, irreps: SO2Irreps, tables: { cos: Tensor; sin: Tensor }): Tensor {
  const C = irreps.dim;
  const N = x.shape[0]!;
  if (x.ndim !== 2 || x.shape[1] !== C)
    opError("applySO2Rotation", "x", `shape [N, ${C}] for irreps ${irreps}`, fmtShape(x.shape));
  if (tables.cos.shape[0] !== N || tables.cos.shape[1] !== C || tables.sin.size !== tables.cos.size)
    opError("applySO2Rotation", "tables", `[${N}, ${C}] cos and sin tables`, fmtShape(tables.cos.shape));
  if (x.dtype !== "float32" && x.dtype !== "float64")
    opError("applySO2Rotation", "x", "dtype float32 or float64", x.dtype);
  const partner = irreps.partner;
  const xs = x.data as Float32Array | Float64Array;
  const cs = tables.cos.data;
  const sn = tables.sin.data;
  const out = new (xs.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(N * C);
  for (let n = 0; n < N; n++) {
    const base = n * C;
    for (let c = 0; c < C; c++) out[base + c] = cs[base + c]! * xs[base + c]! + sn[base + c]! * xs[base + partner[c]!]!;
  }
  const y = new Tensor(out, [N, C], x.dtype);
  return record("so2Rotate", [x], y, (g) => [applySO2Rotation(g, irreps, { cos: tables.cos, sin: negated(tables) })]);
}

const negatedCache = new WeakMap<object, Tensor>();
function negated(tables: { cos: Tensor; sin: Tensor }): Tensor {
  let t = negatedCache.get(tables.sin);
  if (t === undefined) {
    const d = tables.sin.data as Float32Array | Float64Array;
    t = new Tensor(
      d.map((v) => -v),
      tables.sin.shape,
      tables.sin.dtype,
    );
    negatedCache.set(tables.sin, t);
  }
  return t;
}

/**
 * ρ(angles[n]) x[n] for every row of `x` `[N, irreps.dim]` (tensor ops: differentiable in x; the angles
 * are constants).
 */
export function so2Rotate(x: Tensor, irreps: SO2Irreps, angles: ArrayLike<number>): Tensor {
  if (x.ndim !== 2 || x.shape[1] !== irreps.dim) {
    opError("so2Rotate", "x", `shape [N, ${irreps.dim}] for irreps ${irreps}`, fmtShape(x.shape));
  }
  if (angles.length !== x.shape[0]) opError("so2Rotate", "angles", `length ${x.shape[0]}`, `length ${angles.length}`);
  const dtype = x.dtype === "float32" ? "float32" : "float64";
  return applySO2Rotation(x, irreps, so2RotationTables(irreps, angles, dtype));
}

const TWO_PI = 2 * Math.PI;
const wrap = (a: number) => {
  const r = a % TWO_PI;
  return r < 0 ? r + TWO_PI : r;
};

/**
 * The gauge group SO(2)^V of a surface with V vertices: an element is a Float64Array of V angles, one
 * frame rotation per vertex, composed componentwise. With `discrete = N` it is C_N^V: `sample` draws
 * multiples of 2π/N (the rotations under which {@link RegularNonlinearity} with N samples is exact).
 */
export class GaugeGroup implements Group<Float64Array> {
  readonly name: string;
  readonly order = Number.POSITIVE_INFINITY;

  constructor(
    readonly numVertices: number,
    readonly discrete: number | null = null,
  ) {
    if (!Number.isInteger(numVertices) || numVertices < 0)
      opError("GaugeGroup", "numVertices", "a non-negative integer", String(numVertices));
    if (discrete !== null && (!Number.isInteger(discrete) || discrete < 1))
      opError("GaugeGroup", "discrete", "a positive integer N (C_N at every vertex) or null", String(discrete));
    this.name = discrete === null ? `SO(2)^${numVertices}` : `C${discrete}^${numVertices}`;
  }

  identity(): Float64Array {
    return new Float64Array(this.numVertices);
  }

  compose(a: Float64Array, b: Float64Array): Float64Array {
    const out = new Float64Array(this.numVertices);
    for (let v = 0; v < out.length; v++) out[v] = wrap(a[v]! + b[v]!);
    return out;
  }

  inverse(a: Float64Array): Float64Array {
    return a.map((x) => wrap(-x));
  }

  sample(generator?: Generator): Float64Array {
    const g = generator ?? getDefaultGenerator();
    const out = new Float64Array(this.numVertices);
    const N = this.discrete;
    for (let v = 0; v < out.length; v++) {
      out[v] = N === null ? g.uniform(0, TWO_PI) : (TWO_PI * g.randint(0, N)) / N;
    }
    return out;
  }

  equals(a: Float64Array, b: Float64Array, tol = 1e-9): boolean {
    if (a.length !== b.length) return false;
    for (let v = 0; v < a.length; v++) {
      const d = Math.abs(wrap(a[v]! - b[v]! + Math.PI) - Math.PI);
      if (d > tol) return false;
    }
    return true;
  }

  format(e: Float64Array): string {
    const head = Array.from(e.subarray(0, 3), (x) => x.toFixed(3)).join(",");
    return `gauge(${head}${e.length > 3 ? ",…" : ""})`;
  }
}

/** The gauge group of V vertices (see {@link GaugeGroup}). */
export const gaugeGroup = (numVertices: number, discrete: number | null = null) =>
  new GaugeGroup(numVertices, discrete);

/** How a gauge transformation acts on per-vertex features `[V, irreps.dim]`: f_v ↦ ρ(g_v) f_v. */
export function gaugeFieldAction(irreps: SO2Irreps | string): Action<Float64Array, Tensor> {
  const ir = so2Irreps(irreps);
  return (g, x) => {
    if (x.shape[0] !== g.length)
      throw new ErlangenError(
        `gaugeFieldAction: features have ${x.shape[0]} rows but the gauge element ${g.length} angles`,
      );
    return so2Rotate(x.detach(), ir, g);
  };
}
