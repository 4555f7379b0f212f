import { check, concat, fmtShape, full, indexSelect, opError, Tensor } from "../../tensor/index.js";

/** Edges as two int32 rows: `src` (row 0) and `dst` (row 1) of an edge index [2, E]. */
export interface EdgeRows {
  src: Int32Array;
  dst: Int32Array;
  numEdges: number;
}

/** Checks that `edgeIndex` is an int32 tensor of shape [2, E] and returns views of its rows. */
export function edgeRows(op: string, edgeIndex: Tensor, arg = "edgeIndex"): EdgeRows {
  check(edgeIndex.dtype === "int32", op, arg, "dtype int32", edgeIndex.dtype);
  check(edgeIndex.ndim === 2 && edgeIndex.shape[0] === 2, op, arg, "shape [2, E]", fmtShape(edgeIndex.shape));
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  return { src: d.subarray(0, E), dst: d.subarray(E, 2 * E), numEdges: E };
}

/** Throws (naming the edge position and value) unless every entry of `ids` is in [0, n). */
export function checkNodeIds(op: string, ids: Int32Array, n: number, arg: string): void {
  for (let e = 0; e < ids.length; e++) {
    const v = ids[e]!;
    if (v < 0 || v >= n) opError(op, arg, `node ids in [0, ${n}) (numNodes ${n})`, `${v} at edge ${e}`);
  }
}

/** Builds an int32 [2, E] edge index from two rows. */
export function makeEdgeIndex(src: Int32Array, dst: Int32Array): Tensor {
  const E = src.length;
  const d = new Int32Array(2 * E);
  d.set(src, 0);
  d.set(dst, E);
  return new Tensor(d, [2, E], "int32");
}

/** 1-D int32 tensor from an Int32Array (no copy). */
export function int32(a: Int32Array): Tensor {
  return new Tensor(a, [a.length], "int32");
}

/** Largest node id + 1 over both rows (0 for no edges). */
export function maxNodeId(edgeIndex: Tensor): number {
  const d = edgeIndex.data as Int32Array;
  let m = -1;
  for (let i = 0; i < d.length; i++) if (d[i]! > m) m = d[i]!;
  return m + 1;
}

/**
 * Removes self loops `(i, i)`. Returns the new edge index and the kept positions (to select
 * edge-level tensors with {@link selectEdges}).
 */
export function removeSelfLoops(edgeIndex: Tensor): { edgeIndex: Tensor; kept: Int32Array } {
  const { src, dst, numEdges } = edgeRows("removeSelfLoops", edgeIndex);
  const kept: number[] = [];
  for (let e = 0; e < numEdges; e++) if (src[e] !== dst[e]) kept.push(e);
  if (kept.length === numEdges) return { edgeIndex, kept: Int32Array.from(kept) };
  const k = Int32Array.from(kept);
  const s = new Int32Array(k.length);
  const t = new Int32Array(k.length);
  for (let i = 0; i < k.length; i++) {
    s[i] = src[k[i]!]!;
    t[i] = dst[k[i]!]!;
  }
  return { edgeIndex: makeEdgeIndex(s, t), kept: k };
}

/** Rows `kept` of an edge-level tensor (differentiable), or null. */
export function selectEdges(t: Tensor | null | undefined, kept: Int32Array, numEdges: number): Tensor | null {
  if (t === null || t === undefined) return null;
  if (kept.length === numEdges) return t;
  return indexSelect(t, 0, int32(kept));
}

/**
 * Appends one self loop per node (PyG's `add_self_loops`): edges (i, i) for i < numNodes at the end.
 * An edge-level tensor (weights [E] or attributes [E, ...]) gets `fill` rows for the new loops;
 * `fill` may be a number or `"mean"` (the mean of the incoming edge attributes of each node, as
 * PyG's `fill_value='mean'`).
 */
export function addSelfLoops(
  edgeIndex: Tensor,
  numNodes: number,
  edgeAttr?: Tensor | null,
  fill: number | "mean" = 1,
): { edgeIndex: Tensor; edgeAttr: Tensor | null } {
  const { src, dst, numEdges } = edgeRows("addSelfLoops", edgeIndex);
  const s = new Int32Array(numEdges + numNodes);
  const t = new Int32Array(numEdges + numNodes);
  s.set(src);
  t.set(dst);
  for (let i = 0; i < numNodes; i++) {
    s[numEdges + i] = i;
    t[numEdges + i] = i;
  }
  let attr: Tensor | null = null;
  if (edgeAttr !== null && edgeAttr !== undefined) {
    check(
      edgeAttr.shape[0] === numEdges,
      "addSelfLoops",
      "edgeAttr",
      `first axis ${numEdges} (one row per edge)`,
      fmtShape(edgeAttr.shape),
    );
    let loops: Tensor;
    if (fill === "mean") {
      let m = numNodes;
      for (let e = 0; e < numEdges; e++) if (dst[e]! >= m) m = dst[e]! + 1;
      loops = edgeAttr.scatter(int32(dst), 0, m, "mean");
      if (m > numNodes) loops = loops.narrow(0, 0, numNodes);
    } else {
      loops = full([numNodes, ...edgeAttr.shape.slice(1)], fill, { dtype: edgeAttr.dtype });
    }
    attr = concat([edgeAttr, loops], 0);
  }
  return { edgeIndex: makeEdgeIndex(s, t), edgeAttr: attr };
}

/**
 * Adds a self loop to every node that has none (PyG's `add_remaining_self_loops`). Existing self
 * loops keep their weight; new ones get `fill`. Returns the new edge index and weights (or null
 * when `edgeWeight` is null).
 */
export function addRemainingSelfLoops(
  edgeIndex: Tensor,
  numNodes: number,
  edgeWeight: Tensor | null | undefined,
  fill = 1,
): { edgeIndex: Tensor; edgeWeight: Tensor | null } {
  const { src, dst, numEdges } = edgeRows("addRemainingSelfLoops", edgeIndex);
  const hasLoop = new Uint8Array(numNodes);
  for (let e = 0; e < numEdges; e++) if (src[e] === dst[e]) hasLoop[src[e]!] = 1;
  const missing: number[] = [];
  for (let i = 0; i < numNodes; i++) if (!hasLoop[i]) missing.push(i);
  const s = new Int32Array(numEdges + missing.length);
  const t = new Int32Array(numEdges + missing.length);
  s.set(src);
  t.set(dst);
  for (let k = 0; k < missing.length; k++) {
    s[numEdges + k] = missing[k]!;
    t[numEdges + k] = missing[k]!;
  }
  let w: Tensor | null = null;
  if (edgeWeight !== null && edgeWeight !== undefined) {
    check(
      edgeWeight.ndim === 1 && edgeWeight.shape[0] === numEdges,
      "addRemainingSelfLoops",
      "edgeWeight",
      `shape [${numEdges}]`,
      fmtShape(edgeWeight.shape),
    );
    w = concat([edgeWeight, full([missing.length], fill, { dtype: edgeWeight.dtype })], 0);
  }
  return { edgeIndex: makeEdgeIndex(s, t), edgeWeight: w };
}

/** In-degree (by `index`) of each of `n` nodes as a Float64Array of counts. */
export function countDegree(index: Int32Array, n: number): Float64Array {
  const deg = new Float64Array(n);
  for (let e = 0; e < index.length; e++) deg[index[e]!]! += 1;
  return deg;
}
