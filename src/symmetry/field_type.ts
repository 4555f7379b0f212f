/**
 * A {@link FieldType} attaches a representation to the channels of a feature tensor (escnn's idea):
 * a list of representations, one per field, whose direct sum acts on the channel axis. Knowing the
 * field type of a layer's input and output is what lets the checker and the builder reason about
 * any layer without special cases.
 */
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { Group } from "./group.js";
import { directSum, type Representation, trivial } from "./representation.js";

export class FieldType<E> {
  /** The direct sum of the fields' representations. */
  readonly representation: Representation<E>;
  /** Channel count (sum of the fields' sizes). */
  readonly size: number;

  constructor(
    readonly group: Group<E>,
    readonly reps: readonly Representation<E>[],
  ) {
    for (const r of reps) {
      if (r.group.name !== group.name) {
        throw new ErlangenError(
          `FieldType: argument 'reps' expected representations of ${group.name}, got one of ${r.group.name}`,
        );
      }
    }
    this.representation = reps.length === 0 ? trivial(group, 0) : directSum(...reps);
    this.size = this.representation.size;
  }

  /** `n` copies of one representation. */
  static repeat<E>(group: Group<E>, rep: Representation<E>, n: number): FieldType<E> {
    return new FieldType(
      group,
      Array.from({ length: n }, () => rep),
    );
  }

  /** Concatenation of field types (⊕). */
  concat(other: FieldType<E>): FieldType<E> {
    return new FieldType(this.group, [...this.reps, ...other.reps]);
  }

  /** True when every field is trivial (invariant features). */
  get isTrivial(): boolean {
    return this.reps.every((r) => r.isTrivial);
  }

  /** The matrix acting on the channels for element `e`. */
  matrix(e: E): Float64Array {
    return this.representation.matrix(e);
  }

  /** Throws unless `x` has `size` channels on `axis`. */
  checkTensor(op: string, x: Tensor, axis = 1, arg = "x"): void {
    const a = axis < 0 ? axis + x.ndim : axis;
    if (a < 0 || a >= x.ndim || x.shape[a] !== this.size) {
      throw new ErlangenError(
        `${op}: argument '${arg}' expected ${this.size} channels on axis ${axis} for field type ${this.toString()}, got shape ${fmtShape(x.shape)}`,
      );
    }
  }

  /** Applies ρ(e) to the channel axis of `x` (no spatial motion). Returns a new tensor. */
  transform(x: Tensor, e: E, axis = 1): Tensor {
    this.checkTensor("FieldType.transform", x, axis);
    return applyChannelMatrix(x, this.matrix(e), axis);
  }

  toString(): string {
    const counts = new Map<string, number>();
    for (const r of this.reps) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
    return `[${this.group.name}: ${[...counts].map(([n, c]) => `${c}×${n}`).join(", ")}]`;
  }
}

/** out[..., c', ...] = Σ_c M[c', c] x[..., c, ...] along `axis`. */
export function applyChannelMatrix(x: Tensor, M: Float64Array, axis = 1): Tensor {
  const a = axis < 0 ? axis + x.ndim : axis;
  const C = x.shape[a]!;
  let outer = 1;
  for (let i = 0; i < a; i++) outer *= x.shape[i]!;
  let inner = 1;
  for (let i = a + 1; i < x.ndim; i++) inner *= x.shape[i]!;
  const src = x.data;
  const out = new (src.constructor as new (n: number) => Float32Array | Float64Array)(src.length);
  for (let o = 0; o < outer; o++) {
    const base = o * C * inner;
    for (let c2 = 0; c2 < C; c2++) {
      for (let c = 0; c < C; c++) {
        const m = M[c2 * C + c]!;
        if (m === 0) continue;
        const so = base + c * inner;
        const oo = base + c2 * inner;
        for (let k = 0; k < inner; k++) out[oo + k]! += m * src[so + k]!;
      }
    }
  }
  return new Tensor(out, x.shape, x.dtype);
}
