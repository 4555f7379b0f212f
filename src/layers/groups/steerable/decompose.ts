/**
 * Decomposition of a representation of a planar group into irreducible ones with an orthogonal
 * change of basis: ρ(g) = Q · (ψ₁(g) ⊕ ψ₂(g) ⊕ …) · Qᵀ. Direct sums of known irreps (their names in
 * `rep.irreps`) decompose with Q = I; any other orthogonal representation of a finite group (Cn, Dn),
 * for example the regular one, is decomposed by projecting onto each irrep's isotypic component:
 * for an irrep ψ and a vector v, the vectors w_a = Σ_g ψ(g)_ab ρ(g) v span a copy of ψ.
 */

import type { Group } from "../../../symmetry/group.js";
import { isFiniteGroup } from "../../../symmetry/group.js";
import { CyclicGroup, DihedralGroup, O2, SO2 } from "../../../symmetry/groups.js";
import {
  cyclicIrrep,
  dihedralIrrep,
  irreps as finiteIrreps,
  o2Irrep,
  type Representation,
  so2Irrep,
  trivial,
} from "../../../symmetry/representation.js";
import { ErlangenError } from "../../../tensor/errors.js";

/** ρ = Q (⊕ irreps) Qᵀ. */
export interface IrrepDecomposition<E> {
  /** The irreducible components, in block order. */
  irreps: Representation<E>[];
  /** First row/column of each block. */
  offsets: number[];
  /** The orthogonal change of basis [n×n], row-major; column `offsets[i] + a` is the a-th basis vector of block i. */
  Q: Float64Array;
  /** True when Q is the identity (the representation already is a direct sum of irreps). */
  isIdentity: boolean;
}

/** The irrep of `group` called `name` (`trivial`, `irrep(k)` or `irrep(j,k)`), or null if unknown. */
export function irrepByName<E>(group: Group<E>, name: string): Representation<E> | null {
  const g = group as unknown;
  if (name === "trivial") return trivial(group);
  const one = /^irrep\((\d+)\)$/.exec(name);
  const two = /^irrep\(([01]),(\d+)\)$/.exec(name);
  try {
    if (one) {
      const k = Number(one[1]);
      if (g instanceof SO2) return so2Irrep(g, k) as unknown as Representation<E>;
      if (g instanceof CyclicGroup) return cyclicIrrep(g, k) as unknown as Representation<E>;
    }
    if (two) {
      const j = Number(two[1]) as 0 | 1;
      const k = Number(two[2]);
      if (g instanceof O2) return o2Irrep(g, j, k) as unknown as Representation<E>;
      if (g instanceof DihedralGroup) return dihedralIrrep(g, j, k) as unknown as Representation<E>;
    }
  } catch {
    return null;
  }
  return null;
}

const probeMatrices = new WeakMap<object, { els: unknown[]; mats: (Float64Array | undefined)[] }>();

/**
 * ρ(g) for the `index`-th probe element of the group (all elements of a finite group), computed once per
 * representation object: representations are immutable, and building matrices (e.g. the regular
 * representation's, by looking up products) is what dominates a cold decomposition. The returned
 * array is shared: read it, do not modify it.
 */
export function probeMatrix<E>(rep: Representation<E>, index: number): Float64Array {
  let entry = probeMatrices.get(rep);
  if (!entry) {
    const els = probeElements(rep.group) as unknown[];
    entry = { els, mats: new Array<Float64Array | undefined>(els.length) };
    probeMatrices.set(rep, entry);
  }
  let m = entry.mats[index];
  if (!m) {
    m = rep.matrix(entry.els[index] as E);
    entry.mats[index] = m;
  }
  return m;
}

/** Elements on which two representations are compared (all of a finite group, a few fixed ones otherwise). */
export function probeElements<E>(group: Group<E>): E[] {
  const g = group as unknown;
  if (isFiniteGroup(group) && group.order <= 256) return group.elements();
  if (g instanceof SO2) return [0.7, 1.9, 4.1] as unknown as E[];
  if (g instanceof O2) {
    return [
      { theta: 0.7, f: 0 },
      { theta: 1.9, f: 1 },
      { theta: 4.1, f: 1 },
    ] as unknown as E[];
  }
  throw new ErlangenError(`decompose: argument 'group' expected Cn, Dn, SO(2) or O(2), got ${group.name}`);
}

/** max |ρ(g)·Q − Q·D(g)| over the probe elements. */
function decompositionError<E>(rep: Representation<E>, d: IrrepDecomposition<E>): number {
  const n = rep.size;
  const Q = d.Q;
  let err = 0;
  const probes = probeElements(rep.group);
  const diff = new Float64Array(n);
  for (let pi = 0; pi < probes.length; pi++) {
    const e = probes[pi]!;
    const R = probeMatrix(rep, pi);
    // the blocks of D(g) = ⊕ ψ_i(g), one matrix per distinct irrep
    const blockMats = new Map<Representation<E>, Float64Array>();
    const blocks = d.irreps.map((r) => {
      let m = blockMats.get(r);
      if (!m) {
        m = r.matrix(e);
        blockMats.set(r, m);
      }
      return m;
    });
    // R·Q − Q·D row by row: R skipping zeros (often a permutation), D block by block
    for (let i = 0; i < n; i++) {
      diff.fill(0);
      for (let k = 0; k < n; k++) {
        const r = R[i * n + k]!;
        if (r !== 0) for (let j = 0; j < n; j++) diff[j]! += r * Q[k * n + j]!;
      }
      d.irreps.forEach((r, bi) => {
        const o = d.offsets[bi]!;
        const m = blocks[bi]!;
        const sz = r.size;
        for (let jj = 0; jj < sz; jj++) {
          let v = 0;
          for (let kk = 0; kk < sz; kk++) v += Q[i * n + o + kk]! * m[kk * sz + jj]!;
          diff[o + jj]! -= v;
        }
      });
      for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(diff[j]!));
    }
  }
  return err;
}

function identityMatrix(n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  return q;
}

function fromNames<E>(rep: Representation<E>): IrrepDecomposition<E> | null {
  if (!rep.irreps) return null;
  const irr: Representation<E>[] = [];
  for (const name of rep.irreps) {
    const r = irrepByName(rep.group, name);
    if (r === null) return null;
    irr.push(r);
  }
  const offsets: number[] = [];
  let o = 0;
  for (const r of irr) {
    offsets.push(o);
    o += r.size;
  }
  if (o !== rep.size) return null;
  const d = { irreps: irr, offsets, Q: identityMatrix(rep.size), isIdentity: true };
  return decompositionError(rep, d) < 1e-9 ? d : null;
}

function isotypic<E>(rep: Representation<E>): IrrepDecomposition<E> {
  const group = rep.group;
  if (!isFiniteGroup(group)) {
    throw new ErlangenError(
      `decompose: cannot decompose representation '${rep.name}' of ${group.name}: build it as a direct sum of irreps (so2Irrep / o2Irrep)`,
    );
  }
  const n = rep.size;
  const els = group.elements();
  // the probe elements of a finite group (order ≤ 256) are its elements, in the same order
  const mats = els.map((e, gi) => (group.order <= 256 ? probeMatrix(rep, gi) : rep.matrix(e)));
  const cols: Float64Array[] = [];
  const irr: Representation<E>[] = [];
  const offsets: number[] = [];
  const trace = (m: Float64Array, size: number) => {
    let t = 0;
    for (let a = 0; a < size; a++) t += m[a * size + a]!;
    return t;
  };
  const chi = mats.map((m) => trace(m, n));
  for (const psi of finiteIrreps(group)) {
    const d = psi.size;
    const pm = els.map((e) => psi.matrix(e));
    // multiplicity ⟨χ_ρ, χ_ψ⟩ / ⟨χ_ψ, χ_ψ⟩ (real irreps: characters orthogonal): once that many copies
    // are found, every further projection lies in their span, so the search stops there
    let num = 0;
    let den = 0;
    pm.forEach((m, gi) => {
      const c = trace(m, d);
      num += chi[gi]! * c;
      den += c * c;
    });
    const mult = Math.round(num / den);
    let found = 0;
    for (let b = 0; b < d && cols.length < n && found < mult; b++) {
      for (let i = 0; i < n && cols.length < n && found < mult; i++) {
        // w_a = Σ_g ψ(g)_ab ρ(g) e_i
        const w: Float64Array[] = [];
        for (let a = 0; a < d; a++) {
          const v = new Float64Array(n);
          els.forEach((_, gi) => {
            const c = pm[gi]![a * d + b]!;
            if (c === 0) return;
            const R = mats[gi]!;
            for (let k = 0; k < n; k++) v[k]! += c * R[k * n + i]!;
          });
          for (const q of cols) {
            let dot = 0;
            for (let k = 0; k < n; k++) dot += v[k]! * q[k]!;
            for (let k = 0; k < n; k++) v[k]! -= dot * q[k]!;
          }
          w.push(v);
        }
        let nrm = 0;
        for (let k = 0; k < n; k++) nrm += w[0]![k]! ** 2;
        nrm = Math.sqrt(nrm);
        if (nrm < 1e-7) continue;
        found++;
        irr.push(psi);
        offsets.push(cols.length);
        for (const v of w) {
          let s = 0;
          for (let k = 0; k < n; k++) s += v[k]! ** 2;
          s = Math.sqrt(s);
          for (let k = 0; k < n; k++) v[k]! /= s;
          cols.push(v);
        }
      }
    }
  }
  if (cols.length !== n) {
    throw new ErlangenError(
      `decompose: representation '${rep.name}' of ${group.name} is not orthogonal (found ${cols.length} of ${n} irreducible directions)`,
    );
  }
  const Q = new Float64Array(n * n);
  cols.forEach((v, j) => {
    for (let k = 0; k < n; k++) Q[k * n + j] = v[k]!;
  });
  const dec = { irreps: irr, offsets, Q, isIdentity: false };
  const err = decompositionError(rep, dec);
  if (err > 1e-8)
    throw new ErlangenError(
      `decompose: representation '${rep.name}' of ${group.name} is not orthogonal (change-of-basis error ${err.toExponential(2)})`,
    );
  return dec;
}

const cache = new Map<string, IrrepDecomposition<unknown>>();

/** Empties the decomposition cache. */
export function clearDecompositionCache(): void {
  cache.clear();
}

const keyCache = new WeakMap<object, string>();

/** A short fingerprint of a representation (its matrices on the probe elements) for caches. */
export function repKey<E>(rep: Representation<E>): string {
  const hit = keyCache.get(rep);
  if (hit !== undefined) return hit;
  const parts: string[] = [rep.group.name, rep.name, String(rep.size)];
  const els = probeElements(rep.group);
  // a handful of elements is enough to tell apart representations of the same name
  for (let pi = 0; pi < Math.min(3, els.length); pi++) {
    let h = 0;
    const m = probeMatrix(rep, pi);
    for (let i = 0; i < m.length; i++) h = (h * 31 + Math.round(m[i]! * 1e6) * (i + 1)) % 1_000_000_007;
    parts.push(String(h));
  }
  const key = parts.join("|");
  keyCache.set(rep, key);
  return key;
}

/**
 * Decomposes an orthogonal representation of Cn, Dn, SO(2) or O(2) into irreps (cached). Throws for
 * representations of SO(2)/O(2) that are not built as direct sums of irreps.
 */
export function decompose<E>(rep: Representation<E>): IrrepDecomposition<E> {
  const key = repKey(rep);
  const hit = cache.get(key);
  if (hit) return hit as IrrepDecomposition<E>;
  const d = fromNames(rep) ?? isotypic(rep);
  cache.set(key, d as IrrepDecomposition<unknown>);
  return d;
}
