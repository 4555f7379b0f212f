import { describe, expect, it } from "vitest";
import {
  Mesh,
  type MeshIssueKind,
  orientFaces,
  removeDegenerateFaces,
  removeDuplicateFaces,
  removeUnreferencedVertices,
  repairMesh,
  validateMesh,
} from "../src/domains/mesh/index.js";
import { ErlangenError } from "../src/tensor/errors.js";
import { Generator } from "../src/tensor/rng.js";
import { bunny, cube, disc, tetrahedron, torus } from "./helpers/meshes.js";

const tri = [0, 0, 0, 1, 0, 0, 0, 1, 0];
const kinds = (r: ReturnType<typeof validateMesh>) => r.issues.map((i) => i.kind);

/** Positions and faces of m with every face whose bit is set in `flip` reversed. */
function withFlips(m: Mesh, flip: (f: number) => boolean): number[] {
  const f = Array.from(m.faces);
  for (let i = 0; i < m.numFaces; i++) if (flip(i)) [f[3 * i + 1], f[3 * i + 2]] = [f[3 * i + 2]!, f[3 * i + 1]!];
  return f;
}

describe("validateMesh", () => {
  it("passes the clean test meshes", () => {
    for (const m of [tetrahedron(), cube(), disc(), torus(), bunny()]) {
      const r = validateMesh(m);
      expect(r.issues).toEqual([]);
      expect(r.ok).toBe(true);
      expect(validateMesh(m.positions, m.faces, { strict: true }).ok).toBe(true);
    }
  });

  const cases: [string, number[], number[], MeshIssueKind, number[], number[], RegExp][] = [
    ["out-of-range id", tri, [0, 1, 2, 0, 1, 5], "index-out-of-range", [1], [5], /face 1 .*vertex 5.*outside \[0, 3\)/],
    ["negative id", tri, [0, 1, 2, 0, -1, 2], "index-out-of-range", [1], [-1], /face 1 .*vertex -1/],
    ["non-integer id", tri, [0, 1, 2, 0, 1.5, 2], "index-out-of-range", [1], [1.5], /face 1 .*vertex 1.5/],
    [
      "non-finite coordinate",
      [0, 0, 0, 1, Number.NaN, 0, 0, 1, 0],
      [0, 1, 2],
      "non-finite-coordinate",
      [],
      [1],
      /vertex 1 .*NaN/,
    ],
    ["repeated vertex", tri, [0, 1, 2, 0, 2, 2], "repeated-vertex", [1], [2], /face 1 .*repeats vertex 2/],
    ["zero area", [0, 0, 0, 1, 0, 0, 2, 0, 0], [0, 1, 2], "zero-area", [0], [0, 1, 2], /face 0 .*area is zero/],
    [
      "unreferenced vertex",
      [...tri, 5, 5, 5],
      [0, 1, 2],
      "unreferenced-vertex",
      [],
      [3],
      /vertex 3 is used by no face/,
    ],
  ];
  for (const [name, p, f, kind, fs, vs, msg] of cases) {
    it(`reports ${name}, and throws it in strict mode`, () => {
      const r = validateMesh(p, f);
      expect(r.ok).toBe(false);
      expect(r.issues).toHaveLength(1);
      const issue = r.issues[0]!;
      expect(issue.kind).toBe(kind);
      expect(issue.faces).toEqual(fs);
      expect(issue.vertices).toEqual(vs);
      expect(issue.message).toMatch(msg);
      expect(r.counts[kind]).toBe(1);
      expect(() => validateMesh(p, f, { strict: true })).toThrow(ErlangenError);
      expect(() => validateMesh(p, f, { strict: true })).toThrow(msg);
      expect(validateMesh(p, f, { ignore: [kind] }).ok).toBe(true);
    });
  }

  it("reports a duplicate face once (not also as non-manifold edges)", () => {
    const t = tetrahedron();
    const r = validateMesh(t.positions, [...t.faces, 2, 1, 0]);
    expect(kinds(r)).toEqual(["duplicate-face"]);
    expect(r.issues[0]!.faces).toEqual([0, 4]);
    expect(r.issues[0]!.message).toMatch(/face 4 \(vertices 2, 1, 0\) duplicates face 0/);
  });

  it("reports a non-manifold edge with its faces", () => {
    // three triangles on the edge (0, 1)
    const p = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1];
    const r = validateMesh(p, [0, 1, 2, 1, 0, 3, 0, 1, 4]);
    expect(kinds(r)).toEqual(["non-manifold-edge"]);
    expect(r.issues[0]!.faces).toEqual([0, 1, 2]);
    expect(r.issues[0]!.vertices).toEqual([0, 1]);
    expect(r.issues[0]!.message).toMatch(/edge \(0, 1\) is non-manifold: it is shared by 3 faces \(0, 1, 2\)/);
  });

  it("reports a non-manifold vertex (two fans)", () => {
    const p = [0, 0, 0, 1, 0, 0, 1, 1, 0, -1, 0, 0, -1, -1, 0];
    const r = validateMesh(p, [0, 1, 2, 0, 3, 4]);
    expect(kinds(r)).toEqual(["non-manifold-vertex"]);
    expect(r.issues[0]!.vertices).toEqual([0]);
    expect(r.issues[0]!.faces).toEqual([0, 1]);
    expect(r.issues[0]!.message).toMatch(/vertex 0 is non-manifold: its 2 faces \(0, 1\) form 2 separate fans/);
    // two tetrahedra sharing one vertex
    const t = tetrahedron();
    const p2 = [...t.positions, ...Array.from(t.positions.subarray(3), (x) => -x)];
    const f2 = [...t.faces, ...Array.from(t.faces, (v) => (v === 0 ? 0 : v + 3))];
    const r2 = validateMesh(p2, f2);
    expect(kinds(r2)).toEqual(["non-manifold-vertex"]);
    expect(r2.issues[0]!.vertices).toEqual([0]);
    expect(r2.issues[0]!.faces).toHaveLength(6);
  });

  it("reports inconsistent orientation naming both faces and the edge", () => {
    const p = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, -1, 0];
    const r = validateMesh(p, [0, 1, 2, 0, 1, 3]);
    expect(kinds(r)).toEqual(["inconsistent-orientation"]);
    expect(r.issues[0]!.faces).toEqual([0, 1]);
    expect(r.issues[0]!.vertices).toEqual([0, 1]);
    expect(() => validateMesh(p, [0, 1, 2, 0, 1, 3], { strict: true })).toThrow(
      /faces 0 and 1 are inconsistently oriented: both traverse edge 0 → 1/,
    );
  });

  it("counts past maxIssues and validates a Mesh directly", () => {
    const p = new Array(3 * 50).fill(0);
    const r = validateMesh(p, [], { maxIssues: 10 });
    expect(r.issues).toHaveLength(10);
    expect(r.counts["unreferenced-vertex"]).toBe(50);
    expect(r.truncated).toBe(true);
    const m = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, -1, 0], [0, 1, 2, 0, 1, 3]);
    expect(kinds(validateMesh(m))).toEqual(["inconsistent-orientation"]);
    expect(() => validateMesh([0, 0], [])).toThrow(/positions.*divisible by 3/);
  });
});

describe("mesh repairs", () => {
  it("drops unreferenced vertices and returns both vertex maps", () => {
    const p = [9, 9, 9, 0, 0, 0, 8, 8, 8, 1, 0, 0, 0, 1, 0];
    const r = removeUnreferencedVertices(p, [1, 3, 4]);
    expect(Array.from(r.positions)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(r.faces)).toEqual([0, 1, 2]);
    expect(Array.from(r.vertexMap)).toEqual([-1, 0, -1, 1, 2]);
    expect(Array.from(r.keptVertices)).toEqual([1, 3, 4]);
    expect(() => removeUnreferencedVertices(p, [0, 1, 7])).toThrow(/face 0/);
  });

  it("drops degenerate and duplicate faces", () => {
    const p = [0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0];
    const d = removeDegenerateFaces(p, [0, 1, 2, 0, 0, 1, 0, 1, 3, 2, 1, 0]);
    expect(Array.from(d.keptFaces)).toEqual([0, 3]);
    expect(Array.from(d.faces)).toEqual([0, 1, 2, 2, 1, 0]);
    const keepZero = removeDegenerateFaces(p, [0, 1, 3], { zeroArea: false });
    expect(keepZero.faces).toHaveLength(3);
    const u = removeDuplicateFaces(p, [0, 1, 2, 2, 1, 0, 1, 2, 0, 0, 1, 3]);
    expect(Array.from(u.keptFaces)).toEqual([0, 3]);
  });

  it("orients randomly flipped faces of closed meshes back outwards", () => {
    const g = new Generator(7);
    for (const m of [torus(), cube(), bunny()]) {
      const flipped = withFlips(m, () => g.random() < 0.4);
      const before = validateMesh(m.positions, flipped);
      expect(before.counts["inconsistent-orientation"]).toBeGreaterThan(0);
      const r = orientFaces(m.positions, flipped);
      expect(r.orientable).toBe(true);
      expect(r.components).toBe(1);
      expect(Array.from(r.faces)).toEqual(Array.from(m.faces));
      expect(validateMesh(r.positions, r.faces).ok).toBe(true);
    }
  });

  it("turns an inside-out closed mesh outwards, keeps an open one's first face, finds the Möbius strip", () => {
    const c = cube();
    const inward = withFlips(c, () => true);
    const r = orientFaces(c.positions, inward);
    expect(r.flipped).toHaveLength(12);
    expect(Array.from(r.faces)).toEqual(Array.from(c.faces));
    expect(orientFaces(c.positions, inward, { outward: false }).flipped).toHaveLength(0);
    // an open disc: every face but the first flipped comes back to the disc's orientation
    const d = disc();
    const od = orientFaces(
      d.positions,
      withFlips(d, (f) => f > 0),
    );
    expect(Array.from(od.faces)).toEqual(Array.from(d.faces));
    // Möbius strip: a band of n quads whose ends are glued with a half twist
    const n = 8;
    const p: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = (2 * Math.PI * i) / n;
      for (const s of [-0.3, 0.3]) {
        const w = s * Math.cos(t / 2);
        p.push((1 + w) * Math.cos(t), (1 + w) * Math.sin(t), s * Math.sin(t / 2));
      }
    }
    const f: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = 2 * i;
      const b = 2 * i + 1;
      const [c2, d2] = i + 1 < n ? [2 * i + 2, 2 * i + 3] : [1, 0];
      f.push(a, c2, d2, a, d2, b);
    }
    const mob = orientFaces(p, f);
    expect(mob.orientable).toBe(false);
    expect(new Mesh(p, f).eulerCharacteristic()).toBe(0);
  });

  it("repairMesh applies the common repairs and reports what it removed", () => {
    const t = tetrahedron();
    // bad: an unreferenced vertex (4), a NaN vertex (5) with a face, a repeated-vertex face, a duplicate, a flipped face,
    // an out-of-range face
    const p = [...t.positions, 7, 7, 7, Number.NaN, 0, 0];
    const faces = withFlips(t, (f) => f === 2);
    faces.push(0, 1, 5, 1, 1, 2, 2, 1, 0, 0, 1, 9);
    const report = validateMesh(p, faces);
    expect(new Set(kinds(report))).toEqual(
      new Set([
        "non-finite-coordinate",
        "index-out-of-range",
        "repeated-vertex",
        "duplicate-face",
        "inconsistent-orientation",
        "non-manifold-edge", // edge (0, 1) is also on the face with the NaN vertex
        "unreferenced-vertex",
      ]),
    );
    const r = repairMesh(p, faces);
    expect(r.removed).toEqual({ invalidFaces: 2, degenerateFaces: 1, duplicateFaces: 1, unreferencedVertices: 2 });
    expect(r.mesh.numVertices).toBe(4);
    expect(Array.from(r.vertexMap)).toEqual([0, 1, 2, 3, -1, -1]);
    expect(Array.from(r.faceMap)).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.flipped)).toEqual([2]);
    expect(Array.from(r.mesh.faces)).toEqual(Array.from(t.faces));
    expect(validateMesh(r.mesh).ok).toBe(true);
    expect(r.orientable).toBe(true);
    expect(() => repairMesh(p, faces, { dropInvalid: false })).toThrow(ErlangenError);
    // a Mesh in, unchanged when clean
    const b = repairMesh(bunny());
    expect(b.removed).toEqual({ invalidFaces: 0, degenerateFaces: 0, duplicateFaces: 0, unreferencedVertices: 0 });
    expect(b.flipped).toHaveLength(0);
  });
});
