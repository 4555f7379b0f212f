/**
 * Irreducible representations of O(3), in e3nn's notation. An {@link Irrep} is (l, p) with parity
 * p = +1 ("e", even) or −1 ("o", odd); an {@link Irreps} is a list of (multiplicity, irrep), written
 * like `"8x0e + 4x1o + 2x2e"`. A feature vector holds the blocks in order; inside a `mul x l` block
 * the copies follow one another, each 2l+1 long (index `offset + u·(2l+1) + (m+l)`).
 */
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { blockDiag, det } from "../linalg64.js";
import { wignerDFromMatrix } from "./wigner.js";

export class Irrep {
  constructor(
    readonly l: number,
    readonly p: 1 | -1,
  ) {
    if (!Number.isInteger(l) || l < 0)
      throw new ErlangenError(`Irrep: argument 'l' expected a non-negative integer, got ${l}`);
    if (p !== 1 && p !== -1) throw new ErlangenError(`Irrep: argument 'p' expected 1 or -1, got ${p}`);
  }

  /** Parses `"1o"`, `"2e"`, or `"1y"` (y: parity (−1)^l, as spherical harmonics). */
  static parse(s: string): Irrep {
    const m = /^\s*(\d+)([eoy])\s*$/.exec(s);
    if (!m) throw new ErlangenError(`Irrep.parse: argument 's' expected an irrep like '1o' or '2e', got '${s}'`);
    const l = Number(m[1]);
    const p = m[2] === "e" ? 1 : m[2] === "o" ? -1 : l % 2 === 0 ? 1 : -1;
    return new Irrep(l, p);
  }

  get dim(): number {
    return 2 * this.l + 1;
  }

  /** Tensor product selection rule: the irreps in this ⊗ other. */
  mul(other: Irrep): Irrep[] {
    const p = (this.p * other.p) as 1 | -1;
    const out: Irrep[] = [];
    for (let l = Math.abs(this.l - other.l); l <= this.l + other.l; l++) out.push(new Irrep(l, p));
    return out;
  }

  equals(o: Irrep): boolean {
    return this.l === o.l && this.p === o.p;
  }

  /** Sort order: by l, then odd before even (as e3nn's tuple order). */
  compare(o: Irrep): number {
    return this.l - o.l || this.p - o.p;
  }

  /** Wigner-D of an O(3) matrix Q: p^{[det Q < 0]} D^l(det(Q)·Q). */
  D(Q: ArrayLike<number>): Float64Array {
    const d = det(Float64Array.from(Q), 3);
    const R = d < 0 ? Float64Array.from(Q, (v) => -v) : Float64Array.from(Q);
    const D = wignerDFromMatrix(this.l, R);
    if (d < 0 && this.p === -1) for (let i = 0; i < D.length; i++) D[i] = -D[i]!;
    return D;
  }

  toString(): string {
    return `${this.l}${this.p === 1 ? "e" : "o"}`;
  }
}

/** One block of an {@link Irreps}: `mul` copies of `ir`. */
export interface MulIr {
  readonly mul: number;
  readonly ir: Irrep;
}

export class Irreps {
  readonly items: readonly MulIr[];

  /** From a string (`"8x0e + 4x1o"`), a list of `[mul, "1o"]` / MulIr, or another Irreps. */
  constructor(spec: string | Irreps | readonly (MulIr | [number, string | Irrep] | string | Irrep)[] = []) {
    if (spec instanceof Irreps) this.items = spec.items;
    else if (typeof spec === "string") this.items = Irreps.parseString(spec);
    else {
      this.items = spec.map((s) => {
        if (typeof s === "string") return { mul: 1, ir: Irrep.parse(s) };
        if (s instanceof Irrep) return { mul: 1, ir: s };
        if (Array.isArray(s)) return { mul: s[0], ir: typeof s[1] === "string" ? Irrep.parse(s[1]) : s[1] };
        return s as MulIr;
      });
    }
    for (const { mul } of this.items) {
      if (!Number.isInteger(mul) || mul < 0)
        throw new ErlangenError(`Irreps: argument 'spec' expected non-negative integer multiplicities, got ${mul}`);
    }
  }

  private static parseString(s: string): MulIr[] {
    const trimmed = s.trim();
    if (trimmed === "") return [];
    return trimmed.split("+").map((part) => {
      const m = /^\s*(?:(\d+)\s*x\s*)?(\d+[eoy])\s*$/.exec(part);
      if (!m)
        throw new ErlangenError(
          `Irreps: argument 'spec' expected a string like '8x0e + 4x1o', could not parse '${part.trim()}' in '${s}'`,
        );
      return { mul: m[1] === undefined ? 1 : Number(m[1]), ir: Irrep.parse(m[2]!) };
    });
  }

  /** Irreps of the spherical harmonics up to lmax: 0e + 1o + 2e + … (parity `p`^l, default −1). */
  static sphericalHarmonics(lmax: number, p: 1 | -1 = -1): Irreps {
    return new Irreps(Array.from({ length: lmax + 1 }, (_, l) => ({ mul: 1, ir: new Irrep(l, (p ** l) as 1 | -1) })));
  }

  /** Total dimension Σ mul·(2l+1). */
  get dim(): number {
    return this.items.reduce((s, { mul, ir }) => s + mul * ir.dim, 0);
  }

  /** Σ mul. */
  get numIrreps(): number {
    return this.items.reduce((s, { mul }) => s + mul, 0);
  }

  get length(): number {
    return this.items.length;
  }

  get lmax(): number {
    if (this.items.length === 0) throw new ErlangenError("Irreps.lmax: the irreps are empty");
    return Math.max(...this.items.map((m) => m.ir.l));
  }

  /** Each block's [start, end) in a feature vector. */
  slices(): [number, number][] {
    const out: [number, number][] = [];
    let o = 0;
    for (const { mul, ir } of this.items) {
      out.push([o, o + mul * ir.dim]);
      o += mul * ir.dim;
    }
    return out;
  }

  /** Merges neighbouring blocks of the same irrep and drops empty ones. */
  simplify(): Irreps {
    const out: MulIr[] = [];
    for (const { mul, ir } of this.items) {
      if (mul === 0) continue;
      const last = out[out.length - 1];
      if (last?.ir.equals(ir)) out[out.length - 1] = { mul: last.mul + mul, ir };
      else out.push({ mul, ir });
    }
    return new Irreps(out);
  }

  /** Stable sort by irrep; `p[i]` is the new position of block i, `inv[j]` the old position of block j. */
  sort(): { irreps: Irreps; p: number[]; inv: number[] } {
    const inv = this.items.map((_, i) => i).sort((a, b) => this.items[a]!.ir.compare(this.items[b]!.ir) || a - b);
    const p = new Array<number>(inv.length);
    inv.forEach((old, i) => {
      p[old] = i;
    });
    return { irreps: new Irreps(inv.map((i) => this.items[i]!)), p, inv };
  }

  /** Concatenation. */
  add(other: Irreps | string): Irreps {
    return new Irreps([...this.items, ...new Irreps(other).items]);
  }

  /** Blocks [start, end) as new Irreps. */
  slice(start: number, end?: number): Irreps {
    return new Irreps(this.items.slice(start, end));
  }

  /** Number of copies of `ir` over all blocks. */
  count(ir: Irrep | string): number {
    const t = typeof ir === "string" ? Irrep.parse(ir) : ir;
    return this.items.reduce((s, m) => s + (m.ir.equals(t) ? m.mul : 0), 0);
  }

  equals(o: Irreps | string): boolean {
    const b = new Irreps(o);
    return (
      this.items.length === b.items.length &&
      this.items.every((m, i) => m.mul === b.items[i]!.mul && m.ir.equals(b.items[i]!.ir))
    );
  }

  /** Block-diagonal representation matrix (dim × dim) of an O(3) matrix Q. */
  D(Q: ArrayLike<number>): Float64Array {
    const blocks: { m: Float64Array; n: number }[] = [];
    for (const { mul, ir } of this.items) {
      const d = ir.D(Q);
      for (let u = 0; u < mul; u++) blocks.push({ m: d, n: ir.dim });
    }
    return blockDiag(blocks);
  }

  /** Throws unless the last axis of `x` has `dim` entries. */
  check(op: string, x: Tensor, arg = "x"): void {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.dim) {
      throw new ErlangenError(
        `${op}: argument '${arg}' expected last dimension ${this.dim} for irreps ${this.toString()}, got shape ${fmtShape(x.shape)}`,
      );
    }
  }

  toString(): string {
    return this.items.map(({ mul, ir }) => `${mul}x${ir}`).join("+");
  }
}
