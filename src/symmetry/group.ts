/**
 * Groups as values. A {@link Group} knows its identity, composition, inverse, how to draw a random
 * element from a seeded generator, equality with tolerance, and — for finite groups — its elements.
 * Composition follows function composition: `compose(a, b)` is "apply b, then a".
 */
import type { Generator } from "../tensor/rng.js";

export interface Group<E> {
  /** Readable name, e.g. `C4`, `D8`, `SO(3)`. */
  readonly name: string;
  /** Number of elements for finite groups; `Infinity` for Lie groups and infinite discrete groups. */
  readonly order: number;
  identity(): E;
  /** a∘b: apply `b` first, then `a`. */
  compose(a: E, b: E): E;
  inverse(a: E): E;
  /** A random element (uniform / Haar for compact groups) from `generator` (or the default one). */
  sample(generator?: Generator): E;
  /** Equality up to `tol` (default 1e-9) for continuous parameters. */
  equals(a: E, b: E, tol?: number): boolean;
  /** All elements, for finite groups only. */
  elements?(): E[];
  /** Readable form of an element (used in checker reports). */
  format(e: E): string;
}

/** True when `g` enumerates its elements. */
export function isFiniteGroup<E>(g: Group<E>): g is Group<E> & { elements(): E[] } {
  return Number.isFinite(g.order) && typeof g.elements === "function";
}
