/**
 * A seeded generator of large attributed graphs with planted classes: a degree-corrected stochastic
 * block model (Karrer & Newman 2011) with power-law expected degrees and class-informative Gaussian
 * features, for benchmarking mini-batch training at scale (10⁶ nodes and 10⁷ edges in a few seconds
 * and ~200 MB).
 *
 * Each node gets a class `y_v` uniformly at random and a weight θ_v from a Pareto law
 * P(θ > t) = t^{−(γ−1)} (capped at √N; γ = ∞ gives equal weights, a plain SBM). Each of the
 * `N · avgDegree / 2` undirected edges picks an endpoint u with probability ∝ θ_u, then the other end
 * v ∝ θ_v among u's class with probability `homophily`, else among all nodes; self-loops are redrawn,
 * duplicates merged. Features: x_v = μ_{y_v} + ε_v with ε_v ~ N(0, I) and class centres
 * μ_c ~ N(0, (signal² / F) I), so two centres lie about `signal · √2` apart.
 *
 * Arrays are lean: the adjacency is int32 CSR grouped by target (symmetric), features float32, and
 * all of them live in shared memory where the platform has it (worker threads read them in place).
 */
import { opError } from "../../tensor/errors.js";
import { Generator } from "../../tensor/rng.js";
import { InMemoryFeatureStore, InMemoryGraphStore, sharedArray } from "../stores/memory.js";

/** Options of {@link stochasticBlockModel}. */
export interface SBMOptions {
  numNodes: number;
  /** Planted classes (default 10). */
  numClasses?: number;
  /** Target mean degree, counting each undirected edge at both ends (default 10: 10⁷ stored edges for 10⁶ nodes). */
  avgDegree?: number;
  /** Probability that an edge stays inside its first endpoint's class (default 0.7). */
  homophily?: number;
  /** Exponent γ > 2 of the power law of expected degrees (default 2.5; `Infinity`: equal degrees). */
  powerLaw?: number;
  /** Feature dimension F (default 32). */
  numFeatures?: number;
  /** Distance scale of the class centres against unit noise (default 1.5). */
  signal?: number;
  /** Shares of nodes in the training, validation and test sets (defaults 0.1, 0.05, 0.1; the rest unlabelled for training). */
  trainFraction?: number;
  valFraction?: number;
  testFraction?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** A generated graph as plain arrays (see the file header). */
export interface AttributedGraphArrays {
  numNodes: number;
  numEdges: number;
  numFeatures: number;
  numClasses: number;
  /** CSR grouped by target: the neighbours of v are `index[ptr[v] .. ptr[v + 1])`. */
  ptr: Int32Array;
  index: Int32Array;
  /** Features `[N, F]` row-major. */
  x: Float32Array;
  /** Classes `[N]`. */
  y: Int32Array;
  /** Split masks `[N]` (0/1). */
  trainMask: Uint8Array;
  valMask: Uint8Array;
  testMask: Uint8Array;
}

/** Generates a degree-corrected SBM with planted classes and informative features; see the file header. */
export function stochasticBlockModel(opts: SBMOptions): AttributedGraphArrays {
  const op = "stochasticBlockModel";
  const N = opts.numNodes;
  const C = opts.numClasses ?? 10;
  const avgDegree = opts.avgDegree ?? 10;
  const h = opts.homophily ?? 0.7;
  const gamma = opts.powerLaw ?? 2.5;
  const F = opts.numFeatures ?? 32;
  const signal = opts.signal ?? 1.5;
  const fr = [opts.trainFraction ?? 0.1, opts.valFraction ?? 0.05, opts.testFraction ?? 0.1];
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 28) opError(op, "numNodes", "an integer in [2, 2^28]", String(N));
  if (!Number.isInteger(C) || C < 1 || C > N) opError(op, "numClasses", `an integer in [1, numNodes]`, String(C));
  if (!(avgDegree >= 0) || (N * avgDegree) / 2 > 2 ** 30)
    opError(op, "avgDegree", "≥ 0 with numNodes·avgDegree ≤ 2^31", String(avgDegree));
  if (!(h >= 0 && h <= 1)) opError(op, "homophily", "a number in [0, 1]", String(h));
  if (!(gamma > 2)) opError(op, "powerLaw", "an exponent > 2 (Infinity: equal degrees)", String(gamma));
  if (!Number.isInteger(F) || F < 1 || N * F > 2 ** 31) opError(op, "numFeatures", "a positive integer", String(F));
  if (fr.some((f) => !(f >= 0)) || fr[0]! + fr[1]! + fr[2]! > 1)
    opError(op, "trainFraction/valFraction/testFraction", "non-negative shares summing to at most 1", fr.join(", "));
  const g = new Generator(opts.seed ?? 0);

  // classes and weights; nodes ordered by class with cumulative weights for sampling ∝ θ
  const y = sharedArray(Int32Array, N);
  const classSize = new Int32Array(C + 1);
  for (let v = 0; v < N; v++) {
    const c = Math.min(C - 1, Math.floor(g.random() * C));
    y[v] = c;
    classSize[c + 1]!++;
  }
  for (let c = 0; c < C; c++) classSize[c + 1]! += classSize[c]!;
  const classStart = classSize; // offsets of each class in `order`
  const order = new Int32Array(N);
  const fill = classStart.slice(0, C);
  for (let v = 0; v < N; v++) order[fill[y[v]!]!++] = v;
  const cap = Math.sqrt(N);
  const cum = new Float64Array(N);
  let acc = 0;
  for (let i = 0; i < N; i++) {
    const u = 1 - g.random();
    const theta = Number.isFinite(gamma) ? Math.min(cap, u ** (-1 / (gamma - 1))) : 1;
    acc += theta;
    cum[i] = acc;
  }
  /** A position in `order` within [lo, hi) drawn ∝ θ. */
  const draw = (lo: number, hi: number): number => {
    const base = lo > 0 ? cum[lo - 1]! : 0;
    const t = base + g.random() * (cum[hi - 1]! - base);
    let a = lo;
    let b = hi - 1;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (cum[m]! <= t) a = m + 1;
      else b = m;
    }
    return a;
  };

  // edges: M undirected pairs
  const M = Math.round((N * avgDegree) / 2);
  const src = new Int32Array(M);
  const dst = new Int32Array(M);
  const deg = new Int32Array(N + 1);
  for (let e = 0; e < M; e++) {
    const u = order[draw(0, N)]!;
    const c = y[u]!;
    const inside = g.random() < h && classStart[c + 1]! - classStart[c]! > 1;
    let v = u;
    for (let tries = 0; v === u && tries < 64; tries++)
      v = order[inside ? draw(classStart[c]!, classStart[c + 1]!) : draw(0, N)]!;
    if (v === u) v = (u + 1) % N;
    src[e] = u;
    dst[e] = v;
    deg[u + 1]!++;
    deg[v + 1]!++;
  }
  cum.fill(0);
  // symmetric CSR, then sort and merge duplicates within each row
  for (let v = 0; v < N; v++) deg[v + 1]! += deg[v]!;
  const raw = new Int32Array(2 * M);
  const pos = deg.slice(0, N);
  for (let e = 0; e < M; e++) {
    const u = src[e]!;
    const v = dst[e]!;
    raw[pos[v]!++] = u;
    raw[pos[u]!++] = v;
  }
  const ptr = sharedArray(Int32Array, N + 1);
  let w = 0;
  for (let v = 0; v < N; v++) {
    const row = raw.subarray(deg[v]!, deg[v + 1]!).sort();
    ptr[v] = w;
    for (let j = 0; j < row.length; j++) if (j === 0 || row[j] !== row[j - 1]) raw[w++] = row[j]!;
  }
  ptr[N] = w;
  const index = sharedArray(Int32Array, w);
  index.set(raw.subarray(0, w));

  // features: class centres plus unit noise
  const mu = new Float32Array(C * F);
  g.fillNormal(mu, 0, signal / Math.sqrt(F));
  const x = sharedArray(Float32Array, N * F);
  g.fillNormal(x);
  for (let v = 0; v < N; v++) {
    const o = v * F;
    const m = y[v]! * F;
    for (let j = 0; j < F; j++) x[o + j]! += mu[m + j]!;
  }

  // splits: a random permutation cut into train / val / test
  const perm = g.permutation(N);
  const trainMask = sharedArray(Uint8Array, N);
  const valMask = sharedArray(Uint8Array, N);
  const testMask = sharedArray(Uint8Array, N);
  const nTrain = Math.round(fr[0]! * N);
  const nVal = Math.round(fr[1]! * N);
  const nTest = Math.round(fr[2]! * N);
  for (let i = 0; i < nTrain + nVal + nTest; i++) {
    const v = perm[i]!;
    if (i < nTrain) trainMask[v] = 1;
    else if (i < nTrain + nVal) valMask[v] = 1;
    else testMask[v] = 1;
  }
  return { numNodes: N, numEdges: w, numFeatures: F, numClasses: C, ptr, index, x, y, trainMask, valMask, testMask };
}

/** In-memory stores over the arrays of a generated graph (`x`, `y` and the masks as attributes). */
export function attributedGraphStores(d: AttributedGraphArrays): {
  graphStore: InMemoryGraphStore;
  featureStore: InMemoryFeatureStore;
} {
  const graphStore = new InMemoryGraphStore(d.ptr, d.index, false);
  const featureStore = new InMemoryFeatureStore(d.numNodes)
    .put("x", d.x, d.numFeatures)
    .put("y", d.y)
    .put("trainMask", d.trainMask)
    .put("valMask", d.valMask)
    .put("testMask", d.testMask);
  return { graphStore, featureStore };
}
