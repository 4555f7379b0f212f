/** Mesh training plumbing: MeshItem memo, edge logits, the two tasks' metrics, a user's labels files. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildMeshFolderDataset, parseMeshLabels } from "../src/data/datasets/meshes.js";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { Module } from "../src/nn/module.js";
import { fileMeshCache } from "../src/node/mesh_cache.js";
import { Adam } from "../src/optim/adam.js";
import { Generator, manualSeed } from "../src/tensor/rng.js";
import { Tensor } from "../src/tensor/tensor.js";
import { MeshGCN } from "../src/train/mesh_models.js";
import {
  logitsOn,
  MeshItem,
  meshBasis,
  meshBasisKey,
  meshClassificationTask,
  meshHash,
  meshSegmentationTask,
  normalizedMesh,
  setMeshCache,
  xyzFeatures,
} from "../src/train/meshes.js";
import { Trainer } from "../src/train/trainer.js";

// a tetrahedron: 4 vertices, 4 faces, 6 edges (0,1) (0,2) (0,3) (1,2) (1,3) (2,3)
const tetPos = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
const tetFace = [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3];
const tet = () => new Mesh(tetPos, tetFace);

/** A model that returns fixed logits (ignores its input). */
class Fixed extends Module<[Tensor, MeshItem], Tensor> {
  constructor(
    readonly out: Tensor,
    readonly outputOn: "vertex" | "face" | "edge",
  ) {
    super();
  }
  forward(): Tensor {
    return this.out;
  }
}

describe("mesh training plumbing", () => {
  it("MeshItem memoises per-mesh work once", () => {
    const it0 = new MeshItem("t", tet(), { label: 0 });
    let calls = 0;
    const a = it0.memo("k", () => ++calls);
    const b = it0.memo("k", () => ++calls);
    expect([a, b, calls, it0.has("k"), it0.has("j")]).toEqual([1, 1, 1, true, false]);
  });

  it("normalised positions: centred, farthest vertex at distance 1", () => {
    const p = normalizedMesh(new MeshItem("t", new Mesh([2, 0, 0, 4, 0, 0, 2, 2, 0], [0, 1, 2]), {})).positions;
    let r = 0;
    const c = [0, 0, 0];
    for (let v = 0; v < 3; v++) {
      r = Math.max(r, Math.hypot(p[3 * v]!, p[3 * v + 1]!, p[3 * v + 2]!));
      for (let d = 0; d < 3; d++) c[d]! += p[3 * v + d]!;
    }
    expect(r).toBeCloseTo(1, 12);
    for (const x of c) expect(x).toBeCloseTo(0, 12);
  });

  it("edge logits: the mean of the two end vertices, or of the incident faces", () => {
    const item = new MeshItem("t", tet(), {});
    const vx = new Tensor(Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13]), [4, 2], "float32");
    const e = logitsOn(vx, "vertex", "edge", item);
    expect(e.shape).toEqual([6, 2]);
    expect(Array.from(e.data.subarray(0, 2))).toEqual([0.5, 10.5]); // edge (0,1)
    expect(Array.from(e.data.subarray(10, 12))).toEqual([2.5, 12.5]); // edge (2,3)
    const fx = new Tensor(Float32Array.from([0, 1, 2, 3]), [4, 1], "float32");
    const fe = logitsOn(fx, "face", "edge", item);
    // edge (0,1) lies in faces 0 (0,2,1) and 1 (0,1,3)
    expect(fe.data[0]).toBeCloseTo(0.5, 6);
    expect(() => logitsOn(vx, "vertex", "face", item)).toThrow(/labels on the vertices or the edges/);
    expect(() => logitsOn(fx.reshape([2, 2]), "vertex", "edge", item)).toThrow(/\[4, C\] \(one row per vertex\)/);
  });

  it("segmentation metrics: plain accuracy and MeshCNN's soft metric, −1 labels ignored", () => {
    // edges (0,1) (0,2) (0,3) (1,2) (1,3) (2,3); vertex logits favour class 1 at vertices 2, 3
    const labels = Int32Array.from([0, 1, 1, 0, 1, -1]);
    const soft = new Float32Array(12);
    const setSoft = (e: number, c0: number, c1: number) => soft.set([c0, c1], 2 * e);
    setSoft(0, 1, 0);
    setSoft(1, 0.5, 0.5); // predicted 0 (vertices 0, 2 tie → class 0), soft positive → right for MeshCNN
    setSoft(2, 0, 1);
    setSoft(3, 1, 0);
    setSoft(4, 0, 1);
    setSoft(5, 0, 1);
    const item = new MeshItem("t", tet(), { seg: { on: "edge", labels, soft } });
    const vx = new Tensor(Float32Array.from([1, 0, 1, 0, 0, 0, 0, 1]), [4, 2], "float32");
    const task = meshSegmentationTask({
      train: [item],
      test: [item],
      features: xyzFeatures({ augment: false }),
      generator: new Generator(0),
    });
    const model = new Fixed(vx, "vertex");
    const m = task.evaluate("test", { model, optimizer: null as never, epoch: 0, backwardStep: () => 0 }) as Record<
      string,
      number
    >;
    // edge predictions: (0,1) 0 ✓, (0,2) tie→0 ✗ hard / ✓ soft, (0,3) mean(1,0 | 0,1) = tie→0 ✗/✗,
    // (1,2) 0 ✓, (1,3) tie→0 ✗/✗; (2,3) ignored
    expect(task.metric).toBe("softAccuracy");
    expect(m.accuracy).toBeCloseTo(2 / 5, 12);
    expect(m.softAccuracy).toBeCloseTo(3 / 5, 12);
  });

  it("classification: a mesh GCN separates octahedra stretched along x from those stretched along z", async () => {
    manualSeed(0);
    const octPos = [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1];
    const octFace = [0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5];
    const mk = (sx: number, sz: number, label: number, k: number) =>
      new MeshItem(
        `m${k}`,
        new Mesh(
          octPos.map((v, i) => (i % 3 === 0 ? v * sx : i % 3 === 2 ? v * sz : v)),
          octFace,
        ),
        {
          label,
        },
      );
    const items = [mk(2, 1, 0, 0), mk(2.2, 0.9, 0, 1), mk(1, 2, 1, 2), mk(0.9, 2.2, 1, 3)];
    const model = new MeshGCN({ inChannels: 3, hidden: 16, layers: 2, numClasses: 2, task: "classification" });
    const task = meshClassificationTask({
      train: items,
      test: items,
      features: xyzFeatures({ augment: false }),
      batchSize: 2,
      generator: new Generator(1),
    });
    for (const it of items) model.prepare(it);
    const trainer = new Trainer(model, task, { optimizer: new Adam(model.parameters(), { lr: 0.02 }), epochs: 60 });
    const h = await trainer.fit();
    expect(h.epochs.at(-1)!.loss).toBeLessThan(h.epochs[0]!.loss);
    expect((await trainer.test()).accuracy).toBe(1);
    expect(() =>
      meshClassificationTask({
        train: [new MeshItem("x", tet(), {})],
        features: xyzFeatures(),
        generator: new Generator(0),
      }),
    ).toThrow(/meshes with class labels/);
  });
});

describe("a user's labels file", () => {
  const meshes = new Map([
    ["a.obj", tet()],
    ["b.off", tet()],
    ["c.ply", tet()],
    ["d.obj", tet()],
  ]);

  it("classification from a JSON map, JSON items and CSV (with and without header), with splits", () => {
    const m = parseMeshLabels('{"a.obj": "cat", "b.off": "dog", "c.ply": "cat", "d.obj": "dog"}');
    const d = buildMeshFolderDataset(m, meshes, "l.json", { testFraction: 0.5 });
    expect(d.task).toBe("classification");
    if (d.task !== "classification") return;
    expect(d.classes).toEqual(["cat", "dog"]);
    expect(d.train.length).toBe(2);
    expect(d.test.length).toBe(2);
    expect(new Set(d.test.map((x) => x.label))).toEqual(new Set([0, 1])); // stratified
    const csv = parseMeshLabels("file,label,split\na.obj,cat,train\nb.off,dog,test\n");
    expect(csv.entries).toEqual([
      { file: "a.obj", label: "cat", split: "train" },
      { file: "b.off", label: "dog", split: "test" },
    ]);
    const bare = parseMeshLabels("a.obj,0\nb.off,1\n# comment\n");
    expect(bare.entries.map((e) => e.label)).toEqual([0, 1]);
    const items = parseMeshLabels(
      JSON.stringify({
        classes: ["x", "y"],
        items: [
          { file: "a.obj", label: "y", split: "test" },
          { file: "b.off", label: 0 },
        ],
      }),
    );
    const di = buildMeshFolderDataset(items, meshes);
    if (di.task !== "classification") throw new Error("expected classification");
    expect(di.test.map((x) => [x.file, x.label])).toEqual([["a.obj", 1]]);
  });

  it("segmentation per vertex, per face and per edge (by index or by vertex pair)", () => {
    const v = parseMeshLabels(
      JSON.stringify({
        on: "vertex",
        items: [
          { file: "a.obj", labels: [0, 1, 1, 0], split: "train" },
          { file: "b.off", labels: [1, 1, 0, 0], split: "test" },
        ],
      }),
    );
    const dv = buildMeshFolderDataset(v, meshes);
    if (dv.task !== "segmentation") throw new Error("expected segmentation");
    expect(dv.on).toBe("vertex");
    expect(dv.numClasses).toBe(2);
    const f = parseMeshLabels("file,face,label\na.obj,0,0\na.obj,3,2\n");
    const df = buildMeshFolderDataset(f, meshes, "l.csv", { testFraction: 0 });
    if (df.task !== "segmentation") throw new Error("expected segmentation");
    expect(Array.from(df.train[0]!.labels)).toEqual([0, -1, -1, 2]);
    expect(df.numClasses).toBe(3);
    const e = parseMeshLabels("file,u,v,label\na.obj,3,2,1\na.obj,0,1,0\n");
    const de = buildMeshFolderDataset(e, meshes, "l.csv", { testFraction: 0 });
    if (de.task !== "segmentation") throw new Error("expected segmentation");
    expect(Array.from(de.train[0]!.labels)).toEqual([0, -1, -1, -1, -1, 1]);
  });

  it("bad labels files get clear errors", () => {
    expect(() => parseMeshLabels("file,vertex\na.obj,1\n")).toThrow(/unknown header 'file,vertex'/);
    expect(() => parseMeshLabels("file,face,label\na.obj,x,1\n")).toThrow(/line 2: face expected an integer/);
    const twice = parseMeshLabels("file,face,label\na.obj,0,1\na.obj,0,2\n");
    expect(() => buildMeshFolderDataset(twice, meshes)).toThrow(/'a.obj': face 0 is labelled twice/);
    const far = parseMeshLabels("file,face,label\na.obj,1000000000,1\n");
    expect(() => buildMeshFolderDataset(far, meshes)).toThrow(/face 1000000000 is outside the mesh's 4 faces/);
    expect(() => parseMeshLabels('{"items": [{"file": "a.obj"}]}')).toThrow(
      /exactly one of 'label', 'labels' or 'edgeLabels'/,
    );
    expect(() => parseMeshLabels('{"items": [{"file": "a.obj", "labels": [0, 1]}]}')).toThrow(/need 'on'/);
    expect(() => parseMeshLabels('{"items": [{"file": "a.obj", "label": "x", "split": "val"}]}')).toThrow(
      /split expected 'train' or 'test'/,
    );
    const short = parseMeshLabels(JSON.stringify({ on: "vertex", items: [{ file: "a.obj", labels: [0, 1] }] }));
    expect(() => buildMeshFolderDataset(short, meshes)).toThrow(/2 labels for 4 vertices/);
    expect(() => buildMeshFolderDataset(parseMeshLabels('{"z.obj": "cat"}'), meshes)).toThrow(/no mesh for 'z.obj'/);
    const pair = parseMeshLabels("file,u,v,label\na.obj,0,9,1\n");
    expect(() => buildMeshFolderDataset(pair, meshes)).toThrow(/\(0, 9\) is not an edge/);
  });
});

describe("eigenbasis cache on disk", () => {
  it("fileMeshCache round-trips arrays; meshBasis reads and fills it", () => {
    const dir = mkdtempSync(join(tmpdir(), "erlangen-cache-"));
    const cache = fileMeshCache(dir);
    cache.set("a-1", [Float64Array.of(1, 2), new Float64Array(0), Float64Array.of(3)]);
    expect(cache.get("a-1")!.map((x) => Array.from(x))).toEqual([[1, 2], [], [3]]);
    expect(cache.get("missing")).toBe(undefined);
    writeFileSync(join(dir, "bad.f64"), new Uint8Array(12));
    expect(cache.get("bad")).toBe(undefined);
    expect(() => cache.get("../x")).toThrow(/characters outside/);
    const octPos = [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1];
    const octFace = [0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5];
    try {
      setMeshCache(cache);
      const b = meshBasis(new MeshItem("o", new Mesh(octPos, octFace), {}), 3);
      // a fresh item reads the stored basis back
      const again = meshBasis(new MeshItem("o", new Mesh(octPos, octFace), {}), 3);
      expect(Array.from(again.values)).toEqual(Array.from(b.values));
      expect(Array.from(again.vectors)).toEqual(Array.from(b.vectors));
      const key = meshBasisKey(normalizedMesh(new MeshItem("o", new Mesh(octPos, octFace), {})), 3);
      expect(cache.get(key)!.length).toBe(3);
      expect(meshHash(new Mesh(octPos, octFace))).not.toBe(
        meshHash(
          new Mesh(
            octPos.map((x) => 2 * x),
            octFace,
          ),
        ),
      );
    } finally {
      setMeshCache(null);
    }
  });
});
