/**
 * The autograd tape. Each op that produces a tensor from inputs that require gradients records a
 * {@link GradFn} on the output; `backward()` walks the graph in reverse topological order. Backward
 * functions are written with tensor ops themselves (run with gradient recording off), so every
 * gradient is checked by {@link gradcheck} like any other op.
 */

import { binary } from "../kernels/registry.js";
import { recycleArray, withReusePool } from "./dtype.js";
import { ErlangenError, fmtShape } from "./errors.js";
import type { Tensor } from "./tensor.js";

/** A recorded op: its inputs and how to map the output gradient to input gradients. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /**
   * Returns one gradient per input (null where the input needs none), shaped like that input.
   * `gradOwned` is true when nothing but this call holds `grad` (a gradient the backward pass
   * allocated, see {@link freshGrad}): the function may then overwrite its storage.
   */
  backward(grad: Tensor, gradOwned?: boolean): readonly (Tensor | null | undefined)[];
  /**
   * True when `backward` keeps no reference to its `grad` (nor to a view of it) once it has returned,
   * other than in the gradients it returns: an owned gradient's storage is then reused for later
   * gradients of the pass (see {@link RecordOptions.releasesGrad}).
   */
  readonly releasesGrad?: boolean;
}

/** Options of {@link record}. */
export interface RecordOptions {
  /**
   * The backward function keeps no reference to its gradient (nor to a view of it) after it returns,
   * except inside the gradients it returns: when the backward pass owns that gradient and none of the
   * returned gradients shares its storage, the storage is handed to later allocations of the pass
   * (hot in the cache, and no new memory for the garbage collector to reclaim). Default false.
   */
  releasesGrad?: boolean;
}

/** Gradients that a backward function allocated itself and handed over without keeping a reference. */
const freshGrads = new WeakSet<Tensor>();

/**
 * Marks `g`, an input gradient that a backward function has just allocated (not a view of its output
 * gradient, not kept anywhere else), as the backward pass's own: when it is the only gradient of its
 * input so far, later gradients of that input are added into it in place, and the input's backward
 * function receives it with `gradOwned` true. Returns `g`.
 */
export function freshGrad(g: Tensor): Tensor {
  freshGrads.add(g);
  return g;
}

let gradEnabled = true;

/** Whether ops currently record gradients. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with gradient recording off (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with gradient recording on, even inside {@link noGrad}. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Records `out` as the result of op `name` on `inputs`. If recording is on and any input requires a
 * gradient, `out.requiresGrad` becomes true and `backward` is kept. Returns `out`.
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  out: Tensor,
  backward: (grad: Tensor, gradOwned?: boolean) => readonly (Tensor | null | undefined)[],
  opts?: RecordOptions,
): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.gradFn =
    opts?.releasesGrad === true ? { name, inputs, backward, releasesGrad: true } : { name, inputs, backward };
  return out;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i]!;
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * `acc + g`. When `owned` holds `acc` (a sum this backward pass allocated and has not handed to any
 * backward function or leaf yet), it is updated in place; otherwise a new sum is allocated and
 * registered in `owned`.
 */
function addInto(acc: Tensor, g: Tensor, owned: Set<Tensor>): Tensor {
  const out = owned.has(acc) ? acc : acc.clone(); // recording is off during backward: a plain copy
  const a = out.data;
  const b = g.data;
  if (a instanceof Float32Array && b instanceof Float32Array) {
    // in place through the elementwise kernel (SIMD for large gradients)
    binary("add", a, b, a, [a.length], [1], [1]);
  } else {
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  }
  owned.add(out);
  return out;
}

/**
 * Whether `gx` is a fresh gradient (see {@link freshGrad}) whose storage no other entry of `inGrads`
 * shares; clears its mark.
 */
function takeFresh(gx: Tensor, inGrads: readonly (Tensor | null | undefined)[], i: number): boolean {
  return freshGrads.delete(gx) && !sharesStorage(inGrads, gx, i);
}

/** Whether any of `grads` (but the one at index `skip`) shares the storage of `g`. */
function sharesStorage(grads: readonly (Tensor | null | undefined)[], g: Tensor, skip = -1): boolean {
  const buf = g.data.buffer;
  for (let k = 0; k < grads.length; k++) {
    const t = grads[k];
    if (k !== skip && t !== null && t !== undefined && t.data.buffer === buf) return true;
  }
  return false;
}

/** Hands the storage of a float gradient that nothing references any more to the pass's pool. */
function release(g: Tensor): void {
  const d = g.data;
  if (d instanceof Float32Array || d instanceof Float64Array) recycleArray(d);
}

/**
 * Backpropagates from `root`; see {@link Tensor.backward}. The pass reuses the storage of the
 * gradients it owns once they are consumed (see {@link RecordOptions.releasesGrad}).
 */
export function runBackward(root: Tensor, grad: Tensor): void {
  withReusePool(() => backwardPass(root, grad));
}

function backwardPass(root: Tensor, grad: Tensor): void {
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>();
  // gradient sums allocated here and still private to `grads` (safe to accumulate into in place)
  const owned = new Set<Tensor>();
  grads.set(root, grad);
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    for (const t of order) {
      const g = grads.get(t);
      if (g === undefined) continue;
      const gOwned = owned.delete(g);
      const fn = t.gradFn;
      if (fn === null) {
        if (t.requiresGrad) t.grad = t.grad === null ? g : addInto(t.grad, g, owned);
        owned.delete(t.grad!);
        continue;
      }
      grads.delete(t);
      const inGrads = fn.backward(g, gOwned);
      if (gOwned && fn.releasesGrad === true && !sharesStorage(inGrads, g)) release(g);
      for (let i = 0; i < fn.inputs.length; i++) {
        const x = fn.inputs[i]!;
        const gx = inGrads[i];
        if (!x.requiresGrad || gx === null || gx === undefined) continue;
        if (gx.size !== x.size || gx.shape.length !== x.shape.length || gx.shape.some((d, k) => d !== x.shape[k])) {
          throw new ErlangenError(
            `${fn.name} (backward): gradient for input ${i} expected shape ${fmtShape(x.shape)}, got ${fmtShape(gx.shape)}`,
          );
        }
        const fresh = takeFresh(gx, inGrads, i);
        const gxc = gx.dtype === x.dtype ? gx : gx.cast(x.dtype);
        const prevG = grads.get(x);
        if (prevG === undefined) {
          grads.set(x, gxc);
          // a gradient no one else holds (a fresh one, or a cast copy) takes later sums in place
          if (fresh || gxc !== gx) owned.add(gxc);
        } else {
          grads.set(x, addInto(prevG, gxc, owned));
          // a fresh gradient, now summed into another one, is referenced by nothing else
          if (fresh && gxc === gx) release(gxc);
        }
      }
    }
  } finally {
    gradEnabled = prev;
  }
}
