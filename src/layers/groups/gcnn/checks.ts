/**
 * Equivariance checks of the grid models (in the `ModelCheck` form of the atomistic models, for the
 * checker and `erlangen check`): rotation (and flip) invariance of the logits of rotated-MNIST
 * classifiers, on smooth sample images supported in the inscribed disk (so that interpolated
 * rotations lose nothing at the border).
 */

import type { Module } from "../../../nn/module.js";
import type { Action } from "../../../symmetry/actions.js";
import type { Group } from "../../../symmetry/group.js";
import { Cn, Dn } from "../../../symmetry/groups.js";
import { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import type { ModelCheck } from "../models/checks.js";
import { planarGridAction } from "../steerable/planar.js";
import { gcnnAction, pointElements } from "./group.js";

/** A grid-model check with its own tolerance and elements. */
export interface GridModelCheck extends ModelCheck<Tensor, Tensor> {
  /** Relative tolerance of the check (1e-4 for exact symmetries; larger for interpolated ones). */
  rtol: number;
  /** Elements to test (default: all of a finite group). */
  elements?: unknown[];
  /**
   * Whether the model is built to have this symmetry exactly (false for baselines and for
   * interpolated rotations: those rows report the measured error).
   */
  expected: boolean;
}

/**
 * `count` smooth images [count, channels, size, size]: sums of random Gaussian blobs (widths of 1.5–3
 * pixels, like pen strokes) faded to zero outside the inscribed disk.
 */
export function sampleImages(
  opts: { count?: number; size?: number; channels?: number; seed?: number; dtype?: "float32" | "float64" } = {},
): Tensor {
  const n = opts.size ?? 28;
  const B = opts.count ?? 2;
  const C = opts.channels ?? 1;
  const g = new Generator(opts.seed ?? 0);
  const data = opts.dtype === "float64" ? new Float64Array(B * C * n * n) : new Float32Array(B * C * n * n);
  const c = (n - 1) / 2;
  for (let b = 0; b < B * C; b++) {
    const blobs = Array.from({ length: 6 }, () => ({
      x: g.uniform(-c / 2, c / 2),
      y: g.uniform(-c / 2, c / 2),
      s: g.uniform(4, 16),
      a: g.uniform(0.3, 1),
    }));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = j - c;
        const y = c - i;
        let v = 0;
        for (const bl of blobs) v += bl.a * Math.exp(-((x - bl.x) ** 2 + (y - bl.y) ** 2) / bl.s);
        data[b * n * n + i * n + j] = Math.min(1, v) * Math.max(0, 1 - (Math.hypot(x, y) / c) ** 6);
      }
    }
  }
  return new Tensor(data, [B, C, n, n]);
}

/** Checks of a rotated-MNIST classifier (invariant logits [B, classes]); run the model in eval mode. */
export function gridModelChecks(
  name: string,
  model: Module,
  group: Group<unknown>,
  opts: { expected?: boolean; input?: Tensor } = {},
): GridModelCheck[] {
  const input = opts.input ?? sampleImages();
  const fn = (x: Tensor) => model.forward(x) as Tensor;
  const expected = opts.expected ?? true;
  const g = group as unknown as { name: string; order: number; n?: number };
  const checks: GridModelCheck[] = [];
  if (g.name === "p4" || g.name === "p4m" || g.name === "C4" || g.name === "D4") {
    checks.push({
      name: `${name}: invariance to ${g.name.endsWith("m") || g.name.startsWith("D") ? "90° rotations and flips" : "90° rotations"}`,
      group,
      inputAction: gcnnAction(group) as Action<unknown, Tensor>,
      input,
      fn,
      rtol: 1e-4,
      elements: pointElements(group),
      expected,
    });
    return checks;
  }
  // a finite rotation group with N ∤ 4 (e.g. C8): the 90° subgroup is exact, the rest interpolated
  const N = g.n ?? 0;
  const dihedral = g.name.startsWith("D");
  if (N % 4 === 0) {
    const sub = (dihedral ? Dn(4) : Cn(4)) as Group<unknown>;
    checks.push({
      name: `${name}: invariance to 90° rotations${dihedral ? " and flips" : ""} (exact subgroup)`,
      group: sub,
      inputAction: planarGridAction(sub) as Action<unknown, Tensor>,
      input,
      fn,
      rtol: 1e-4,
      expected,
    });
  }
  checks.push({
    name: `${name}: invariance to all of ${g.name} (interpolated rotations)`,
    group,
    inputAction: planarGridAction(group) as Action<unknown, Tensor>,
    input,
    fn,
    rtol: 0.1,
    // approximate by construction: reported, never a failure
    expected: false,
  });
  return checks;
}
