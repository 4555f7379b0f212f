/**
 * Layer-wise trimming of hop-structured sampled subgraphs (PyG's `trim_to_layer`). A neighbour-sampled
 * batch lists its nodes hop by hop (hop 0: the seeds) and its edges hop by hop (edges of hop h point
 * into nodes of hop h − 1). Layer `l` of an L-layer model only needs the nodes within `H − l` hops as
 * sources, the nodes within `H − l − 1` hops as targets, and the edges of hops `1..H − l`, where
 * `H` = number of sampled hops (≥ L): after the last layer only the seeds remain.
 */
import { opError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";

/** Sizes at one layer of a trimmed forward pass. */
export interface TrimSizes {
  /** Nodes kept as sources (a prefix of the batch's nodes). */
  numSources: number;
  /** Nodes whose outputs the layer computes (a prefix of the sources). */
  numTargets: number;
  /** Edges kept (a prefix of the batch's edges). */
  numEdges: number;
}

/**
 * Sizes of layer `layer` (0-based) given the nodes first reached at each hop (`[n_0, …, n_H]`) and
 * the edges sampled at each hop (`[e_1, …, e_H]`).
 */
export function trimSizes(
  layer: number,
  numSampledNodes: readonly number[],
  numSampledEdges: readonly number[],
): TrimSizes {
  const op = "trimSizes";
  const H = numSampledEdges.length;
  if (numSampledNodes.length !== H + 1)
    opError(op, "numSampledNodes", `${H + 1} hop counts (one more than numSampledEdges)`, `${numSampledNodes.length}`);
  if (!Number.isInteger(layer) || layer < 0 || layer >= H)
    opError(op, "layer", `an integer in [0, ${H}) (one layer per sampled hop at most)`, String(layer));
  let numSources = 0;
  for (let h = 0; h <= H - layer; h++) numSources += numSampledNodes[h]!;
  let numEdges = 0;
  for (let h = 0; h < H - layer; h++) numEdges += numSampledEdges[h]!;
  return { numSources, numTargets: numSources - numSampledNodes[H - layer]!, numEdges };
}

/** The first `numEdges` columns of an edge index `[2, E]` (a new `[2, numEdges]` tensor). */
export function edgeIndexPrefix(edgeIndex: Tensor, numEdges: number): Tensor {
  const E = edgeIndex.shape[1]!;
  if (edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2)
    opError("edgeIndexPrefix", "edgeIndex", "shape [2, E]", `[${edgeIndex.shape.join(", ")}]`);
  if (!Number.isInteger(numEdges) || numEdges < 0 || numEdges > E)
    opError("edgeIndexPrefix", "numEdges", `an integer in [0, ${E}]`, String(numEdges));
  if (numEdges === E) return edgeIndex;
  const d = edgeIndex.data as Int32Array;
  const out = new Int32Array(2 * numEdges);
  out.set(d.subarray(0, numEdges), 0);
  out.set(d.subarray(E, E + numEdges), numEdges);
  return new Tensor(out, [2, numEdges], "int32");
}
