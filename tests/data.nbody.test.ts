import { describe, expect, it } from "vitest";
import { collateMolecules } from "../src/data/datasets/molecules.js";
import {
  fullyConnectedEdges,
  integrateNBody,
  nbodySplits,
  simulateNBody,
  simulateNBodyStates,
} from "../src/data/datasets/nbody.js";
import { Batch } from "../src/domains/graph/batch.js";
import { Generator, o3 } from "../src/index.js";

describe("N-body simulator", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = simulateNBodyStates({ numTrajectories: 3, burnIn: 50, steps: 40, seed: 7 });
    const b = simulateNBodyStates({ numTrajectories: 3, burnIn: 50, steps: 40, seed: 7 });
    const c = simulateNBodyStates({ numTrajectories: 3, burnIn: 50, steps: 40, seed: 8 });
    expect(a).toEqual(b);
    expect(a[0]!.target).not.toEqual(c[0]!.target);
    for (const s of a) for (const q of s.charges) expect(Math.abs(q)).toBe(1);
  });

  it("starts from velocities of norm 0.5 and conserves momentum and (nearly) energy", () => {
    const [s] = simulateNBodyStates({ numTrajectories: 1, burnIn: 0, steps: 0, seed: 1 });
    for (let i = 0; i < 5; i++)
      expect(Math.hypot(s!.vel[3 * i]!, s!.vel[3 * i + 1]!, s!.vel[3 * i + 2]!)).toBeCloseTo(0.5, 12);
    const energy = (x: Float64Array, v: Float64Array, q: Float64Array) => {
      let e = 0;
      for (let i = 0; i < 5; i++) {
        e += 0.5 * (v[3 * i]! ** 2 + v[3 * i + 1]! ** 2 + v[3 * i + 2]! ** 2);
        for (let j = i + 1; j < 5; j++)
          e +=
            (q[i]! * q[j]!) /
            Math.hypot(x[3 * i]! - x[3 * j]!, x[3 * i + 1]! - x[3 * j + 1]!, x[3 * i + 2]! - x[3 * j + 2]!);
      }
      return e;
    };
    // a gentle system (no force clipping): leapfrog conserves energy to O(dt²)
    const [t] = simulateNBodyStates({ numTrajectories: 1, burnIn: 0, steps: 0, seed: 3, locStd: 2 });
    const [u] = simulateNBodyStates({ numTrajectories: 1, burnIn: 500, steps: 0, seed: 3, locStd: 2 });
    expect(Math.abs(energy(u!.loc, u!.vel, u!.charges) - energy(t!.loc, t!.vel, t!.charges))).toBeLessThan(1e-3);
    const p0 = [0, 1, 2].map((c) => [0, 1, 2, 3, 4].reduce((a, i) => a + t!.vel[3 * i + c]!, 0));
    const p1 = [0, 1, 2].map((c) => [0, 1, 2, 3, 4].reduce((a, i) => a + u!.vel[3 * i + c]!, 0));
    for (let c = 0; c < 3; c++) expect(p1[c]).toBeCloseTo(p0[c]!, 9);
  });

  it("is E(3)-equivariant: rotating/reflecting and shifting the start moves the end state alike", () => {
    const [s] = simulateNBodyStates({ numTrajectories: 1, burnIn: 0, steps: 0, seed: 4, locStd: 1.5 });
    const g = new Generator(5);
    const R = Float64Array.from(o3.randRotation(g), (v) => -v); // improper: a rotation times −1
    const t = [0.3, -1.2, 2];
    const act = (x: Float64Array, shift: boolean) => {
      const out = new Float64Array(x.length);
      for (let i = 0; i < x.length / 3; i++)
        for (let a = 0; a < 3; a++)
          out[3 * i + a] =
            R[a * 3]! * x[3 * i]! + R[a * 3 + 1]! * x[3 * i + 1]! + R[a * 3 + 2]! * x[3 * i + 2]! + (shift ? t[a]! : 0);
      return out;
    };
    const end = integrateNBody(s!.loc, s!.vel, s!.charges, 400);
    const endMoved = integrateNBody(act(s!.loc, true), act(s!.vel, false), s!.charges, 400);
    const want = act(end.loc, true);
    for (let i = 0; i < 15; i++) expect(endMoved.loc[i]).toBeCloseTo(want[i]!, 9);
    expect(end.loc.some((v, i) => Math.abs(v - s!.loc[i]!) > 1e-2)).toBe(true);
  });

  it("builds batched graphs with fully connected edges", () => {
    const graphs = simulateNBody({ numTrajectories: 4, burnIn: 10, steps: 10, seed: 0 });
    expect(graphs[0]!.numEdges).toBe(20);
    expect(fullyConnectedEdges(3).toArray()).toEqual([
      [1, 2, 0, 2, 0, 1],
      [0, 0, 1, 1, 2, 2],
    ]);
    const b = Batch.fromGraphs(graphs);
    expect(b.get("y")!.shape).toEqual([20, 3]);
    expect(b.get("charges")!.shape).toEqual([20]);
    expect(b.edgeIndex.shape).toEqual([2, 80]);
    expect(collateMolecules(graphs).numGraphs).toBe(4);
    const sp = nbodySplits({ numTrain: 3, numVal: 2, numTest: 2, burnIn: 5, steps: 5 });
    expect([sp.train.length, sp.val.length, sp.test.length]).toEqual([3, 2, 2]);
    expect(() => simulateNBody({ numTrajectories: 1, numParticles: 1 })).toThrow(
      /simulateNBody: argument 'numParticles' expected an integer >= 2, got 1/,
    );
  });
});
