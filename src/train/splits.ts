/**
 * Seeded data splits for evaluation protocols: stratified K-fold cross-validation with an inner
 * validation hold-out (as in Errica et al. 2020).
 */
import { opError } from "../tensor/errors.js";
import { Generator } from "../tensor/rng.js";

/** Index sets of one fold (sorted ascending). */
export interface FoldSplit {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

function labelGroups(labels: ArrayLike<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    let g = groups.get(y);
    if (g === undefined) groups.set(y, (g = []));
    g.push(i);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * Assigns each sample to one of `k` parts so that every class is spread evenly over the parts
 * (class members are shuffled, then dealt round-robin starting where the previous class stopped).
 */
function stratifiedParts(labels: ArrayLike<number>, k: number, generator: Generator): Int32Array {
  if (!Number.isInteger(k) || k < 1) opError("stratifiedParts", "k", "a positive integer", String(k));
  const part = new Int32Array(labels.length);
  let next = 0;
  for (const members of labelGroups(labels).values()) {
    generator.shuffle(members);
    for (const i of members) {
      part[i] = next;
      next = (next + 1) % k;
    }
  }
  return part;
}

const sorted = (a: number[]): Int32Array => Int32Array.from(a).sort();

/**
 * Stratified K-fold cross-validation with a validation hold-out (the protocol of Errica et al. 2020 for
 * graph classification): fold `f` tests on part `f`; the remaining samples are split
 * again, stratified, into training and a validation hold-out of about `valFraction` (default 0.1)
 * for model selection. Same `seed`, same folds.
 */
export function crossValidationSplits(
  labels: ArrayLike<number>,
  k: number,
  opts: { seed?: number; valFraction?: number } = {},
): FoldSplit[] {
  if (!Number.isInteger(k) || k < 2) opError("crossValidationSplits", "k", "an integer >= 2", String(k));
  if (labels.length < k) opError("crossValidationSplits", "labels", `at least k = ${k} samples`, String(labels.length));
  const valFraction = opts.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1))
    opError("crossValidationSplits", "valFraction", "a number in [0, 1)", String(valFraction));
  const gen = new Generator(opts.seed ?? 0);
  const part = stratifiedParts(labels, k, gen);
  const folds: FoldSplit[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [];
    const rest: number[] = [];
    for (let i = 0; i < labels.length; i++) (part[i] === f ? test : rest).push(i);
    const train: number[] = [];
    const val: number[] = [];
    if (valFraction > 0) {
      // per class, hold out round(valFraction · count) samples (at least one when the class has two or more)
      const restLabels = rest.map((i) => labels[i]!);
      for (const members of labelGroups(restLabels).values()) {
        gen.shuffle(members);
        let nVal = Math.round(valFraction * members.length);
        if (nVal === 0 && members.length >= 2) nVal = 1;
        members.forEach((m, j) => {
          (j < nVal ? val : train).push(rest[m]!);
        });
      }
    } else train.push(...rest);
    folds.push({ train: sorted(train), val: sorted(val), test: sorted(test) });
  }
  return folds;
}
