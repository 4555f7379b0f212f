/**
 * How O(3) acts on irreps features, for the equivariance checker: a feature vector `x` of irreps
 * `R` transforms as x ↦ D_R(Q)·x, i.e. rows `[..., dim]` become `x · D(Q)ᵀ`. Elements may be 3×3
 * matrices (SO(3), O(3)) or Euclidean motions (E(3), whose translation does not act on features).
 */

import type { Action } from "../../../symmetry/actions.js";
import { FieldType } from "../../../symmetry/field_type.js";
import type { Group } from "../../../symmetry/group.js";
import { O3 } from "../../../symmetry/groups.js";
import { Irreps } from "../../../symmetry/o3/irreps.js";
import { Representation } from "../../../symmetry/representation.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import { Tensor } from "../../../tensor/tensor.js";

/** The 3×3 matrix of an O(3) element or of the linear part of a Euclidean motion `{R, t}`. */
export function orthogonalPart(g: unknown): Float64Array {
  if (g instanceof Float64Array && g.length === 9) return g;
  const R = (g as { R?: unknown } | null)?.R;
  if (R instanceof Float64Array && R.length === 9) return R;
  throw new ErlangenError(
    "o3Action: argument 'g' expected a 3×3 matrix (SO(3)/O(3) element) or an E(3) element {R, t}, got something else",
  );
}

/** Applies D(Q) of `irreps` to the last axis of x: x · D(Q)ᵀ (no autograd; for checks and augmentation). */
export function transformIrreps(irreps: Irreps, x: Tensor, Q: ArrayLike<number>): Tensor {
  const n = irreps.dim;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== n) {
    throw new ErlangenError(
      `o3Action: argument 'x' expected last dimension ${n} for irreps ${irreps}, got shape ${fmtShape(x.shape)}`,
    );
  }
  const D = irreps.D(Q);
  const rows = n === 0 ? 0 : x.size / n;
  const src = x.data;
  const out = x.dtype === "float64" ? new Float64Array(x.size) : new Float32Array(x.size);
  for (const [s, e] of irreps.slices()) {
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      for (let i = s; i < e; i++) {
        let acc = 0;
        for (let j = s; j < e; j++) {
          const m = D[i * n + j]!;
          if (m !== 0) acc += m * src[base + j]!;
        }
        out[base + i] = acc;
      }
    }
  }
  return new Tensor(out, x.shape, x.dtype === "float64" ? "float64" : "float32");
}

/**
 * The action of O(3) (or SO(3), or E(3) through its linear part) on features `[..., irreps.dim]`.
 * Use as `inputAction`/`outputAction` of `checkEquivariance`.
 */
export function o3Action<E = Float64Array>(irreps: Irreps | string): Action<E, Tensor> {
  const ir = new Irreps(irreps);
  return (g, x) => transformIrreps(ir, x, orthogonalPart(g));
}

/**
 * The {@link FieldType} of irreps features over O(3) (or another group whose elements are 3×3
 * matrices or E(3) motions): one field per irrep copy, with representation D^l (times the parity on
 * reflections). Its `transform(x, g, -1)` equals {@link o3Action}.
 */
export function irrepsFieldType<E = Float64Array>(irreps: Irreps | string, group?: Group<E>): FieldType<E> {
  const ir = new Irreps(irreps);
  const G = (group ?? (new O3() as unknown as Group<E>)) as Group<E>;
  const reps: Representation<E>[] = [];
  for (const { mul, ir: i } of ir.items) {
    const rep = new Representation<E>(G, i.dim, i.toString(), (e) => i.D(orthogonalPart(e)), [i.toString()]);
    for (let u = 0; u < mul; u++) reps.push(rep);
  }
  return new FieldType(G, reps);
}
