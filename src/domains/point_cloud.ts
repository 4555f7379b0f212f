/**
 * Point clouds (atoms, particles): the graphs atomistic models run on. The neighbour search itself is
 * the graph domain's k-d tree ({@link radiusGraph}, {@link knnGraph} in `domains/graph/nearest.ts`);
 * this file adds what equivariant models need on top: a cutoff graph with no neighbour cap (a cap
 * keeps an arbitrary-looking subset and breaks smoothness of the energy) that rejects a cutoff ≤ 0,
 * and differentiable edge vectors and lengths.
 *
 * Edge convention (PyG's `flow = "source_to_target"`): `edgeIndex[0]` holds the neighbour j (source)
 * and `edgeIndex[1]` the centre i (target).
 */
import { ErlangenError, fmtShape, opError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { radiusGraph } from "./graph/nearest.js";
import "../tensor/index.js";

/** Options of {@link cutoffGraph}. */
export interface CutoffGraphOptions {
  /** Example id of each point, int32 `[N]` (default: one example). Need not be sorted. */
  batch?: Tensor | null;
  /** Include self-loops i → i (default false). */
  loop?: boolean;
  /** Keep at most this many (the nearest) neighbours per point (default: all). */
  maxNumNeighbors?: number;
}

/**
 * All pairs of points of the same example closer than `cutoff` (strictly), both directions: int32
 * `[2, E]` (row 0 neighbours, row 1 centres), grouped by centre. Throws on cutoff ≤ 0 and on
 * non-finite positions (NaN included).
 */
export function cutoffGraph(pos: Tensor, cutoff: number, opts: CutoffGraphOptions = {}): Tensor {
  const op = "cutoffGraph";
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) opError(op, "cutoff", "a positive finite distance", String(cutoff));
  if (pos.ndim !== 2) opError(op, "pos", "shape [N, d]", fmtShape(pos.shape));
  if (pos.dtype !== "float32" && pos.dtype !== "float64") opError(op, "pos", "a float tensor", pos.dtype);
  const d = pos.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!))
      opError(
        op,
        "pos",
        "finite coordinates",
        `${d[i]} at point ${Math.floor(i / pos.shape[1]!)}, coordinate ${i % pos.shape[1]!}`,
      );
  }
  const cap = opts.maxNumNeighbors ?? Math.max(1, pos.shape[0]!);
  return radiusGraph(pos, cutoff, { batch: opts.batch, loop: opts.loop, maxNumNeighbors: cap });
}

/**
 * Differentiable edge vectors `pos[src] − pos[dst]` `[E, d]` (from the centre to the neighbour is
 * `−vec`; e3nn/NequIP use `pos[src] − pos[dst]` with src the neighbour, as here) and their lengths `[E]`.
 */
export function edgeVectors(pos: Tensor, edgeIndex: Tensor): { vec: Tensor; length: Tensor } {
  if (edgeIndex.dtype !== "int32" || edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2) {
    throw new ErlangenError(
      `edgeVectors: argument 'edgeIndex' expected int32 [2, E], got ${edgeIndex.dtype} ${fmtShape(edgeIndex.shape)}`,
    );
  }
  const [src, dst] = [edgeIndex.narrow(0, 0, 1).reshape(-1), edgeIndex.narrow(0, 1, 1).reshape(-1)];
  const vec = pos.indexSelect(0, src!).sub(pos.indexSelect(0, dst!));
  const length = vec.square().sum(1).sqrt();
  return { vec, length };
}
