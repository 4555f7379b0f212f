/**
 * Reference kernels of the O(3) family (twins of `wasm/assembly/o3.ts`) and the packed layouts both
 * read:
 *
 * - Tensor products through paths: {@link packTensorProduct} turns a list of paths (blocks, connection
 *   mode, nonzero Clebsch–Gordan entries) into one descriptor array and the entries grouped three ways
 *   (by output component k for the forward pass, by input component i and j for the input gradients),
 *   so every kernel loop runs over nonzero coefficients only. {@link tpForwardRef} / {@link tpBackwardRef}
 *   evaluate `out[z, o3 + w·d3 + k] += pw · Σ W[u, v, w] C[i, j, k] x1[z, o1 + u·d1 + i] x2[z, o2 + v·d2 + j]`
 *   per path with the weights indexed by the mode (e3nn's uvw, uvu, uvv, uuw, uuu, uvuv), shared or per
 *   sample.
 * - Real spherical harmonics as monomial lists: {@link packSphericalHarmonics} stores each harmonic's
 *   polynomial and its three partial derivatives; {@link shForwardRef} / {@link shBackwardRef} evaluate
 *   them (through the normalisation x/|x| when asked), so the gradient needs no Jacobian array.
 * - Radial bases times cutoffs: {@link radialForwardRef} / {@link radialBackwardRef}.
 *
 * The references accumulate in float64 and accept float32 or float64 arrays.
 */
import type { FloatArray } from "./linalg.js";

// ---- tensor products ----

/** e3nn's connection modes, in the order of their kernel codes. */
export const TP_MODES = ["uvw", "uvu", "uvv", "uuw", "uuu", "uvuv"] as const;
/** A connection mode (how a path's weights index the multiplicities u, v, w). */
export type TpMode = (typeof TP_MODES)[number];

/** One path as the packer reads it (the op's `TensorProductPath` has these fields). */
export interface TpPathSpec {
  mode: TpMode;
  U: number;
  V: number;
  W: number;
  d1: number;
  d2: number;
  d3: number;
  o1: number;
  o2: number;
  o3: number;
  hasWeight: boolean;
  wOff: number;
  pw: number;
  /** Nonzero coefficients C[ci[c], cj[c], ck[c]] = cv[c]. */
  ci: Int32Array;
  cj: Int32Array;
  ck: Int32Array;
  cv: Float64Array;
}

/** i32 fields per path descriptor. */
export const TP_PD = 16;

/**
 * Paths packed for the kernels. `desc` has {@link TP_PD} fields per path: mode code, U, V, W, d1, d2, d3,
 * o1, o2, o3, hasWeight, wOff, gK, gI, gJ (offsets into `gptr` of the group bounds by k, i and j:
 * d3+1, d1+1 and d2+1 absolute entry indices). Entry e is the coefficient `ev[e]` at (ei, ej, ek).
 */
export interface TensorProductPlan {
  nPaths: number;
  desc: Int32Array;
  /** Path factors (√α times the user's path weight). */
  pw: Float64Array;
  pw32: Float32Array;
  ei: Int32Array;
  ej: Int32Array;
  ek: Int32Array;
  ev: Float64Array;
  ev32: Float32Array;
  gptr: Int32Array;
  /** The largest rows·d3 of a uvw/uuw path (the kernels' row buffer). */
  maxRT: number;
  /** The largest rows·d3 of any path: the backward's GT (the output gradient per row) after T. */
  maxGT: number;
  /** Multiply-adds per sample (forward), for dispatch thresholds. */
  workPerSample: number;
}

function rowsOfSpec(p: TpPathSpec): number {
  return p.mode === "uuu" || p.mode === "uuw" ? p.U : p.U * p.V;
}

/** Packs `paths` (see {@link TensorProductPlan}); pure, so callers cache it per path list. */
export function packTensorProduct(paths: readonly TpPathSpec[]): TensorProductPlan {
  const n = paths.length;
  const desc = new Int32Array(n * TP_PD);
  const pw = new Float64Array(n);
  let entries = 0;
  let groups = 0;
  for (const p of paths) {
    entries += 3 * p.cv.length;
    groups += p.d1 + p.d2 + p.d3 + 3;
  }
  const ei = new Int32Array(entries);
  const ej = new Int32Array(entries);
  const ek = new Int32Array(entries);
  const ev = new Float64Array(entries);
  const gptr = new Int32Array(groups);
  let e = 0;
  let gp = 0;
  let maxRT = 0;
  let maxGT = 0;
  let work = 0;
  paths.forEach((p, q) => {
    const rows = rowsOfSpec(p);
    const dense = p.mode === "uvw" || p.mode === "uuw";
    if (dense) maxRT = Math.max(maxRT, rows * p.d3);
    maxGT = Math.max(maxGT, rows * p.d3);
    work += rows * p.cv.length + (dense ? rows * p.W * p.d3 : rows * p.d3);
    const base = q * TP_PD;
    desc[base] = TP_MODES.indexOf(p.mode);
    desc[base + 1] = p.U;
    desc[base + 2] = p.V;
    desc[base + 3] = p.W;
    desc[base + 4] = p.d1;
    desc[base + 5] = p.d2;
    desc[base + 6] = p.d3;
    desc[base + 7] = p.o1;
    desc[base + 8] = p.o2;
    desc[base + 9] = p.o3;
    desc[base + 10] = p.hasWeight ? 1 : 0;
    desc[base + 11] = p.wOff;
    pw[q] = p.pw;
    // three groupings of the entries: by k, by i, by j
    const keys = [p.ck, p.ci, p.cj];
    const sizes = [p.d3, p.d1, p.d2];
    for (let s = 0; s < 3; s++) {
      const key = keys[s]!;
      desc[base + 12 + s] = gp;
      for (let g = 0; g < sizes[s]!; g++) {
        gptr[gp++] = e;
        for (let c = 0; c < p.cv.length; c++) {
          if (key[c] !== g) continue;
          ei[e] = p.ci[c]!;
          ej[e] = p.cj[c]!;
          ek[e] = p.ck[c]!;
          ev[e] = p.cv[c]!;
          e++;
        }
      }
      gptr[gp++] = e;
    }
  });
  return {
    nPaths: n,
    desc,
    pw,
    pw32: Float32Array.from(pw),
    ei,
    ej,
    ek,
    ev,
    ev32: Float32Array.from(ev),
    gptr,
    maxRT,
    maxGT,
    workPerSample: work,
  };
}

/** Sizes shared by the tensor-product kernels. */
export interface TpSizes {
  /** Samples. */
  Z: number;
  /** Features of x1, x2 and out per sample. */
  D1: number;
  D2: number;
  D3: number;
  /** Weights per sample (or in the shared vector). */
  P: number;
  /** `w` has a row of P weights per sample. */
  perSample: boolean;
}

/** Rows of path q: (u, v) pairs, or u for uuw/uuu. */
function pathRows(d: Int32Array, b: number): number {
  return d[b] === 3 || d[b] === 4 ? d[b + 1]! : d[b + 1]! * d[b + 2]!;
}

/** Σ_e ev·x1[a + ei]·x2[bb + ej] over the k-group [e0, e1) (one sample, one row). */
function contract(
  plan: TensorProductPlan,
  e0: number,
  e1: number,
  x1: FloatArray,
  a: number,
  x2: FloatArray,
  bb: number,
): number {
  const { ei, ej, ev } = plan;
  let t = 0;
  for (let e = e0; e < e1; e++) t += ev[e]! * x1[a + ei[e]!]! * x2[bb + ej[e]!]!;
  return t;
}

/** out[Z×D3] = the tensor product of x1[Z×D1] and x2[Z×D2] through the plan's paths (out is written). */
export function tpForwardRef(
  plan: TensorProductPlan,
  x1: FloatArray,
  x2: FloatArray,
  w: FloatArray | null,
  s: TpSizes,
  out: FloatArray,
): void {
  const { Z, D1, D2, D3, P, perSample } = s;
  const { desc, gptr } = plan;
  out.fill(0, 0, Z * D3);
  const T = new Float64Array(64);
  for (let z = 0; z < Z; z++) {
    const b1 = z * D1;
    const b2 = z * D2;
    const bo = z * D3;
    const bw = perSample ? z * P : 0;
    for (let q = 0; q < plan.nPaths; q++) {
      const b = q * TP_PD;
      const mode = desc[b]!;
      const V = desc[b + 2]!;
      const W = desc[b + 3]!;
      const d1 = desc[b + 4]!;
      const d2 = desc[b + 5]!;
      const d3 = desc[b + 6]!;
      const o1 = desc[b + 7]!;
      const o2 = desc[b + 8]!;
      const o3 = desc[b + 9]!;
      const hasW = desc[b + 10]! !== 0 && w !== null;
      const wo = bw + desc[b + 11]!;
      const gk = desc[b + 12]!;
      const pw = plan.pw[q]!;
      const uu = mode === 3 || mode === 4;
      const rows = pathRows(desc, b);
      const t = T.length >= d3 ? T : new Float64Array(d3);
      for (let r = 0; r < rows; r++) {
        const u = uu ? r : Math.floor(r / V);
        const v = uu ? r : r % V;
        const a = b1 + o1 + u * d1;
        const bb = b2 + o2 + v * d2;
        for (let k = 0; k < d3; k++) t[k] = contract(plan, gptr[gk + k]!, gptr[gk + k + 1]!, x1, a, x2, bb);
        if (mode === 0 || mode === 3) {
          for (let ww = 0; ww < W; ww++) {
            const c = pw * (hasW ? w![wo + r * W + ww]! : 1);
            const oo = bo + o3 + ww * d3;
            for (let k = 0; k < d3; k++) out[oo + k]! += c * t[k]!;
          }
        } else {
          const c = pw * (hasW ? w![wo + r]! : 1);
          const tq = mode === 1 ? u : mode === 2 ? v : r;
          const oo = bo + o3 + tq * d3;
          for (let k = 0; k < d3; k++) out[oo + k]! += c * t[k]!;
        }
      }
    }
  }
}

/**
 * Gradients of {@link tpForwardRef} given g[Z×D3]: g1[Z×D1], g2[Z×D2] (written; null = not needed) and
 * gw (shared [P] or per sample [Z×P]; accumulated into; null = not needed).
 */
export function tpBackwardRef(
  plan: TensorProductPlan,
  x1: FloatArray,
  x2: FloatArray,
  w: FloatArray | null,
  s: TpSizes,
  g: FloatArray,
  g1: FloatArray | null,
  g2: FloatArray | null,
  gw: FloatArray | null,
): void {
  const { Z, D1, D2, D3, P, perSample } = s;
  const { desc, gptr, ei, ej, ek, ev } = plan;
  if (g1) g1.fill(0, 0, Z * D1);
  if (g2) g2.fill(0, 0, Z * D2);
  let GT = new Float64Array(64);
  for (let z = 0; z < Z; z++) {
    const b1 = z * D1;
    const b2 = z * D2;
    const bo = z * D3;
    const bw = perSample ? z * P : 0;
    for (let q = 0; q < plan.nPaths; q++) {
      const b = q * TP_PD;
      const mode = desc[b]!;
      const U = desc[b + 1]!;
      const V = desc[b + 2]!;
      const W = desc[b + 3]!;
      const d1 = desc[b + 4]!;
      const d2 = desc[b + 5]!;
      const d3 = desc[b + 6]!;
      const o1 = desc[b + 7]!;
      const o2 = desc[b + 8]!;
      const o3 = desc[b + 9]!;
      const hasW = desc[b + 10]! !== 0 && w !== null;
      const wo = bw + desc[b + 11]!;
      const gk = desc[b + 12]!;
      const pw = plan.pw[q]!;
      const uu = mode === 3 || mode === 4;
      const rows = pathRows(desc, b);
      const needT = hasW && gw !== null;
      const needG = g1 !== null || g2 !== null;
      if (!needT && !needG) continue;
      if (GT.length < rows * d3) GT = new Float64Array(rows * d3);
      for (let r = 0; r < rows; r++) {
        const u = uu ? r : Math.floor(r / V);
        const v = uu ? r : r % V;
        const a = b1 + o1 + u * d1;
        const bb = b2 + o2 + v * d2;
        const dense = mode === 0 || mode === 3;
        if (needT) {
          for (let k = 0; k < d3; k++) {
            const t = contract(plan, gptr[gk + k]!, gptr[gk + k + 1]!, x1, a, x2, bb);
            if (dense) {
              for (let ww = 0; ww < W; ww++) gw![wo + r * W + ww]! += pw * g[bo + o3 + ww * d3 + k]! * t;
            } else {
              const tq = mode === 1 ? u : mode === 2 ? v : r;
              gw![wo + r]! += pw * g[bo + o3 + tq * d3 + k]! * t;
            }
          }
        }
        if (!needG) continue;
        for (let k = 0; k < d3; k++) {
          let acc = 0;
          if (dense) {
            for (let ww = 0; ww < W; ww++) acc += (hasW ? w![wo + r * W + ww]! : 1) * g[bo + o3 + ww * d3 + k]!;
          } else {
            const tq = mode === 1 ? u : mode === 2 ? v : r;
            acc = (hasW ? w![wo + r]! : 1) * g[bo + o3 + tq * d3 + k]!;
          }
          GT[r * d3 + k] = pw * acc;
        }
      }
      if (!needG) continue;
      // input gradients through the entries grouped by k (one pass over rows)
      for (let r = 0; r < rows; r++) {
        const u = uu ? r : Math.floor(r / V);
        const v = uu ? r : r % V;
        const a = b1 + o1 + u * d1;
        const bb = b2 + o2 + v * d2;
        const e0 = gptr[gk]!;
        const e1 = gptr[gk + d3]!;
        for (let e = e0; e < e1; e++) {
          const t = ev[e]! * GT[r * d3 + ek[e]!]!;
          if (g1) g1[a + ei[e]!]! += t * x2[bb + ej[e]!]!;
          if (g2) g2[bb + ej[e]!]! += t * x1[a + ei[e]!]!;
        }
      }
      void U;
    }
  }
}

// ---- spherical harmonics ----

/**
 * Harmonics as monomial lists: list 0 is the value, lists 1–3 the x, y, z derivatives; list L of
 * column c is monomials ptr[L·(dim+1) + c] .. ptr[L·(dim+1) + c + 1], monomial m being
 * `mc[m] · x^ma[m] · y^mb[m] · z^md[m]` (normalisation factors folded in).
 */
export interface ShTable {
  dim: number;
  lmax: number;
  ptr: Int32Array;
  mc: Float64Array;
  mc32: Float32Array;
  ma: Int32Array;
  mb: Int32Array;
  md: Int32Array;
  /**
   * The distinct monomials x^a·y^b·z^d of all lists, as (a, b, d) triples (3 per slot), and the slot of
   * each listed monomial: the WASM kernels evaluate each distinct monomial once per point.
   */
  tri: Int32Array;
  ms: Int32Array;
}

/** One harmonic: its monomials (coefficient, exponents of x, y, z). */
export interface ShPolynomial {
  c: number[];
  a: number[];
  b: number[];
  d: number[];
}

/** Packs the value polynomials of each column and their derivatives (see {@link ShTable}). */
export function packSphericalHarmonics(columns: readonly ShPolynomial[], lmax: number): ShTable {
  const dim = columns.length;
  const ptr = new Int32Array(4 * (dim + 1));
  const mc: number[] = [];
  const ma: number[] = [];
  const mb: number[] = [];
  const md: number[] = [];
  for (let L = 0; L < 4; L++) {
    for (let c = 0; c < dim; c++) {
      ptr[L * (dim + 1) + c] = mc.length;
      const p = columns[c]!;
      for (let m = 0; m < p.c.length; m++) {
        const e = [p.a[m]!, p.b[m]!, p.d[m]!];
        let coef = p.c[m]!;
        if (L > 0) {
          const x = e[L - 1]!;
          if (x === 0) continue;
          coef *= x;
          e[L - 1] = x - 1;
        }
        mc.push(coef);
        ma.push(e[0]!);
        mb.push(e[1]!);
        md.push(e[2]!);
      }
    }
    ptr[L * (dim + 1) + dim] = mc.length;
  }
  const slots = new Map<string, number>();
  const tri: number[] = [];
  const ms = ma.map((a, m) => {
    const key = `${a},${mb[m]},${md[m]}`;
    let k = slots.get(key);
    if (k === undefined) {
      k = slots.size;
      slots.set(key, k);
      tri.push(a, mb[m]!, md[m]!);
    }
    return k;
  });
  return {
    dim,
    lmax,
    ptr,
    mc: Float64Array.from(mc),
    mc32: Float32Array.from(mc),
    ma: Int32Array.from(ma),
    mb: Int32Array.from(mb),
    md: Int32Array.from(md),
    tri: Int32Array.from(tri),
    ms: Int32Array.from(ms),
  };
}

function polyAt(t: ShTable, L: number, c: number, px: Float64Array, py: Float64Array, pz: Float64Array): number {
  const b = L * (t.dim + 1) + c;
  let v = 0;
  for (let m = t.ptr[b]!; m < t.ptr[b + 1]!; m++) v += t.mc[m]! * px[t.ma[m]!]! * py[t.mb[m]!]! * pz[t.md[m]!]!;
  return v;
}

function powersInto(p: Float64Array, v: number): void {
  p[0] = 1;
  for (let k = 1; k < p.length; k++) p[k] = p[k - 1]! * v;
}

/**
 * out[n×dim] = the harmonics of the table at xyz[n×3] (normalised first when `normalize`; the origin
 * stays at 0). Returns the flat index of the first NaN in xyz, or −1.
 */
export function shForwardRef(t: ShTable, xyz: FloatArray, n: number, normalize: boolean, out: FloatArray): number {
  const px = new Float64Array(t.lmax + 1);
  const py = new Float64Array(t.lmax + 1);
  const pz = new Float64Array(t.lmax + 1);
  let nan = -1;
  for (let p = 0; p < n; p++) {
    let x = xyz[3 * p]!;
    let y = xyz[3 * p + 1]!;
    let z = xyz[3 * p + 2]!;
    if (nan < 0 && (Number.isNaN(x) || Number.isNaN(y) || Number.isNaN(z)))
      nan = 3 * p + (Number.isNaN(x) ? 0 : Number.isNaN(y) ? 1 : 2);
    if (normalize) {
      const r = Math.hypot(x, y, z);
      if (r > 0) {
        x /= r;
        y /= r;
        z /= r;
      }
    }
    powersInto(px, x);
    powersInto(py, y);
    powersInto(pz, z);
    for (let c = 0; c < t.dim; c++) out[p * t.dim + c] = polyAt(t, 0, c, px, py, pz);
  }
  return nan;
}

/** gx[n×3] = Σ_c g[p, c]·∂Y_c/∂x (written), through the normalisation when `normalize` (0 at the origin). */
export function shBackwardRef(
  t: ShTable,
  xyz: FloatArray,
  g: FloatArray,
  n: number,
  normalize: boolean,
  gx: FloatArray,
): void {
  const px = new Float64Array(t.lmax + 1);
  const py = new Float64Array(t.lmax + 1);
  const pz = new Float64Array(t.lmax + 1);
  const dim = t.dim;
  for (let p = 0; p < n; p++) {
    let x = xyz[3 * p]!;
    let y = xyz[3 * p + 1]!;
    let z = xyz[3 * p + 2]!;
    let r = 1;
    if (normalize) {
      r = Math.hypot(x, y, z);
      if (r > 0) {
        x /= r;
        y /= r;
        z /= r;
      }
    }
    powersInto(px, x);
    powersInto(py, y);
    powersInto(pz, z);
    let Gx = 0;
    let Gy = 0;
    let Gz = 0;
    for (let c = 0; c < dim; c++) {
      const gc = g[p * dim + c]!;
      if (gc === 0) continue;
      Gx += gc * polyAt(t, 1, c, px, py, pz);
      Gy += gc * polyAt(t, 2, c, px, py, pz);
      Gz += gc * polyAt(t, 3, c, px, py, pz);
    }
    if (normalize) {
      if (r > 0) {
        // d/dx of P(x/r) = (I − x̂x̂ᵀ)∇P / r
        const dot = Gx * x + Gy * y + Gz * z;
        Gx = (Gx - dot * x) / r;
        Gy = (Gy - dot * y) / r;
        Gz = (Gz - dot * z) / r;
      } else Gx = Gy = Gz = 0;
    }
    gx[3 * p] = Gx;
    gx[3 * p + 1] = Gy;
    gx[3 * p + 2] = Gz;
  }
}

// ---- radial bases and cutoffs ----

/** A radial basis: none (K = 1, value 1), Gaussian exp(c·(x − μ_k)²), Bessel (2/r_c)·sin(w_k·x/r_c)/x. */
export type RadialBasisSpec =
  | { kind: "none" }
  | { kind: "gaussian"; centers: ArrayLike<number>; coeff: number }
  | { kind: "bessel"; rc: number };

/** A smooth cutoff: none, cosine 0.5·(cos(πx/r_c) + 1), or NequIP's polynomial envelope (exponent p); 0 for x ≥ r_c. */
export type RadialCutoffSpec =
  | { kind: "none" }
  | { kind: "cosine"; rc: number }
  | { kind: "polynomial"; rc: number; p: number };

/** Basis functions of a spec (`weights`: the Bessel frequencies w_k). */
export function radialCount(b: RadialBasisSpec, weights: ArrayLike<number> | null): number {
  return b.kind === "none" ? 1 : b.kind === "gaussian" ? b.centers.length : weights!.length;
}

/** The cutoff and its derivative at x. */
function cutoffAt(c: RadialCutoffSpec, x: number): [number, number] {
  if (c.kind === "none") return [1, 0];
  if (!(x < c.rc)) return [0, 0];
  if (c.kind === "cosine") {
    const a = (Math.PI * x) / c.rc;
    return [0.5 * (Math.cos(a) + 1), (-0.5 * Math.PI * Math.sin(a)) / c.rc];
  }
  const p = c.p;
  const u = x / c.rc;
  const up = u ** p;
  const A = ((p + 1) * (p + 2)) / 2;
  const B = p * (p + 2);
  const C = (p * (p + 1)) / 2;
  const val = 1 - A * up + B * up * u - C * up * u * u;
  const der = (-A * p * u ** (p - 1) + B * (p + 1) * up - C * (p + 2) * up * u) / c.rc;
  return [val, der];
}

/** out[n×K] = basis_k(x_i)·cutoff(x_i) (`weights`: the Bessel frequencies). */
export function radialForwardRef(
  b: RadialBasisSpec,
  weights: ArrayLike<number> | null,
  c: RadialCutoffSpec,
  x: FloatArray,
  n: number,
  out: FloatArray,
): void {
  const K = radialCount(b, weights);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const cv = cutoffAt(c, xi)[0];
    for (let k = 0; k < K; k++) {
      let v = 1;
      if (b.kind === "gaussian") {
        const t = xi - b.centers[k]!;
        v = Math.exp(b.coeff * t * t);
      } else if (b.kind === "bessel") v = ((2 / b.rc) * Math.sin((weights![k]! * xi) / b.rc)) / xi;
      out[i * K + k] = v * cv;
    }
  }
}

/**
 * gx[n] = Σ_k g[i, k]·∂out[i, k]/∂x_i (written); for Bessel, gw[K] += Σ_i g[i, k]·∂out[i, k]/∂w_k when
 * gw is given.
 */
export function radialBackwardRef(
  b: RadialBasisSpec,
  weights: ArrayLike<number> | null,
  c: RadialCutoffSpec,
  x: FloatArray,
  n: number,
  g: FloatArray,
  gx: FloatArray,
  gw: FloatArray | null,
): void {
  const K = radialCount(b, weights);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const [cv, cd] = cutoffAt(c, xi);
    let acc = 0;
    for (let k = 0; k < K; k++) {
      const gk = g[i * K + k]!;
      let v = 1;
      let dv = 0;
      if (b.kind === "gaussian") {
        const t = xi - b.centers[k]!;
        v = Math.exp(b.coeff * t * t);
        dv = v * 2 * b.coeff * t;
      } else if (b.kind === "bessel") {
        const w = weights![k]!;
        const th = (w * xi) / b.rc;
        const s = Math.sin(th);
        const co = Math.cos(th);
        v = ((2 / b.rc) * s) / xi;
        dv = ((2 / b.rc) * ((co * w) / b.rc - s / xi)) / xi;
        if (gw) gw[k]! += gk * cv * ((2 / (b.rc * b.rc)) * co);
      }
      acc += gk * (dv * cv + v * cd);
    }
    gx[i] = acc;
  }
}
