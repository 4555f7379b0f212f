/**
 * 3-D molecules for the E(3) models: XYZ files (one or many frames: an atom count line, a comment line,
 * then `symbol x y z` per atom, in Å) and JSON (`[{ "z": [...], "pos": [[x, y, z], ...] }]`), as graphs
 * with `z` (int32 atomic numbers) and `pos` (float32 [N, 3]), the layout of the shipped QM7/QM9 sets.
 */
import { Graph } from "../../domains/graph/graph.js";
import { Tensor } from "../../tensor/tensor.js";
import { asText, DatasetFormatError, type FileContent } from "./common.js";

/** Element symbols by atomic number (index 0 unused). */
export const ELEMENT_SYMBOLS: readonly string[] = (
  "_ H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr " +
  "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb " +
  "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf " +
  "Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og"
).split(" ");

const Z_OF = new Map(ELEMENT_SYMBOLS.map((s, z) => [s.toLowerCase(), z]));

/** A 3-D molecule: atomic numbers and positions [N, 3] (Å). */
export interface Molecule3D {
  z: Int32Array;
  pos: Float32Array;
  /** The frame's comment line (XYZ) or `name`/`id` (JSON). */
  name: string;
  /** Targets (JSON `y`: a number or a list of numbers), when given. */
  y?: Float32Array;
}

const NUM = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?$/;

/** Parses XYZ text (any number of frames). Elements are symbols (`C`, `Cl`) or atomic numbers. */
export function parseXyz(content: FileContent, file = "molecules.xyz"): Molecule3D[] {
  const lines = asText(content, file).split(/\r?\n/);
  const out: Molecule3D[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.trim() === "") {
      i++;
      continue;
    }
    const head = lines[i]!.trim();
    if (!/^\d+$/.test(head))
      throw new DatasetFormatError(
        file,
        i + 1,
        `expected the atom count of a frame, got ${JSON.stringify(head.slice(0, 40))}`,
      );
    const n = Number(head);
    if (n < 1 || n > 1_000_000) throw new DatasetFormatError(file, i + 1, `atom count ${n} out of range [1, 1000000]`);
    if (i + 1 + n > lines.length - 1)
      throw new DatasetFormatError(file, i + 1, `frame of ${n} atoms runs past the end of the file`);
    const name = (lines[i + 1] ?? "").trim();
    const z = new Int32Array(n);
    const pos = new Float32Array(3 * n);
    for (let a = 0; a < n; a++) {
      const ln = i + 2 + a;
      const parts = (lines[ln] ?? "").trim().split(/\s+/);
      if (parts.length < 4)
        throw new DatasetFormatError(file, ln + 1, `expected 'symbol x y z', got ${JSON.stringify(lines[ln] ?? "")}`);
      const sym = parts[0]!;
      const zz = /^\d+$/.test(sym) ? Number(sym) : Z_OF.get(sym.toLowerCase());
      if (zz === undefined || zz < 1 || zz >= ELEMENT_SYMBOLS.length)
        throw new DatasetFormatError(file, ln + 1, `unknown element ${JSON.stringify(sym)}`);
      z[a] = zz;
      for (let d = 0; d < 3; d++) {
        const v = parts[1 + d]!;
        if (!NUM.test(v))
          throw new DatasetFormatError(
            file,
            ln + 1,
            `coordinate ${"xyz"[d]} expected a number, got ${JSON.stringify(v)}`,
          );
        pos[3 * a + d] = Number(v.replace(/[dD]/, "e"));
      }
    }
    out.push({ z, pos, name });
    i += 2 + n;
  }
  if (out.length === 0) throw new DatasetFormatError(file, null, "holds no molecules");
  return out;
}

/**
 * Parses JSON molecules: a list (or `{ "molecules": [...] }`) of `{ z, pos, y? }` with numbers only
 * (`z` may hold element symbols; `y` a number or a list of numbers).
 */
export function parseMoleculesJson(content: FileContent, file = "molecules.json"): Molecule3D[] {
  let raw: unknown;
  try {
    raw = JSON.parse(asText(content, file));
  } catch (e) {
    throw new DatasetFormatError(file, null, `is not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { molecules?: unknown })?.molecules;
  if (!Array.isArray(list))
    throw new DatasetFormatError(file, null, "expected a list of molecules or { molecules: [...] }");
  return list.map((m, k) => {
    const rec = m as { z?: unknown; pos?: unknown; name?: unknown; id?: unknown; y?: unknown };
    if (!Array.isArray(rec?.z) || !Array.isArray(rec.pos) || rec.z.length !== rec.pos.length || rec.z.length === 0)
      throw new DatasetFormatError(
        file,
        null,
        `molecules[${k}] expected z (atomic numbers) and pos ([x, y, z] per atom) of equal length`,
      );
    const n = rec.z.length;
    const z = new Int32Array(n);
    const pos = new Float32Array(3 * n);
    rec.z.forEach((v, a) => {
      const zz = typeof v === "string" ? Z_OF.get(v.toLowerCase()) : v;
      if (typeof zz !== "number" || !Number.isInteger(zz) || zz < 1 || zz >= ELEMENT_SYMBOLS.length)
        throw new DatasetFormatError(
          file,
          null,
          `molecules[${k}].z[${a}] expected an atomic number or symbol, got ${JSON.stringify(v)}`,
        );
      z[a] = zz;
    });
    (rec.pos as unknown[]).forEach((p, a) => {
      if (!Array.isArray(p) || p.length !== 3 || !p.every((c) => typeof c === "number" && Number.isFinite(c)))
        throw new DatasetFormatError(
          file,
          null,
          `molecules[${k}].pos[${a}] expected [x, y, z] numbers, got ${JSON.stringify(p)}`,
        );
      pos.set(p as number[], 3 * a);
    });
    const name =
      typeof rec.name === "string"
        ? rec.name
        : typeof rec.id === "string" || typeof rec.id === "number"
          ? String(rec.id)
          : String(k);
    if (rec.y === undefined) return { z, pos, name };
    const ys = Array.isArray(rec.y) ? rec.y : [rec.y];
    if (ys.length === 0 || !ys.every((v) => typeof v === "number" && Number.isFinite(v)))
      throw new DatasetFormatError(
        file,
        null,
        `molecules[${k}].y expected a number or a list of numbers, got ${JSON.stringify(rec.y)}`,
      );
    return { z, pos, name, y: Float32Array.from(ys as number[]) };
  });
}

/**
 * A molecule as a graph with `z`, `pos` and, when given, graph-level `y` [T] (no edges: the E(3) models
 * build their own from positions).
 */
export function moleculeGraph(m: Molecule3D): Graph {
  const n = m.z.length;
  const g = new Graph({
    z: new Tensor(Int32Array.from(m.z), [n], "int32"),
    pos: new Tensor(Float32Array.from(m.pos), [n, 3], "float32"),
  });
  if (m.y !== undefined) g.set("y", new Tensor(Float32Array.from(m.y), [m.y.length], "float32"), "graph");
  return g;
}
