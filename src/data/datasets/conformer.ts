/**
 * 3-D conformers from molecular graphs, for the E(3) models when a molecule comes as SMILES (RDKit's
 * MinimalLib has no conformer embedding). A small distance-geometry embedding:
 *
 *   E(x) = Σ_bonds (d_ij − ℓ_ij)² + Σ_angles (d_ik − ℓ_ik)² + Σ_other pairs max(0, r_ij − d_ij)²
 *          + Σ_planar centres (signed volume of the centre and its three neighbours)²
 *
 * with bond lengths ℓ_ij from covalent radii scaled by bond order, 1–3 distances from the ideal
 * angle of the middle atom's hybridisation (180°, 120°, 109.47°), a soft repulsion below the sum of
 * 0.8 × van der Waals-like radii between atoms three or more bonds apart, and flatness for sp2 and
 * aromatic centres. It starts from RDKit's 2-D depiction lifted off the plane by seeded noise (random
 * coordinates when there is none) and descends with Adam (analytic gradients), keeping the best of a
 * few starts. Bond lengths and angles come out within a few
 * hundredths of an Å of their targets and rings are flat; stereochemistry (chiral centres, E/Z) is
 * not enforced and torsions follow no force field: these are plausible geometries for learned models,
 * not optimised ones.
 */
import { Generator } from "../../tensor/rng.js";
import { type MoleculeRecord, parseMolecule, type RDKitModule } from "./smiles.js";
import type { Molecule3D } from "./xyz.js";

/** Covalent radii (Å) by atomic number; others 0.8. */
const COVALENT: Record<number, number> = {
  1: 0.31,
  5: 0.84,
  6: 0.76,
  7: 0.71,
  8: 0.66,
  9: 0.57,
  14: 1.11,
  15: 1.07,
  16: 1.05,
  17: 1.02,
  34: 1.2,
  35: 1.2,
  53: 1.39,
};
/** Bond-length factors by order (aromatic: 0.92). */
const ORDER_FACTOR: Record<number, number> = { 1: 1, 2: 0.88, 3: 0.79 };
const IDEAL_ANGLE = [Math.PI, (2 * Math.PI) / 3, Math.acos(-1 / 3)];
/** Weight of the flatness of sp2 centres (signed volumes, Å⁶). */
const PLANAR_WEIGHT = 4;

/** Options of {@link embedMolecule}. */
export interface EmbedOptions {
  /** Seed of the starting coordinates (default 0). */
  seed?: number;
  /** Descent steps per start (default 1000). */
  steps?: number;
  /** Starts; the lowest-energy result is kept (default 1 from a 2-D depiction, else 3 random ones). */
  starts?: number;
}

interface Term {
  i: number;
  j: number;
  target: number;
  /** `eq`: (d − target)², `min`: max(0, target − d)². */
  kind: "eq" | "min";
  w: number;
}

/** Bond, angle and repulsion terms of a molecule (see the module docs). */
function terms(m: MoleculeRecord): { pairs: Term[]; planar: number[][] } {
  const N = m.z.length;
  const nb: { j: number; len: number }[][] = Array.from({ length: N }, () => []);
  const rad = (i: number) => COVALENT[m.z[i]!] ?? 0.8;
  const pairs: Term[] = [];
  const close = new Set<string>();
  const key = (a: number, b: number) => (a < b ? `${a},${b}` : `${b},${a}`);
  for (const b of m.bonds) {
    const f = b.aromatic ? 0.92 : (ORDER_FACTOR[b.order] ?? 1);
    const len = (rad(b.a) + rad(b.b)) * f;
    nb[b.a]!.push({ j: b.b, len });
    nb[b.b]!.push({ j: b.a, len });
    pairs.push({ i: b.a, j: b.b, target: len, kind: "eq", w: 1 });
    close.add(key(b.a, b.b));
  }
  const planar: number[][] = [];
  for (let c = 0; c < N; c++) {
    const ns = nb[c]!;
    const hyb = m.hybridization[c]!;
    const theta = IDEAL_ANGLE[Math.min(hyb, 2)]!;
    for (let p = 0; p < ns.length; p++)
      for (let q = p + 1; q < ns.length; q++) {
        const a = ns[p]!;
        const b = ns[q]!;
        const d = Math.sqrt(a.len * a.len + b.len * b.len - 2 * a.len * b.len * Math.cos(theta));
        pairs.push({ i: a.j, j: b.j, target: d, kind: "eq", w: 0.5 });
        close.add(key(a.j, b.j));
      }
    if (ns.length === 3 && (hyb === 1 || m.aromaticAtom[c])) planar.push([c, ns[0]!.j, ns[1]!.j, ns[2]!.j]);
  }
  for (let i = 0; i < N; i++)
    for (let j = i + 1; j < N; j++) {
      if (close.has(key(i, j))) continue;
      pairs.push({ i, j, target: 0.8 * 1.6 * (rad(i) + rad(j)), kind: "min", w: 0.3 });
    }
  return { pairs, planar };
}

function energy(x: Float64Array, t: ReturnType<typeof terms>, g: Float64Array | null): number {
  let e = 0;
  if (g) g.fill(0);
  for (const p of t.pairs) {
    const dx = x[3 * p.i]! - x[3 * p.j]!;
    const dy = x[3 * p.i + 1]! - x[3 * p.j + 1]!;
    const dz = x[3 * p.i + 2]! - x[3 * p.j + 2]!;
    const d = Math.sqrt(dx * dx + dy * dy + dz * dz) + 1e-12;
    const r = d - p.target;
    if (p.kind === "min" && r > 0) continue;
    e += p.w * r * r;
    if (g) {
      const s = (2 * p.w * r) / d;
      g[3 * p.i]! += s * dx;
      g[3 * p.i + 1]! += s * dy;
      g[3 * p.i + 2]! += s * dz;
      g[3 * p.j]! -= s * dx;
      g[3 * p.j + 1]! -= s * dy;
      g[3 * p.j + 2]! -= s * dz;
    }
  }
  for (const [c, a, b, d] of t.planar) {
    // V = (a − c) · ((b − c) × (d − c))
    const u = [0, 1, 2].map((k) => x[3 * a! + k]! - x[3 * c! + k]!);
    const v = [0, 1, 2].map((k) => x[3 * b! + k]! - x[3 * c! + k]!);
    const w = [0, 1, 2].map((k) => x[3 * d! + k]! - x[3 * c! + k]!);
    const vw = [v[1]! * w[2]! - v[2]! * w[1]!, v[2]! * w[0]! - v[0]! * w[2]!, v[0]! * w[1]! - v[1]! * w[0]!];
    const wu = [w[1]! * u[2]! - w[2]! * u[1]!, w[2]! * u[0]! - w[0]! * u[2]!, w[0]! * u[1]! - w[1]! * u[0]!];
    const uv = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
    const V = u[0]! * vw[0]! + u[1]! * vw[1]! + u[2]! * vw[2]!;
    e += PLANAR_WEIGHT * V * V;
    if (g) {
      const s = 2 * PLANAR_WEIGHT * V;
      for (let k = 0; k < 3; k++) {
        g[3 * a! + k]! += s * vw[k]!;
        g[3 * b! + k]! += s * wu[k]!;
        g[3 * d! + k]! += s * uv[k]!;
        g[3 * c! + k]! -= s * (vw[k]! + wu[k]! + uv[k]!);
      }
    }
  }
  return e;
}

/**
 * 3-D coordinates [N, 3] (Å, centred) for a parsed molecule with explicit hydrogens (see the module
 * docs). Deterministic for a given seed.
 */
export function embedMolecule(m: MoleculeRecord, opts: EmbedOptions = {}): Float64Array {
  const N = m.z.length;
  const t = terms(m);
  const steps = opts.steps ?? 1000;
  // from RDKit's 2-D depiction one start is enough; random starts try three
  const starts = opts.starts ?? (m.coords2d !== null ? 1 : 3);
  const gen = new Generator(opts.seed ?? 0);
  let best: Float64Array | null = null;
  let bestE = Number.POSITIVE_INFINITY;
  const box = 1.5 * Math.cbrt(Math.max(N, 1));
  for (let s = 0; s < starts; s++) {
    const x = new Float64Array(3 * N);
    if (m.coords2d !== null) {
      // RDKit's 2-D depiction (bond length ≈ 1.5, no overlaps) lifted off the plane by a little noise
      for (let i = 0; i < N; i++) {
        x[3 * i] = m.coords2d[2 * i]! + gen.uniform(-0.1, 0.1);
        x[3 * i + 1] = m.coords2d[2 * i + 1]! + gen.uniform(-0.1, 0.1);
        x[3 * i + 2] = gen.uniform(-0.05, 0.05);
      }
    } else for (let i = 0; i < x.length; i++) x[i] = gen.uniform(-box, box);
    const g = new Float64Array(3 * N);
    const m1 = new Float64Array(3 * N);
    const m2 = new Float64Array(3 * N);
    const lr = 0.05;
    for (let it = 1; it <= steps; it++) {
      energy(x, t, g);
      // the step decays geometrically to lr/1000: Adam's steps do not shrink with the gradient by themselves
      const a = lr * 0.001 ** (it / steps);
      for (let k = 0; k < x.length; k++) {
        m1[k] = 0.9 * m1[k]! + 0.1 * g[k]!;
        m2[k] = 0.999 * m2[k]! + 0.001 * g[k]! * g[k]!;
        const mh = m1[k]! / (1 - 0.9 ** it);
        const vh = m2[k]! / (1 - 0.999 ** it);
        x[k]! -= (a * mh) / (Math.sqrt(vh) + 1e-9);
      }
    }
    const e = energy(x, t, null);
    if (e < bestE) {
      bestE = e;
      best = x;
    }
  }
  const out = best ?? new Float64Array(3 * N);
  for (let k = 0; k < 3; k++) {
    let c = 0;
    for (let i = 0; i < N; i++) c += out[3 * i + k]! / Math.max(1, N);
    for (let i = 0; i < N; i++) out[3 * i + k]! -= c;
  }
  return out;
}

/**
 * A 3-D molecule from SMILES: RDKit adds the hydrogens, {@link embedMolecule} places every atom. For
 * SchNet, EGNN and NequIP-like models (`z`, `pos` with hydrogens, as in QM7/QM9).
 */
export function smilesTo3D(
  rdkit: RDKitModule,
  smiles: string,
  opts: EmbedOptions & { what?: string } = {},
): Molecule3D {
  const m = parseMolecule(rdkit, smiles, opts.what ?? "SMILES", { hydrogens: true });
  const pos = embedMolecule(m, opts);
  return { z: Int32Array.from(m.z), pos: Float32Array.from(pos), name: smiles };
}
