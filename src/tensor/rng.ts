/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded by splitmix32). Same seed, same numbers,
 * on every platform. A global default generator backs `rand`, `randn`, init functions and dropout;
 * pass your own {@link Generator} for an independent stream.
 */
import { bernoulliMask } from "../kernels/registry.js";
import { ErlangenError } from "./errors.js";

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /**
   * Resets the stream to the one given by `seed`: any safe integer (|seed| ≤ 2^53 − 1), and distinct
   * seeds give distinct streams. The low 32 bits seed the state through splitmix32; the high bits
   * (seeds outside [0, 2^32), negative ones included) are mixed into three of its four words, so
   * seeds in [0, 2^32) keep the streams they always had. Fractions and unsafe integers (which would
   * collide with their neighbours) are refused.
   */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed))
      throw new ErlangenError(
        `Generator.manualSeed: argument 'seed' expected a safe integer (|seed| ≤ 2^53 − 1), got ${seed}`,
      );
    const lo = seed >>> 0; // seed mod 2^32, also for negative seeds
    const hi = (seed - lo) / 4294967296; // exact: an integer in [-2^21, 2^21)
    let x = (lo ^ 0x9e3779b9) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if (hi !== 0) {
      x = (hi ^ 0x85ebca6b) >>> 0;
      this.s1 = (this.s1 ^ next()) >>> 0;
      this.s2 = (this.s2 ^ next()) >>> 0;
      this.s3 = (this.s3 ^ next()) >>> 0;
    }
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spare = null;
    return this;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Integer uniform in [low, high). */
  randint(low: number, high: number): number {
    if (!(high > low)) throw new Error(`Generator.randint: need high > low, got low=${low}, high=${high}`);
    return low + Math.floor(this.random() * (high - low));
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(a: T[] | Int32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /**
   * Fills `out` with uniform draws on [low, high) (32 random bits each). Much faster than calling
   * {@link Generator.random} per element: the state lives in local variables for the whole loop.
   */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): typeof out {
    const scale = (high - low) / 4294967296;
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0; i < out.length; i++) {
      const m5 = Math.imul(s1, 5);
      const r = Math.imul((m5 << 7) | (m5 >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = low + r * scale;
    }
    this.saveState(s0, s1, s2, s3);
    return out;
  }

  /** Fills `out` with normal draws N(mean, std²) (Box–Muller on pairs of 32-bit uniforms). */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    const n = out.length;
    const u = new Float64Array(n + (n % 2));
    this.fillUniform(u);
    for (let i = 0; i < u.length; i += 2) {
      const rad = std * Math.sqrt(-2 * Math.log(1 - u[i]!));
      const t = 2 * Math.PI * u[i + 1]!;
      out[i] = mean + rad * Math.cos(t);
      if (i + 1 < n) out[i + 1] = mean + rad * Math.sin(t);
    }
    return out;
  }

  /** Inverted-dropout mask: out[i] = `scale` with probability `keep`, else 0 (24-bit threshold). */
  fillBernoulli(out: Float32Array | Float64Array, keep: number, scale = 1): typeof out {
    const state = Int32Array.of(this.s0, this.s1, this.s2, this.s3);
    bernoulliMask(out, state, Math.floor((1 - keep) * 16777216), scale);
    this.saveState(state[0]!, state[1]!, state[2]!, state[3]!);
    return out;
  }

  private saveState(s0: number, s1: number, s2: number, s3: number): void {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    this.spare = null;
  }

  /** Snapshot of the internal state (to resume a stream). */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: readonly number[]): this {
    if (state.length !== 4) throw new Error(`Generator.setState: expected 4 numbers, got ${state.length}`);
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    this.spare = null;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let defaultGenerator = new Generator(0);

/** The global generator used when no generator is passed. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/** Seeds the global generator (like `torch.manual_seed`). */
export function manualSeed(seed: number): Generator {
  defaultGenerator = new Generator(seed);
  return defaultGenerator;
}
