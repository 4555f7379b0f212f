/**
 * A {@link FieldType} attaches a representation to the channels of a feature tensor (escnn's idea):
 * a list of representations, one per field, whose direct sum acts on the channel axis. Knowing the
 * field type of a layer's input and output is what lets the checker and the builder reason about
 * any layer without special cases. The field bookkeeping lives here too (as in escnn): where each
 * field starts, fields grouped by representation, and the channel-to-field indicator.
 */
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { Group } from "./group.js";
import { directSum, type Representation, trivial } from "./representation.js";

/** Fields of a {@link FieldType} that share one representation (see {@link FieldType.groupFields}). */
export interface FieldGroup<E> {
  rep: Representation<E>;
  /** Indices of the fields with this representation, in order. */
  fields: number[];
}

export class FieldType<E> {
  /** The direct sum of the fields' representations. */
  readonly representation: Representation<E>;
  /** Channel count (sum of the fields' sizes). */
  readonly size: number;
  /** First channel of each field (escnn's `fields_start`). */
  readonly offsets: readonly number[];

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
    const offsets: number[] = [];
    let o = 0;
    for (const r of reps) {
      offsets.push(o);
      o += r.size;
    }
    this.offsets = offsets;
  }

  /** Number of fields. */
  get numFields(): number {
    return this.reps.length;
  }

  /** The size shared by every field, or 0 when the sizes differ (or there are no fields). */
  get uniformFieldSize(): number {
    const d = this.reps[0]?.size ?? 0;
    return this.reps.every((r) => r.size === d) ? d : 0;
  }

  /** The first field whose representation does not permute channels (see `Representation.isPermutation`), if any. */
  firstNonPermutationRep(): Representation<E> | undefined {
    return this.reps.find((r) => !r.isPermutation);
  }

  /**
   * The fields grouped by representation, in order of first appearance. Representations are the same
   * when `key` gives the same string (default: their name; layers that build bases per representation
   * pass a key computed from the matrices).
   */
  groupFields(key: (rep: Representation<E>) => string = (r) => r.name): FieldGroup<E>[] {
    const groups = new Map<string, FieldGroup<E>>();
    this.reps.forEach((r, i) => {
      const k = key(r);
      const g = groups.get(k);
      if (g) g.fields.push(i);
      else groups.set(k, { rep: r, fields: [i] });
    });
    return [...groups.values()];
  }

  /**
   * The channel order that puts the fields of `groups` one group after the other: `order[s]` is the
   * original channel at sorted position s; null when that is the identity.
   */
  channelOrder(groups: readonly FieldGroup<E>[]): Int32Array | null {
    const order: number[] = [];
    for (const g of groups)
      for (const f of g.fields) for (let c = 0; c < this.reps[f]!.size; c++) order.push(this.offsets[f]! + c);
    return order.every((v, i) => v === i) ? null : Int32Array.from(order);
  }

  /**
   * The field indicator S [size, numFields] (S[c, f] = 1 when channel c belongs to field f): `x·S`
   * sums the channels of each field, `v·Sᵀ` broadcasts per-field values back to their channels.
   */
  indicator(dtype: "float32" | "float64" = "float32"): Tensor {
    const C = this.size;
    const F = this.reps.length;
    const data = dtype === "float64" ? new Float64Array(C * F) : new Float32Array(C * F);
    this.reps.forEach((r, f) => {
      for (let c = 0; c < r.size; c++) data[(this.offsets[f]! + c) * F + f] = 1;
    });
    return new Tensor(data, [C, F], dtype);
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
