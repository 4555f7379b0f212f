/**
 * The fused tensor product of two feature vectors through a list of paths (the op under e3nn-style
 * `TensorProduct` layers):
 *
 *   out[z, o3 + w·d3 + k] += pw · Σ_{u,v,i,j} W[u, v, w] · C[i, j, k] · x1[z, o1 + u·d1 + i] · x2[z, o2 + v·d2 + j]
 *
 * per path, with W indexed by the path's connection mode. Per sample and path it contracts the inputs
 * with the sparse coefficients, then mixes the multiplicities with the path's weights (one GEMM over
 * the whole batch for `uvw`/`uuw` paths with shared weights). The backward pass recomputes the
 * contraction. The layer (`layers/groups/o3/tensor_product.ts`) builds the paths from irreps and
 * Wigner-3j symbols; this op only knows blocks, offsets and coefficients.
 */
import type { FloatArray } from "../../kernels/ref/linalg.js";
import { gemm } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { allocate, isFloat } from "../dtype.js";
import { fmtShape, opError } from "../errors.js";
import { Tensor } from "../tensor.js";

/** How the weights of a path index the multiplicities u (x1), v (x2) and w (output), as in e3nn. */
export type ConnectionMode = "uvw" | "uvu" | "uvv" | "uuw" | "uuu" | "uvuv";

/** Sizes of {@link tensorProductPaths}. */
export interface TensorProductPathsOptions {
  /** Feature sizes of x1, x2 and the output (the last axis of each). */
  dims: readonly [number, number, number];
  /** Weights per sample (or in the shared weight vector). */
  weightNumel: number;
  /** `weight` has one row of `weightNumel` per sample (else one row shared by the batch). */
  perSample: boolean;
}

/**
 * One path of a tensor product, ready to run: the blocks it reads and writes, how its weights mix the
 * multiplicities, and the nonzero coupling coefficients C[i, j, k] (Wigner-3j for O(3)) as four
 * parallel arrays.
 */
export interface TensorProductPath {
  /** How the weights index the multiplicities (e3nn's connection modes). */
  mode: ConnectionMode;
  /** Multiplicities of the input blocks (U, V) and of the output block (W). */
  U: number;
  V: number;
  W: number;
  /** Dimensions of one copy in each block (2l+1 for an O(3) irrep). */
  d1: number;
  d2: number;
  d3: number;
  /** First feature of each block in x1, x2 and the output. */
  o1: number;
  o2: number;
  o3: number;
  /** The path reads weights (at `wOff` of each weight row). */
  hasWeight: boolean;
  wOff: number;
  /** The path's constant factor (√α times the user's path weight). */
  pw: number;
  /** Nonzero coefficients: C[ci[c], cj[c], ck[c]] = cv[c]. */
  ci: Int32Array;
  cj: Int32Array;
  ck: Int32Array;
  cv: Float64Array;
}

/** Rows of T per path: U for `uu*` modes, U·V otherwise. */
function rowsOf(p: TensorProductPath): number {
  return p.mode === "uuu" || p.mode === "uuw" ? p.U : p.U * p.V;
}

/** Paths whose multiplicity mixing is one GEMM over the batch: `uvw`/`uuw` with shared weights. */
function isGemmPath(p: TensorProductPath, w: FloatArray | null, perSample: boolean): boolean {
  return (p.mode === "uvw" || p.mode === "uuw") && p.hasWeight && w !== null && !perSample;
}

function newLike(a: FloatArray, n: number): FloatArray {
  return a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * T[r, k] = Σ_c c · x1[u, i] · x2[v, j] for row r = (u, v) (or u for `uu*` modes), for one sample,
 * written at `T[to + r·rs + k·ks]` (rs, ks: strides, so T can be stored row- or column-wise).
 */
function contract(
  p: TensorProductPath,
  x1: FloatArray,
  b1: number,
  x2: FloatArray,
  b2: number,
  T: FloatArray | Float64Array,
  to: number,
  rs: number,
  ks: number,
): void {
  const { U, V, d1, d2, d3, ci, cj, ck, cv } = p;
  const uu = p.mode === "uuu" || p.mode === "uuw";
  const rows = uu ? U : U * V;
  for (let r = 0; r < rows; r++) for (let k = 0; k < d3; k++) T[to + r * rs + k * ks] = 0;
  const nc = cv.length;
  for (let u = 0; u < U; u++) {
    const a = b1 + p.o1 + u * d1;
    const vs = uu ? u : 0;
    const ve = uu ? u + 1 : V;
    for (let v = vs; v < ve; v++) {
      const bb = b2 + p.o2 + v * d2;
      const r = to + (uu ? u : u * V + v) * rs;
      for (let c = 0; c < nc; c++) T[r + ck[c]! * ks]! += cv[c]! * x1[a + ci[c]!]! * x2[bb + cj[c]!]!;
    }
  }
}

/** Adds, through the contraction, the input gradients of one sample from gT (same strides as {@link contract}). */
function contractBackward(
  p: TensorProductPath,
  x1: FloatArray,
  x2: FloatArray,
  b1: number,
  b2: number,
  gT: FloatArray | Float64Array,
  to: number,
  rs: number,
  ks: number,
  g1: FloatArray | null,
  g2: FloatArray | null,
): void {
  const { U, V, d1, d2, ci, cj, ck, cv } = p;
  const uu = p.mode === "uuu" || p.mode === "uuw";
  const nc = cv.length;
  for (let u = 0; u < U; u++) {
    const a = b1 + p.o1 + u * d1;
    const vs = uu ? u : 0;
    const ve = uu ? u + 1 : V;
    for (let v = vs; v < ve; v++) {
      const bb = b2 + p.o2 + v * d2;
      const r = to + (uu ? u : u * V + v) * rs;
      for (let c = 0; c < nc; c++) {
        const t = cv[c]! * gT[r + ck[c]! * ks]!;
        if (t === 0) continue;
        if (g1 !== null) g1[a + ci[c]!]! += t * x2[bb + cj[c]!]!;
        if (g2 !== null) g2[bb + cj[c]!]! += t * x1[a + ci[c]!]!;
      }
    }
  }
}

function tpForward(
  plans: readonly TensorProductPath[],
  x1: FloatArray,
  x2: FloatArray,
  w: FloatArray | null,
  perSample: boolean,
  Z: number,
  D1: number,
  D2: number,
  D3: number,
  P: number,
  out: FloatArray,
): void {
  let maxT = 0;
  for (const p of plans) maxT = Math.max(maxT, rowsOf(p) * p.d3);
  const T = new Float64Array(maxT);
  for (const p of plans) {
    const { V, W, d3, pw } = p;
    const rows = rowsOf(p);
    if (isGemmPath(p, w, perSample)) {
      // Tt [Z·d3, rows] · Wp [rows, W] → O [Z·d3, W], one GEMM for the whole batch
      const Tt = newLike(out, Z * d3 * rows);
      for (let z = 0; z < Z; z++) contract(p, x1, z * D1, x2, z * D2, Tt, z * d3 * rows, 1, rows);
      const O = newLike(out, Z * d3 * W);
      gemm(Tt, w!.subarray(p.wOff, p.wOff + rows * W) as FloatArray, O, Z * d3, W, rows);
      for (let z = 0; z < Z; z++) {
        const ob = z * D3 + p.o3;
        for (let k = 0; k < d3; k++) {
          const src = (z * d3 + k) * W;
          for (let q = 0; q < W; q++) out[ob + q * d3 + k]! += pw * O[src + q]!;
        }
      }
      continue;
    }
    for (let z = 0; z < Z; z++) {
      contract(p, x1, z * D1, x2, z * D2, T, 0, d3, 1);
      const ob = z * D3 + p.o3;
      const wo = (perSample ? z * P : 0) + p.wOff;
      const hw = p.hasWeight && w !== null;
      if (p.mode === "uvw" || p.mode === "uuw") {
        for (let r = 0; r < rows; r++) {
          const tr = r * d3;
          for (let q = 0; q < W; q++) {
            const c = pw * (hw ? w![wo + r * W + q]! : 1);
            if (c === 0) continue;
            const oo = ob + q * d3;
            for (let k = 0; k < d3; k++) out[oo + k]! += c * T[tr + k]!;
          }
        }
      } else {
        for (let r = 0; r < rows; r++) {
          const u = p.mode === "uuu" ? r : Math.floor(r / V);
          const v = p.mode === "uuu" ? r : r % V;
          const c = pw * (hw ? w![wo + r]! : 1);
          const oo = ob + (p.mode === "uvu" || p.mode === "uuu" ? u : p.mode === "uvv" ? v : r) * d3;
          for (let k = 0; k < d3; k++) out[oo + k]! += c * T[r * d3 + k]!;
        }
      }
    }
  }
}

function tpBackward(
  plans: readonly TensorProductPath[],
  x1: FloatArray,
  x2: FloatArray,
  w: FloatArray | null,
  perSample: boolean,
  Z: number,
  D1: number,
  D2: number,
  D3: number,
  P: number,
  g: FloatArray,
  g1: FloatArray | null,
  g2: FloatArray | null,
  gw: FloatArray | null,
): void {
  let maxT = 0;
  for (const p of plans) maxT = Math.max(maxT, rowsOf(p) * p.d3);
  const T = new Float64Array(maxT);
  const GT = new Float64Array(maxT);
  for (const p of plans) {
    const { V, W, d3, pw } = p;
    const rows = rowsOf(p);
    const hw = p.hasWeight && w !== null;
    if (isGemmPath(p, w, perSample)) {
      const Wp = w!.subarray(p.wOff, p.wOff + rows * W) as FloatArray;
      const GO = newLike(g, Z * d3 * W);
      for (let z = 0; z < Z; z++) {
        const gb = z * D3 + p.o3;
        for (let k = 0; k < d3; k++) {
          const dst = (z * d3 + k) * W;
          for (let q = 0; q < W; q++) GO[dst + q] = pw * g[gb + q * d3 + k]!;
        }
      }
      if (gw !== null) {
        // gW [rows, W] = Ttᵀ · GO
        const Tt = newLike(g, Z * d3 * rows);
        for (let z = 0; z < Z; z++) contract(p, x1, z * D1, x2, z * D2, Tt, z * d3 * rows, 1, rows);
        const gWp = newLike(g, rows * W);
        gemm(Tt, GO, gWp, rows, W, Z * d3, true, false);
        for (let i = 0; i < rows * W; i++) gw[p.wOff + i]! += gWp[i]!;
      }
      if (g1 !== null || g2 !== null) {
        // gTt [Z·d3, rows] = GO · Wpᵀ
        const gTt = newLike(g, Z * d3 * rows);
        gemm(GO, Wp, gTt, Z * d3, rows, W, false, true);
        for (let z = 0; z < Z; z++) contractBackward(p, x1, x2, z * D1, z * D2, gTt, z * d3 * rows, 1, rows, g1, g2);
      }
      continue;
    }
    for (let z = 0; z < Z; z++) {
      const gb = z * D3 + p.o3;
      const wo = (perSample ? z * P : 0) + p.wOff;
      const needT = hw && gw !== null;
      if (needT) contract(p, x1, z * D1, x2, z * D2, T, 0, d3, 1);
      GT.fill(0, 0, rows * d3);
      if (p.mode === "uvw" || p.mode === "uuw") {
        for (let r = 0; r < rows; r++) {
          const tr = r * d3;
          for (let q = 0; q < W; q++) {
            const go = gb + q * d3;
            const c = pw * (hw ? w![wo + r * W + q]! : 1);
            let dot = 0;
            for (let k = 0; k < d3; k++) {
              GT[tr + k]! += c * g[go + k]!;
              if (needT) dot += g[go + k]! * T[tr + k]!;
            }
            if (needT) gw![wo + r * W + q]! += pw * dot;
          }
        }
      } else {
        for (let r = 0; r < rows; r++) {
          const u = p.mode === "uuu" ? r : Math.floor(r / V);
          const v = p.mode === "uuu" ? r : r % V;
          const go = gb + (p.mode === "uvu" || p.mode === "uuu" ? u : p.mode === "uvv" ? v : r) * d3;
          const c = pw * (hw ? w![wo + r]! : 1);
          let dot = 0;
          for (let k = 0; k < d3; k++) {
            GT[r * d3 + k] = c * g[go + k]!;
            if (needT) dot += g[go + k]! * T[r * d3 + k]!;
          }
          if (needT) gw![wo + r]! += pw * dot;
        }
      }
      if (g1 !== null || g2 !== null) contractBackward(p, x1, x2, z * D1, z * D2, GT, 0, d3, 1, g1, g2);
    }
  }
}

/**
 * The tensor product of `x1` [..., D1] and `x2` [..., D2] (same leading shape, same float dtype) through
 * `paths`, with `weight` [weightNumel] (shared) or [..., weightNumel] (per sample; null when no path
 * has weights). Returns [..., D3]. Differentiable in x1, x2 and weight.
 */
export function tensorProductPaths(
  x1: Tensor,
  x2: Tensor,
  weight: Tensor | null,
  paths: readonly TensorProductPath[],
  opts: TensorProductPathsOptions,
): Tensor {
  const op = "tensorProductPaths";
  const [D1, D2, D3] = opts.dims;
  const P = opts.weightNumel;
  const perSample = opts.perSample;
  if (!isFloat(x1.dtype)) opError(op, "x1", "a float32 or float64 tensor", x1.dtype);
  if (x2.dtype !== x1.dtype) opError(op, "x2", `dtype ${x1.dtype} (as x1)`, x2.dtype);
  if (x1.ndim === 0 || x1.shape[x1.ndim - 1] !== D1) opError(op, "x1", `shape [..., ${D1}]`, fmtShape(x1.shape));
  if (x2.ndim === 0 || x2.shape[x2.ndim - 1] !== D2) opError(op, "x2", `shape [..., ${D2}]`, fmtShape(x2.shape));
  const lead = x1.shape.slice(0, -1);
  const Z = lead.reduce((p, q) => p * q, 1);
  if (x2.ndim !== x1.ndim || lead.some((d, i) => d !== x2.shape[i]))
    opError(op, "x2", `leading shape ${fmtShape(lead)} (as x1)`, fmtShape(x2.shape));
  if (weight !== null) {
    if (weight.dtype !== x1.dtype) opError(op, "weight", `dtype ${x1.dtype} (as x1)`, weight.dtype);
    const want = perSample ? Z * P : P;
    if (weight.size !== want || weight.shape[weight.ndim - 1] !== P)
      opError(op, "weight", perSample ? `shape [${[...lead, P].join(", ")}]` : `shape [${P}]`, fmtShape(weight.shape));
  } else if (paths.some((p) => p.hasWeight)) opError(op, "weight", `${P} weights (some paths have weights)`, "null");
  const dtype = x1.dtype;
  const out = allocate(dtype, Z * D3);
  const w = weight === null ? null : (weight.data as FloatArray);
  tpForward(paths, x1.data as FloatArray, x2.data as FloatArray, w, perSample, Z, D1, D2, D3, P, out as FloatArray);
  const res = new Tensor(out, [...lead, D3], dtype);
  const inputs = weight !== null ? [x1, x2, weight] : [x1, x2];
  return record("tensorProduct", inputs, res, (g) => {
    const ga = x1.requiresGrad ? allocate(dtype, Z * D1) : null;
    const gb = x2.requiresGrad ? allocate(dtype, Z * D2) : null;
    const gw = weight?.requiresGrad ? allocate(dtype, weight.size) : null;
    tpBackward(
      paths,
      x1.data as FloatArray,
      x2.data as FloatArray,
      w,
      perSample,
      Z,
      D1,
      D2,
      D3,
      P,
      g.data as FloatArray,
      ga as FloatArray | null,
      gb as FloatArray | null,
      gw as FloatArray | null,
    );
    return [
      ga ? new Tensor(ga, x1.shape, dtype) : null,
      gb ? new Tensor(gb, x2.shape, dtype) : null,
      gw && weight ? new Tensor(gw, weight.shape, dtype) : null,
    ];
  });
}
