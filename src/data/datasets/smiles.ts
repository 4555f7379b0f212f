/**
 * Molecules from SMILES (or molfiles) through RDKit.js (`@rdkit/rdkit`, RDKit's MinimalLib compiled to
 * WebAssembly; an optional dependency loaded on first use), as graphs with the atom and bond features
 * of OGB's `smiles2graph`:
 *
 *   atom (9 categorical): atomic number − 1, chirality tag, total degree, formal charge + 5, total H,
 *   radical electrons, hybridisation (SP, SP2, SP3, SP3D, SP3D2, other), aromatic, in a ring;
 *   bond (3 categorical): type (single, double, triple, aromatic, other), stereo (none, Z, E, cis,
 *   trans, any), conjugated.
 *
 * Each value past the end of its list maps to the list's last ("misc") entry, as OGB's `safe_index`.
 * RDKit provides the atoms, charges, hydrogens, aromaticity, rings, CIP ranks and the hybridisation
 * (SMARTS `^1`..`^5` queries); bond conjugation follows RDKit's rule (ConjugHybrid.cpp: a bond is
 * conjugated when aromatic, or when it joins an atom with a multiple bond to a neighbour that can take
 * part in a π system), re-stated here because MinimalLib does not expose it. Edges come in OGB's order:
 * each bond as (i, j) then (j, i).
 *
 * Also: {@link murckoScaffold} (Bemis–Murcko scaffolds, for scaffold splits) and {@link oneHotOgb}
 * (the 174 + 13 one-hot columns of the categorical features, for models with a Linear input layer);
 * `parseMolecule(…, { hydrogens: true })` adds explicit hydrogens for 3-D embedding (`conformer.ts`).
 */
import { Graph } from "../../domains/graph/graph.js";
import { ErlangenError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";

/** The part of an RDKit.js molecule used here. */
export interface RDKitMol {
  get_json(): string;
  get_smiles(): string;
  get_substruct_matches(q: RDKitMol): string;
  is_valid?(): boolean;
  /** The molecule with explicit hydrogens, as a molblock. */
  add_hs?(): string;
  /** Computes 2-D depiction coordinates. */
  set_new_coords?(): boolean;
  delete(): void;
}

/** The part of the RDKit.js module used here (`await initRDKitModule()`). */
export interface RDKitModule {
  get_mol(input: string, details?: string): RDKitMol | null;
  get_qmol(input: string): RDKitMol | null;
  version(): string;
}

let rdkitPromise: Promise<RDKitModule> | null = null;

/**
 * Loads RDKit.js once (dynamic import of the optional dependency `@rdkit/rdkit`). In browsers pass
 * `locateFile` to say where `RDKit_minimal.wasm` is served, or load RDKit yourself (a `<script>` tag
 * and `initRDKitModule()`) and pass the module to the readers. A missing package gives an error that
 * says how to install it.
 */
export function loadRDKit(opts: { locateFile?: (file: string) => string } = {}): Promise<RDKitModule> {
  if (rdkitPromise !== null) return rdkitPromise;
  const name = "@rdkit/rdkit";
  rdkitPromise = (async () => {
    let mod: unknown;
    try {
      mod = await import(/* @vite-ignore */ name);
    } catch (e) {
      rdkitPromise = null;
      throw new ErlangenError(
        `loadRDKit: the optional package '@rdkit/rdkit' (RDKit compiled to WebAssembly) is not installed; install it with 'npm install @rdkit/rdkit' to read SMILES (${(e as Error).message.split("\n")[0]})`,
      );
    }
    const m = mod as { default?: unknown; initRDKitModule?: unknown };
    const init = (typeof m.default === "function" ? m.default : m.initRDKitModule) as
      | ((o?: object) => Promise<RDKitModule>)
      | undefined;
    if (typeof init !== "function") {
      rdkitPromise = null;
      throw new ErlangenError("loadRDKit: '@rdkit/rdkit' did not export its module factory (initRDKitModule)");
    }
    return init(opts.locateFile ? { locateFile: opts.locateFile } : {});
  })();
  return rdkitPromise;
}

/** Sizes of OGB's nine atom features (`get_atom_feature_dims`). */
export const OGB_ATOM_FEATURE_DIMS: readonly number[] = [119, 5, 12, 12, 10, 6, 6, 2, 2];
/** Sizes of OGB's three bond features (`get_bond_feature_dims`). */
export const OGB_BOND_FEATURE_DIMS: readonly number[] = [5, 6, 2];
/** Names of the atom and bond features, in column order. */
export const OGB_ATOM_FEATURES = [
  "atomic_num",
  "chirality",
  "degree",
  "formal_charge",
  "num_h",
  "num_radical_e",
  "hybridization",
  "is_aromatic",
  "is_in_ring",
] as const;
export const OGB_BOND_FEATURES = ["bond_type", "bond_stereo", "is_conjugated"] as const;

// Periodic-table data for the conjugation rule: outer-shell electrons and default valence (RDKit's
// atomic_data). Elements not listed: no conjugation candidates (default valence ≤ 1 or unknown).
const OUTER: Record<number, number> = {
  1: 1,
  3: 1,
  4: 2,
  5: 3,
  6: 4,
  7: 5,
  8: 6,
  9: 7,
  11: 1,
  12: 2,
  13: 3,
  14: 4,
  15: 5,
  16: 6,
  17: 7,
  19: 1,
  20: 2,
  31: 3,
  32: 4,
  33: 5,
  34: 6,
  35: 7,
  49: 3,
  50: 4,
  51: 5,
  52: 6,
  53: 7,
};
const DEFAULT_VALENCE: Record<number, number> = {
  1: 1,
  3: 1,
  4: 2,
  5: 3,
  6: 4,
  7: 3,
  8: 2,
  9: 1,
  11: 1,
  12: 2,
  13: 3,
  14: 4,
  15: 3,
  16: 2,
  17: 1,
  19: 1,
  20: 2,
  31: 3,
  32: 4,
  33: 3,
  34: 2,
  35: 1,
  49: 3,
  50: 4,
  51: 3,
  52: 2,
  53: 1,
};

interface JsonAtom {
  z?: number;
  impHs?: number;
  chg?: number;
  nRad?: number;
  stereo?: string;
}
interface JsonBond {
  bo?: number;
  atoms: [number, number];
  stereo?: string;
  stereoAtoms?: [number, number];
}
interface JsonMol {
  atoms: JsonAtom[];
  bonds?: JsonBond[];
  conformers?: { dim: number; coords: number[][] }[];
  extensions?: {
    name?: string;
    aromaticAtoms?: number[];
    aromaticBonds?: number[];
    atomRings?: number[][];
    cipRanks?: number[];
  }[];
}

/** A parsed molecule: atoms, bonds, aromaticity, rings (from RDKit's JSON), hybridisation. */
export interface MoleculeRecord {
  z: Int32Array;
  hs: Int32Array;
  charge: Int32Array;
  radicals: Int32Array;
  chirality: Int32Array;
  /** OGB hybridisation index per atom (0 SP … 4 SP3D2, 5 other). */
  hybridization: Int32Array;
  aromaticAtom: Uint8Array;
  inRing: Uint8Array;
  /** Bonds: ends, kekulé order (1, 2, 3; 0 other), aromatic flag, stereo (OGB index). */
  bonds: { a: number; b: number; order: number; aromatic: boolean; stereo: number }[];
  /** 3-D coordinates [N, 3] when the input had them (molfiles), else null. */
  coords: Float32Array | null;
  /** 2-D depiction coordinates [N, 2] when RDKit computed them (with `hydrogens`), else null. */
  coords2d: Float64Array | null;
  cipRanks: number[] | null;
}

const HYBRID_QUERIES = ["[^1]", "[^2]", "[^3]", "[^4]", "[^5]"];

function parseJsonMol(text: string): JsonMol {
  const j = JSON.parse(text) as { molecules?: JsonMol[] };
  const m = j.molecules?.[0];
  if (m === undefined) throw new ErlangenError("smilesToGraph: RDKit returned no molecule");
  return m;
}

function defaultsOf(text: string): { atom: JsonAtom; bond: { bo?: number } } {
  const j = JSON.parse(text) as { defaults?: { atom?: JsonAtom; bond?: { bo?: number } } };
  return { atom: j.defaults?.atom ?? {}, bond: j.defaults?.bond ?? {} };
}

/**
 * Parses one molecule (SMILES, or a V2000/V3000 molfile) with RDKit into a {@link MoleculeRecord}.
 * Invalid input throws an error naming it (`what` says where it came from, e.g. `line 12`).
 */
export function parseMolecule(
  rdkit: RDKitModule,
  input: string,
  what = "input",
  opts: { hydrogens?: boolean } = {},
): MoleculeRecord {
  let mol = rdkit.get_mol(input);
  if (mol === null || (mol.is_valid !== undefined && !mol.is_valid())) {
    mol?.delete();
    const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
    throw new ErlangenError(`parseMolecule: RDKit cannot parse ${what} ${JSON.stringify(shown)} as a molecule`);
  }
  if (opts.hydrogens && mol.add_hs !== undefined) {
    // explicit hydrogens as atoms (a molblock), kept when parsed again
    const block = mol.add_hs();
    mol.delete();
    mol = rdkit.get_mol(block, JSON.stringify({ removeHs: false }));
    if (mol === null) throw new ErlangenError(`parseMolecule: RDKit could not add hydrogens to ${what}`);
    mol.set_new_coords?.();
  }
  try {
    const text = mol.get_json();
    const m = parseJsonMol(text);
    const d = defaultsOf(text);
    const N = m.atoms.length;
    const ext = m.extensions?.find((e) => e.name === "rdkitRepresentation") ?? m.extensions?.[0] ?? {};
    const at = (i: number) => ({ ...d.atom, ...m.atoms[i]! });
    const z = Int32Array.from({ length: N }, (_, i) => at(i).z ?? 6);
    const hs = Int32Array.from({ length: N }, (_, i) => at(i).impHs ?? 0);
    const charge = Int32Array.from({ length: N }, (_, i) => at(i).chg ?? 0);
    const radicals = Int32Array.from({ length: N }, (_, i) => at(i).nRad ?? 0);
    const chirality = Int32Array.from({ length: N }, (_, i) => {
      const s = at(i).stereo ?? "unspecified";
      return s === "cw" ? 1 : s === "ccw" ? 2 : s === "unspecified" ? 0 : 3;
    });
    const aromaticAtom = new Uint8Array(N);
    for (const i of ext.aromaticAtoms ?? []) aromaticAtom[i] = 1;
    const inRing = new Uint8Array(N);
    for (const ring of ext.atomRings ?? []) for (const i of ring) inRing[i] = 1;
    const aromaticBonds = new Set(ext.aromaticBonds ?? []);
    const cip = ext.cipRanks ?? null;
    const bonds = (m.bonds ?? []).map((b, k) => {
      const order = b.bo ?? d.bond.bo ?? 1;
      return {
        a: b.atoms[0],
        b: b.atoms[1],
        order: order >= 1 && order <= 3 ? order : 0,
        aromatic: aromaticBonds.has(k),
        stereo: 0,
        raw: b,
      };
    });
    // E/Z from RDKit's cis/trans on its stereo atoms, compared with the CIP-highest neighbours
    const nbrs: number[][] = Array.from({ length: N }, () => []);
    for (const b of bonds) {
      nbrs[b.a]!.push(b.b);
      nbrs[b.b]!.push(b.a);
    }
    for (const b of bonds) {
      const s = b.raw.stereo;
      if (s === undefined || s === "unspecified" || s === "none") continue;
      if (s === "either" || s === "any") {
        b.stereo = 5;
        continue;
      }
      const sa = b.raw.stereoAtoms;
      let cis = s === "cis";
      const others = (end: number, other: number) => nbrs[end]!.filter((v) => v !== other);
      const plain = others(b.a, b.b).length <= 1 && others(b.b, b.a).length <= 1;
      if (sa !== undefined && (cip !== null || plain)) {
        // RDKit states cis/trans for its stereo atoms; E/Z compares the CIP-highest neighbours
        const top = (end: number, other: number) =>
          others(end, other).reduce((best, v) => (best < 0 || (cip !== null && cip[v]! > cip[best]!) ? v : best), -1);
        const [endA, endB] = nbrs[b.a]!.includes(sa[0]) ? [b.a, b.b] : [b.b, b.a];
        const flipA = top(endA, endA === b.a ? b.b : b.a) !== sa[0];
        const flipB = top(endB, endB === b.a ? b.b : b.a) !== sa[1];
        if (flipA !== flipB) cis = !cis;
        b.stereo = cis ? 1 : 2; // STEREOZ, STEREOE
      } else b.stereo = cis ? 3 : 4; // STEREOCIS, STEREOTRANS
    }
    const hybridization = new Int32Array(N).fill(5);
    HYBRID_QUERIES.forEach((q, h) => {
      const qm = rdkit.get_qmol(q);
      if (qm === null) return;
      try {
        const r = JSON.parse(mol.get_substruct_matches(qm)) as { atoms: number[] }[] | Record<string, never>;
        if (Array.isArray(r)) for (const hit of r) hybridization[hit.atoms[0]!] = h;
      } finally {
        qm.delete();
      }
    });
    const conf = m.conformers?.find((c) => c.dim === 3);
    let coords: Float32Array | null = null;
    if (conf !== undefined && conf.coords.length === N)
      coords = Float32Array.from(conf.coords.flatMap((c) => [c[0]!, c[1]!, c[2]!]));
    const flat = m.conformers?.find((c) => c.dim === 2);
    const coords2d =
      flat !== undefined && flat.coords.length === N
        ? Float64Array.from(flat.coords.flatMap((c) => [c[0]!, c[1]!]))
        : null;
    return {
      z,
      hs,
      charge,
      radicals,
      chirality,
      hybridization,
      aromaticAtom,
      inRing,
      bonds: bonds.map(({ raw: _raw, ...b }) => b),
      coords,
      coords2d,
      cipRanks: cip,
    };
  } finally {
    mol.delete();
  }
}

/** RDKit's bond valence contribution from one end (aromatic 1.5). */
const valenceContrib = (b: { order: number; aromatic: boolean }) => (b.aromatic ? 1.5 : b.order);

/** Bond conjugation by RDKit's rule (see the module docs). */
export function conjugatedBonds(m: MoleculeRecord): Uint8Array {
  const N = m.z.length;
  const incident: number[][] = Array.from({ length: N }, () => []);
  m.bonds.forEach((b, k) => {
    incident[b.a]!.push(k);
    incident[b.b]!.push(k);
  });
  const degree = (i: number) => incident[i]!.length;
  const totalDegree = (i: number) => degree(i) + m.hs[i]!;
  const explicitValence = (i: number) => {
    let v = m.hs[i]!;
    for (const k of incident[i]!) v += valenceContrib(m.bonds[k]!);
    return Math.round(v);
  };
  const countAtomElec = (i: number): number => {
    const zi = m.z[i]!;
    const dv = DEFAULT_VALENCE[zi];
    const outer = OUTER[zi];
    if (dv === undefined || outer === undefined || dv <= 1) return -1;
    let deg = totalDegree(i);
    for (const k of incident[i]!) if (Math.round(valenceContrib(m.bonds[k]!)) === 0) deg--;
    if (deg > 3) return -1;
    const nlp = Math.max(outer - dv - m.charge[i]!, 0);
    let res = dv - deg + nlp - m.radicals[i]!;
    if (res > 1 && explicitValence(i) - degree(i) > 1) res = 1;
    return res;
  };
  const candidate = (i: number): boolean => {
    const zi = m.z[i]!;
    const outer = OUTER[zi] ?? 0;
    return (zi <= 10 || (outer !== 5 && outer !== 6) || (outer === 6 && totalDegree(i) < 2)) && countAtomElec(i) > 0;
  };
  const conj = Uint8Array.from(m.bonds, (b) => (b.aromatic ? 1 : 0));
  for (let i = 0; i < N; i++) {
    if (!candidate(i)) continue;
    const sbo = totalDegree(i);
    if (sbo < 2 || sbo > 3) continue;
    for (const k1 of incident[i]!) {
      if (valenceContrib(m.bonds[k1]!) < 1.5) continue;
      for (const k2 of incident[i]!) {
        if (k1 === k2) continue;
        const b2 = m.bonds[k2]!;
        const j = b2.a === i ? b2.b : b2.a;
        if (totalDegree(j) > 3) continue;
        if (candidate(j)) {
          conj[k1] = 1;
          conj[k2] = 1;
        }
      }
    }
  }
  return conj;
}

const safe = (v: number, size: number) => (v >= 0 && v < size - 1 ? v : size - 1);

/** Options of {@link smilesToGraph}. */
export interface SmilesGraphOptions {
  /** Where the SMILES came from, for errors (e.g. `line 12`). */
  what?: string;
  /** Keep 3-D coordinates from a molfile as `pos` (default true when present). */
  positions?: boolean;
}

/**
 * OGB's `smiles2graph` on RDKit.js: a {@link Graph} with `x` int32 [N, 9] (atom features), `edgeIndex`
 * [2, 2B] (each bond both ways), `edgeAttr` int32 [2B, 3] (bond features), `z` int32 [N] (atomic
 * numbers) and, for molfile input with 3-D coordinates, `pos` [N, 3].
 */
export function smilesToGraph(rdkit: RDKitModule, smiles: string, opts: SmilesGraphOptions = {}): Graph {
  return moleculeToGraph(parseMolecule(rdkit, smiles, opts.what ?? "SMILES"), opts);
}

/** The graph of a parsed molecule (see {@link smilesToGraph}). */
export function moleculeToGraph(m: MoleculeRecord, opts: SmilesGraphOptions = {}): Graph {
  const N = m.z.length;
  const x = new Int32Array(N * 9);
  const deg = new Int32Array(N);
  for (const b of m.bonds) {
    deg[b.a]!++;
    deg[b.b]!++;
  }
  for (let i = 0; i < N; i++) {
    const row = [
      safe(m.z[i]! - 1, 119),
      safe(m.chirality[i]!, 5),
      safe(deg[i]! + m.hs[i]!, 12),
      safe(m.charge[i]! + 5, 12),
      safe(m.hs[i]!, 10),
      safe(m.radicals[i]!, 6),
      m.hybridization[i]!,
      m.aromaticAtom[i]!,
      m.inRing[i]!,
    ];
    x.set(row, i * 9);
  }
  const conj = conjugatedBonds(m);
  const B = m.bonds.length;
  const ei = new Int32Array(4 * B);
  const ea = new Int32Array(2 * B * 3);
  m.bonds.forEach((b, k) => {
    ei[2 * k] = b.a;
    ei[2 * k + 1] = b.b;
    ei[2 * B + 2 * k] = b.b;
    ei[2 * B + 2 * k + 1] = b.a;
    const type = b.aromatic ? 3 : b.order >= 1 && b.order <= 3 ? b.order - 1 : 4;
    const f = [type, b.stereo, conj[k]!];
    ea.set(f, 6 * k);
    ea.set(f, 6 * k + 3);
  });
  const g = new Graph({
    x: new Tensor(x, [N, 9], "int32"),
    edgeIndex: new Tensor(ei, [2, 2 * B], "int32"),
    edgeAttr: new Tensor(ea, [2 * B, 3], "int32"),
    numNodes: N,
  });
  g.set("z", new Tensor(Int32Array.from(m.z), [N], "int32"), "node");
  if ((opts.positions ?? true) && m.coords !== null) g.pos = new Tensor(Float32Array.from(m.coords), [N, 3], "float32");
  return g;
}

/**
 * One-hot encodes OGB's categorical features: `x` int32 [N, 9] → float32 [N, 174] and `edgeAttr`
 * int32 [E, 3] → float32 [E, 13] (the original columns are kept as `xOgb` / `edgeAttrOgb`).
 */
export function oneHotOgb(g: Graph): Graph {
  const enc = (t: Tensor, dims: readonly number[]): Tensor => {
    const rows = t.shape[0]!;
    const C = dims.length;
    const width = dims.reduce((a, b) => a + b, 0);
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      let off = 0;
      for (let c = 0; c < C; c++) {
        const v = t.data[r * C + c]!;
        if (!(v >= 0 && v < dims[c]!))
          throw new ErlangenError(`oneHotOgb: feature ${c} of row ${r} is ${v}, outside [0, ${dims[c]})`);
        out[r * width + off + v] = 1;
        off += dims[c]!;
      }
    }
    return new Tensor(out, [rows, width], "float32");
  };
  const out = new Graph({ numNodes: g.numNodes });
  for (const k of g.keys()) out.set(k, g.get(k));
  if (g.x !== null && g.x.dtype === "int32" && g.x.shape[1] === 9) {
    out.set("xOgb", g.x, "node");
    out.x = enc(g.x, OGB_ATOM_FEATURE_DIMS);
  }
  if (g.edgeAttr !== null && g.edgeAttr.dtype === "int32" && g.edgeAttr.shape[1] === 3) {
    out.set("edgeAttrOgb", g.edgeAttr, "edge");
    out.edgeAttr = enc(g.edgeAttr, OGB_BOND_FEATURE_DIMS);
  }
  return out;
}

/** Width of {@link oneHotOgb}'s atom and bond features. */
export const OGB_ONEHOT_WIDTH = { atom: 174, bond: 13 } as const;

/**
 * The Bemis–Murcko scaffold of a molecule as canonical SMILES (RDKit's definition, as DeepChem's
 * scaffold splitter uses it without chirality): side chains are pruned repeatedly (terminal atoms on
 * single bonds, and terminal groups such as C=O, C#N, N(=O)=O that hang off one atom), leaving ring
 * systems, the linkers between them and atoms double-bonded to those. Acyclic molecules give `""`.
 */
export function murckoScaffold(rdkit: RDKitModule, smiles: string, what = "SMILES"): string {
  const m = parseMolecule(rdkit, smiles, what);
  return scaffoldOf(rdkit, m);
}

/** {@link murckoScaffold} of a parsed molecule. */
export function scaffoldOf(rdkit: RDKitModule, m: MoleculeRecord): string {
  const N = m.z.length;
  if (!m.inRing.some((v) => v === 1)) return "";
  const alive = new Uint8Array(N).fill(1);
  const nb: { j: number; order: number }[][] = Array.from({ length: N }, () => []);
  for (const b of m.bonds) {
    const o = b.aromatic ? 1.5 : b.order;
    nb[b.a]!.push({ j: b.b, order: o });
    nb[b.b]!.push({ j: b.a, order: o });
  }
  const live = (i: number) => nb[i]!.filter((e) => alive[e.j]);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < N; i++) {
      if (!alive[i] || m.inRing[i]) continue;
      const es = live(i);
      // terminal atoms on multiple bonds stay with their (kept) neighbour; a group hanging off one
      // atom by a single bond goes as a whole
      const terminals = es.filter((e) => e.order > 1 && !m.inRing[e.j] && live(e.j).length === 1);
      const rest = es.filter((e) => !terminals.includes(e));
      if (rest.length <= 1 && (rest.length === 0 || rest[0]!.order === 1)) {
        if (rest.length === 0 && terminals.length === 0) continue;
        if (rest.length === 0) continue; // an isolated fragment without rings
        alive[i] = 0;
        for (const t of terminals) alive[t.j] = 0;
        changed = true;
      }
    }
  }
  // rebuild the kept atoms as RDKit JSON (H counts grow by the orders of the removed bonds)
  const keep = Array.from({ length: N }, (_, i) => i).filter((i) => alive[i]);
  const index = new Map(keep.map((i, k) => [i, k]));
  const atoms = keep.map((i) => {
    let h = m.hs[i]!;
    for (const b of m.bonds) {
      const j = b.a === i ? b.b : b.b === i ? b.a : -1;
      if (j >= 0 && !alive[j]) h += b.order > 0 ? b.order : 1;
    }
    return { z: m.z[i]!, impHs: h, chg: m.charge[i]!, nRad: m.radicals[i]! };
  });
  const bonds = m.bonds
    .filter((b) => alive[b.a] && alive[b.b])
    .map((b) => ({ bo: b.order > 0 ? b.order : 1, atoms: [index.get(b.a)!, index.get(b.b)!] }));
  const json = JSON.stringify({
    commonchem: { version: 10 },
    defaults: {
      atom: { z: 6, impHs: 0, chg: 0, nRad: 0, isotope: 0, stereo: "unspecified" },
      bond: { bo: 1, stereo: "unspecified" },
    },
    molecules: [{ atoms, bonds }],
  });
  const mol = rdkit.get_mol(json);
  if (mol === null) throw new ErlangenError("murckoScaffold: RDKit could not rebuild the scaffold");
  try {
    return mol.get_smiles();
  } finally {
    mol.delete();
  }
}
