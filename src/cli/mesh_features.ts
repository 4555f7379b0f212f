/**
 * Input features of the mesh datasets of `erlangen train` (`--features`): `hks` (default; heat kernel
 * signatures at 16 times log-spaced in [0.01, 1] from 128 eigenpairs of the normalised mesh, DiffusionNet's
 * input) and `xyz` (normalised positions, randomly rotated in training).
 */
import { hksFeatures, type MeshFeatures, xyzFeatures } from "../train/meshes.js";

const kinds = new Map<string, () => MeshFeatures>([
  ["hks", () => hksFeatures({ count: 16, k: 128 })],
  ["xyz", () => xyzFeatures({ augment: true })],
]);

/** Names of the available feature kinds. */
export function meshFeatureKinds(): string[] {
  return [...kinds.keys()];
}

/** The default features: `hks` when available, else `xyz`. */
export function defaultMeshFeatures(): string {
  return kinds.has("hks") ? "hks" : "xyz";
}

/** The features named `kind` (see {@link meshFeatureKinds}). */
export function meshFeatures(kind: string): MeshFeatures {
  const make = kinds.get(kind);
  if (make === undefined) throw new Error(`unknown mesh features '${kind}' (valid: ${meshFeatureKinds().join(", ")})`);
  return make();
}
