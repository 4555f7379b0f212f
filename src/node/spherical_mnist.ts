/**
 * Node loader of spherical MNIST (`erlangen/node`): the shipped MNIST split (`loadMNIST`) projected
 * onto the sphere by s2cnn's recipe (`SphericalMNIST` in `data/datasets/spherical_mnist.ts`), generated
 * on the fly (a few seconds for 10k digits) and kept in memory: the same request returns the same
 * dataset object for the life of the process.
 */
import { SphericalMNIST, type SphericalMNISTOptions } from "../data/datasets/spherical_mnist.js";
import { opError } from "../tensor/errors.js";
import type { DatasetRootOptions } from "./datasets.js";
import { loadMNIST, type MNISTSplit } from "./images.js";

/** Options of {@link loadSphericalMNIST}. */
export interface LoadSphericalMNISTOptions extends DatasetRootOptions {
  /** Grid resolution b (2b × 2b Driscoll–Healy grid; default 16). */
  bandwidth?: number;
  /** Rotate each digit by its own random rotation (default false). */
  rotate?: boolean;
  /** Seed of the shuffle and the rotations (default 0). */
  seed?: number;
  /** Keep the first N digits of the seeded shuffle. */
  limit?: number;
  /** Anti-aliased projection: project on the k-times finer grid and keep degrees l < b (default 1: off). */
  antialias?: number;
}

const cache = new Map<string, SphericalMNIST>();

/**
 * The shipped MNIST `split` (10,000 training or test digits) projected onto the sphere: signals
 * [N, 1, 2b, 2b] shuffled with `seed` (the training digits are stored grouped by class), cut to
 * `limit`, each rotated by its own uniformly random rotation when `rotate` is set. Cached in memory.
 *
 * ```ts
 * const test = loadSphericalMNIST("test", { rotate: true, seed: 2 }); // the R test set
 * ```
 */
export function loadSphericalMNIST(split: MNISTSplit, opts: LoadSphericalMNISTOptions = {}): SphericalMNIST {
  if (split !== "train" && split !== "test") opError("loadSphericalMNIST", "split", "'train' or 'test'", String(split));
  const { root, ...rest } = opts;
  const o: SphericalMNISTOptions = {
    bandwidth: rest.bandwidth ?? 16,
    rotate: rest.rotate ?? false,
    seed: rest.seed ?? 0,
    limit: rest.limit,
    shuffle: true,
    antialias: rest.antialias ?? 1,
  };
  const key = JSON.stringify([split, root ?? null, o.bandwidth, o.rotate, o.seed, o.limit ?? null, o.antialias]);
  let ds = cache.get(key);
  if (ds === undefined) {
    ds = new SphericalMNIST(loadMNIST(split, { root }), o);
    cache.set(key, ds);
  }
  return ds;
}
