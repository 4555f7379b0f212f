/**
 * Mesh validation and repair. {@link validateMesh} checks raw arrays (or a {@link Mesh}) and returns a
 * report of every problem it finds, each naming the faces and vertices involved; with `strict: true`
 * it throws an {@link ErlangenError} at the first one instead. The repairs return new arrays together
 * with the maps from new to old ids, and {@link repairMesh} chains the common ones into a `Mesh`.
 *
 * Validation is opt-in: the `Mesh` constructor checks only the array lengths, the id range and finite
 * coordinates.
 */
import { ErlangenError, opError } from "../../tensor/errors.js";
import { groupHalfEdges, nextOf, UnionFind } from "./internal.js";
import { Mesh } from "./mesh.js";

/** The kinds of problem {@link validateMesh} reports. */
export type MeshIssueKind =
  /** A face refers to a vertex id outside `[0, V)` (or a non-integer id). */
  | "index-out-of-range"
  /** A vertex has a NaN or infinite coordinate. */
  | "non-finite-coordinate"
  /** A face uses the same vertex twice (degenerate). */
  | "repeated-vertex"
  /** A face has (numerically) zero area: collinear or coincident corners (degenerate). */
  | "zero-area"
  /** A face has the same three vertices as an earlier face (in any order). */
  | "duplicate-face"
  /** An edge is shared by more than two faces. */
  | "non-manifold-edge"
  /** The faces around a vertex form more than one fan (e.g. two cones touching at their tips). */
  | "non-manifold-vertex"
  /** Two faces traverse their shared edge in the same direction. */
  | "inconsistent-orientation"
  /** A vertex is used by no face. */
  | "unreferenced-vertex";

/** Every issue kind, in the order {@link validateMesh} checks them. */
export const MESH_ISSUE_KINDS: readonly MeshIssueKind[] = [
  "index-out-of-range",
  "non-finite-coordinate",
  "repeated-vertex",
  "zero-area",
  "duplicate-face",
  "non-manifold-edge",
  "non-manifold-vertex",
  "inconsistent-orientation",
  "unreferenced-vertex",
];

/** One problem found by {@link validateMesh}. */
export interface MeshIssue {
  readonly kind: MeshIssueKind;
  /** The faces involved (may be empty, e.g. for an unreferenced vertex). */
  readonly faces: number[];
  /** The vertices involved (for `index-out-of-range`, the offending id). */
  readonly vertices: number[];
  /** A readable sentence naming the faces and vertices. */
  readonly message: string;
}

/** The result of {@link validateMesh}. */
export interface MeshReport {
  /** True when no issue of a checked kind was found. */
  readonly ok: boolean;
  /** The issues found, at most `maxIssues` of them (see `counts` for the totals). */
  readonly issues: MeshIssue[];
  /** Number of issues of each kind (all of them, also past `maxIssues`). */
  readonly counts: Record<MeshIssueKind, number>;
  /** True when `issues` was cut at `maxIssues`. */
  readonly truncated: boolean;
  readonly numVertices: number;
  readonly numFaces: number;
}

/** Options of {@link validateMesh}. */
export interface ValidateMeshOptions {
  /** Throw an {@link ErlangenError} naming the face and vertex at the first issue (default false: report). */
  strict?: boolean;
  /** Kinds not to check or report (e.g. `["unreferenced-vertex"]`). */
  ignore?: readonly MeshIssueKind[];
  /**
   * A face counts as zero-area when twice its area is at most `areaTolerance` times the square of its
   * longest edge (scale-free; default 1e-12, which catches collinear corners up to round-off).
   */
  areaTolerance?: number;
  /** At most this many issues are listed (default 1000); `counts` keeps the totals. */
  maxIssues?: number;
}

const OP = "validateMesh";

function faceStr(faces: ArrayLike<number>, f: number): string {
  return `face ${f} (vertices ${faces[3 * f]}, ${faces[3 * f + 1]}, ${faces[3 * f + 2]})`;
}

function checkLengths(op: string, positions: ArrayLike<number>, faces: ArrayLike<number>): void {
  if (positions.length % 3 !== 0)
    opError(op, "positions", "a length divisible by 3 ([V, 3] flat)", `length ${positions.length}`);
  if (faces.length % 3 !== 0) opError(op, "faces", "a length divisible by 3 ([F, 3] flat)", `length ${faces.length}`);
}

/** Twice the area of face f and its longest squared edge. */
function faceArea2(p: ArrayLike<number>, a: number, b: number, c: number): [number, number] {
  const ux = p[3 * b]! - p[3 * a]!;
  const uy = p[3 * b + 1]! - p[3 * a + 1]!;
  const uz = p[3 * b + 2]! - p[3 * a + 2]!;
  const vx = p[3 * c]! - p[3 * a]!;
  const vy = p[3 * c + 1]! - p[3 * a + 1]!;
  const vz = p[3 * c + 2]! - p[3 * a + 2]!;
  const wx = vx - ux;
  const wy = vy - uy;
  const wz = vz - uz;
  const a2 = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  const l2 = Math.max(ux * ux + uy * uy + uz * uz, vx * vx + vy * vy + vz * vz, wx * wx + wy * wy + wz * wz);
  return [a2, l2];
}

function isZeroArea(p: ArrayLike<number>, a: number, b: number, c: number, tol: number): boolean {
  const [a2, l2] = faceArea2(p, a, b, c);
  return a2 <= tol * l2;
}

/**
 * Checks a triangle mesh and reports every problem (see {@link MeshIssueKind}): out-of-range ids,
 * non-finite coordinates, degenerate faces (a repeated vertex, zero area), duplicate faces,
 * non-manifold edges and vertices, inconsistent orientation and unreferenced vertices.
 *
 * Faces with out-of-range ids or a repeated vertex, and the later copy of a duplicate face, are left
 * out of the topological checks (so that one bad face is reported once, not also as the non-manifold
 * edges it creates).
 *
 * ```ts
 * const report = validateMesh(positions, faces);
 * if (!report.ok) for (const issue of report.issues) console.log(issue.message);
 * validateMesh(positions, faces, { strict: true }); // throws at the first issue
 * ```
 */
export function validateMesh(mesh: Mesh, opts?: ValidateMeshOptions): MeshReport;
export function validateMesh(
  positions: ArrayLike<number>,
  faces: ArrayLike<number>,
  opts?: ValidateMeshOptions,
): MeshReport;
export function validateMesh(
  a: Mesh | ArrayLike<number>,
  b?: ArrayLike<number> | ValidateMeshOptions,
  c?: ValidateMeshOptions,
): MeshReport {
  let positions: ArrayLike<number>;
  let faces: ArrayLike<number>;
  let opts: ValidateMeshOptions;
  if (a instanceof Mesh) {
    positions = a.positions;
    faces = a.faces;
    opts = (b as ValidateMeshOptions | undefined) ?? {};
  } else {
    if (b === undefined || typeof (b as ArrayLike<number>).length !== "number")
      opError(OP, "faces", "an array of vertex ids ([F, 3] flat)", String(b));
    positions = a;
    faces = b as ArrayLike<number>;
    opts = c ?? {};
  }
  checkLengths(OP, positions, faces);
  const V = positions.length / 3;
  const F = faces.length / 3;
  const tol = opts.areaTolerance ?? 1e-12;
  const maxIssues = opts.maxIssues ?? 1000;
  const ignored = new Set(opts.ignore ?? []);
  const counts = Object.fromEntries(MESH_ISSUE_KINDS.map((k) => [k, 0])) as Record<MeshIssueKind, number>;
  const issues: MeshIssue[] = [];
  const report = (kind: MeshIssueKind, fs: number[], vs: number[], message: string): void => {
    if (ignored.has(kind)) return;
    if (opts.strict) throw new ErlangenError(`${OP}: ${message}`);
    counts[kind]++;
    if (issues.length < maxIssues) issues.push({ kind, faces: fs, vertices: vs, message });
  };

  // vertices: finite coordinates
  const finite = new Uint8Array(V);
  for (let v = 0; v < V; v++) {
    const x = positions[3 * v]!;
    const y = positions[3 * v + 1]!;
    const z = positions[3 * v + 2]!;
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) finite[v] = 1;
    else report("non-finite-coordinate", [], [v], `vertex ${v} has a non-finite coordinate (${x}, ${y}, ${z})`);
  }

  // faces: ids in range, no repeated vertex, non-zero area
  const ids = new Int32Array(3 * F);
  const valid = new Uint8Array(F); // ids in range and three distinct vertices
  const referenced = new Uint8Array(V);
  for (let f = 0; f < F; f++) {
    let inRange = true;
    for (let k = 0; k < 3; k++) {
      const v = faces[3 * f + k]!;
      if (Number.isInteger(v) && v >= 0 && v < V) referenced[v] = 1;
      else {
        inRange = false;
        report(
          "index-out-of-range",
          [f],
          [v],
          `${faceStr(faces, f)} refers to vertex ${v} (corner ${k}), outside [0, ${V})`,
        );
      }
    }
    if (!inRange) continue;
    const x = faces[3 * f]!;
    const y = faces[3 * f + 1]!;
    const z = faces[3 * f + 2]!;
    ids[3 * f] = x;
    ids[3 * f + 1] = y;
    ids[3 * f + 2] = z;
    if (x === y || y === z || x === z) {
      const r = x === y || x === z ? x : y;
      report("repeated-vertex", [f], [r], `${faceStr(faces, f)} is degenerate: it repeats vertex ${r}`);
      continue;
    }
    valid[f] = 1;
    if (finite[x] && finite[y] && finite[z] && isZeroArea(positions, x, y, z, tol)) {
      report(
        "zero-area",
        [f],
        [x, y, z],
        `${faceStr(faces, f)} is degenerate: its area is zero (collinear or coincident corners)`,
      );
    }
  }

  // duplicate faces (same vertex set): the later copy is reported and left out of the topology checks
  const seen = new Map<string, number>();
  for (let f = 0; f < F; f++) {
    if (!valid[f]) continue;
    const t = [ids[3 * f]!, ids[3 * f + 1]!, ids[3 * f + 2]!].sort((p, q) => p - q);
    const key = `${t[0]},${t[1]},${t[2]}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, f);
      continue;
    }
    valid[f] = 0;
    report("duplicate-face", [first, f], t, `${faceStr(faces, f)} duplicates face ${first}`);
  }

  // edges: non-manifold edges, orientation; corners joined across edges for the fan count
  const groups = groupHalfEdges(ids, V, valid);
  const { order, start, lo, hi } = groups;
  const corners = new UnionFind(3 * F);
  for (let g = 0; g + 1 < start.length; g++) {
    const i = start[g]!;
    const j = start[g + 1]!;
    const h0 = order[i]!;
    const l = lo[h0]!;
    const u = hi[h0]!;
    // corner of each half-edge's face at l and at u
    for (let t = i + 1; t < j; t++) {
      const h = order[t]!;
      const [cl0, cu0] = ids[h0] === l ? [h0, nextOf(h0)] : [nextOf(h0), h0];
      const [cl, cu] = ids[h] === l ? [h, nextOf(h)] : [nextOf(h), h];
      corners.union(cl0, cl);
      corners.union(cu0, cu);
    }
    if (j - i > 2) {
      const fs: number[] = [];
      for (let t = i; t < j; t++) fs.push((order[t]! / 3) | 0);
      report(
        "non-manifold-edge",
        fs,
        [l, u],
        `edge (${l}, ${u}) is non-manifold: it is shared by ${j - i} faces (${fs.join(", ")})`,
      );
    } else if (j - i === 2) {
      const h1 = order[i + 1]!;
      if (ids[h0] === ids[h1]) {
        const f0 = (h0 / 3) | 0;
        const f1 = (h1 / 3) | 0;
        const from = ids[h0]!;
        const to = from === l ? u : l;
        report(
          "inconsistent-orientation",
          [f0, f1],
          [from, to],
          `faces ${f0} and ${f1} are inconsistently oriented: both traverse edge ${from} → ${to}`,
        );
      }
    }
  }
  if (!ignored.has("non-manifold-vertex")) {
    const fans = new Int32Array(V);
    for (let f = 0; f < F; f++) {
      if (!valid[f]) continue;
      for (let k = 0; k < 3; k++) if (corners.find(3 * f + k) === 3 * f + k) fans[ids[3 * f + k]!]!++;
    }
    const bad: number[] = [];
    for (let v = 0; v < V; v++) if (fans[v]! > 1) bad.push(v);
    if (bad.length > 0) {
      const incident = new Map<number, number[]>(bad.map((v) => [v, []]));
      for (let f = 0; f < F; f++) {
        if (!valid[f]) continue;
        for (let k = 0; k < 3; k++) incident.get(ids[3 * f + k]!)?.push(f);
      }
      for (const v of bad) {
        const fs = incident.get(v)!;
        report(
          "non-manifold-vertex",
          fs,
          [v],
          `vertex ${v} is non-manifold: its ${fs.length} faces (${fs.slice(0, 12).join(", ")}${fs.length > 12 ? ", …" : ""}) form ${fans[v]} separate fans`,
        );
      }
    }
  }

  for (let v = 0; v < V; v++)
    if (!referenced[v]) report("unreferenced-vertex", [], [v], `vertex ${v} is used by no face`);

  let total = 0;
  for (const k of MESH_ISSUE_KINDS) total += counts[k];
  return { ok: total === 0, issues, counts, truncated: total > issues.length, numVertices: V, numFaces: F };
}

// ---- repairs -------------------------------------------------------------------------------------

/** Positions and faces after a repair, with the map from new face ids to old ones. */
export interface FaceRepair {
  readonly positions: Float64Array;
  readonly faces: Int32Array;
  /** Old id of every kept face, `[F']`. */
  readonly keptFaces: Int32Array;
}

/** The result of {@link removeUnreferencedVertices}. */
export interface VertexRepair {
  readonly positions: Float64Array;
  readonly faces: Int32Array;
  /** New id of every old vertex, or −1 where it was dropped, `[V]`. */
  readonly vertexMap: Int32Array;
  /** Old id of every kept vertex, `[V']`. */
  readonly keptVertices: Int32Array;
}

/** The result of {@link orientFaces}. */
export interface OrientRepair {
  readonly positions: Float64Array;
  readonly faces: Int32Array;
  /** Ids of the faces whose orientation was reversed. */
  readonly flipped: Int32Array;
  /** False when some edge-connected component cannot be oriented (a Möbius strip, a Klein bottle). */
  readonly orientable: boolean;
  /** Number of edge-connected components (faces joined through manifold edges). */
  readonly components: number;
}

function checkedFaces(op: string, positions: ArrayLike<number>, faces: ArrayLike<number>): Int32Array {
  checkLengths(op, positions, faces);
  const V = positions.length / 3;
  const out = new Int32Array(faces.length);
  for (let i = 0; i < faces.length; i++) {
    const v = faces[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= V)
      opError(op, "faces", `vertex ids in [0, ${V})`, `${v} at face ${Math.floor(i / 3)} (corner ${i % 3})`);
    out[i] = v;
  }
  return out;
}

function pick(faces: Int32Array, keep: ArrayLike<number>): Int32Array {
  const out = new Int32Array(3 * keep.length);
  for (let i = 0; i < keep.length; i++) out.set(faces.subarray(3 * keep[i]!, 3 * keep[i]! + 3), 3 * i);
  return out;
}

/**
 * Drops the vertices no face uses and renumbers the faces. Returns the map from old to new vertex ids
 * (−1 for dropped vertices) and from new to old.
 */
export function removeUnreferencedVertices(positions: ArrayLike<number>, faces: ArrayLike<number>): VertexRepair {
  const f = checkedFaces("removeUnreferencedVertices", positions, faces);
  const V = positions.length / 3;
  const vertexMap = new Int32Array(V).fill(-1);
  for (let i = 0; i < f.length; i++) vertexMap[f[i]!] = 0;
  const kept: number[] = [];
  for (let v = 0; v < V; v++) if (vertexMap[v] === 0) vertexMap[v] = kept.push(v) - 1;
  const pos = new Float64Array(3 * kept.length);
  for (let i = 0; i < kept.length; i++) {
    const v = kept[i]!;
    pos[3 * i] = positions[3 * v]!;
    pos[3 * i + 1] = positions[3 * v + 1]!;
    pos[3 * i + 2] = positions[3 * v + 2]!;
  }
  for (let i = 0; i < f.length; i++) f[i] = vertexMap[f[i]!]!;
  return { positions: pos, faces: f, vertexMap, keptVertices: Int32Array.from(kept) };
}

/**
 * Merges vertices closer than `tolerance` (default 0: identical positions only) and renumbers the
 * faces; the first vertex of each group is kept (greedy, in vertex order: a vertex joins the first
 * kept vertex within `tolerance`, found through a grid of cells of that size). Faces are kept as they
 * are, so a small triangle may come out repeating a vertex (see {@link removeDegenerateFaces}).
 */
export function mergeVertices(
  positions: ArrayLike<number>,
  faces: ArrayLike<number>,
  opts: { tolerance?: number } = {},
): VertexRepair {
  const f = checkedFaces("mergeVertices", positions, faces);
  const tol = opts.tolerance ?? 0;
  if (!(tol >= 0) || !Number.isFinite(tol)) opError("mergeVertices", "tolerance", "a finite number ≥ 0", String(tol));
  const V = positions.length / 3;
  const vertexMap = new Int32Array(V);
  const kept: number[] = [];
  const cells = new Map<string, number[]>();
  const tol2 = tol * tol;
  for (let v = 0; v < V; v++) {
    const x = positions[3 * v]!;
    const y = positions[3 * v + 1]!;
    const z = positions[3 * v + 2]!;
    let found = -1;
    if (tol === 0) {
      const key = `${x},${y},${z}`;
      const c = cells.get(key);
      if (c) found = c[0]!;
      else cells.set(key, [kept.length]);
    } else {
      const cx = Math.floor(x / tol);
      const cy = Math.floor(y / tol);
      const cz = Math.floor(z / tol);
      search: for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (let dz = -1; dz <= 1; dz++) {
            const c = cells.get(`${cx + dx},${cy + dy},${cz + dz}`);
            if (!c) continue;
            for (const k of c) {
              const u = kept[k]!;
              const ex = positions[3 * u]! - x;
              const ey = positions[3 * u + 1]! - y;
              const ez = positions[3 * u + 2]! - z;
              if (ex * ex + ey * ey + ez * ez <= tol2) {
                found = k;
                break search;
              }
            }
          }
        }
      }
      if (found < 0) {
        const key = `${cx},${cy},${cz}`;
        const c = cells.get(key);
        if (c) c.push(kept.length);
        else cells.set(key, [kept.length]);
      }
    }
    if (found >= 0) vertexMap[v] = found;
    else vertexMap[v] = kept.push(v) - 1;
  }
  const pos = new Float64Array(3 * kept.length);
  for (let i = 0; i < kept.length; i++) {
    const v = kept[i]!;
    pos[3 * i] = positions[3 * v]!;
    pos[3 * i + 1] = positions[3 * v + 1]!;
    pos[3 * i + 2] = positions[3 * v + 2]!;
  }
  for (let i = 0; i < f.length; i++) f[i] = vertexMap[f[i]!]!;
  return { positions: pos, faces: f, vertexMap, keptVertices: Int32Array.from(kept) };
}

/**
 * Drops degenerate faces: those that repeat a vertex and, unless `zeroArea: false`, those of zero
 * area (same tolerance as {@link validateMesh}).
 */
export function removeDegenerateFaces(
  positions: ArrayLike<number>,
  faces: ArrayLike<number>,
  opts: { zeroArea?: boolean; areaTolerance?: number } = {},
): FaceRepair {
  const f = checkedFaces("removeDegenerateFaces", positions, faces);
  const tol = opts.areaTolerance ?? 1e-12;
  const keep: number[] = [];
  for (let i = 0; i < f.length / 3; i++) {
    const a = f[3 * i]!;
    const b = f[3 * i + 1]!;
    const c = f[3 * i + 2]!;
    if (a === b || b === c || a === c) continue;
    if (opts.zeroArea !== false && isZeroArea(positions, a, b, c, tol)) continue;
    keep.push(i);
  }
  return { positions: Float64Array.from(positions), faces: pick(f, keep), keptFaces: Int32Array.from(keep) };
}

/** Drops every face with the same vertex set as an earlier face (whatever their orientation); the first copy stays. */
export function removeDuplicateFaces(positions: ArrayLike<number>, faces: ArrayLike<number>): FaceRepair {
  const f = checkedFaces("removeDuplicateFaces", positions, faces);
  const seen = new Set<string>();
  const keep: number[] = [];
  for (let i = 0; i < f.length / 3; i++) {
    const t = [f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!].sort((p, q) => p - q);
    const key = `${t[0]},${t[1]},${t[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    keep.push(i);
  }
  return { positions: Float64Array.from(positions), faces: pick(f, keep), keptFaces: Int32Array.from(keep) };
}

/**
 * Orients the faces consistently: a breadth-first search over every edge-connected component (faces
 * joined through manifold edges) keeps the orientation of the component's first face and reverses
 * each neighbour that traverses the shared edge the same way. With `outward` (the default), every
 * closed component is then turned so that its signed volume is positive (normals point outwards).
 * A reversed face `(a, b, c)` becomes `(a, c, b)`. Faces that repeat a vertex are left as they are.
 */
export function orientFaces(
  positions: ArrayLike<number>,
  faces: ArrayLike<number>,
  opts: { outward?: boolean } = {},
): OrientRepair {
  const f = checkedFaces("orientFaces", positions, faces);
  const V = positions.length / 3;
  const F = f.length / 3;
  const include = new Uint8Array(F);
  for (let i = 0; i < F; i++) {
    const a = f[3 * i]!;
    const b = f[3 * i + 1]!;
    const c = f[3 * i + 2]!;
    include[i] = a !== b && b !== c && a !== c ? 1 : 0;
  }
  const { order, start } = groupHalfEdges(f, V, include);
  const partner = new Int32Array(3 * F).fill(-1);
  for (let g = 0; g + 1 < start.length; g++) {
    if (start[g + 1]! - start[g]! !== 2) continue;
    const h0 = order[start[g]!]!;
    const h1 = order[start[g]! + 1]!;
    partner[h0] = h1;
    partner[h1] = h0;
  }
  const flip = new Uint8Array(F);
  const comp = new Int32Array(F).fill(-1);
  let components = 0;
  let orientable = true;
  const queue = new Int32Array(F);
  const outward = opts.outward ?? true;
  for (let s = 0; s < F; s++) {
    if (!include[s] || comp[s] !== -1) continue;
    const c = components++;
    comp[s] = c;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    let closed = true;
    while (head < tail) {
      const x = queue[head++]!;
      for (let k = 0; k < 3; k++) {
        const h = 3 * x + k;
        const p = partner[h]!;
        if (p === -1) {
          closed = false;
          continue;
        }
        const y = (p / 3) | 0;
        // same direction in the input ⇔ the two faces need opposite flips
        const want = flip[x]! ^ (f[h] === f[p] ? 1 : 0);
        if (comp[y] === -1) {
          comp[y] = c;
          flip[y] = want;
          queue[tail++] = y;
        } else if (flip[y] !== want) orientable = false;
      }
    }
    if (outward && closed) {
      let vol = 0;
      for (let i = 0; i < tail; i++) {
        const x = queue[i]!;
        let a = f[3 * x]!;
        let b = f[3 * x + 1]!;
        let d = f[3 * x + 2]!;
        if (flip[x]) [b, d] = [d, b];
        a *= 3;
        b *= 3;
        d *= 3;
        const [ax, ay, az] = [positions[a]!, positions[a + 1]!, positions[a + 2]!];
        const [bx, by, bz] = [positions[b]!, positions[b + 1]!, positions[b + 2]!];
        const [cx, cy, cz] = [positions[d]!, positions[d + 1]!, positions[d + 2]!];
        vol += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
      }
      if (vol < 0) for (let i = 0; i < tail; i++) flip[queue[i]!]! ^= 1;
    }
  }
  const flipped: number[] = [];
  for (let i = 0; i < F; i++) {
    if (!flip[i]) continue;
    flipped.push(i);
    const b = f[3 * i + 1]!;
    f[3 * i + 1] = f[3 * i + 2]!;
    f[3 * i + 2] = b;
  }
  return {
    positions: Float64Array.from(positions),
    faces: f,
    flipped: Int32Array.from(flipped),
    orientable,
    components,
  };
}

/** Options of {@link repairMesh}; every step is on by default. */
export interface RepairMeshOptions {
  /** Drop faces with out-of-range ids or a vertex with a non-finite coordinate (default true). */
  dropInvalid?: boolean;
  /** Drop faces that repeat a vertex or have zero area (default true). */
  dropDegenerate?: boolean;
  /** Drop later copies of a face (default true). */
  dropDuplicates?: boolean;
  /** Orient faces consistently, closed components outwards (default true). */
  orient?: boolean;
  /** Drop vertices no face uses (default true). */
  dropUnreferenced?: boolean;
  /** Zero-area tolerance (see {@link ValidateMeshOptions.areaTolerance}). */
  areaTolerance?: number;
}

/** The result of {@link repairMesh}. */
export interface MeshRepair {
  readonly mesh: Mesh;
  /** New id of every input vertex, or −1 where it was dropped, `[V]`. */
  readonly vertexMap: Int32Array;
  /** Input id of every output face, `[F']`. */
  readonly faceMap: Int32Array;
  /** Ids (in the output mesh) of the faces whose orientation was reversed. */
  readonly flipped: Int32Array;
  /** False when some component could not be oriented consistently. */
  readonly orientable: boolean;
  /** How many faces and vertices each step removed. */
  readonly removed: {
    readonly invalidFaces: number;
    readonly degenerateFaces: number;
    readonly duplicateFaces: number;
    readonly unreferencedVertices: number;
  };
}

/**
 * Applies the common repairs in order: drop invalid faces (out-of-range ids, non-finite corners),
 * degenerate faces and duplicate faces, orient each component consistently (closed ones outwards), then
 * drop unreferenced vertices. Non-manifold edges and vertices are not repaired (they are reported by
 * {@link validateMesh}). A vertex with a non-finite coordinate is removed with its faces unless
 * `dropUnreferenced` is off, in which case the `Mesh` constructor rejects it; with `dropInvalid: false`
 * an out-of-range id throws an {@link ErlangenError}.
 *
 * ```ts
 * const { mesh, vertexMap } = repairMesh(positions, faces);
 * ```
 */
export function repairMesh(mesh: Mesh, opts?: RepairMeshOptions): MeshRepair;
export function repairMesh(
  positions: ArrayLike<number>,
  faces: ArrayLike<number>,
  opts?: RepairMeshOptions,
): MeshRepair;
export function repairMesh(
  a: Mesh | ArrayLike<number>,
  b?: ArrayLike<number> | RepairMeshOptions,
  c?: RepairMeshOptions,
): MeshRepair {
  let positions: ArrayLike<number>;
  let faces: ArrayLike<number>;
  let opts: RepairMeshOptions;
  if (a instanceof Mesh) {
    positions = a.positions;
    faces = a.faces;
    opts = (b as RepairMeshOptions | undefined) ?? {};
  } else {
    if (b === undefined || typeof (b as ArrayLike<number>).length !== "number")
      opError("repairMesh", "faces", "an array of vertex ids ([F, 3] flat)", String(b));
    positions = a;
    faces = b as ArrayLike<number>;
    opts = c ?? {};
  }
  checkLengths("repairMesh", positions, faces);
  const V = positions.length / 3;
  const F0 = faces.length / 3;
  let pos: Float64Array = Float64Array.from(positions);
  // faceMap: output face → input face, composed through the steps
  let faceMap: Int32Array = new Int32Array(F0);
  for (let i = 0; i < F0; i++) faceMap[i] = i;
  let f: Int32Array;
  let invalid = 0;
  if (opts.dropInvalid === false) {
    f = checkedFaces("repairMesh", positions, faces);
  } else {
    const keep: number[] = [];
    const raw = new Int32Array(faces.length);
    for (let i = 0; i < F0; i++) {
      let ok = true;
      for (let k = 0; k < 3; k++) {
        const v = faces[3 * i + k]!;
        if (!Number.isInteger(v) || v < 0 || v >= V) ok = false;
        else {
          raw[3 * i + k] = v;
          if (!(Number.isFinite(pos[3 * v]!) && Number.isFinite(pos[3 * v + 1]!) && Number.isFinite(pos[3 * v + 2]!)))
            ok = false;
        }
      }
      if (ok) keep.push(i);
    }
    invalid = F0 - keep.length;
    f = pick(raw, keep);
    faceMap = Int32Array.from(keep);
  }
  let degenerate = 0;
  if (opts.dropDegenerate !== false) {
    const r = removeDegenerateFaces(pos, f, { areaTolerance: opts.areaTolerance });
    degenerate = f.length / 3 - r.faces.length / 3;
    faceMap = Int32Array.from(r.keptFaces, (i) => faceMap[i]!);
    f = r.faces;
  }
  let duplicates = 0;
  if (opts.dropDuplicates !== false) {
    const r = removeDuplicateFaces(pos, f);
    duplicates = f.length / 3 - r.faces.length / 3;
    faceMap = Int32Array.from(r.keptFaces, (i) => faceMap[i]!);
    f = r.faces;
  }
  let flipped: Int32Array = new Int32Array(0);
  let orientable = true;
  if (opts.orient !== false) {
    const r = orientFaces(pos, f);
    f = r.faces;
    flipped = r.flipped;
    orientable = r.orientable;
  }
  let vertexMap: Int32Array = new Int32Array(V);
  for (let v = 0; v < V; v++) vertexMap[v] = v;
  let unreferenced = 0;
  if (opts.dropUnreferenced !== false) {
    const r = removeUnreferencedVertices(pos, f);
    unreferenced = V - r.keptVertices.length;
    pos = r.positions;
    f = r.faces;
    vertexMap = r.vertexMap;
  }
  return {
    mesh: new Mesh(pos, f),
    vertexMap,
    faceMap,
    flipped,
    orientable,
    removed: {
      invalidFaces: invalid,
      degenerateFaces: degenerate,
      duplicateFaces: duplicates,
      unreferencedVertices: unreferenced,
    },
  };
}
