/**
 * The autograd tape. Each op that produces a tensor from inputs that require gradients records a
 * {@link GradFn} on the output; `backward()` walks the graph in reverse topological order. Backward
 * functions are written with tensor ops themselves (run with gradient recording off), so every
 * gradient is checked by {@link gradcheck} like any other op.
 */

import { binary } from "../kernels/registry.js";
import { ErlangenError, fmtShape } from "./errors.js";
import type { Tensor } from "./tensor.js";

/** A recorded op: its inputs and how to map the output gradient to input gradients. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** Returns one gradient per input (null where the input needs none), shaped like that input. */
  backward(grad: Tensor): readonly (Tensor | null | undefined)[];
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
  backward: (grad: Tensor) => readonly (Tensor | null | undefined)[],
): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs, backward };
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

/** Backpropagates from `root`; see {@link Tensor.backward}. */
export function runBackward(root: Tensor, grad: Tensor): void {
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
      owned.delete(g);
      const fn = t.gradFn;
      if (fn === null) {
        if (t.requiresGrad) t.grad = t.grad === null ? g : addInto(t.grad, g, owned);
        owned.delete(t.grad!);
        continue;
      }
      grads.delete(t);
      const inGrads = fn.backward(g);
      for (let i = 0; i < fn.inputs.length; i++) {
        const x = fn.inputs[i]!;
        const gx = inGrads[i];
        if (!x.requiresGrad || gx === null || gx === undefined) continue;
        if (gx.size !== x.size || gx.shape.length !== x.shape.length || gx.shape.some((d, k) => d !== x.shape[k])) {
          throw new ErlangenError(
            `${fn.name} (backward): gradient for input ${i} expected shape ${fmtShape(x.shape)}, got ${fmtShape(gx.shape)}`,
          );
        }
        const gxc = gx.dtype === x.dtype ? gx : gx.cast(x.dtype);
        const prevG = grads.get(x);
        grads.set(x, prevG === undefined ? gxc : addInto(prevG, gxc, owned));
      }
    }
  } finally {
    gradEnabled = prev;
  }
}
