/**
 * Spectral helpers: the smallest eigenpairs of the symmetric normalised Laplacian
 * `L = I - D^-1/2 A D^-1/2`. The Laplacian is block-diagonal over connected components, so each
 * component is solved on its own: densely (Householder + QL) when small, by Lanczos with full
 * reorthogonalisation when large. Eigenvectors are unit-norm; their signs are arbitrary.
 */
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import type { Tensor } from "../../tensor/tensor.js";
import { symEigDense, symTridiagEig } from "./eigen.js";
import { compressEdges } from "./graph.js";
import { connectedComponents } from "./subgraph.js";
import { removeSelfLoops, toUndirected } from "./utils.js";

/** Options of {@link laplacianEigenpairs}. */
export interface LaplacianEigOptions {
  /** Edge weights `[E]` (default 1). */
  edgeWeight?: Tensor | null;
  /** Components up to this size are solved densely (default 400); larger ones by Lanczos. */
  denseThreshold?: number;
  /** Residual tolerance of Lanczos Ritz pairs (default 1e-8). */
  tol?: number;
  /** Seed of the Lanczos start vectors (default 0). */
  seed?: number;
}

/** The `count` smallest eigenpairs: `values` ascending, `vectors` row-major `[N, count]`. */
export interface Eigenpairs {
  values: Float64Array;
  vectors: Float64Array;
  count: number;
}

interface LocalOp {
  n: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

function matvec(op: LocalOp, x: Float64Array, y: Float64Array): void {
  const { n, ptr, idx, val } = op;
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let p = ptr[i]!; p < ptr[i + 1]!; p++) s += val[p]! * x[idx[p]!]!;
    y[i] = s;
  }
}

function dot(a: Float64Array, b: Float64Array, n: number, offA = 0): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[offA + i]! * b[i]!;
  return s;
}

/** Lanczos with full reorthogonalisation for the `want` smallest eigenpairs of a local operator. */
function lanczosSmallest(
  op: LocalOp,
  want: number,
  tol: number,
  gen: Generator,
): { values: number[]; vectors: Float64Array[] } {
  const n = op.n;
  let cap = Math.min(n, Math.max(2 * want + 40, 80));
  let Q = new Float64Array(cap * n);
  const alpha: number[] = [];
  const beta: number[] = [];
  const w = new Float64Array(n);
  const newStart = (j: number): boolean => {
    // random vector orthogonal to the first j basis vectors
    for (let attempt = 0; attempt < 5; attempt++) {
      for (let i = 0; i < n; i++) w[i] = gen.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < j; i++) {
          const c = dot(Q, w, n, i * n);
          for (let r = 0; r < n; r++) w[r]! -= c * Q[i * n + r]!;
        }
      }
      const nr = Math.sqrt(dot(w, w, n));
      if (nr > 1e-10) {
        for (let r = 0; r < n; r++) Q[j * n + r] = w[r]! / nr;
        return true;
      }
    }
    return false;
  };
  newStart(0);
  let m = 0;
  for (;;) {
    while (m < cap) {
      const qj = Q.subarray(m * n, (m + 1) * n);
      matvec(op, qj, w);
      const a = dot(w, qj, n);
      alpha.push(a);
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i <= m; i++) {
          const c = dot(Q, w, n, i * n);
          for (let r = 0; r < n; r++) w[r]! -= c * Q[i * n + r]!;
        }
      }
      const b = Math.sqrt(dot(w, w, n));
      m++;
      if (m === n) break;
      if (m === cap) {
        beta.push(b);
        break;
      }
      if (b < 1e-10) {
        // invariant subspace: restart orthogonally (T splits into blocks)
        beta.push(0);
        if (!newStart(m)) break;
      } else {
        beta.push(b);
        for (let r = 0; r < n; r++) Q[m * n + r] = w[r]! / b;
      }
    }
    const T = symTridiagEig(alpha.slice(0, m), beta.slice(0, m - 1));
    const lastBeta = m < n ? (beta[m - 1] ?? 0) : 0;
    const k = Math.min(want, m);
    let converged = true;
    for (let j = 0; j < k; j++) {
      const res = Math.abs(lastBeta * T.vectors[(m - 1) * m + j]!);
      if (res > tol) converged = false;
    }
    if (converged || m >= n) {
      const values: number[] = [];
      const vectors: Float64Array[] = [];
      for (let j = 0; j < k; j++) {
        values.push(T.values[j]!);
        const y = new Float64Array(n);
        for (let i = 0; i < m; i++) {
          const s = T.vectors[i * m + j]!;
          if (s !== 0) for (let r = 0; r < n; r++) y[r]! += s * Q[i * n + r]!;
        }
        const nr = Math.sqrt(dot(y, y, n));
        for (let r = 0; r < n; r++) y[r]! /= nr;
        vectors.push(y);
      }
      return { values, vectors };
    }
    // grow the basis and continue from the last residual
    const newCap = Math.min(n, cap * 2);
    const Q2 = new Float64Array(newCap * n);
    Q2.set(Q.subarray(0, m * n));
    Q = Q2;
    const b = beta[m - 1]!;
    if (b < 1e-10) {
      beta[m - 1] = 0;
      if (!newStart(m)) return lanczosSmallest(op, want, tol * 10, gen);
    } else for (let r = 0; r < n; r++) Q[m * n + r] = w[r]! / b;
    cap = newCap;
  }
}

/**
 * The `count` smallest eigenpairs of the symmetric normalised Laplacian of the graph (edges taken as
 * undirected, self-loops ignored, isolated nodes have `L_ii = 1`). Fewer than `count` pairs exist when
 * `count > numNodes`; missing columns are zero and missing values NaN.
 */
export function laplacianEigenpairs(
  edgeIndex: Tensor,
  numNodes: number,
  count: number,
  opts: LaplacianEigOptions = {},
): Eigenpairs {
  if (!Number.isInteger(count) || count < 0)
    opError("laplacianEigenpairs", "count", "a non-negative integer", String(count));
  const N = numNodes;
  const gen = new Generator(opts.seed ?? 0);
  const clean = removeSelfLoops(edgeIndex, opts.edgeWeight ?? null);
  const und = toUndirected(clean.edgeIndex, { edgeAttr: clean.edgeAttr, numNodes: N, reduce: "mean" });
  const E = und.edgeIndex.shape[1]!;
  const ed = und.edgeIndex.data as Int32Array;
  const src = ed.subarray(0, E);
  const dst = ed.subarray(E, 2 * E);
  const w = und.edgeAttr === null ? null : und.edgeAttr.data;
  const deg = new Float64Array(N);
  for (let e = 0; e < E; e++) deg[src[e]!]! += w === null ? 1 : w[e]!;
  const dis = deg.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const adj = compressEdges(src, dst, N);
  const comp = connectedComponents(und.edgeIndex, { numNodes: N });
  const members: number[][] = Array.from({ length: comp.numComponents }, () => []);
  const lab = comp.labels.data as Int32Array;
  for (let i = 0; i < N; i++) members[lab[i]!]!.push(i);
  const local = new Int32Array(N);
  const cand: { value: number; comp: number; order: number; vec: Float64Array }[] = [];
  const threshold = opts.denseThreshold ?? 400;
  for (let c = 0; c < members.length; c++) {
    const nodes = members[c]!;
    const s = nodes.length;
    nodes.forEach((v, i) => {
      local[v] = i;
    });
    const want = Math.min(s, count);
    if (want === 0) continue;
    const weightOf = (p: number) => (w === null ? 1 : w[adj.edgeId[p]!]!);
    if (s <= threshold) {
      const L = new Float64Array(s * s);
      for (let i = 0; i < s; i++) {
        const u = nodes[i]!;
        L[i * s + i] = 1;
        for (let p = adj.ptr[u]!; p < adj.ptr[u + 1]!; p++) {
          const v = adj.index[p]!;
          L[i * s + local[v]!]! -= dis[u]! * weightOf(p) * dis[v]!;
        }
      }
      const r = symEigDense(L, s);
      for (let j = 0; j < want; j++) {
        const vec = new Float64Array(s);
        for (let i = 0; i < s; i++) vec[i] = r.vectors[i * s + j]!;
        cand.push({ value: r.values[j]!, comp: c, order: j, vec });
      }
    } else {
      const ptr = new Int32Array(s + 1);
      for (let i = 0; i < s; i++) ptr[i + 1] = ptr[i]! + (adj.ptr[nodes[i]! + 1]! - adj.ptr[nodes[i]!]!);
      const idx = new Int32Array(ptr[s]!);
      const val = new Float64Array(ptr[s]!);
      for (let i = 0; i < s; i++) {
        const u = nodes[i]!;
        let q = ptr[i]!;
        for (let p = adj.ptr[u]!; p < adj.ptr[u + 1]!; p++) {
          const v = adj.index[p]!;
          idx[q] = local[v]!;
          val[q++] = -dis[u]! * weightOf(p) * dis[v]!;
        }
      }
      const r = lanczosSmallest({ n: s, ptr, idx, val }, want, opts.tol ?? 1e-8, gen);
      r.values.forEach((value, j) => {
        cand.push({ value, comp: c, order: j, vec: r.vectors[j]! });
      });
    }
  }
  cand.sort((a, b) => a.value - b.value || a.comp - b.comp || a.order - b.order);
  const values = new Float64Array(count).fill(Number.NaN);
  const vectors = new Float64Array(N * count);
  for (let j = 0; j < Math.min(count, cand.length); j++) {
    const cj = cand[j]!;
    values[j] = cj.value;
    const nodes = members[cj.comp]!;
    for (let i = 0; i < nodes.length; i++) vectors[nodes[i]! * count + j] = cj.vec[i]!;
  }
  return { values, vectors, count };
}
