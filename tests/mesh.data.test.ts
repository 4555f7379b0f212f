/** Mesh datasets: the shipped SHREC'11, human-body segmentation, GeometricShapes and bunny, and hostile inputs. */
import { describe, expect, it } from "vitest";
import {
  applyFileSplit,
  mapEdgesToMesh,
  parseBunny,
  parseFileSplit,
  parseHumanSeg,
  parseShrec11,
  shrecSplit,
} from "../src/data/datasets/meshes.js";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { loadBunny, loadGeometricShapes, loadHumanSeg, loadShrec11 } from "../src/node/mesh_datasets.js";

const tet = { pos: [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], face: [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3] };

describe("shipped mesh datasets", () => {
  it("SHREC'11 split 16: 30 classes, 480/120, 500 faces, closed meshes", () => {
    const s = loadShrec11();
    expect(s.classes.length).toBe(30);
    expect(s.train.length).toBe(480);
    expect(s.test.length).toBe(120);
    const chi = new Map<number, number>();
    for (const m of [...s.train, ...s.test]) {
      expect(m.mesh.numFaces).toBe(500);
      expect(m.mesh.boundaryLoops().length).toBe(0);
      chi.set(m.mesh.eulerCharacteristic(), (chi.get(m.mesh.eulerCharacteristic()) ?? 0) + 1);
    }
    // 588 genus-0 and 12 genus-1 meshes (datasets/README.md)
    expect(chi.get(2)).toBe(588);
    expect(chi.get(0)).toBe(12);
    expect(s.train[0]!.file).toBe("alien/train/T133.obj");
  });

  it("SHREC'11 split 10: the shipped file (300/300, 10 per class) and seeded splits", () => {
    const s = loadShrec11({ split: 10 });
    expect(s.train.length).toBe(300);
    expect(s.test.length).toBe(300);
    const per = new Int32Array(30);
    for (const m of s.train) per[m.label]!++;
    expect([...per].every((c) => c === 10)).toBe(true);
    const files = new Set([...s.train, ...s.test].map((m) => m.file));
    expect(files.size).toBe(600);
    const a = loadShrec11({ split: 10, seed: 1 });
    const b = loadShrec11({ split: 10, seed: 1 });
    const c = loadShrec11({ split: 10, seed: 2 });
    expect(a.train.map((m) => m.file)).toEqual(b.train.map((m) => m.file));
    expect(a.train.map((m) => m.file)).not.toEqual(c.train.map((m) => m.file));
    const perA = new Int32Array(30);
    for (const m of a.train) perA[m.label]!++;
    expect([...perA].every((k) => k === 10)).toBe(true);
    expect(() => shrecSplit(s, 20, 0)).toThrow(/perClass/);
  });

  it("human-body segmentation: 281/18, every MeshCNN edge maps onto Mesh.edges, labels kept", () => {
    const h = loadHumanSeg();
    expect(h.train.length).toBe(281);
    expect(h.test.length).toBe(18);
    expect(h.numClasses).toBe(8);
    let zeroSoft = 0;
    let edges = 0;
    for (const s of [...h.train, ...h.test]) {
      expect(s.mesh.numFaces).toBe(1500);
      expect(s.labels.length).toBe(s.mesh.numEdges);
      expect(s.soft!.length).toBe(8 * s.mesh.numEdges);
      edges += s.labels.length;
      for (let e = 0; e < s.labels.length; e++) if (!(s.soft![8 * e + s.labels[e]!]! > 0)) zeroSoft++;
    }
    // hard and soft labels travel together: the source files have exactly 276 of 672,750 edges whose
    // hard label has soft value 0 (MeshCNN's seg and sseg files disagree there)
    expect(edges).toBe(672_750);
    expect(zeroSoft).toBe(276);
  }, 30_000);

  it("GeometricShapes and the bunny", () => {
    const g = loadGeometricShapes();
    expect(g.classes.length).toBe(40);
    expect(g.train.length).toBe(40);
    expect(g.test.length).toBe(40);
    const b = loadBunny();
    expect(b.numVertices).toBe(1839);
    expect(b.numFaces).toBe(3674);
    expect(b.eulerCharacteristic()).toBe(2);
  });
});

describe("mesh dataset parsers: sizes and hostile input", () => {
  const shrec = (entries: unknown[], classes = Array.from({ length: 30 }, (_, i) => `c${i}`)) =>
    JSON.stringify({ classes, train: entries, test: [] });

  it("rejects sizes that do not match, out-of-range indices and labels, non-finite coordinates", () => {
    const lim = { trainLimit: 1, testLimit: 0 };
    const ok = { file: "a.obj", label: 0, pos: tet.pos, face: tet.face };
    expect(() => parseShrec11(shrec([ok]), "s.json", lim)).toThrow(/expected 500 triangles/);
    expect(() => parseShrec11(shrec([{ ...ok, pos: tet.pos.slice(0, 11) }]), "s.json", lim)).toThrow(
      /'pos' expected 3·V/,
    );
    expect(() => parseShrec11(shrec([{ ...ok, face: [0, 1, 9, ...tet.face.slice(3)] }]), "s.json", lim)).toThrow(
      /'face': expected integers in \[0, 4\), got 9/,
    );
    expect(() => parseShrec11(shrec([{ ...ok, label: 30 }]), "s.json", lim)).toThrow(/label 30 is outside/);
    expect(() => parseShrec11(shrec([{ ...ok, class: "c1" }]), "s.json", lim)).toThrow(/does not match/);
    expect(() => parseShrec11(shrec([{ ...ok, pos: [...tet.pos.slice(0, 11), "x"] }]), "s.json", lim)).toThrow(
      /finite numbers/,
    );
    expect(() => parseShrec11(shrec([ok], ["a"]), "s.json", lim)).toThrow(/expected 30 classes/);
    expect(() => parseShrec11("{", "s.json")).toThrow(/s.json: is not valid JSON/);
    expect(() => parseShrec11(new Uint8Array([0x1f, 0x8b, 0]), "s.json")).toThrow(/gzip/);
  });

  it("maps MeshCNN edge lists by vertex pair and rejects missing, extra and repeated edges", () => {
    const m = new Mesh(tet.pos, tet.face);
    expect(m.numEdges).toBe(6);
    const edges = [2, 3, 0, 1, 1, 2, 0, 3, 1, 3, 0, 2];
    const perm = mapEdgesToMesh(m, edges, "f", "m");
    for (let i = 0; i < 6; i++) {
      const e = perm[i]!;
      expect([m.edges[2 * e], m.edges[2 * e + 1]]).toEqual([
        Math.min(edges[2 * i]!, edges[2 * i + 1]!),
        Math.max(edges[2 * i]!, edges[2 * i + 1]!),
      ]);
    }
    expect(() => mapEdgesToMesh(m, edges.slice(0, 10), "f", "m")).toThrow(/lists 5 edges, the mesh has 6/);
    expect(() => mapEdgesToMesh(m, [...edges.slice(0, 10), 0, 1], "f", "m")).toThrow(/listed twice/);
    expect(() => mapEdgesToMesh(m, [...edges.slice(0, 10), 0, 4], "f", "m")).toThrow(/outside \[0, 4\)/);
    const open = new Mesh([...tet.pos, 1, 1, 1], [...tet.face.slice(0, 9), 1, 2, 4]);
    expect(() => mapEdgesToMesh(open, [0, 1, 0, 2, 0, 3, 1, 2, 2, 3, 1, 3, 1, 4, 3, 4], "f", "m")).toThrow(
      /not an edge/,
    );
  });

  it("human-seg parser: label and soft-label counts are checked against the edges", () => {
    const m = {
      file: "t.obj",
      pos: tet.pos,
      face: tet.face,
      edge: [0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3],
      edge_label: [0, 1, 1, 0, 1, 0],
      edge_soft: Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 0.5 : 0.5)),
    };
    const doc = (x: object) => JSON.stringify({ num_seg_classes: 2, train: [x], test: [] });
    const h = parseHumanSeg(doc(m), "h.json");
    expect(Array.from(h.train[0]!.labels)).toEqual([0, 1, 1, 0, 1, 0]);
    expect(() => parseHumanSeg(doc({ ...m, edge_label: [0, 1] }), "h.json")).toThrow(/2 labels for 6 edges/);
    expect(() => parseHumanSeg(doc({ ...m, edge_label: [0, 1, 1, 0, 1, 2] }), "h.json")).toThrow(/\[0, 2\), got 2/);
    expect(() => parseHumanSeg(doc({ ...m, edge_soft: [0.5] }), "h.json")).toThrow(/expected 6 edges × 2 classes/);
    expect(() => parseHumanSeg(doc({ ...m, edge_soft: Array(12).fill(2) }), "h.json")).toThrow(/outside \[0, 1\]/);
  });

  it("split files: unknown and repeated files are errors", () => {
    const set = {
      name: "x",
      classes: ["a"],
      train: [{ file: "1", label: 0, mesh: new Mesh(tet.pos, tet.face) }],
      test: [{ file: "2", label: 0, mesh: new Mesh(tet.pos, tet.face) }],
    };
    expect(applyFileSplit(set, parseFileSplit('{"train":["2"],"test":["1"]}')).train[0]!.file).toBe("2");
    expect(() => applyFileSplit(set, parseFileSplit('{"train":["3"],"test":[]}'))).toThrow(/'3' is not a mesh/);
    expect(() => applyFileSplit(set, parseFileSplit('{"train":["1"],"test":["1"]}'))).toThrow(/listed twice/);
    expect(() => parseFileSplit('{"train":[1],"test":[]}')).toThrow(/train\[0\] expected a file name/);
  });

  it("bunny parser checks its triples", () => {
    expect(() => parseBunny('{"positions":[[0,0]],"cells":[]}')).toThrow(/positions\[0\] expected a triple/);
  });
});
