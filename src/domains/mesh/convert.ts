/**
 * Conversions between a {@link Mesh} and the library's {@link Graph} (PyG's `FaceToEdge`), and to and
 * from the flat arrays of three.js's `BufferGeometry` (`position`, `index`, `normal` attributes).
 */

import { tensor } from "../../tensor/creation.js";
import { opError } from "../../tensor/errors.js";
import { Graph } from "../graph/graph.js";
import { Mesh } from "./mesh.js";
import { mergeVertices, removeDegenerateFaces } from "./validate.js";

/** Options of {@link meshToGraph}. */
export interface MeshToGraphOptions {
  /** Dtype of `pos` (and of `x` when `x` is set): default `"float32"`, the dtype networks train in. */
  dtype?: "float32" | "float64";
  /** Also store the triangles as `face`, `[3, F]` int32 (PyG's layout; batched with a node offset). Default false. */
  face?: boolean;
  /** Also use the positions as node features `x` (default false: no `x`). */
  x?: boolean;
}

/**
 * The mesh's graph, as PyG's `FaceToEdge` builds it: every mesh edge in both directions as
 * `edgeIndex` `[2, 2E]` int32, sorted by (source, target) (coalesced), and the positions as `pos`
 * `[V, 3]`. The self-loop of a face that repeats a vertex appears once. Unreferenced vertices are
 * isolated nodes (`numNodes` is always V).
 *
 * ```ts
 * const g = meshToGraph(mesh, { face: true });
 * g.edgeIndex; // [2, 2E]
 * ```
 */
export function meshToGraph(mesh: Mesh, opts: MeshToGraphOptions = {}): Graph {
  if (!(mesh instanceof Mesh)) opError("meshToGraph", "mesh", "a Mesh", typeof mesh);
  const dtype = opts.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64")
    opError("meshToGraph", "dtype", '"float32" or "float64"', String(dtype));
  const V = mesh.numVertices;
  const e = mesh.edges;
  const E = e.length / 2;
  // counting sort by source; walking the lexicographic edge list leaves every source's targets ascending
  const ptr = new Int32Array(V + 1);
  for (let i = 0; i < E; i++) {
    const a = e[2 * i]!;
    const b = e[2 * i + 1]!;
    ptr[a + 1]!++;
    if (a !== b) ptr[b + 1]!++;
  }
  for (let v = 0; v < V; v++) ptr[v + 1]! += ptr[v]!;
  const n = ptr[V]!;
  const ei = new Int32Array(2 * n);
  const fill = ptr.slice(0, V);
  for (let i = 0; i < E; i++) {
    const a = e[2 * i]!;
    const b = e[2 * i + 1]!;
    const pa = fill[a]!++;
    ei[pa] = a;
    ei[n + pa] = b;
    if (a !== b) {
      const pb = fill[b]!++;
      ei[pb] = b;
      ei[n + pb] = a;
    }
  }
  const pos = tensor(mesh.positions, { shape: [V, 3], dtype });
  const g = new Graph({ edgeIndex: tensor(ei, { shape: [2, n] }), pos, numNodes: V });
  if (opts.x) g.x = tensor(mesh.positions, { shape: [V, 3], dtype });
  if (opts.face) {
    const F = mesh.numFaces;
    const f = new Int32Array(3 * F);
    for (let i = 0; i < F; i++) for (let k = 0; k < 3; k++) f[k * F + i] = mesh.faces[3 * i + k]!;
    g.set("face", tensor(f, { shape: [3, F] }));
  }
  return g;
}

/** A three.js `BufferAttribute` (or anything with its `array` and `itemSize`). */
export interface BufferAttributeLike {
  readonly array: ArrayLike<number>;
  readonly itemSize?: number;
}

/** The attributes {@link fromBufferGeometry} reads, as flat arrays or three.js attributes. */
export interface BufferGeometryLike {
  /** Vertex positions, 3 per vertex (`geometry.attributes.position`, or its array). */
  readonly position: ArrayLike<number> | BufferAttributeLike;
  /** Triangle indices, 3 per triangle (`geometry.index`, or its array); null or absent: non-indexed. */
  readonly index?: ArrayLike<number> | BufferAttributeLike | null;
}

/** Options of {@link fromBufferGeometry}. */
export interface FromBufferGeometryOptions {
  /**
   * Merge coincident vertices (default: true for non-indexed geometry, where every triangle has its own
   * three vertices; false for indexed geometry).
   */
  mergeVertices?: boolean;
  /** Vertices closer than this are merged (default 0: only identical positions). */
  tolerance?: number;
}

function unwrap(op: string, arg: string, a: ArrayLike<number> | BufferAttributeLike): ArrayLike<number> {
  if (a !== null && typeof a === "object" && "array" in a && typeof (a as BufferAttributeLike).array === "object") {
    const at = a as BufferAttributeLike;
    if (at.itemSize !== undefined && at.itemSize !== (arg === "position" ? 3 : 1))
      opError(op, arg, `itemSize ${arg === "position" ? 3 : 1}`, String(at.itemSize));
    return at.array;
  }
  if (a === null || typeof a !== "object" || typeof (a as ArrayLike<number>).length !== "number")
    opError(op, arg, "an array or a BufferAttribute", String(a));
  return a as ArrayLike<number>;
}

/**
 * A mesh from three.js's flat geometry arrays (`Float32Array` positions; `Uint16Array` / `Uint32Array`
 * index, or none). Non-indexed geometry (a triangle soup) gets its coincident vertices merged, within
 * `tolerance`; triangles that then repeat a vertex are dropped. Draw ranges and groups are ignored: every
 * index triple is a triangle.
 *
 * ```ts
 * const mesh = fromBufferGeometry({ position: geometry.attributes.position, index: geometry.index });
 * ```
 */
export function fromBufferGeometry(geometry: BufferGeometryLike, opts: FromBufferGeometryOptions = {}): Mesh {
  const op = "fromBufferGeometry";
  if (geometry === null || typeof geometry !== "object")
    opError(op, "geometry", "an object with 'position'", String(geometry));
  const position = unwrap(op, "position", geometry.position);
  if (position.length % 3 !== 0) opError(op, "position", "a length divisible by 3", `length ${position.length}`);
  const nv = position.length / 3;
  let faces: Int32Array;
  const indexed = geometry.index !== undefined && geometry.index !== null;
  if (indexed) {
    const index = unwrap(op, "index", geometry.index!);
    if (index.length % 3 !== 0) opError(op, "index", "a length divisible by 3 (triangles)", `length ${index.length}`);
    faces = new Int32Array(index.length);
    for (let i = 0; i < index.length; i++) {
      const v = index[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= nv)
        opError(op, "index", `vertex ids in [0, ${nv})`, `${v} at position ${i} (triangle ${Math.floor(i / 3)})`);
      faces[i] = v;
    }
  } else {
    if (nv % 3 !== 0) opError(op, "position", "3 vertices per triangle for non-indexed geometry", `${nv} vertices`);
    faces = new Int32Array(nv);
    for (let i = 0; i < nv; i++) faces[i] = i;
  }
  if (!(opts.mergeVertices ?? !indexed)) return new Mesh(position, faces);
  const merged = mergeVertices(position, faces, { tolerance: opts.tolerance });
  const clean = removeDegenerateFaces(merged.positions, merged.faces, { zeroArea: false });
  return new Mesh(clean.positions, clean.faces);
}

/** Options of {@link toBufferGeometry}. */
export interface ToBufferGeometryOptions {
  /** Also return normals (default true): vertex normals, or face normals with `flat`. */
  normals?: boolean;
  /** Non-indexed output, three vertices per triangle with the face normal (flat shading). Default false. */
  flat?: boolean;
}

/** Flat arrays for three.js's `BufferGeometry`. */
export interface BufferGeometryArrays {
  /** Positions `[n, 3]` flat (float32). */
  position: Float32Array;
  /** Unit normals `[n, 3]` flat (float32), or null when not asked for. */
  normal: Float32Array | null;
  /** Triangle indices (`Uint16Array` when every id fits, else `Uint32Array`), or null with `flat`. */
  index: Uint16Array | Uint32Array | null;
}

/**
 * The mesh as three.js's flat arrays (float32 positions and normals, a `Uint16Array` index up to 65,535
 * vertices, else `Uint32Array`):
 *
 * ```ts
 * const { position, normal, index } = toBufferGeometry(mesh);
 * geometry.setAttribute("position", new THREE.BufferAttribute(position, 3));
 * geometry.setAttribute("normal", new THREE.BufferAttribute(normal, 3));
 * geometry.setIndex(new THREE.BufferAttribute(index, 1));
 * ```
 */
export function toBufferGeometry(mesh: Mesh, opts: ToBufferGeometryOptions = {}): BufferGeometryArrays {
  if (!(mesh instanceof Mesh)) opError("toBufferGeometry", "mesh", "a Mesh", typeof mesh);
  const withNormals = opts.normals ?? true;
  const F = mesh.numFaces;
  const p = mesh.positions;
  if (opts.flat) {
    const position = new Float32Array(9 * F);
    const normal = withNormals ? new Float32Array(9 * F) : null;
    const fn = withNormals ? mesh.faceNormals() : null;
    for (let f = 0; f < F; f++) {
      for (let k = 0; k < 3; k++) {
        const v = mesh.faces[3 * f + k]!;
        for (let d = 0; d < 3; d++) {
          position[9 * f + 3 * k + d] = p[3 * v + d]!;
          if (normal) normal[9 * f + 3 * k + d] = fn![3 * f + d]!;
        }
      }
    }
    return { position, normal, index: null };
  }
  const V = mesh.numVertices;
  const index = V <= 65535 ? new Uint16Array(mesh.faces) : new Uint32Array(mesh.faces);
  return {
    position: new Float32Array(p),
    normal: withNormals ? new Float32Array(mesh.vertexNormals()) : null,
    index,
  };
}
