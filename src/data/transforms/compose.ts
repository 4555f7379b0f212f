/** Chains transforms. */
import type { Graph } from "../../domains/graph/graph.js";
import { applyTransform, BaseTransform, type TransformLike } from "./base.js";

/** Applies the given transforms in order (PyG's `Compose`). */
export class Compose extends BaseTransform {
  readonly transforms: readonly TransformLike[];

  constructor(transforms: readonly TransformLike[]) {
    super();
    this.transforms = [...transforms];
  }

  forward(graph: Graph): Graph {
    let g = graph;
    for (const t of this.transforms) g = applyTransform(t, g);
    return g;
  }

  override toString(): string {
    return `Compose([${this.transforms.map((t) => (typeof t === "function" ? t.name || "fn" : String(t))).join(", ")}])`;
  }
}
