/**
 * Data for the benches: Cora's edge list and the GCN-normalised adjacency D^-1/2 (A+I) D^-1/2 as CSR
 * (rows = targets), built the way the PyTorch peer builds it. Reads the repository's datasets/ copy,
 * else $ERLANGEN_DATASETS, else ../shared/datasets.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The first datasets folder that has `rel`. */
export function findDataset(repoRoot: string, rel: string): string | null {
  const roots = [join(repoRoot, "datasets"), process.env.ERLANGEN_DATASETS, join(repoRoot, "..", "shared", "datasets")];
  for (const r of roots) if (r && existsSync(join(r, rel))) return join(r, rel);
  return null;
}

export interface CoraGraph {
  numNodes: number;
  /** Edge sources and targets with one self loop per node appended (13,264 on Cora). */
  src: Int32Array;
  dst: Int32Array;
  /** GCN adjacency in CSR by target row: out[i] = Σ_j A[i, j]·X[j]. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Loads Cora (null when the files are missing). */
export function loadCora(repoRoot: string): CoraGraph | null {
  const dir = findDataset(repoRoot, join("planetoid", "cora", "edge_index.i32.bin"));
  if (dir === null) return null;
  const buf = readFileSync(dir);
  const ei = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  const E = ei.length >> 1;
  let n = 0;
  for (let i = 0; i < ei.length; i++) n = Math.max(n, ei[i]! + 1);
  const metaPath = join(dir, "..", "meta.json");
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { num_nodes?: number };
    if (typeof meta.num_nodes === "number") n = Math.max(n, meta.num_nodes);
  }
  const src = new Int32Array(E + n);
  const dst = new Int32Array(E + n);
  src.set(ei.subarray(0, E));
  dst.set(ei.subarray(E, 2 * E));
  for (let i = 0; i < n; i++) {
    src[E + i] = i;
    dst[E + i] = i;
  }
  const nnz = E + n;
  const deg = new Float64Array(n);
  for (let e = 0; e < nnz; e++) deg[dst[e]!]! += 1;
  const dis = deg.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  // CSR by target row, columns sorted
  const indptr = new Int32Array(n + 1);
  for (let e = 0; e < nnz; e++) indptr[dst[e]! + 1]!++;
  for (let r = 0; r < n; r++) indptr[r + 1]! += indptr[r]!;
  const fill = indptr.slice(0, n);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  const order = Array.from({ length: nnz }, (_, e) => e).sort((a, b) => dst[a]! - dst[b]! || src[a]! - src[b]!);
  for (const e of order) {
    const p = fill[dst[e]!]!++;
    indices[p] = src[e]!;
    values[p] = dis[dst[e]!]! * dis[src[e]!]!;
  }
  return { numNodes: n, src, dst, indptr, indices, values };
}
