/**
 * Errors raised by ops and layers. Every message names the op, the argument, what was expected
 * and what was given, e.g. `matmul: argument 'b' expected shape [3, *], got [4, 5]`.
 */
export class ErlangenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ErlangenError";
  }
}

/** Throws an {@link ErlangenError} of the standard form. */
export function opError(op: string, arg: string, expected: string, actual: string): never {
  throw new ErlangenError(`${op}: argument '${arg}' expected ${expected}, got ${actual}`);
}

/** Formats a shape as `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Asserts a condition, else throws the standard op error. */
export function check(cond: boolean, op: string, arg: string, expected: string, actual: string): asserts cond {
  if (!cond) opError(op, arg, expected, actual);
}

/** Resolves a possibly negative axis against `ndim`, with a clear error when out of range. */
export function normAxis(op: string, axis: number, ndim: number, arg = "axis"): number {
  const n = Math.max(ndim, 1);
  const a = axis < 0 ? axis + n : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= n) opError(op, arg, `an integer in [${-n}, ${n - 1}]`, String(axis));
  return a;
}
