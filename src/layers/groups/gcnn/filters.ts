/**
 * Filter banks of G-CNNs as fixed sparse linear maps of the learned base filters.
 *
 * With T_h the spatial transform of a k×k filter by h ∈ H ((T_h ψ)(x) = ψ(h⁻¹x): the image action of
 * h, about the filter centre):
 * - lifting Z² → G:  W[o, r, c]    = T_r ψ[o, c]
 * - group    G → G:  W[o, r, c, h] = T_r ψ[o, c, r⁻¹∘h]   (the group axis permuted by the regular rep)
 * For rotations by multiples of 90° and flips T_h is a pixel permutation (exact equivariance); for
 * other angles (Cn, Dn with N ∤ 4) it is bilinear interpolation and the base filters are restricted to
 * the disk of radius (k − 1)/2 so that rotated filters stay on the grid (approximate equivariance).
 */
import { ErlangenError } from "../../../tensor/errors.js";
import { SparseMatrix } from "../../../tensor/sparse.js";
import { Tensor } from "../../../tensor/tensor.js";
import type { PlanarMotion } from "../steerable/planar.js";
import type { PointGroupInfo } from "./group.js";

/** Sparse entries (target pixel, source pixel, weight) of T_h on a k×k filter. */
export interface FilterTransform {
  target: Int32Array;
  source: Int32Array;
  weight: Float64Array;
}

const near = (v: number) => Math.abs(v - Math.round(v)) < 1e-9;

/**
 * The spatial transform of a k×k filter by a planar motion about its centre: output pixel x takes the
 * value at F^f R(−θ) x (bilinear between the four neighbours when that point is off the grid; zero
 * outside). Pixels outside `maskRadius` (distance from the centre) are dropped from the source.
 */
export function filterTransform(k: number, m: PlanarMotion, maskRadius = Number.POSITIVE_INFINITY): FilterTransform {
  const c = (k - 1) / 2;
  const cs = Math.cos(m.theta);
  const sn = Math.sin(m.theta);
  const t: number[] = [];
  const s: number[] = [];
  const w: number[] = [];
  const inside = (i: number, j: number) =>
    i >= 0 && i < k && j >= 0 && j < k && Math.hypot(i - c, j - c) <= maskRadius + 1e-9;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (!inside(i, j)) continue;
      const u = j - c;
      const v = c - i;
      let su = cs * u + sn * v;
      const sv = -sn * u + cs * v;
      if (m.f) su = -su;
      let sj = su + c;
      let si = c - sv;
      if (near(si)) si = Math.round(si);
      if (near(sj)) sj = Math.round(sj);
      const i0 = Math.floor(si);
      const j0 = Math.floor(sj);
      const di = si - i0;
      const dj = sj - j0;
      const push = (a: number, b: number, wt: number) => {
        if (wt < 1e-12 || !inside(a, b)) return;
        t.push(i * k + j);
        s.push(a * k + b);
        w.push(wt);
      };
      push(i0, j0, (1 - di) * (1 - dj));
      push(i0, j0 + 1, (1 - di) * dj);
      push(i0 + 1, j0, di * (1 - dj));
      push(i0 + 1, j0 + 1, di * dj);
    }
  }
  return { target: Int32Array.from(t), source: Int32Array.from(s), weight: Float64Array.from(w) };
}

/** Which base-filter pixels are used (1) or masked out (0), as a k×k array. */
export function filterMask(k: number, maskRadius: number): Float64Array {
  const c = (k - 1) / 2;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) out[i * k + j] = Math.hypot(i - c, j - c) <= maskRadius + 1e-9 ? 1 : 0;
  return out;
}

/**
 * The sparse map from base filters ψ [Cout, Cin, Hin, k, k] (flattened) to the filter bank
 * W [Cout·|H|, Cin·Hin, k, k] (flattened): `Hin` = 1 for a lifting layer, |H| for a group layer.
 */
export function filterExpansion(
  info: PointGroupInfo,
  cout: number,
  cin: number,
  lifting: boolean,
  k: number,
  dtype: "float32" | "float64",
): SparseMatrix {
  if (!Number.isInteger(k) || k < 1)
    throw new ErlangenError(`G-CNN: argument 'kernelSize' expected a positive integer, got ${k}`);
  const n = info.order;
  const hin = lifting ? 1 : n;
  const kk = k * k;
  const mask = info.exact ? Number.POSITIVE_INFINITY : (k - 1) / 2;
  const transforms = info.motions.map((m) => filterTransform(k, m, mask));
  let nnz = 0;
  for (const tr of transforms) nnz += tr.target.length;
  nnz *= cout * cin * hin;
  const row = new Int32Array(nnz);
  const col = new Int32Array(nnz);
  const val = dtype === "float64" ? new Float64Array(nnz) : new Float32Array(nnz);
  let e = 0;
  for (let o = 0; o < cout; o++) {
    for (let r = 0; r < n; r++) {
      const tr = transforms[r]!;
      const rInv = info.inverse[r]!;
      for (let c = 0; c < cin; c++) {
        for (let h = 0; h < hin; h++) {
          // source group index r⁻¹∘h (lifting: 0)
          const hs = lifting ? 0 : info.compose[rInv * n + h]!;
          const outBase = (((o * n + r) * cin + c) * hin + h) * kk;
          const inBase = ((o * cin + c) * hin + hs) * kk;
          for (let q = 0; q < tr.target.length; q++) {
            row[e] = outBase + tr.target[q]!;
            col[e] = inBase + tr.source[q]!;
            val[e] = tr.weight[q]!;
            e++;
          }
        }
      }
    }
  }
  return SparseMatrix.fromCoo(row, col, {
    values: new Tensor(val, [nnz], dtype),
    shape: [cout * n * cin * hin * kk, cout * cin * hin * kk],
  });
}
