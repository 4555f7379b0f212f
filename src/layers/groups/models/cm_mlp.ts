/**
 * The classic invariant baseline for molecular energies: the sorted eigenvalues of the Coulomb
 * matrix (Rupp et al., PRL 2012; Montavon et al., NeurIPS 2012) fed to an MLP. The Coulomb matrix
 * `C_ii = ½ Z_i^2.4`, `C_ij = Z_i Z_j / ‖R_i − R_j‖` changes by a permutation similarity under atom
 * relabelling and not at all under rigid motions, so its spectrum is invariant to both.
 */

import { symEigDense } from "../../../domains/graph/eigen.js";
import { batchOrZeros, batchSize } from "../../../domains/graph/pool.js";
import { Module } from "../../../nn/module.js";
import { BatchNorm1d } from "../../../nn/normalization.js";
import { opError } from "../../../tensor/errors.js";
import type { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import { checkAtoms } from "./common.js";
import "../../../tensor/index.js";
import type { ActivationSpec } from "../../../nn/activation.js";
import { MLP } from "../../../nn/mlp.js";

/** Positions are converted from Å to bohr (atomic units, as in Rupp et al.) when `unit` is `angstrom`. */
const BOHR_PER_ANGSTROM = 1 / 0.52917721092;

/**
 * Sorted Coulomb-matrix eigenvalues of each molecule of a batch: `[numGraphs, size]` float64, in
 * decreasing order, zero-padded (molecules with more than `size` atoms keep the `size` largest).
 * Positions in Å by default (converted to bohr). `cache` (optional) keeps spectra by molecule content.
 */
export function coulombMatrixEigenvalues(
  z: Tensor,
  pos: Tensor,
  batch: Tensor | null,
  size: number,
  unit: "angstrom" | "bohr" = "angstrom",
  cache?: Map<string, Float64Array>,
): Tensor {
  if (!Number.isInteger(size) || size < 1)
    opError("coulombMatrixEigenvalues", "size", "a positive integer", String(size));
  const N = z.shape[0]!;
  const b = batchOrZeros(batch, N).data as Int32Array;
  const G = batchSize(pos, batch);
  const members: number[][] = Array.from({ length: G }, () => []);
  for (let i = 0; i < N; i++) members[b[i]!]!.push(i);
  const s = unit === "angstrom" ? BOHR_PER_ANGSTROM : 1;
  const out = new Float64Array(G * size);
  for (let g = 0; g < G; g++) {
    const at = members[g]!;
    const n = at.length;
    if (n === 0) continue;
    // the spectrum depends only on the molecule's content: reuse it across epochs when cached
    const key = cache
      ? `${size}|${unit}|${at.map((i) => `${z.data[i]},${pos.data[3 * i]},${pos.data[3 * i + 1]},${pos.data[3 * i + 2]}`).join(";")}`
      : "";
    const hit = cache?.get(key);
    if (hit) {
      out.set(hit, g * size);
      continue;
    }
    const C = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      const i = at[a]!;
      const zi = z.data[i]!;
      C[a * n + a] = 0.5 * zi ** 2.4;
      for (let c = a + 1; c < n; c++) {
        const j = at[c]!;
        const dx = pos.data[i * 3]! - pos.data[j * 3]!;
        const dy = pos.data[i * 3 + 1]! - pos.data[j * 3 + 1]!;
        const dz = pos.data[i * 3 + 2]! - pos.data[j * 3 + 2]!;
        const r = Math.hypot(dx, dy, dz) * s;
        const v = (zi * z.data[j]!) / Math.max(r, 1e-8);
        C[a * n + c] = v;
        C[c * n + a] = v;
      }
    }
    const ev = symEigDense(C, n).values; // ascending
    for (let k = 0; k < Math.min(n, size); k++) out[g * size + k] = ev[n - 1 - k]!;
    if (cache) {
      if (cache.size >= 200000) cache.clear();
      cache.set(key, out.slice(g * size, (g + 1) * size));
    }
  }
  return new Tensor(out, [G, size], "float64");
}

/** Options of {@link CoulombMLP}. */
export interface CoulombMLPOptions {
  /** Eigenvalues kept per molecule (default 23, the largest QM7 molecule). */
  size?: number;
  hiddenChannels?: number;
  numLayers?: number;
  numTargets?: number;
  /** Size of the atom-type table (only for input checks; default 100). */
  numSpecies?: number;
  act?: ActivationSpec;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/**
 * `forward(z, pos, batch?)` → `[numGraphs, numTargets]`: Coulomb-matrix eigenvalues, a BatchNorm
 * (no affine) to standardise them, and an MLP. Invariant to E(3) and to atom permutations.
 */
export class CoulombMLP extends Module<[Tensor, Tensor, (Tensor | null)?], Tensor> {
  readonly size: number;
  readonly numSpecies: number;
  norm: BatchNorm1d;
  mlp: MLP;
  /** Spectra of the molecules seen so far (keyed by content), so epochs after the first skip the eigensolver. */
  private readonly _cache = new Map<string, Float64Array>();

  constructor(opts: CoulombMLPOptions = {}) {
    super();
    this.size = opts.size ?? 23;
    this.numSpecies = opts.numSpecies ?? 100;
    const H = opts.hiddenChannels ?? 128;
    const L = Math.max(1, opts.numLayers ?? 3);
    this.norm = new BatchNorm1d(this.size, { affine: false, dtype: opts.dtype });
    this.mlp = new MLP([this.size, ...Array.from({ length: L - 1 }, () => H), opts.numTargets ?? 1], {
      act: opts.act ?? "silu",
      norm: null,
      dtype: opts.dtype,
      generator: opts.generator,
    });
  }

  forward(z: Tensor, pos: Tensor, batch: Tensor | null = null): Tensor {
    checkAtoms("CoulombMLP", z, pos, batch, this.numSpecies);
    const dtype = this.mlp.lins.at(0).weight.dtype;
    const feats = coulombMatrixEigenvalues(z, pos, batch, this.size, "angstrom", this._cache).cast(dtype);
    return this.mlp.forward(this.norm.forward(feats));
  }
}
