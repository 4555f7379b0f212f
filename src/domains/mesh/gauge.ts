/**
 * The gauge bundle: what a gauge-equivariant layer ({@link GemConv}) needs to know about a surface. Per
 * directed edge e = (q → p), with `edgeIndex[0][e] = q` (source, the neighbour) and `edgeIndex[1][e] = p`
 * (target, where the message lands) as in PyG:
 *
 *   theta[e]     = θ_pq,     the polar angle of q in p's tangent frame (the log map's angle),
 *   transport[e] = g_{q→p},  the parallel-transport angle: coordinates at q rotated by it are coordinates at p.
 *
 * A gauge transformation rotates the frame at every vertex v by −g_v, so that a feature of type ρ becomes
 * f_v ↦ ρ(g_v) f_v; the bundle then changes as
 *
 *   θ_pq ↦ θ_pq + g_p,     g_{q→p} ↦ g_{q→p} + g_p − g_q,
 *
 * ({@link transformGauge}). Built from a mesh ({@link meshGauge}, intrinsic or extrinsic angles) or from
 * positions, normals and an edge index ({@link pointGauge}, projection-based). A bundle may carry a coarser
 * level for parallel-transport pooling (`coarse`, see `gauge_pooling.ts`).
 */

import type { Action } from "../../symmetry/actions.js";
import { type SO2Irreps, so2Irreps, so2Rotate } from "../../symmetry/so2_irreps.js";
import { ErlangenError, opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { type TangentFrames, tangentFrames, tangentFramesFromNeighbours, vertexRings } from "./frames.js";
import type { Mesh } from "./mesh.js";
import { type DirectedConnection, extrinsicConnection, intrinsicConnection, wrapAngle } from "./transport.js";

/** One level of parallel-transport pooling (fine → coarse); see `gaugePooling`. */
export interface GaugePooling {
  /** Fine vertex ids of the coarse vertices `[Vc]` (coarse vertex c sits at fine vertex `coarseIndex[c]`). */
  readonly coarseIndex: Int32Array;
  /** Coarse vertex of every fine vertex `[Vf]`. */
  readonly assignment: Int32Array;
  /** g_{u→c(u)}: transport of every fine vertex's tangent coordinates into its coarse vertex's frame `[Vf]`. */
  readonly transport: Float64Array;
  /** The coarse level's gauge (frames of the coarse vertices = the fine frames at `coarseIndex`). */
  readonly gauge: MeshGauge;
}

/** The gauge bundle of a surface (module docs). */
export interface MeshGauge {
  readonly numNodes: number;
  /** `[2, E]` int32: row 0 the source q, row 1 the target p. */
  readonly edgeIndex: Tensor;
  /** θ_pq per edge `[E]`. */
  readonly theta: Float64Array;
  /** g_{q→p} per edge `[E]`. */
  readonly transport: Float64Array;
  /** ‖x_q − x_p‖ per edge `[E]`. */
  readonly radius: Float64Array;
  /** Optional neighbour weights w_pq `[E]` (null: the layer's default, 1/deg(p)). */
  readonly weight: Float64Array | null;
  /** Vertex positions `[V, 3]`. */
  readonly positions: Float64Array;
  /** The frames in which the angles are measured (for the intrinsic version, the extrinsic frames pointing the same way at angle 0). */
  readonly frames: TangentFrames;
  /** How the angles were computed. */
  readonly method: "intrinsic" | "extrinsic";
  /** A coarser level for pooling, or null. */
  readonly coarse: GaugePooling | null;
}

/** Options of {@link meshGauge}. */
export interface MeshGaugeOptions {
  /**
   * `"intrinsic"` (default): angle-sum-normalised polar angles and the Levi-Civita transport of vertex
   * tangent spaces (exact holonomy; see `transport.ts`). `"extrinsic"`: projected angles and the minimal
   * rotation of normals.
   */
  method?: "intrinsic" | "extrinsic";
  /** Frames to use (default {@link tangentFrames} of the mesh); the intrinsic method needs the mesh's own. */
  frames?: TangentFrames;
  /** Neighbour weights w_pq per directed edge in the bundle's edge order (default null: uniform mean). */
  weight?: ArrayLike<number> | null;
}

function fromConnection(
  c: DirectedConnection,
  numNodes: number,
  positions: Float64Array,
  frames: TangentFrames,
  method: "intrinsic" | "extrinsic",
  weight: ArrayLike<number> | null | undefined,
  op: string,
): MeshGauge {
  const E = c.source.length;
  const ei = new Int32Array(2 * E);
  ei.set(c.source, 0);
  ei.set(c.target, E);
  let w: Float64Array | null = null;
  if (weight !== null && weight !== undefined) {
    if (weight.length !== E) opError(op, "weight", `length ${E} (one per directed edge)`, `length ${weight.length}`);
    w = Float64Array.from(weight);
  }
  return {
    numNodes,
    edgeIndex: new Tensor(ei, [2, E], "int32"),
    theta: c.theta,
    transport: c.transport,
    radius: c.radius,
    weight: w,
    positions,
    frames,
    method,
    coarse: null,
  };
}

/**
 * Every edge of a mesh in both directions, grouped by target p: first p's one-ring in counter-clockwise
 * order (as {@link vertexRings}), then any other neighbours (other fans of a non-manifold vertex) by id.
 */
export function meshDirectedEdges(mesh: Mesh): { source: Int32Array; target: Int32Array } {
  const V = mesh.numVertices;
  const rings = vertexRings(mesh);
  const extra: number[][] = Array.from({ length: V }, () => []);
  const inRing = new Set<number>();
  for (let p = 0; p < V; p++)
    for (let i = rings.offsets[p]!; i < rings.offsets[p + 1]!; i++) inRing.add(p * V + rings.indices[i]!);
  const edges = mesh.edges;
  for (let e = 0; e < edges.length / 2; e++) {
    const a = edges[2 * e]!;
    const b = edges[2 * e + 1]!;
    if (!inRing.has(a * V + b)) extra[a]!.push(b);
    if (!inRing.has(b * V + a)) extra[b]!.push(a);
  }
  const source: number[] = [];
  const target: number[] = [];
  for (let p = 0; p < V; p++) {
    for (let i = rings.offsets[p]!; i < rings.offsets[p + 1]!; i++) {
      source.push(rings.indices[i]!);
      target.push(p);
    }
    for (const q of extra[p]!) {
      source.push(q);
      target.push(p);
    }
  }
  return { source: Int32Array.from(source), target: Int32Array.from(target) };
}

/**
 * The gauge bundle of a mesh: one directed edge per (neighbour q, vertex p) of every one-ring, grouped by
 * target p in counter-clockwise order (the fans of a non-manifold vertex one after the other). See
 * {@link MeshGaugeOptions} for the two methods.
 */
export function meshGauge(mesh: Mesh, opts: MeshGaugeOptions = {}): MeshGauge {
  const method = opts.method ?? "intrinsic";
  if (method !== "intrinsic" && method !== "extrinsic")
    opError("meshGauge", "method", "'intrinsic' or 'extrinsic'", String(method));
  const frames = opts.frames ?? tangentFrames(mesh);
  let c: DirectedConnection;
  if (method === "intrinsic") c = intrinsicConnection(mesh);
  else {
    const { source, target } = meshDirectedEdges(mesh);
    c = extrinsicConnection(mesh.positions, frames, source, target);
  }
  return fromConnection(
    c,
    mesh.numVertices,
    Float64Array.from(mesh.positions),
    frames,
    method,
    opts.weight,
    "meshGauge",
  );
}

/**
 * A projection-based gauge bundle from positions `[V, 3]`, normals `[V, 3]` (or ready frames) and an edge
 * index `[2, E]` (row 0 source q, row 1 target p). Without frames, each point's x-axis points to its first
 * neighbour (the first edge that targets it) projected onto its tangent plane.
 */
export function pointGauge(
  positions: ArrayLike<number>,
  normalsOrFrames: ArrayLike<number> | TangentFrames,
  edgeIndex: Tensor | { source: ArrayLike<number>; target: ArrayLike<number> },
  opts: { weight?: ArrayLike<number> | null } = {},
): MeshGauge {
  const op = "pointGauge";
  if (positions.length % 3 !== 0)
    opError(op, "positions", "a length divisible by 3 ([V, 3])", `length ${positions.length}`);
  const V = positions.length / 3;
  let source: ArrayLike<number>;
  let target: ArrayLike<number>;
  if (edgeIndex instanceof Tensor) {
    if (edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2 || edgeIndex.dtype !== "int32")
      opError(op, "edgeIndex", "an int32 tensor of shape [2, E]", `${edgeIndex.dtype} [${edgeIndex.shape.join(", ")}]`);
    const E = edgeIndex.shape[1]!;
    source = edgeIndex.data.subarray(0, E) as Int32Array;
    target = edgeIndex.data.subarray(E, 2 * E) as Int32Array;
  } else {
    source = edgeIndex.source;
    target = edgeIndex.target;
  }
  let frames: TangentFrames;
  if ("normals" in normalsOrFrames && "xAxes" in normalsOrFrames) {
    frames = normalsOrFrames as TangentFrames;
    if (frames.normals.length !== 3 * V)
      opError(op, "frames", `[${V}, 3] frames`, `length ${frames.normals.length / 3}`);
  } else {
    const lists: number[][] = Array.from({ length: V }, () => []);
    for (let e = 0; e < source.length; e++) {
      const p = target[e]!;
      if (!(p >= 0 && p < V)) opError(op, "edgeIndex", `vertex ids in [0, ${V})`, `${p} at edge ${e}`);
      lists[p]!.push(source[e]!);
    }
    frames = tangentFramesFromNeighbours(positions, normalsOrFrames as ArrayLike<number>, lists);
  }
  const c = extrinsicConnection(positions, frames, source, target);
  return fromConnection(c, V, Float64Array.from(positions), frames, "extrinsic", opts.weight, op);
}

/** Rotates every frame (x_v, y_v) by −g_v about n_v (the frame change of the gauge transformation g). */
function rotateFrames(f: TangentFrames, g: Float64Array): TangentFrames {
  const V = g.length;
  const xAxes = new Float64Array(3 * V);
  const yAxes = new Float64Array(3 * V);
  for (let v = 0; v < V; v++) {
    const c = Math.cos(g[v]!);
    const s = Math.sin(g[v]!);
    for (let d = 0; d < 3; d++) {
      const x = f.xAxes[3 * v + d]!;
      const y = f.yAxes[3 * v + d]!;
      xAxes[3 * v + d] = c * x - s * y;
      yAxes[3 * v + d] = s * x + c * y;
    }
  }
  return { normals: f.normals, xAxes, yAxes };
}

/**
 * The bundle after the gauge transformation g (one angle per vertex): θ_pq + g_p, g_{q→p} + g_p − g_q,
 * frames rotated by −g_v; coarse levels follow with g restricted to their vertices (their frames are the
 * fine frames there), and the pooling transport changes by g_{c(u)} − g_u.
 */
export function transformGauge(gauge: MeshGauge, g: ArrayLike<number>): MeshGauge {
  const V = gauge.numNodes;
  if (g.length !== V) opError("transformGauge", "g", `${V} angles (one per vertex)`, `${g.length}`);
  const gv = Float64Array.from(g);
  const E = gauge.theta.length;
  const ei = gauge.edgeIndex.data as Int32Array;
  const theta = new Float64Array(E);
  const transport = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    const q = ei[e]!;
    const p = ei[E + e]!;
    theta[e] = wrapAngle(gauge.theta[e]! + gv[p]!);
    transport[e] = wrapAngle(gauge.transport[e]! + gv[p]! - gv[q]!);
  }
  let coarse: GaugePooling | null = null;
  if (gauge.coarse !== null) {
    const { coarseIndex, assignment } = gauge.coarse;
    const gc = Float64Array.from(coarseIndex, (u) => gv[u]!);
    coarse = {
      coarseIndex,
      assignment,
      transport: gauge.coarse.transport.map((t, u) => wrapAngle(t + gc[assignment[u]!]! - gv[u]!)),
      gauge: transformGauge(gauge.coarse.gauge, gc),
    };
  }
  return { ...gauge, theta, transport, frames: rotateFrames(gauge.frames, gv), coarse };
}

/** Input of a gauge-equivariant layer: features `[V, C]` and the gauge bundle. */
export interface GaugeInput {
  x: Tensor;
  gauge: MeshGauge;
}

/**
 * The gauge group's action on a layer input `{ x, gauge }`: x_v ↦ ρ(g_v) x_v for features of type
 * `irreps`, and the bundle transformed by {@link transformGauge}.
 */
export function gaugeInputAction<T extends GaugeInput>(irreps: SO2Irreps | string): Action<Float64Array, T> {
  const ir = so2Irreps(irreps);
  return (g, input) => {
    if (g.length !== input.gauge.numNodes)
      throw new ErlangenError(
        `gaugeInputAction: the gauge element has ${g.length} angles but the mesh ${input.gauge.numNodes} vertices`,
      );
    return { ...input, x: so2Rotate(input.x.detach(), ir, g), gauge: transformGauge(input.gauge, g) };
  };
}

/**
 * Disjoint union of gauge bundles (a mini-batch of meshes): vertex ids are offset, edges concatenated in
 * order, and `batch[v]` names the mesh of every vertex. Coarse levels are batched too (every bundle must
 * have the same number of levels).
 */
export function batchGauges(gauges: readonly MeshGauge[]): { gauge: MeshGauge; batch: Tensor } {
  if (gauges.length === 0) opError("batchGauges", "gauges", "at least one gauge bundle", "none");
  const V = gauges.reduce((s, g) => s + g.numNodes, 0);
  const E = gauges.reduce((s, g) => s + g.theta.length, 0);
  const ei = new Int32Array(2 * E);
  const theta = new Float64Array(E);
  const transport = new Float64Array(E);
  const radius = new Float64Array(E);
  const anyWeight = gauges.some((g) => g.weight !== null);
  const weight = anyWeight ? new Float64Array(E) : null;
  const positions = new Float64Array(3 * V);
  const normals = new Float64Array(3 * V);
  const xAxes = new Float64Array(3 * V);
  const yAxes = new Float64Array(3 * V);
  const batch = new Int32Array(V);
  let vo = 0;
  let eo = 0;
  gauges.forEach((g, b) => {
    const n = g.theta.length;
    const gi = g.edgeIndex.data as Int32Array;
    for (let e = 0; e < n; e++) {
      ei[eo + e] = gi[e]! + vo;
      ei[E + eo + e] = gi[n + e]! + vo;
    }
    theta.set(g.theta, eo);
    transport.set(g.transport, eo);
    radius.set(g.radius, eo);
    if (weight !== null) {
      if (g.weight === null)
        opError("batchGauges", "gauges", "neighbour weights on every bundle or on none", `none on bundle ${b}`);
      weight.set(g.weight, eo);
    }
    positions.set(g.positions, 3 * vo);
    normals.set(g.frames.normals, 3 * vo);
    xAxes.set(g.frames.xAxes, 3 * vo);
    yAxes.set(g.frames.yAxes, 3 * vo);
    batch.fill(b, vo, vo + g.numNodes);
    vo += g.numNodes;
    eo += n;
  });
  let coarse: GaugePooling | null = null;
  const withCoarse = gauges.filter((g) => g.coarse !== null).length;
  if (withCoarse !== 0 && withCoarse !== gauges.length)
    opError("batchGauges", "gauges", "the same number of pooling levels on every bundle", "a mix");
  if (withCoarse > 0) {
    const levels = gauges.map((g) => g.coarse!);
    const inner = batchGauges(levels.map((l) => l.gauge)).gauge;
    const coarseIndex = new Int32Array(inner.numNodes);
    const assignment = new Int32Array(V);
    const tr = new Float64Array(V);
    let fo = 0;
    let co = 0;
    for (const l of levels) {
      for (let c = 0; c < l.coarseIndex.length; c++) coarseIndex[co + c] = l.coarseIndex[c]! + fo;
      for (let u = 0; u < l.assignment.length; u++) assignment[fo + u] = l.assignment[u]! + co;
      tr.set(l.transport, fo);
      fo += l.assignment.length;
      co += l.coarseIndex.length;
    }
    coarse = { coarseIndex, assignment, transport: tr, gauge: inner };
  }
  const method = gauges.every((g) => g.method === gauges[0]!.method) ? gauges[0]!.method : "extrinsic";
  return {
    gauge: {
      numNodes: V,
      edgeIndex: new Tensor(ei, [2, E], "int32"),
      theta,
      transport,
      radius,
      weight,
      positions,
      frames: { normals, xAxes, yAxes },
      method,
      coarse,
    },
    batch: new Tensor(batch, [V], "int32"),
  };
}
