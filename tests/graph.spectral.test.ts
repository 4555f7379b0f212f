import { describe, expect, it } from "vitest";
import {
  knnGraph,
  laplacianEigenpairs,
  radiusGraph,
  symEig,
  symEigDense,
  symTridiagEig,
} from "../src/domains/graph/index.js";
import { toUndirected } from "../src/domains/graph/utils.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";

function randomSym(n: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = g.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

function maxResidual(
  a: ArrayLike<number>,
  n: number,
  values: Float64Array,
  vectors: Float64Array,
  cols: number,
): number {
  let m = 0;
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * vectors[k * cols + j]!;
      m = Math.max(m, Math.abs(s - values[j]! * vectors[i * cols + j]!));
    }
  }
  return m;
}

/** Random undirected graph: a ring (connected) plus random chords, as an edge index. */
function randomGraph(n: number, extra: number, seed: number): Tensor {
  const g = new Generator(seed);
  const s: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    s.push(i);
    t.push((i + 1) % n);
  }
  for (let e = 0; e < extra; e++) {
    const u = g.randint(0, n);
    const v = g.randint(0, n);
    if (u !== v) {
      s.push(u);
      t.push(v);
    }
  }
  const d = new Int32Array(2 * s.length);
  d.set(s, 0);
  d.set(t, s.length);
  return toUndirected(new Tensor(d, [2, s.length], "int32"), { numNodes: n }).edgeIndex;
}

describe("symmetric eigensolver", () => {
  it("decomposes random symmetric matrices (ascending, orthonormal, small residual)", () => {
    for (const n of [1, 2, 7, 60]) {
      const a = randomSym(n, n);
      const r = symEigDense(a, n);
      for (let j = 1; j < n; j++) expect(r.values[j]!).toBeGreaterThanOrEqual(r.values[j - 1]!);
      expect(maxResidual(a, n, r.values, r.vectors, n)).toBeLessThan(1e-10);
      // orthonormal columns
      for (const [p, q] of [
        [0, 0],
        [0, n - 1],
        [n - 1, n - 1],
      ] as const) {
        let s = 0;
        for (let i = 0; i < n; i++) s += r.vectors[i * n + p]! * r.vectors[i * n + q]!;
        expect(s).toBeCloseTo(p === q ? 1 : 0, 10);
      }
    }
    const t = symEig(
      tensor([
        [2, 1],
        [1, 2],
      ]),
    );
    expect(Array.from(t.values.data)).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
    expect(() => symEig(tensor([1, 2]))).toThrow(/symEig: argument 'a' expected a square matrix/);
  });

  it("handles repeated eigenvalues and tridiagonal input", () => {
    const I = new Float64Array(9);
    I[0] = I[4] = I[8] = 2;
    const r = symEigDense(I, 3);
    expect(Array.from(r.values)).toEqual([2, 2, 2]);
    // path-graph Laplacian tridiagonal: eigenvalues 2 - 2cos(pi k / n) for the Dirichlet chain
    const n = 8;
    const tr = symTridiagEig(new Array(n).fill(2), new Array(n - 1).fill(-1));
    for (let k = 1; k <= n; k++) expect(tr.values[k - 1]!).toBeCloseTo(2 - 2 * Math.cos((Math.PI * k) / (n + 1)), 10);
  });

  it("Laplacian eigenpairs: Lanczos agrees with the dense solver; components solved separately", () => {
    const n = 150;
    const ei = randomGraph(n, 200, 3);
    const dense = laplacianEigenpairs(ei, n, 6, { denseThreshold: 1000 });
    const lanczos = laplacianEigenpairs(ei, n, 6, { denseThreshold: 10 });
    expect(dense.values[0]!).toBeCloseTo(0, 10);
    for (let j = 0; j < 6; j++) {
      expect(lanczos.values[j]!).toBeCloseTo(dense.values[j]!, 7);
      // same vector up to sign
      let s = 0;
      for (let i = 0; i < n; i++) s += lanczos.vectors[i * 6 + j]! * dense.vectors[i * 6 + j]!;
      expect(Math.abs(s)).toBeCloseTo(1, 5);
    }
    // two disjoint triangles + isolated node: eigenvalues 0, 0, 1 (isolated), 1.5 x4
    const tri = tensor(
      [
        [0, 1, 2, 3, 4, 5],
        [1, 2, 0, 4, 5, 3],
      ],
      { dtype: "int32" },
    );
    const two = laplacianEigenpairs(toUndirected(tri).edgeIndex, 7, 7);
    const vals = Array.from(two.values);
    [0, 0, 1, 1.5, 1.5, 1.5, 1.5].forEach((v, i) => {
      expect(vals[i]!).toBeCloseTo(v, 10);
    });
    // more pairs requested than nodes: NaN values, zero vectors
    const one = toUndirected(
      tensor(
        [
          [0, 1, 2],
          [1, 2, 0],
        ],
        { dtype: "int32" },
      ),
    ).edgeIndex;
    const few = laplacianEigenpairs(one, 3, 5);
    expect(few.values[2]!).toBeCloseTo(1.5, 10);
    expect(Number.isNaN(few.values[4]!)).toBe(true);
  });
});

describe("knnGraph / radiusGraph", () => {
  function bruteKnn(p: Float64Array, n: number, d: number, k: number, i: number): number[] {
    const ids = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    const dist = (j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += (p[i * d + c]! - p[j * d + c]!) ** 2;
      return s;
    };
    return ids.sort((a, b) => dist(a) - dist(b) || a - b).slice(0, k);
  }

  it("knnGraph matches brute force, respects batch and flow", () => {
    const n = 300;
    const pos = randn([n, 3], { generator: new Generator(5), dtype: "float64" });
    const ei = knnGraph(pos, 5);
    expect(ei.shape).toEqual([2, n * 5]);
    const E = n * 5;
    for (const i of [0, 17, 150, 299]) {
      const got = Array.from(ei.data.subarray(i * 5, i * 5 + 5));
      expect(got).toEqual(bruteKnn(pos.data as Float64Array, n, 3, 5, i));
      expect(Array.from(ei.data.subarray(E + i * 5, E + i * 5 + 5))).toEqual([i, i, i, i, i]);
    }
    const withLoop = knnGraph(pos, 1, { loop: true });
    expect(Array.from(withLoop.data.subarray(0, 3))).toEqual([0, 1, 2]);
    const rev = knnGraph(pos, 5, { flow: "target_to_source" });
    expect(rev.data[0]).toBe(0);
    const batch = new Tensor(
      Int32Array.from({ length: n }, (_, i) => (i < 100 ? 0 : 1)),
      [n],
      "int32",
    );
    const eb = knnGraph(pos, 4, { batch });
    const Eb = eb.shape[1]!;
    for (let e = 0; e < Eb; e++) expect(eb.data[e]! < 100).toBe(eb.data[Eb + e]! < 100);
    // small graph: fewer candidates than k
    expect(knnGraph(tensor([[0], [1]]), 5).shape).toEqual([2, 2]);
    expect(() => knnGraph(tensor([1, 2]), 2)).toThrow(/knnGraph: argument 'pos' expected a \[N, d\] tensor/);
  });

  it("radiusGraph finds all pairs closer than r, capped at maxNumNeighbors", () => {
    // points on a line at 0, 1, 2, 3, 10
    const pos = tensor([[0], [1], [2], [3], [10]]);
    const ei = radiusGraph(pos, 1.5);
    expect(ei.toArray()).toEqual([
      [1, 0, 2, 1, 3, 2],
      [0, 1, 1, 2, 2, 3],
    ]);
    const capped = radiusGraph(pos, 2.5, { maxNumNeighbors: 1 });
    expect(capped.toArray()).toEqual([
      [1, 0, 1, 2],
      [0, 1, 2, 3],
    ]);
    expect(radiusGraph(pos, 1).shape).toEqual([2, 0]);
    // random check against brute force
    const n = 200;
    const p = randn([n, 2], { generator: new Generator(9), dtype: "float64" });
    const r = 0.3;
    const big = radiusGraph(p, r, { maxNumNeighbors: 1000 });
    let brute = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const dx = p.data[2 * i]! - p.data[2 * j]!;
        const dy = p.data[2 * i + 1]! - p.data[2 * j + 1]!;
        if (dx * dx + dy * dy < r * r) brute++;
      }
    expect(big.shape[1]).toBe(brute);
  });
});
