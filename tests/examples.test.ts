/**
 * Runs every example in examples/ with `{ small: true }` and checks its summary: training lowers the
 * loss, and the symmetry checks pass where the model is built to be equivariant (and fail where the
 * example breaks the symmetry on purpose).
 */
import { describe, expect, it } from "vitest";
import { isMain } from "../examples/common.js";
import { main as egnnNBody } from "../examples/egnn_nbody.js";
import { main as gcnCora } from "../examples/gcn_cora.js";
import { main as graphEquivariance } from "../examples/graph_equivariance.js";
import { main as lstmChrono } from "../examples/lstm_chrono.js";
import { main as meshBunny } from "../examples/mesh_bunny.js";
import { main as o3TensorProduct } from "../examples/o3_tensor_product.js";
import { main as p4cnn } from "../examples/p4cnn_rotated_mnist.js";
import { main as sphereRotate } from "../examples/sphere_rotate.js";

describe("examples (small runs)", () => {
  it("graphs: GCN on Cora lowers the loss and beats chance", () => {
    const s = gcnCora({ small: true });
    expect(s.nodes).toBe(2708);
    expect(s.losses.length).toBe(s.epochs);
    expect(s.losses.at(-1)!).toBeLessThan(s.losses[0]! - 0.2);
    expect(s.testAccuracy).toBeGreaterThan(0.5);
  });

  it("graphs: the checker passes equivariant layers and catches the node-id embedding", () => {
    const s = graphEquivariance({ small: true });
    const byName = Object.fromEntries(s.checks.map((c) => [c.name, c]));
    for (const name of ["GCNConv", "GATConv (2 heads)", "GraphSAGE (2 layers)", "GINGraphClassifier (sum readout)"]) {
      expect(byName[name]!.pass, name).toBe(true);
      expect(byName[name]!.maxRelError, name).toBeLessThan(1e-12);
    }
    expect(byName["GCNConv + node-id embedding"]!.pass).toBe(false);
    expect(byName["GCNConv + node-id embedding"]!.maxRelError).toBeGreaterThan(0.1);
    expect(s.firstFailingLayer).toBe("node-id embedding");
    expect(s.layerwise.map((l) => l.pass)).toEqual([true, true, false, false]);
  });

  it("grids: the p4 G-CNN trains and its logits are invariant to 90° rotations", () => {
    const s = p4cnn({ small: true });
    expect(s.epochLosses.at(-1)!).toBeLessThan(s.epochLosses[0]!);
    expect(s.testAccuracy).toBeGreaterThan(0.15);
    expect(s.invariant).toBe(true);
    expect(s.invarianceError).toBeLessThan(1e-5);
    expect(s.plainCnnInvarianceError).toBeGreaterThan(1e-3);
    expect(s.layers.every((l) => l.pass)).toBe(true);
  });

  it("groups: irreps, spherical harmonics and a tensor product are O(3)-equivariant; the fit converges", () => {
    const s = o3TensorProduct({ small: true });
    expect(s.irreps.dims).toEqual([10, 9, 21]);
    expect(s.paths).toBeGreaterThan(0);
    expect(s.sphericalHarmonicsError).toBeLessThan(1e-12);
    expect(s.tensorProductError).toBeLessThan(1e-12);
    expect(s.tensorProductErrorAfterTraining).toBeLessThan(1e-12);
    expect(s.lastLoss).toBeLessThan(0.2 * s.firstLoss);
    expect(s.pass).toBe(true);
  });

  it("groups: EGNN on N-body beats the baselines and is E(3)- and permutation-equivariant", () => {
    const s = egnnNBody({ small: true });
    expect(s.epochLosses.at(-1)!).toBeLessThan(s.epochLosses[0]!);
    expect(s.testMse).toBeLessThan(s.constantVelocityMse);
    expect(s.testMse).toBeLessThan(s.staticBaselineMse);
    expect(s.e3Error).toBeLessThan(1e-10);
    expect(s.permutationError).toBeLessThan(1e-10);
    expect(s.pass).toBe(true);
  });

  it("time: the chrono-initialised LSTM learns the warped recall task", () => {
    const s = lstmChrono({ small: true });
    expect(s.chrono.lastLoss).toBeLessThan(s.chrono.firstLoss);
    expect(s.chrono.testAccuracy).toBeGreaterThan(0.7);
  });

  it("spheres: a band-limited function's transform and rotation are exact; spherical convolutions commute with it", () => {
    const s = sphereRotate({ small: true });
    expect(s.L).toBe(12);
    expect(s.power.slice(9).every((p) => p < 1e-24)).toBe(true);
    expect(s.power[8]!).toBeGreaterThan(1e-10);
    expect(s.roundTripError).toBeLessThan(1e-12);
    expect(s.rotationError).toBeLessThan(1e-12);
    expect(s.zonalConvError).toBeLessThan(1e-12);
    expect(s.s2ConvolutionError).toBeLessThan(1e-12);
    expect(s.pictureBytes[0]).toBeGreaterThan(1000);
    expect(s.files).toEqual([]);
  });

  it("meshes: the bunny's eigenbasis, heat geodesics and SVG; a small DiffusionNet learns distance bands", () => {
    const s = meshBunny({ small: true });
    expect([s.vertices, s.faces]).toEqual([1839, 3674]);
    expect(Math.abs(s.firstEigenvalues[0]!)).toBeLessThan(1e-8); // closed mesh: λ_0 = 0
    expect(s.firstEigenvalues[1]!).toBeGreaterThan(0);
    expect(s.heatVsDijkstra).toBeLessThan(0.1);
    expect(s.svgPath).toBe(null);
    expect(s.svgBytes).toBeGreaterThan(50_000);
    expect(s.losses.at(-1)!).toBeLessThan(s.losses[0]!);
    expect(s.accuracy).toBeGreaterThan(0.3);
  });

  it("isMain is false when imported", () => {
    expect(isMain(import.meta.url)).toBe(false);
  });
});
