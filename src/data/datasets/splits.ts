/** Seeded dataset splits. */
import { opError } from "../../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";

/** One fold of a k-fold split (0-based item indices, ascending). */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Stratified k-fold split (like scikit-learn's `StratifiedKFold(shuffle=True)`): the items of each
 * class are shuffled with `generator` and dealt round-robin over the k folds (continuing across
 * classes), so every fold gets about `1/k` of each class. Fold `i` tests on its own items and trains
 * on the rest. `labels` are class ids (int tensor or numbers).
 */
export function stratifiedKFold(
  labels: Tensor | ArrayLike<number>,
  k = 10,
  generator: Generator = getDefaultGenerator(),
): Fold[] {
  const op = "stratifiedKFold";
  const y = labels instanceof Tensor ? labels.data : labels;
  const n = y.length;
  if (!Number.isInteger(k) || k < 2 || k > n) opError(op, "k", `an integer in [2, ${n}] (number of items)`, String(k));
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (!Number.isInteger(c)) opError(op, "labels", "integer class ids", `${c} at position ${i}`);
    let l = byClass.get(c);
    if (l === undefined) byClass.set(c, (l = []));
    l.push(i);
  }
  const foldOf = new Int32Array(n);
  let next = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const items = generator.shuffle(byClass.get(c)!) as number[];
    for (const i of items) {
      foldOf[i] = next;
      next = (next + 1) % k;
    }
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}
