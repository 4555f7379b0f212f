/**
 * Pseudo-coordinate transforms (PyG's names): the relative position of the two ends of every edge as
 * edge attributes, the inputs of `GMMConv` and other MoNet-style layers. `Cartesian` stores
 * (p_j − p_i)/(2m) + ½ (m the largest absolute component) and `Polar` (ρ/ρ_max, θ/2π) of p_i − p_j for
 * 2-D positions; see `domains/mesh/pseudo_coords.ts` for the formulas and for the intrinsic version on
 * a mesh (`localPolarPseudoCoords`).
 */
import type { Graph } from "../../domains/graph/graph.js";
import {
  cartesianPseudoCoords,
  type PseudoCoordsOptions,
  polarPseudoCoords,
} from "../../domains/mesh/pseudo_coords.js";
import { opError } from "../../tensor/errors.js";
import { concat } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { BaseTransform } from "./base.js";

/** Options of {@link Cartesian} and {@link Polar}. */
export interface PseudoTransformOptions {
  /** Map to [0, 1] (default true). */
  norm?: boolean;
  /** Normalise by this value instead of the largest one found (default: the largest). */
  maxValue?: number | null;
  /** Append to existing edge attributes instead of replacing them (default true). */
  cat?: boolean;
}

function attach(op: string, graph: Graph, make: (pos: Tensor, g: Graph) => Tensor, cat: boolean): Graph {
  const pos = graph.pos;
  if (pos === null) return opError(op, "graph.pos", "node positions [N, d]", "none");
  const g = graph.clone();
  let pseudo = make(pos, g);
  const old = g.edgeAttr;
  if (cat && old !== null) {
    const o = old.ndim === 1 ? old.reshape([old.shape[0]!, 1]) : old;
    pseudo = concat([o, pseudo.cast(o.dtype)], 1);
  }
  g.edgeAttr = pseudo;
  return g;
}

/** PyG's `Cartesian`: relative Cartesian coordinates of linked nodes as edge attributes. */
export class Cartesian extends BaseTransform {
  constructor(readonly opts: PseudoTransformOptions = {}) {
    super();
  }

  forward(graph: Graph): Graph {
    const o: PseudoCoordsOptions = { norm: this.opts.norm, maxValue: this.opts.maxValue };
    return attach(
      "Cartesian",
      graph,
      (pos, g) =>
        cartesianPseudoCoords(pos.data, pos.shape[1] ?? 1, g.edgeIndex, {
          ...o,
          dtype: pos.dtype === "float64" ? "float64" : "float32",
        }),
      this.opts.cat ?? true,
    );
  }

  override toString(): string {
    return `Cartesian(norm=${this.opts.norm ?? true}, maxValue=${this.opts.maxValue ?? null})`;
  }
}

/** PyG's `Polar`: polar coordinates of linked nodes (2-D positions) as edge attributes. */
export class Polar extends BaseTransform {
  constructor(readonly opts: PseudoTransformOptions = {}) {
    super();
  }

  forward(graph: Graph): Graph {
    const o: PseudoCoordsOptions = { norm: this.opts.norm, maxValue: this.opts.maxValue };
    return attach(
      "Polar",
      graph,
      (pos, g) => {
        if (pos.ndim !== 2 || pos.shape[1] !== 2)
          opError("Polar", "graph.pos", "2-D positions [N, 2]", `[${pos.shape.join(", ")}]`);
        return polarPseudoCoords(pos.data, g.edgeIndex, {
          ...o,
          dtype: pos.dtype === "float64" ? "float64" : "float32",
        });
      },
      this.opts.cat ?? true,
    );
  }

  override toString(): string {
    return `Polar(norm=${this.opts.norm ?? true}, maxValue=${this.opts.maxValue ?? null})`;
  }
}
