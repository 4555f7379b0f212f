import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { gunzip, karateClub, parseTUDataset, stratifiedKFold } from "../src/data/datasets/index.js";
import { degree, edgeRow, isUndirected } from "../src/domains/graph/utils.js";
import { datasetsRoot, loadPlanetoid, loadTUDataset } from "../src/node/datasets.js";
import { Generator } from "../src/tensor/rng.js";
import { SparseMatrix } from "../src/tensor/sparse.js";
import { Tensor } from "../src/tensor/tensor.js";

const count = (t: Tensor | null) => Array.from(t!.data).reduce((a, b) => a + b, 0);
const tmp = mkdtempSync(join(tmpdir(), "erlangen-data-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("Planetoid", () => {
  it("loads Cora with the published counts and public split", () => {
    const g = loadPlanetoid("cora");
    expect(g.numNodes).toBe(2708);
    expect(g.numEdges).toBe(10556);
    expect(g.numNodeFeatures).toBe(1433);
    expect(g.x!.shape).toEqual([2708, 1433]);
    expect(count(g.x)).toBe(49216);
    expect(Math.max(...Array.from(g.y!.data)) + 1).toBe(7);
    expect(count(g.trainMask)).toBe(140);
    expect(count(g.valMask)).toBe(500);
    expect(count(g.testMask)).toBe(1000);
    expect(g.trainMask!.dtype).toBe("bool");
    expect(isUndirected(g.edgeIndex)).toBe(true);
    expect(() => g.validate()).not.toThrow();
  });

  it("loads CiteSeer, sparse features, and explains PubMed's missing features", () => {
    const g = loadPlanetoid("citeseer", { sparseFeatures: true });
    expect(g.numNodes).toBe(3327);
    expect(g.numEdges).toBe(9104);
    expect(g.x).toBeNull();
    expect(g.xSparse).toBeInstanceOf(SparseMatrix);
    expect(g.xSparse!.shape).toEqual([3327, 3703]);
    expect(g.xSparse!.nnz).toBe(105165);
    expect(g.numNodeFeatures).toBe(3703);
    expect(Math.max(...Array.from(g.y!.data)) + 1).toBe(6);
    expect([count(g.trainMask), count(g.valMask), count(g.testMask)]).toEqual([120, 500, 1000]);

    expect(() => loadPlanetoid("pubmed")).toThrow(
      /loadPlanetoid: argument 'features' expected node features for PubMed: they are not shipped/,
    );
    const p = loadPlanetoid("pubmed", { allowMissingFeatures: true });
    expect(p.x).toBeNull();
    expect(p.numNodes).toBe(19717);
    expect(p.numEdges).toBe(88648);
    expect([count(p.trainMask), count(p.valMask), count(p.testMask)]).toEqual([60, 500, 1000]);
    const feats = new Tensor(new Float32Array(19717 * 2), [19717, 2], "float32");
    expect(loadPlanetoid("pubmed", { features: feats }).x).toBe(feats);
    expect(() => loadPlanetoid("pubmed", { features: new Tensor(new Float32Array(4), [2, 2], "float32") })).toThrow(
      /expected a \[19717, F\] matrix/,
    );
    expect(() => loadPlanetoid("nope" as "cora")).toThrow(/loadPlanetoid: argument 'name'/);
  });

  it("honours root and ERLANGEN_DATASETS, and rejects truncated arrays", () => {
    const root = join(tmp, "root1");
    const dir = join(root, "planetoid", "cora");
    mkdirSync(dir, { recursive: true });
    const src = join(datasetsRoot(), "planetoid", "cora");
    for (const f of [
      "meta.json",
      "x_indptr.i32.bin",
      "x_indices.i32.bin",
      "x_data.f32.bin",
      "y.i32.bin",
      "train_mask.u8.bin",
      "val_mask.u8.bin",
      "test_mask.u8.bin",
    ]) {
      writeFileSync(join(dir, f), readFileSync(join(src, f)));
    }
    writeFileSync(join(dir, "edge_index.i32.bin"), new Uint8Array(12));
    expect(() => loadPlanetoid("cora", { root })).toThrow(
      /edge_index.i32.bin: expected 21112 values \(84448 bytes\), got 3 \(12 bytes\)/,
    );
    const prev = process.env.ERLANGEN_DATASETS;
    process.env.ERLANGEN_DATASETS = root;
    try {
      expect(datasetsRoot()).toBe(root);
      expect(() => loadPlanetoid("cora")).toThrow(/edge_index.i32.bin/);
    } finally {
      if (prev === undefined) delete process.env.ERLANGEN_DATASETS;
      else process.env.ERLANGEN_DATASETS = prev;
    }
  });
});

describe("TU datasets", () => {
  const table: [string, number, number, number, number, number][] = [
    // name, graphs, nodes, directed edges (dedup), classes, x width
    ["MUTAG", 188, 3371, 7442, 2, 7],
    ["PROTEINS", 1113, 43471, 162088, 2, 3],
    ["ENZYMES", 600, 19580, 74564, 6, 3],
    ["IMDB-BINARY", 1000, 19773, 193062, 2, 0],
    ["NCI1", 4110, 122747, 265506, 2, 37],
  ];
  for (const [name, G, N, E, C, F] of table) {
    it(`${name}: ${G} graphs, ${N} nodes, ${E} edges, ${C} classes`, () => {
      const d = loadTUDataset(name);
      expect(d.graphs).toHaveLength(G);
      let n = 0;
      let e = 0;
      for (const g of d.graphs) {
        n += g.numNodes;
        e += g.numEdges;
      }
      expect(n).toBe(N);
      expect(e).toBe(E);
      expect(d.numClasses).toBe(C);
      expect(d.numFeatures).toBe(F);
      const g0 = d.graphs[0]!;
      expect(g0.y!.shape).toEqual([]);
      expect(g0.y!.dtype).toBe("int32");
      if (F > 0) expect(g0.x!.shape).toEqual([g0.numNodes, F]);
      else expect(g0.x).toBeNull();
      expect(() => g0.validate()).not.toThrow();
      if (name === "MUTAG") {
        expect(d.folds).toBeUndefined();
        expect(d.numEdgeFeatures).toBe(4);
        expect(d.classValues).toEqual([-1, 1]);
        const counts = [0, 0];
        for (const g of d.graphs) counts[g.y!.item()]!++;
        expect(counts).toEqual([63, 125]);
      } else {
        expect(d.folds).toHaveLength(10);
        const f = d.folds![0]!;
        expect(f.train.length + f.val.length + f.test.length).toBe(G);
        const all = new Set<number>();
        for (const fold of d.folds!) for (const i of fold.test) all.add(i);
        expect(all.size).toBe(G);
      }
    });
  }

  it("uses node attributes on request (ENZYMES: 18 attributes + 3 labels)", () => {
    const d = loadTUDataset("ENZYMES", { useNodeAttr: true });
    expect(d.numFeatures).toBe(21);
    expect(d.numNodeAttributes).toBe(18);
    expect(d.numNodeLabels).toBe(3);
  });

  it("rejects malformed files with the file name and line number", () => {
    const mk = (name: string, files: Record<string, string>) => {
      const dir = join(tmp, "tu", name);
      mkdirSync(dir, { recursive: true });
      for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, `${name}_${k}.txt.gz`), gzipSync(v));
      return () => loadTUDataset(name, { root: tmp });
    };
    const good = { A: "1, 2\n2, 1\n3, 4\n4, 3\n", graph_indicator: "1\n1\n2\n2\n", graph_labels: "5\n7\n" };
    const ok = mk("GOOD", good)();
    expect(ok.graphs).toHaveLength(2);
    expect(ok.classValues).toEqual([5, 7]);
    expect(Array.from(ok.graphs[1]!.edgeIndex.data)).toEqual([0, 1, 1, 0]);
    expect(mk("BAD1", { ...good, A: "1, 2\n2, x\n" })).toThrow(
      /BAD1_A\.txt\.gz line 2: expected a decimal integer .*, got 'x'/,
    );
    expect(mk("BAD2", { ...good, A: "1, 2\n2\n" })).toThrow(
      /BAD2_A\.txt\.gz line 2: expected 2 comma-separated integers, got 1/,
    );
    expect(mk("BAD3", { ...good, A: "1, 2\n2, 9\n" })).toThrow(/BAD3_A\.txt\.gz line 2: node id 9 is outside \[1, 4\]/);
    expect(mk("BAD4", { ...good, A: "1, 3\n" })).toThrow(/BAD4_A\.txt\.gz line 1: edge \(1, 3\) joins graphs 1 and 2/);
    expect(mk("BAD5", { ...good, graph_indicator: "1\n2\n1\n2\n" })).toThrow(
      /BAD5_graph_indicator\.txt\.gz line 3: graph ids must be non-decreasing/,
    );
    expect(mk("BAD6", { ...good, graph_labels: "1\n" })).toThrow(
      /BAD6_graph_indicator\.txt\.gz line 3: graph id 2 exceeds the 1 graphs of .*BAD6_graph_labels\.txt\.gz/,
    );
    expect(mk("BAD6b", { ...good, graph_labels: "1\n2\n3\n" })).toThrow(
      /BAD6b_graph_labels\.txt\.gz: expected 2 lines \(one per graph\), got 3/,
    );
    expect(mk("BAD7", { ...good, node_labels: "0\n1\n" })).toThrow(
      /BAD7_node_labels\.txt\.gz: expected 4 lines \(one per node/,
    );
    expect(mk("BAD8", { A: good.A, graph_labels: good.graph_labels })).toThrow(/the file .*BAD8_graph_indicator\.txt/);
    const dir = join(tmp, "tu", "BAD9");
    mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(good)) writeFileSync(join(dir, `BAD9_${k}.txt`), v);
    writeFileSync(
      join(dir, "splits_10fold.json"),
      '[{"test": [0, 5], "model_selection": [{"train": [1], "validation": []}]}]',
    );
    expect(() => loadTUDataset("BAD9", { root: tmp })).toThrow(
      /splits_10fold\.json: fold 0 test\[1\]: expected a graph index in \[0, 2\), got 5/,
    );
    writeFileSync(join(dir, "splits_10fold.json"), "[{");
    expect(() => loadTUDataset("BAD9", { root: tmp })).toThrow(/splits_10fold\.json: invalid JSON/);
    expect(() => loadTUDataset("NOPE", { root: tmp })).toThrow(/loadTUDataset: argument 'name'/);
  });

  it("parses in memory (browser path) and decompresses with gunzip()", async () => {
    const bytes = gzipSync("1, 2\n2, 1\n");
    const A = await gunzip(new Uint8Array(bytes));
    const d = parseTUDataset("MEM", { A, graph_indicator: "1\n1\n", graph_labels: "0\n", edge_labels: "2\n3\n" });
    expect(d.numEdgeFeatures).toBe(2);
    expect(d.graphs[0]!.edgeAttr!.toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(() =>
      parseTUDataset("MEM", { A: new Uint8Array(bytes), graph_indicator: "1\n1\n", graph_labels: "0\n" }),
    ).toThrow(/MEM_A\.txt: is gzip-compressed/);
  });
});

describe("karate club and k-fold", () => {
  it("karateClub has 34 nodes, 78 friendships and PyG's 4 communities", () => {
    const g = karateClub();
    expect(g.numNodes).toBe(34);
    expect(g.numEdges).toBe(156);
    expect(isUndirected(g.edgeIndex)).toBe(true);
    const deg = Array.from(degree(edgeRow(g.edgeIndex, 0), 34).data);
    expect(deg[0]).toBe(16);
    expect(deg[33]).toBe(17);
    expect(deg[32]).toBe(12);
    expect(deg[2]).toBe(10);
    expect(deg[1]).toBe(9);
    expect(Math.max(...Array.from(g.y!.data)) + 1).toBe(4);
    expect(Array.from(g.trainMask!.data).flatMap((v, i) => (v ? [i] : []))).toEqual([0, 4, 8, 24]);
    const f = karateClub({ labels: "faction" });
    expect(count(f.y)).toBe(17);
    expect(Array.from(f.trainMask!.data).flatMap((v, i) => (v ? [i] : []))).toEqual([0, 33]);
  });

  it("stratifiedKFold is seeded, covers every item once and balances classes", () => {
    const d = loadTUDataset("MUTAG");
    const y = d.graphs.map((g) => g.y!.item());
    const folds = stratifiedKFold(y, 10, new Generator(1));
    const again = stratifiedKFold(y, 10, new Generator(1));
    expect(folds.map((f) => Array.from(f.test))).toEqual(again.map((f) => Array.from(f.test)));
    const seen = new Set<number>();
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(188);
      for (const i of f.test) seen.add(i);
      const pos = Array.from(f.test).filter((i) => y[i] === 1).length;
      expect(pos).toBeGreaterThanOrEqual(12);
      expect(pos).toBeLessThanOrEqual(13);
    }
    expect(seen.size).toBe(188);
    expect(() => stratifiedKFold([0, 1], 3)).toThrow(/stratifiedKFold: argument 'k'/);
  });
});
