/**
 * Linear representations ρ: G → GL(d) as values: a group, a size and a function from elements to
 * d×d matrices (row-major Float64Array). Built-ins: trivial, regular and permutation representations
 * of finite groups, the standard representations, and the irreducible representations of Cn, Dn,
 * SO(2) and O(2). Direct sums and tensor products compose them; `character` is the trace.
 */
import { ErlangenError } from "../tensor/errors.js";
import type { Group } from "./group.js";
import { isFiniteGroup } from "./group.js";
import {
  CyclicGroup,
  type DihedralElement,
  DihedralGroup,
  EuclideanGroup,
  O2,
  type O2Element,
  OrthogonalGroup,
  SO2,
  SpecialOrthogonalGroup,
  SymmetricGroup,
  type WallpaperElement,
  WallpaperGroup,
} from "./groups.js";
import { blockDiag, kron, rot2 } from "./linalg64.js";

export class Representation<E> {
  /**
   * @param group the group represented
   * @param size the dimension d
   * @param name readable name, e.g. `irrep(1)` or `regular`
   * @param matrixOf the d×d matrix of an element
   * @param irreps the names of the irreducible components when known (for sums of irreps)
   */
  constructor(
    readonly group: Group<E>,
    readonly size: number,
    readonly name: string,
    private readonly matrixOf: (e: E) => Float64Array,
    readonly irreps?: readonly string[],
  ) {}

  /** The matrix ρ(e) (size × size, row-major). */
  matrix(e: E): Float64Array {
    return this.matrixOf(e);
  }

  /** χ(e) = tr ρ(e). */
  character(e: E): number {
    const m = this.matrix(e);
    let s = 0;
    for (let i = 0; i < this.size; i++) s += m[i * this.size + i]!;
    return s;
  }

  /** True when ρ(e) is the identity for every element (checked on elements or samples). */
  get isTrivial(): boolean {
    return this.name === "trivial";
  }

  /**
   * True when every group element acts by permuting the channels (trivial, regular and permutation
   * representations): pointwise nonlinearities, channel pooling and shared batch statistics then
   * commute with the action.
   */
  get isPermutation(): boolean {
    return this.name === "trivial" || this.name === "regular" || this.name === "permutation";
  }

  toString(): string {
    return `${this.group.name}:${this.name}[${this.size}]`;
  }
}

function sameGroup<E>(op: string, reps: readonly Representation<E>[]): Group<E> {
  if (reps.length === 0)
    throw new ErlangenError(`${op}: argument 'reps' expected at least one representation, got none`);
  const g = reps[0]!.group;
  for (const r of reps) {
    if (r.group.name !== g.name)
      throw new ErlangenError(
        `${op}: argument 'reps' expected representations of ${g.name}, got one of ${r.group.name}`,
      );
  }
  return g;
}

/** ρ₁ ⊕ ρ₂ ⊕ … (block-diagonal). */
export function directSum<E>(...reps: Representation<E>[]): Representation<E> {
  const g = sameGroup("directSum", reps);
  if (reps.length === 1) return reps[0]!;
  const size = reps.reduce((s, r) => s + r.size, 0);
  const irreps = reps.every((r) => r.irreps) ? reps.flatMap((r) => r.irreps!) : undefined;
  return new Representation(
    g,
    size,
    reps.map((r) => r.name).join("⊕"),
    (e) => blockDiag(reps.map((r) => ({ m: r.matrix(e), n: r.size }))),
    irreps,
  );
}

/** ρ₁ ⊗ ρ₂ (Kronecker product). */
export function tensorProduct<E>(a: Representation<E>, b: Representation<E>): Representation<E> {
  const g = sameGroup("tensorProduct", [a, b]);
  return new Representation(g, a.size * b.size, `(${a.name})⊗(${b.name})`, (e) =>
    kron(a.matrix(e), a.size, b.matrix(e), b.size),
  );
}

/** The trivial representation of dimension `size` (identity matrices). */
export function trivial<E>(group: Group<E>, size = 1): Representation<E> {
  const id = new Float64Array(size * size);
  for (let i = 0; i < size; i++) id[i * size + i] = 1;
  return new Representation(group, size, "trivial", () => id.slice(), Array(size).fill("trivial"));
}

/**
 * The regular representation of a finite group: ρ(g) e_h = e_{g∘h}, on the basis of the group's
 * elements in `group.elements()` order.
 */
export function regular<E>(group: Group<E>): Representation<E> {
  if (!isFiniteGroup(group))
    throw new ErlangenError(`regular: argument 'group' expected a finite group, got ${group.name}`);
  const els = group.elements();
  const n = els.length;
  const indexOf = (x: E) => {
    const i = els.findIndex((y) => group.equals(x, y));
    if (i < 0) throw new ErlangenError(`regular: element ${group.format(x)} not found in ${group.name}`);
    return i;
  };
  return new Representation(group, n, "regular", (g) => {
    const m = new Float64Array(n * n);
    for (let h = 0; h < n; h++) m[indexOf(group.compose(g, els[h]!)) * n + h] = 1;
    return m;
  });
}

/** The permutation representation of S_n: P(σ) e_i = e_{σ(i)}. */
export function permutationRep(group: SymmetricGroup): Representation<Int32Array> {
  const n = group.n;
  return new Representation(group, n, "permutation", (s) => {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) m[s[i]! * n + i] = 1;
    return m;
  });
}

/** Irrep `k` of C_N: 1-D for k = 0 (and k = N/2), else the 2-D rotation by k·2πr/N. */
export function cyclicIrrep(group: CyclicGroup, k: number): Representation<number> {
  const N = group.n;
  if (!Number.isInteger(k) || k < 0 || k > Math.floor(N / 2)) {
    throw new ErlangenError(`cyclicIrrep: argument 'k' expected an integer in [0, ${Math.floor(N / 2)}], got ${k}`);
  }
  if (k === 0) return trivial(group);
  const name = `irrep(${k})`;
  if (2 * k === N) return new Representation(group, 1, name, (r) => new Float64Array([r % 2 === 0 ? 1 : -1]), [name]);
  return new Representation(group, 2, name, (r) => rot2((2 * Math.PI * k * r) / N), [name]);
}

/**
 * Irrep (j, k) of D_N: j ∈ {0, 1} says whether the reflection acts with a sign (1-D irreps) and k is the
 * rotation frequency. 1-D: (0,0) trivial, (1,0) sign of the reflection, and for even N (0,N/2), (1,N/2).
 * 2-D (0 < k < N/2, j = 1): rot(k·2πr/N)·diag(−1, 1)^f.
 */
export function dihedralIrrep(group: DihedralGroup, j: 0 | 1, k: number): Representation<DihedralElement> {
  const N = group.n;
  if (!Number.isInteger(k) || k < 0 || k > Math.floor(N / 2)) {
    throw new ErlangenError(`dihedralIrrep: argument 'k' expected an integer in [0, ${Math.floor(N / 2)}], got ${k}`);
  }
  const name = `irrep(${j},${k})`;
  if (k === 0 || 2 * k === N) {
    if (k === 0 && j === 0) return trivial(group);
    return new Representation(
      group,
      1,
      name,
      (e) => {
        const rs = 2 * k === N && e.r % 2 === 1 ? -1 : 1;
        const fs = j === 1 && e.f === 1 ? -1 : 1;
        return new Float64Array([rs * fs]);
      },
      [name],
    );
  }
  if (j !== 1)
    throw new ErlangenError(`dihedralIrrep: argument 'j' expected 1 for the 2-dimensional irrep k=${k}, got ${j}`);
  return new Representation(group, 2, name, (e) => flipThenRotate((2 * Math.PI * k * e.r) / N, e.f), [name]);
}

/** rot(θ)·diag(−1, 1)^f. */
function flipThenRotate(theta: number, f: 0 | 1): Float64Array {
  const m = rot2(theta);
  if (f) {
    m[0] = -m[0]!;
    m[2] = -m[2]!;
  }
  return m;
}

/** Irrep `k` of SO(2): trivial for k = 0, else the 2-D rotation by k·θ. */
export function so2Irrep(group: SO2, k: number): Representation<number> {
  if (!Number.isInteger(k) || k < 0)
    throw new ErlangenError(`so2Irrep: argument 'k' expected a non-negative integer, got ${k}`);
  if (k === 0) return trivial(group);
  const name = `irrep(${k})`;
  return new Representation(group, 2, name, (t) => rot2(k * t), [name]);
}

/** Irrep (j, k) of O(2): (0,0) trivial, (1,0) determinant, (1,k≥1) rot(kθ)·diag(−1,1)^f. */
export function o2Irrep(group: O2, j: 0 | 1, k: number): Representation<O2Element> {
  if (!Number.isInteger(k) || k < 0)
    throw new ErlangenError(`o2Irrep: argument 'k' expected a non-negative integer, got ${k}`);
  const name = `irrep(${j},${k})`;
  if (k === 0) {
    if (j === 0) return trivial(group);
    return new Representation(group, 1, name, (e) => new Float64Array([e.f ? -1 : 1]), [name]);
  }
  if (j !== 1) throw new ErlangenError(`o2Irrep: argument 'j' expected 1 for k=${k}, got ${j}`);
  return new Representation(group, 2, name, (e) => flipThenRotate(k * e.theta, e.f), [name]);
}

/**
 * The standard representation: the matrices by which the group acts on its space.
 * Cn, SO(2): 2×2 rotations; Dn, O(2): rotations after the flip diag(−1, 1); SO(n), O(n): the matrices
 * themselves; E(n)/SE(n): the linear part; p4/p4m: the linear part on (row, col); Sn: permutation.
 */
export function standard<E>(group: Group<E>): Representation<E> {
  const g = group as unknown;
  if (g instanceof CyclicGroup)
    return new Representation(g, 2, "standard", (r: number) => rot2(g.angle(r))) as unknown as Representation<E>;
  if (g instanceof DihedralGroup) {
    return new Representation(g, 2, "standard", (e: DihedralElement) =>
      flipThenRotate((2 * Math.PI * e.r) / g.n, e.f),
    ) as unknown as Representation<E>;
  }
  if (g instanceof SO2)
    return new Representation(g, 2, "standard", (t: number) => rot2(t)) as unknown as Representation<E>;
  if (g instanceof O2)
    return new Representation(g, 2, "standard", (e: O2Element) =>
      flipThenRotate(e.theta, e.f),
    ) as unknown as Representation<E>;
  if (g instanceof SpecialOrthogonalGroup || g instanceof OrthogonalGroup) {
    return new Representation(g, g.n, "standard", (m: Float64Array) => m.slice()) as unknown as Representation<E>;
  }
  if (g instanceof EuclideanGroup)
    return new Representation(g, g.n, "standard", (e: { R: Float64Array }) =>
      e.R.slice(),
    ) as unknown as Representation<E>;
  if (g instanceof WallpaperGroup) {
    return new Representation(
      g,
      2,
      "standard",
      (e: WallpaperElement) => new Float64Array(g.linear(e)),
    ) as unknown as Representation<E>;
  }
  if (g instanceof SymmetricGroup) return permutationRep(g) as unknown as Representation<E>;
  throw new ErlangenError(`standard: argument 'group' expected a known group, got ${group.name}`);
}

/** All irreps of a finite rotation group Cn or Dn, in a fixed order. */
export function irreps<E>(group: Group<E>): Representation<E>[] {
  const g = group as unknown;
  if (g instanceof CyclicGroup) {
    return Array.from({ length: Math.floor(g.n / 2) + 1 }, (_, k) =>
      cyclicIrrep(g, k),
    ) as unknown as Representation<E>[];
  }
  if (g instanceof DihedralGroup) {
    const out: Representation<DihedralElement>[] = [dihedralIrrep(g, 0, 0), dihedralIrrep(g, 1, 0)];
    for (let k = 1; 2 * k < g.n; k++) out.push(dihedralIrrep(g, 1, k));
    if (g.n % 2 === 0) out.push(dihedralIrrep(g, 0, g.n / 2), dihedralIrrep(g, 1, g.n / 2));
    return out as unknown as Representation<E>[];
  }
  throw new ErlangenError(
    `irreps: argument 'group' expected Cn or Dn, got ${group.name} (use so2Irrep / o2Irrep for continuous groups)`,
  );
}
