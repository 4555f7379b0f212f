/** The transform protocol: a function or an object with `forward(graph)` returning a new graph. */
import type { Graph } from "../../domains/graph/graph.js";

/** A transform as a plain function. */
export type TransformFn = (graph: Graph) => Graph;

/** A transform as an object (the classes in `data/transforms`). */
export interface Transform {
  /** Returns the transformed graph; the input graph is left unchanged. */
  forward(graph: Graph): Graph;
}

/** Either form of transform. */
export type TransformLike = Transform | TransformFn;

/** Applies `t` to `graph`. */
export function applyTransform(t: TransformLike, graph: Graph): Graph {
  return typeof t === "function" ? t(graph) : t.forward(graph);
}

/**
 * Base class of the shipped transforms. Subclasses implement {@link BaseTransform.forward}; the input
 * graph is never modified (a shallow copy with replaced attributes is returned).
 */
export abstract class BaseTransform implements Transform {
  abstract forward(graph: Graph): Graph;

  /** This transform as a plain function. */
  get fn(): TransformFn {
    return (g) => this.forward(g);
  }

  toString(): string {
    return `${this.constructor.name}()`;
  }
}
