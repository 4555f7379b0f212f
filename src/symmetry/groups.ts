/**
 * The groups of the blueprint: finite rotation/reflection groups Cn, Dn and Sn; wallpaper groups p4
 * and p4m acting on Z²; cyclic translations of a grid; and the Lie groups SO(2), O(2), SO(3), O(3),
 * SE(n), E(n). Elements are plain values (numbers, small records, Float64Array matrices).
 */
import { ErlangenError } from "../tensor/errors.js";
import { type Generator, getDefaultGenerator } from "../tensor/rng.js";
import type { Group } from "./group.js";
import { det, identity, matmulSq, matvec, maxAbsDiff, orthonormalizeColumns, transpose } from "./linalg64.js";

const TWO_PI = 2 * Math.PI;
const gen = (g?: Generator) => g ?? getDefaultGenerator();
const mod = (a: number, n: number) => ((a % n) + n) % n;
const angleMod = (t: number) => mod(t, TWO_PI);
const angleClose = (a: number, b: number, tol: number) => {
  const d = Math.abs(angleMod(a - b));
  return Math.min(d, TWO_PI - d) <= tol;
};

function checkN(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new ErlangenError(`${op}: argument 'n' expected a positive integer, got ${n}`);
}

/** Cyclic group C_N of rotations by multiples of 2π/N. Elements are integers r in [0, N). */
export class CyclicGroup implements Group<number> {
  readonly name: string;
  readonly order: number;
  constructor(readonly n: number) {
    checkN("CyclicGroup", n);
    this.name = `C${n}`;
    this.order = n;
  }
  identity(): number {
    return 0;
  }
  compose(a: number, b: number): number {
    return mod(a + b, this.n);
  }
  inverse(a: number): number {
    return mod(-a, this.n);
  }
  sample(g?: Generator): number {
    return gen(g).randint(0, this.n);
  }
  equals(a: number, b: number): boolean {
    return mod(a, this.n) === mod(b, this.n);
  }
  elements(): number[] {
    return Array.from({ length: this.n }, (_, i) => i);
  }
  /** Rotation angle of element r. */
  angle(r: number): number {
    return (TWO_PI * r) / this.n;
  }
  format(r: number): string {
    return `r^${r}`;
  }
}

/** An element of D_N: rotation by 2πr/N after an optional reflection (x, y) ↦ (−x, y). */
export interface DihedralElement {
  readonly r: number;
  /** 1 if the reflection is applied (first), else 0. */
  readonly f: 0 | 1;
}

/** Dihedral group D_N (order 2N): g = rot(r)·flip^f, with flip = (x, y) ↦ (−x, y). */
export class DihedralGroup implements Group<DihedralElement> {
  readonly name: string;
  readonly order: number;
  constructor(readonly n: number) {
    checkN("DihedralGroup", n);
    this.name = `D${n}`;
    this.order = 2 * n;
  }
  identity(): DihedralElement {
    return { r: 0, f: 0 };
  }
  compose(a: DihedralElement, b: DihedralElement): DihedralElement {
    // rot(a)F^fa rot(b)F^fb = rot(a ± b) F^(fa^fb), since F rot(b) = rot(-b) F
    return { r: mod(a.r + (a.f ? -b.r : b.r), this.n), f: (a.f ^ b.f) as 0 | 1 };
  }
  inverse(a: DihedralElement): DihedralElement {
    return a.f ? { r: a.r, f: 1 } : { r: mod(-a.r, this.n), f: 0 };
  }
  sample(g?: Generator): DihedralElement {
    const G = gen(g);
    return { r: G.randint(0, this.n), f: G.randint(0, 2) as 0 | 1 };
  }
  equals(a: DihedralElement, b: DihedralElement): boolean {
    return mod(a.r, this.n) === mod(b.r, this.n) && a.f === b.f;
  }
  elements(): DihedralElement[] {
    const out: DihedralElement[] = [];
    for (let f = 0; f < 2; f++) for (let r = 0; r < this.n; r++) out.push({ r, f: f as 0 | 1 });
    return out;
  }
  format(e: DihedralElement): string {
    return e.f ? `r^${e.r}·f` : `r^${e.r}`;
  }
}

/** Symmetric group S_n. Elements are permutations σ as Int32Array: i ↦ σ[i]. */
export class SymmetricGroup implements Group<Int32Array> {
  readonly name: string;
  readonly order: number;
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 0)
      throw new ErlangenError(`SymmetricGroup: argument 'n' expected a non-negative integer, got ${n}`);
    this.name = `S${n}`;
    let f = 1;
    for (let i = 2; i <= n; i++) f *= i;
    this.order = f;
  }
  identity(): Int32Array {
    return Int32Array.from({ length: this.n }, (_, i) => i);
  }
  compose(a: Int32Array, b: Int32Array): Int32Array {
    const out = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = a[b[i]!]!;
    return out;
  }
  inverse(a: Int32Array): Int32Array {
    const out = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) out[a[i]!] = i;
    return out;
  }
  sample(g?: Generator): Int32Array {
    return gen(g).permutation(this.n);
  }
  equals(a: Int32Array, b: Int32Array): boolean {
    for (let i = 0; i < this.n; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  elements(): Int32Array[] {
    if (this.n > 8)
      throw new ErlangenError(
        `SymmetricGroup.elements: n = ${this.n} is too large to enumerate (${this.order} elements); use sample()`,
      );
    const out: Int32Array[] = [];
    const p = this.identity();
    const rec = (k: number) => {
      if (k === this.n) {
        out.push(p.slice());
        return;
      }
      for (let i = k; i < this.n; i++) {
        [p[k], p[i]] = [p[i]!, p[k]!];
        rec(k + 1);
        [p[k], p[i]] = [p[i]!, p[k]!];
      }
    };
    rec(0);
    return out;
  }
  format(e: Int32Array): string {
    return `(${Array.from(e).join(" ")})`;
  }
}

/** Cyclic translations of a grid with the given sizes. Elements are integer shift vectors. */
export class TranslationGroup implements Group<readonly number[]> {
  readonly name: string;
  readonly order: number;
  constructor(readonly sizes: readonly number[]) {
    for (const s of sizes) checkN("TranslationGroup", s);
    this.name = `T(${sizes.join("×")})`;
    this.order = sizes.reduce((a, b) => a * b, 1);
  }
  identity(): number[] {
    return this.sizes.map(() => 0);
  }
  compose(a: readonly number[], b: readonly number[]): number[] {
    return a.map((v, i) => mod(v + b[i]!, this.sizes[i]!));
  }
  inverse(a: readonly number[]): number[] {
    return a.map((v, i) => mod(-v, this.sizes[i]!));
  }
  sample(g?: Generator): number[] {
    const G = gen(g);
    return this.sizes.map((s) => G.randint(0, s));
  }
  equals(a: readonly number[], b: readonly number[]): boolean {
    return a.every((v, i) => mod(v - b[i]!, this.sizes[i]!) === 0);
  }
  elements(): number[][] {
    if (this.order > 4096)
      throw new ErlangenError(
        `TranslationGroup.elements: ${this.order} elements is too many to enumerate; use sample()`,
      );
    const out: number[][] = [];
    const cur = this.identity();
    const rec = (k: number) => {
      if (k === this.sizes.length) {
        out.push([...cur]);
        return;
      }
      for (let v = 0; v < this.sizes[k]!; v++) {
        cur[k] = v;
        rec(k + 1);
      }
    };
    rec(0);
    return out;
  }
  format(e: readonly number[]): string {
    return `t(${e.join(",")})`;
  }
}

/**
 * An element of the wallpaper groups p4 / p4m: x ↦ rot90^r(flip^f(x)) + t on Z² (t = [ty, tx] in
 * grid (row, column) order). On a finite H×W grid the translation is cyclic.
 */
export interface WallpaperElement {
  readonly r: number;
  readonly f: 0 | 1;
  readonly t: readonly [number, number];
}

/**
 * p4 (rotations by 90° and translations, C4 ⋉ Z²) or p4m (with reflections, D4 ⋉ Z²). With `gridSize`
 * the translations are cyclic on that grid (a finite group); without it, `sample` draws translations
 * in [-4, 4].
 */
export class WallpaperGroup implements Group<WallpaperElement> {
  readonly name: string;
  readonly order: number;
  constructor(
    readonly kind: "p4" | "p4m",
    readonly gridSize?: readonly [number, number],
  ) {
    this.name = kind;
    this.order = gridSize ? (kind === "p4" ? 4 : 8) * gridSize[0] * gridSize[1] : Number.POSITIVE_INFINITY;
  }
  /** The point group (C4 or D4). */
  get pointGroup(): CyclicGroup | DihedralGroup {
    return this.kind === "p4" ? new CyclicGroup(4) : new DihedralGroup(4);
  }
  private wrap(t: readonly [number, number]): [number, number] {
    return this.gridSize ? [mod(t[0], this.gridSize[0]), mod(t[1], this.gridSize[1])] : [t[0], t[1]];
  }
  /** Linear part as a 2×2 integer matrix acting on (row, col) offsets. */
  linear(e: { r: number; f: 0 | 1 }): [number, number, number, number] {
    // flip: col ↦ −col; rot90 (counter-clockwise in the picture, like torch.rot90): (row, col) ↦ (−col, row)
    let m: [number, number, number, number] = e.f ? [1, 0, 0, -1] : [1, 0, 0, 1];
    for (let i = 0; i < mod(e.r, 4); i++) m = [-m[2], -m[3], m[0], m[1]];
    return m;
  }
  identity(): WallpaperElement {
    return { r: 0, f: 0, t: [0, 0] };
  }
  compose(a: WallpaperElement, b: WallpaperElement): WallpaperElement {
    const L = this.linear(a);
    const t: [number, number] = [L[0] * b.t[0] + L[1] * b.t[1] + a.t[0], L[2] * b.t[0] + L[3] * b.t[1] + a.t[1]];
    const rf = new DihedralGroup(4).compose(a, b);
    return { r: rf.r, f: rf.f, t: this.wrap(t) };
  }
  inverse(a: WallpaperElement): WallpaperElement {
    const inv = new DihedralGroup(4).inverse(a);
    const L = this.linear(inv);
    return { r: inv.r, f: inv.f, t: this.wrap([-(L[0] * a.t[0] + L[1] * a.t[1]), -(L[2] * a.t[0] + L[3] * a.t[1])]) };
  }
  sample(g?: Generator): WallpaperElement {
    const G = gen(g);
    const r = G.randint(0, 4);
    const f = (this.kind === "p4m" ? G.randint(0, 2) : 0) as 0 | 1;
    const t: [number, number] = this.gridSize
      ? [G.randint(0, this.gridSize[0]), G.randint(0, this.gridSize[1])]
      : [G.randint(-4, 5), G.randint(-4, 5)];
    return { r, f, t };
  }
  equals(a: WallpaperElement, b: WallpaperElement): boolean {
    const ta = this.wrap(a.t);
    const tb = this.wrap(b.t);
    return mod(a.r, 4) === mod(b.r, 4) && a.f === b.f && ta[0] === tb[0] && ta[1] === tb[1];
  }
  format(e: WallpaperElement): string {
    return `${e.f ? `r^${e.r}·f` : `r^${e.r}`}+t(${e.t.join(",")})`;
  }
}

/** SO(2): rotations of the plane. Elements are angles in [0, 2π). */
export class SO2 implements Group<number> {
  readonly name = "SO(2)";
  readonly order = Number.POSITIVE_INFINITY;
  identity(): number {
    return 0;
  }
  compose(a: number, b: number): number {
    return angleMod(a + b);
  }
  inverse(a: number): number {
    return angleMod(-a);
  }
  sample(g?: Generator): number {
    return gen(g).uniform(0, TWO_PI);
  }
  equals(a: number, b: number, tol = 1e-9): boolean {
    return angleClose(a, b, tol);
  }
  format(e: number): string {
    return `rot(${e.toFixed(4)})`;
  }
}

/** An element of O(2): rotation by `theta` after an optional reflection (x, y) ↦ (−x, y). */
export interface O2Element {
  readonly theta: number;
  readonly f: 0 | 1;
}

/** O(2): rotations and reflections of the plane. */
export class O2 implements Group<O2Element> {
  readonly name = "O(2)";
  readonly order = Number.POSITIVE_INFINITY;
  identity(): O2Element {
    return { theta: 0, f: 0 };
  }
  compose(a: O2Element, b: O2Element): O2Element {
    return { theta: angleMod(a.theta + (a.f ? -b.theta : b.theta)), f: (a.f ^ b.f) as 0 | 1 };
  }
  inverse(a: O2Element): O2Element {
    return a.f ? { theta: a.theta, f: 1 } : { theta: angleMod(-a.theta), f: 0 };
  }
  sample(g?: Generator): O2Element {
    const G = gen(g);
    return { theta: G.uniform(0, TWO_PI), f: G.randint(0, 2) as 0 | 1 };
  }
  equals(a: O2Element, b: O2Element, tol = 1e-9): boolean {
    return a.f === b.f && angleClose(a.theta, b.theta, tol);
  }
  format(e: O2Element): string {
    return `rot(${e.theta.toFixed(4)})${e.f ? "·f" : ""}`;
  }
}

/** Uniform (Haar) random rotation in n dimensions (QR of a Gaussian matrix, sign-fixed, det +1). */
export function randomRotationMatrix(n: number, g?: Generator): Float64Array {
  const G = gen(g);
  if (n === 3) {
    // uniform unit quaternion
    let q0 = G.normal();
    let q1 = G.normal();
    let q2 = G.normal();
    let q3 = G.normal();
    const s = Math.hypot(q0, q1, q2, q3);
    q0 /= s;
    q1 /= s;
    q2 /= s;
    q3 /= s;
    return new Float64Array([
      1 - 2 * (q2 * q2 + q3 * q3),
      2 * (q1 * q2 - q0 * q3),
      2 * (q1 * q3 + q0 * q2),
      2 * (q1 * q2 + q0 * q3),
      1 - 2 * (q1 * q1 + q3 * q3),
      2 * (q2 * q3 - q0 * q1),
      2 * (q1 * q3 - q0 * q2),
      2 * (q2 * q3 + q0 * q1),
      1 - 2 * (q1 * q1 + q2 * q2),
    ]);
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = G.normal();
  const q = orthonormalizeColumns(a, n);
  if (det(q, n) < 0) for (let i = 0; i < n; i++) q[i * n]! *= -1;
  return q;
}

/** SO(n) for n = 2, 3, … with elements as n×n rotation matrices (row-major Float64Array). */
export class SpecialOrthogonalGroup implements Group<Float64Array> {
  readonly name: string;
  readonly order = Number.POSITIVE_INFINITY;
  constructor(readonly n: number) {
    checkN("SpecialOrthogonalGroup", n);
    this.name = `SO(${n})`;
  }
  identity(): Float64Array {
    return identity(this.n);
  }
  compose(a: Float64Array, b: Float64Array): Float64Array {
    return matmulSq(a, b, this.n);
  }
  inverse(a: Float64Array): Float64Array {
    return transpose(a, this.n, this.n);
  }
  sample(g?: Generator): Float64Array {
    return randomRotationMatrix(this.n, g);
  }
  equals(a: Float64Array, b: Float64Array, tol = 1e-9): boolean {
    return maxAbsDiff(a, b) <= tol;
  }
  format(e: Float64Array): string {
    return `[${Array.from(e, (v) => v.toFixed(3)).join(",")}]`;
  }
}

/** SO(3), the rotation group of space (3×3 matrices). */
export class SO3 extends SpecialOrthogonalGroup {
  constructor() {
    super(3);
  }
}

/** O(n) with elements as n×n orthogonal matrices; `sample` draws a reflection half of the time. */
export class OrthogonalGroup implements Group<Float64Array> {
  readonly name: string;
  readonly order = Number.POSITIVE_INFINITY;
  constructor(readonly n: number) {
    checkN("OrthogonalGroup", n);
    this.name = `O(${n})`;
  }
  identity(): Float64Array {
    return identity(this.n);
  }
  compose(a: Float64Array, b: Float64Array): Float64Array {
    return matmulSq(a, b, this.n);
  }
  inverse(a: Float64Array): Float64Array {
    return transpose(a, this.n, this.n);
  }
  sample(g?: Generator): Float64Array {
    const G = gen(g);
    const r = randomRotationMatrix(this.n, G);
    if (G.randint(0, 2) === 1) for (let i = 0; i < r.length; i++) r[i] = -r[i]!;
    if (this.n % 2 === 0 && det(r, this.n) > 0 && G.randint(0, 2) === 1)
      for (let i = 0; i < this.n; i++) r[i * this.n]! *= -1;
    return r;
  }
  equals(a: Float64Array, b: Float64Array, tol = 1e-9): boolean {
    return maxAbsDiff(a, b) <= tol;
  }
  /** +1 for rotations, −1 for improper elements. */
  parity(e: Float64Array): 1 | -1 {
    return det(e, this.n) < 0 ? -1 : 1;
  }
  format(e: Float64Array): string {
    return `[${Array.from(e, (v) => v.toFixed(3)).join(",")}]`;
  }
}

/** O(3): rotations and reflections of space. Parity is `det(R)`. */
export class O3 extends OrthogonalGroup {
  constructor() {
    super(3);
  }
}

/** An element of E(n) / SE(n): x ↦ R x + t. */
export interface EuclideanElement {
  readonly R: Float64Array;
  readonly t: Float64Array;
}

/**
 * The Euclidean group E(n) (rotations, reflections, translations) or, with `proper`, SE(n).
 * `sample` draws translations from N(0, translationScale²).
 */
export class EuclideanGroup implements Group<EuclideanElement> {
  readonly name: string;
  readonly order = Number.POSITIVE_INFINITY;
  private readonly lin: SpecialOrthogonalGroup | OrthogonalGroup;
  constructor(
    readonly n: number,
    readonly proper = false,
    readonly translationScale = 1,
  ) {
    checkN("EuclideanGroup", n);
    this.name = proper ? `SE(${n})` : `E(${n})`;
    this.lin = proper ? new SpecialOrthogonalGroup(n) : new OrthogonalGroup(n);
  }
  identity(): EuclideanElement {
    return { R: identity(this.n), t: new Float64Array(this.n) };
  }
  compose(a: EuclideanElement, b: EuclideanElement): EuclideanElement {
    const t = matvec(a.R, b.t, this.n, this.n);
    for (let i = 0; i < this.n; i++) t[i]! += a.t[i]!;
    return { R: matmulSq(a.R, b.R, this.n), t };
  }
  inverse(a: EuclideanElement): EuclideanElement {
    const Rt = transpose(a.R, this.n, this.n);
    const t = matvec(Rt, a.t, this.n, this.n);
    for (let i = 0; i < this.n; i++) t[i] = -t[i]!;
    return { R: Rt, t };
  }
  sample(g?: Generator): EuclideanElement {
    const G = gen(g);
    const R = this.lin.sample(G);
    const t = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) t[i] = G.normal(0, this.translationScale);
    return { R, t };
  }
  equals(a: EuclideanElement, b: EuclideanElement, tol = 1e-9): boolean {
    return maxAbsDiff(a.R, b.R) <= tol && maxAbsDiff(a.t, b.t) <= tol;
  }
  format(e: EuclideanElement): string {
    return `R=[${Array.from(e.R, (v) => v.toFixed(3)).join(",")}] t=[${Array.from(e.t, (v) => v.toFixed(3)).join(",")}]`;
  }
}

/** Convenience constructors with the field's names. */
export const Cn = (n: number) => new CyclicGroup(n);
export const Dn = (n: number) => new DihedralGroup(n);
export const Sn = (n: number) => new SymmetricGroup(n);
export const p4 = (gridSize?: readonly [number, number]) => new WallpaperGroup("p4", gridSize);
export const p4m = (gridSize?: readonly [number, number]) => new WallpaperGroup("p4m", gridSize);
export const En = (n: number, translationScale = 1) => new EuclideanGroup(n, false, translationScale);
export const SEn = (n: number, translationScale = 1) => new EuclideanGroup(n, true, translationScale);
