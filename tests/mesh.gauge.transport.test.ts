import { describe, expect, it } from "vitest";
import {
  intrinsicConnection,
  logMapFromNeighbours,
  Mesh,
  meshGauge,
  oneRingLogMap,
  pointGauge,
  tangentFrames,
  vertexAngleDefects,
  vertexTangentSpaces,
  wrapAngle,
} from "../src/domains/mesh/index.js";
import { cube, flatDisc, icosphere, torus } from "./helpers/gauge_shapes.js";

/** g_{q→p} looked up by (q, p) in a bundle. */
function transportTable(g: { edgeIndex: { data: ArrayLike<number> }; transport: Float64Array }) {
  const E = g.transport.length;
  const m = new Map<string, number>();
  for (let e = 0; e < E; e++) m.set(`${g.edgeIndex.data[e]}>${g.edgeIndex.data[E + e]}`, g.transport[e]!);
  return (q: number, p: number) => {
    const t = m.get(`${q}>${p}`);
    if (t === undefined) throw new Error(`no edge ${q}→${p}`);
    return t;
  };
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** Angle of each vertex's x-axis in the global xy-plane. */
function frameAngles(m: Mesh): Float64Array {
  const f = tangentFrames(m);
  return Float64Array.from({ length: m.numVertices }, (_, v) => Math.atan2(f.xAxes[3 * v + 1]!, f.xAxes[3 * v]!));
}

describe("discrete connection and log map", () => {
  it("is the identity in a common global frame on a flat disc (both versions)", () => {
    const m = flatDisc(6, 0.3);
    const beta = frameAngles(m);
    for (const method of ["intrinsic", "extrinsic"] as const) {
      const g = meshGauge(m, { method });
      const E = g.theta.length;
      let err = 0;
      for (let e = 0; e < E; e++) {
        const q = g.edgeIndex.data[e]!;
        const p = g.edgeIndex.data[E + e]!;
        // identity in the global frame: local coordinates change by the frames' angle difference
        err = Math.max(err, Math.abs(wrapAngle(g.transport[e]! - (beta[q]! - beta[p]!))));
        // the log map's angle is the global direction of q − p, read in p's frame
        const psi = Math.atan2(
          m.positions[3 * q + 1]! - m.positions[3 * p + 1]!,
          m.positions[3 * q]! - m.positions[3 * p]!,
        );
        err = Math.max(err, Math.abs(wrapAngle(g.theta[e]! - (psi - beta[p]!))));
        const r = Math.hypot(
          m.positions[3 * q]! - m.positions[3 * p]!,
          m.positions[3 * q + 1]! - m.positions[3 * p + 1]!,
        );
        err = Math.max(err, Math.abs(g.radius[e]! - r));
      }
      expect(err).toBeLessThan(1e-12);
    }
  });

  it("satisfies Gauss–Bonnet: the angle defects sum to 2πχ", () => {
    for (const [m, chi] of [
      [icosphere(2), 2],
      [torus(), 0],
      [flatDisc(), 1],
      [cube(3), 2],
    ] as const) {
      expect(m.eulerCharacteristic()).toBe(chi);
      expect(Math.abs(sum(vertexAngleDefects(m)) - 2 * Math.PI * chi)).toBeLessThan(1e-10);
    }
  });

  it("has holonomy Σ α(s − 1) around every face, summing to 2πχ (intrinsic)", () => {
    for (const [m, chi] of [
      [icosphere(2), 2],
      [torus(), 0],
      [cube(2), 2],
    ] as const) {
      const g = meshGauge(m);
      const tr = transportTable(g);
      const ts = vertexTangentSpaces(m);
      let total = 0;
      let err = 0;
      for (let f = 0; f < m.numFaces; f++) {
        const [a, b, c] = [m.faces[3 * f]!, m.faces[3 * f + 1]!, m.faces[3 * f + 2]!];
        const hol = wrapAngle(tr(a, b) + tr(b, c) + tr(c, a));
        let expected = 0;
        for (const [v, x, y] of [
          [a, b, c],
          [b, c, a],
          [c, a, b],
        ] as const) {
          const u = [0, 1, 2].map((d) => m.positions[3 * x + d]! - m.positions[3 * v + d]!);
          const w = [0, 1, 2].map((d) => m.positions[3 * y + d]! - m.positions[3 * v + d]!);
          const cr = Math.hypot(
            u[1]! * w[2]! - u[2]! * w[1]!,
            u[2]! * w[0]! - u[0]! * w[2]!,
            u[0]! * w[1]! - u[1]! * w[0]!,
          );
          const alpha = Math.atan2(cr, u[0]! * w[0]! + u[1]! * w[1]! + u[2]! * w[2]!);
          expected += alpha * (ts.scales[v]! - 1);
        }
        err = Math.max(err, Math.abs(hol - expected));
        total += hol;
      }
      expect(err).toBeLessThan(1e-12);
      expect(Math.abs(total - 2 * Math.PI * chi)).toBeLessThan(1e-10);
    }
  });

  it("has one-ring holonomy equal to the angle defect where the neighbours are flat (cube corners)", () => {
    const m = cube(3);
    const g = meshGauge(m);
    const tr = transportTable(g);
    const ts = vertexTangentSpaces(m);
    const defects = vertexAngleDefects(m);
    let corners = 0;
    let err = 0;
    for (let v = 0; v < m.numVertices; v++) {
      const ring = ts.indices.subarray(ts.offsets[v]!, ts.offsets[v + 1]!);
      const flatNeighbours = Array.from(ring).every((q) => Math.abs(defects[q]!) < 1e-12);
      if (!flatNeighbours) continue;
      let hol = 0;
      for (let i = 0; i < ring.length; i++) hol += tr(ring[i]!, ring[(i + 1) % ring.length]!);
      err = Math.max(err, Math.abs(wrapAngle(hol) - defects[v]!));
      if (Math.abs(defects[v]! - Math.PI / 2) < 1e-12) corners++;
    }
    expect(corners).toBe(8);
    expect(err).toBeLessThan(1e-12);
  });

  it("is antisymmetric, g_{p→q} = −g_{q→p}, in both versions", () => {
    for (const method of ["intrinsic", "extrinsic"] as const) {
      const g = meshGauge(icosphere(1), { method });
      const tr = transportTable(g);
      const E = g.theta.length;
      for (let e = 0; e < E; e++) {
        const q = g.edgeIndex.data[e]!;
        const p = g.edgeIndex.data[E + e]!;
        expect(Math.abs(wrapAngle(tr(q, p) + tr(p, q)))).toBeLessThan(1e-12);
      }
    }
  });

  it("agrees between the intrinsic and projected log maps to first order on the sphere", () => {
    const m = icosphere(3);
    const intr = oneRingLogMap(m);
    const extr = oneRingLogMap(m, { method: "extrinsic", frames: tangentFrames(m) });
    let err = 0;
    for (let i = 0; i < intr.theta.length; i++)
      err = Math.max(err, Math.abs(wrapAngle(intr.theta[i]! - extr.theta[i]!)));
    // 642 vertices: the one-rings are nearly flat
    expect(err).toBeLessThan(0.05);
    expect(Array.from(intr.radius)).toEqual(Array.from(extr.radius));
    // the reference neighbour is at angle 0 in both
    for (let v = 0; v < m.numVertices; v++) expect(Math.abs(extr.theta[intr.offsets[v]!]!)).toBeLessThan(1e-12);
  });

  it("rebuilds the extrinsic bundle from positions, normals and the edge index", () => {
    const m = torus();
    const a = meshGauge(m, { method: "extrinsic" });
    const b = pointGauge(m.positions, m.vertexNormals(), a.edgeIndex);
    expect(Array.from(b.theta)).toEqual(Array.from(a.theta));
    expect(Array.from(b.transport)).toEqual(Array.from(a.transport));
    // and the arbitrary-neighbour log map matches the one-ring one
    const ts = vertexTangentSpaces(m);
    const lm = logMapFromNeighbours(m.positions, tangentFrames(m), { offsets: ts.offsets, indices: ts.indices });
    expect(Array.from(lm.theta)).toEqual(Array.from(a.theta));
    expect(intrinsicConnection(m).source.length).toBe(2 * m.numEdges);
  });

  it("runs on non-manifold meshes: every edge in both directions, fans one after the other", () => {
    // two triangle fans sharing only vertex 0 (a bow tie): 0 is non-manifold
    const m = new Mesh([0, 0, 0, 1, 0, 0, 1, 1, 0, -1, 0, 0, -1, -1, 0], [0, 1, 2, 0, 3, 4]);
    for (const method of ["intrinsic", "extrinsic"] as const) {
      const g = meshGauge(m, { method });
      expect(g.theta.length).toBe(2 * m.numEdges);
      expect(g.theta.every(Number.isFinite) && g.transport.every(Number.isFinite)).toBe(true);
    }
    const ts = vertexTangentSpaces(m);
    expect(ts.boundary[0]).toBe(1);
    expect(ts.angleSums[0]).toBeCloseTo(Math.PI / 2, 12);
  });
});
