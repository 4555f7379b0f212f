/**
 * Input features of the mesh datasets of `erlangen train` (`--features`): `xyz` (normalised positions,
 * randomly rotated in training) and, where the spectral operators are available, `hks` (heat kernel
 * signatures, DiffusionNet's default input).
 */
import { type MeshFeatures, xyzFeatures } from "../train/meshes.js";

const kinds = new Map<string, () => MeshFeatures>([["xyz", () => xyzFeatures({ augment: true })]]);

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
