/**
 * `R2Conv`: the E(2)-steerable convolution of Weiler & Cesa (2019). Its filter is a learned linear
 * combination of the steerable kernel basis of every pair (output field, input field), expanded into
 * an ordinary [C_out, C_in, k, k] filter and passed to `conv2d` — so the layer is equivariant to every
 * g ∈ G for which the sampled basis is exact (rotations by 90°, flips), and approximately for the rest.
 *
 * Fields with the same representation share one basis; the coefficients of each (output
 * representation, input representation) block are one parameter [nOut, nIn, basisSize]. The bias
 * lives in the invariant subspace of each output field (its trivial irreps): a regular field gets
 * one bias shared by its channels, an irrep field none.
 */

import type { LayerOptions } from "../../../nn/linear.js";
import { Module, Parameter } from "../../../nn/module.js";
import type { Action } from "../../../symmetry/actions.js";
import type { FieldGroup, FieldType } from "../../../symmetry/field_type.js";
import type { Representation } from "../../../symmetry/representation.js";
import { isGradEnabled, noGrad } from "../../../tensor/autograd.js";
import { randn, zeros } from "../../../tensor/creation.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import { type ConvPadding, conv2d, conv2dFactored } from "../../../tensor/ops/conv.js";
import { indexSelect } from "../../../tensor/ops/indexing.js";
import { gatheredMatmul, matmul } from "../../../tensor/ops/linalg.js";
import { concat, permute } from "../../../tensor/ops/shape.js";
import { Tensor } from "../../../tensor/tensor.js";
import { type KernelBasisOptions, kernelBasis, type SteerableKernelBasis } from "./basis.js";
import { decompose, repKey } from "./decompose.js";
import { checkPlanarGroup, planarGridAction } from "./planar.js";

/** Options of {@link R2Conv}. */
export interface R2ConvOptions extends LayerOptions {
  /** Zero padding (default 0), `'same'` or `'valid'`. */
  padding?: ConvPadding;
  /** Stride (default 1). */
  stride?: number;
  /** Learn a bias on the invariant part of each output field (default true). */
  bias?: boolean;
  /** Rings, widths and frequency cutoffs of the kernel basis. */
  basis?: KernelBasisOptions;
}

function inverseOrder(order: Int32Array): Tensor {
  const inv = new Int32Array(order.length);
  order.forEach((v, i) => {
    inv[v] = i;
  });
  return new Tensor(inv, [inv.length], "int32");
}

/** Checks that two field types belong to the same planar group. */
export function checkFieldTypes<E>(op: string, inType: FieldType<E>, outType: FieldType<E>): void {
  checkPlanarGroup(op, "inType", inType.group);
  if (inType.group.name !== outType.group.name) {
    throw new ErlangenError(
      `${op}: argument 'outType' expected a field type of ${inType.group.name} (the group of 'inType'), got one of ${outType.group.name}`,
    );
  }
  if (inType.size === 0 || outType.size === 0)
    throw new ErlangenError(`${op}: field types must have at least one channel, got ${inType.size} → ${outType.size}`);
}

/** Bases with more sampled values than this (size·d·k²) expand filters through their factored form. */
const FACTORED_MIN = 1 << 16;

/** A basis's factored form as tensors: per profile u, the elements using it and their coefficient rows. */
interface FactoredTensors {
  /** Elements of each profile (int32). */
  index: Tensor[];
  /** [n_u, d] rows scale·A (cosine part) or scale·B (sine part) of those elements. */
  coefficients: Tensor[];
  /** [U, k·k]. */
  profiles: Tensor;
}

function factoredTensors<E>(basis: SteerableKernelBasis<E>, dtype: "float32" | "float64"): FactoredTensors {
  const f = basis.factored();
  const d = basis.dimIn * basis.dimOut;
  const kk = basis.kernelSize * basis.kernelSize;
  const members: { el: number; sin: boolean }[][] = Array.from({ length: f.count }, () => []);
  basis.elements.forEach((_, b) => {
    members[f.cosIndex[b]!]!.push({ el: b, sin: false });
    if (f.sinIndex[b]! >= 0) members[f.sinIndex[b]!]!.push({ el: b, sin: true });
  });
  const make = (n: number) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const index: Tensor[] = [];
  const coefficients: Tensor[] = [];
  for (const m of members) {
    const rows = make(m.length * d);
    m.forEach(({ el, sin }, r) => {
      const e = basis.elements[el]!;
      const src = sin ? e.term.B : e.term.A;
      for (let q = 0; q < d; q++) rows[r * d + q] = src[q]! * e.scale;
    });
    index.push(new Tensor(Int32Array.from(m.map((x) => x.el)), [m.length], "int32"));
    coefficients.push(new Tensor(rows, [m.length, d], dtype));
  }
  const P = dtype === "float64" ? f.profiles.slice() : Float32Array.from(f.profiles);
  return { index, coefficients, profiles: new Tensor(P, [f.count, kk], dtype) };
}

interface Block<E> {
  out: FieldGroup<E>;
  in: FieldGroup<E>;
  basis: SteerableKernelBasis<E>;
}

/**
 * A steerable convolution between field types of Cn, Dn, SO(2) or O(2): input [B, inType.size, H, W],
 * output [B, outType.size, H', W']. The group acts on the input and the output by rotating/reflecting
 * the grid and transforming each field by its representation; see {@link planarGridAction}.
 *
 * ```ts
 * const G = Cn(8);
 * const inT = new FieldType(G, [trivial(G)]);
 * const outT = FieldType.repeat(G, regular(G), 8);
 * const conv = new R2Conv(inT, outT, 5, { padding: 2 });
 * ```
 */
export class R2Conv<E = unknown> extends Module<[Tensor], Tensor> {
  readonly kernelSize: number;
  readonly padding: ConvPadding;
  readonly stride: number;
  /** Coefficients of each (output rep, input rep) block [nOut, nIn, basisSize] (absent for empty bases). */
  weights: Parameter[];
  /** Bias coefficients of each output group [nOutFields, nInvariant] (absent where there is no invariant part). */
  biases: Parameter[];
  private readonly _blocks: Block<E>[];
  private readonly _outGroups: FieldGroup<E>[];
  private readonly _inGroups: FieldGroup<E>[];
  private readonly _weightIndex: (number | null)[];
  private readonly _biasIndex: (number | null)[];
  private readonly _biasVectors: (Float64Array | null)[];
  private readonly _outOrder: Tensor | null;
  private readonly _inOrder: Tensor | null;
  private readonly _useBias: boolean;
  private _basisTensors = new Map<string, Tensor>();
  private _factoredTensors = new Map<string, FactoredTensors>();
  /** The eval-mode cache of the expanded filter and bias, keyed on the parameters and their versions. */
  private _expanded: { params: Tensor[]; versions: number[]; filter: Tensor; bias: Tensor | null } | null = null;

  constructor(
    readonly inType: FieldType<E>,
    readonly outType: FieldType<E>,
    kernelSize: number,
    opts: R2ConvOptions = {},
  ) {
    super();
    checkFieldTypes("R2Conv", inType, outType);
    if (!Number.isInteger(kernelSize) || kernelSize < 1)
      throw new ErlangenError(`R2Conv: argument 'kernelSize' expected a positive integer, got ${kernelSize}`);
    this.kernelSize = kernelSize;
    this.padding = opts.padding ?? 0;
    this.stride = opts.stride ?? 1;
    const dtype = opts.dtype ?? "float32";
    this._outGroups = outType.groupFields(repKey);
    this._inGroups = inType.groupFields(repKey);
    const oo = outType.channelOrder(this._outGroups);
    const io = inType.channelOrder(this._inGroups);
    this._outOrder = oo ? inverseOrder(oo) : null;
    this._inOrder = io ? inverseOrder(io) : null;
    this._blocks = [];
    this._weightIndex = [];
    this.weights = [];
    for (const go of this._outGroups) {
      const blocks = this._inGroups.map((gi) => ({
        out: go,
        in: gi,
        basis: kernelBasis(inType.group, gi.rep, go.rep, kernelSize, opts.basis),
      }));
      // generalised He initialisation: each output channel sees Σ nIn·size basis filters of unit norm spread over d_out rows
      const fan = blocks.reduce((s, b) => s + b.in.fields.length * b.basis.size, 0);
      const std = fan > 0 ? Math.sqrt((2 * go.rep.size) / fan) : 0;
      for (const b of blocks) {
        this._blocks.push(b);
        if (b.basis.size === 0) {
          this._weightIndex.push(null);
          continue;
        }
        this._weightIndex.push(this.weights.length);
        this.weights.push(
          new Parameter(
            randn([go.fields.length, b.in.fields.length, b.basis.size], { dtype, generator: opts.generator, std }),
          ),
        );
      }
    }
    this._useBias = opts.bias ?? true;
    this.biases = [];
    this._biasIndex = [];
    this._biasVectors = [];
    for (const go of this._outGroups) {
      const inv = this._useBias ? invariantVectors(go.rep) : null;
      this._biasVectors.push(inv);
      if (inv === null) {
        this._biasIndex.push(null);
        continue;
      }
      this._biasIndex.push(this.biases.length);
      this.biases.push(new Parameter(zeros([go.fields.length, inv.length / go.rep.size], { dtype })));
    }
  }

  /** Number of basis filters over all blocks (per pair of fields). */
  get basisSizes(): number[] {
    return this._blocks.map((b) => b.basis.size);
  }

  /** How the group acts on the output (for the per-layer checker). */
  get outputAction(): Action<E, Tensor> {
    return planarGridAction(this.outType.group, { fieldType: this.outType });
  }

  private basisTensor(b: Block<E>, dtype: "float32" | "float64"): Tensor {
    const key = `${this._blocks.indexOf(b)}|${dtype}`;
    let t = this._basisTensors.get(key);
    if (!t) {
      t = b.basis.toTensor(dtype);
      this._basisTensors.set(key, t);
    }
    return t;
  }

  private factoredTensors(b: Block<E>, dtype: "float32" | "float64"): FactoredTensors {
    const key = `${this._blocks.indexOf(b)}|${dtype}|factored`;
    let t = this._factoredTensors.get(key);
    if (!t) {
      t = factoredTensors(b.basis, dtype);
      this._factoredTensors.set(key, t);
    }
    return t;
  }

  /**
   * The block's filter [nO·dO, nI·dI, k, k] from its coefficients [nO, nI, size] (rows nO·nI): coef
   * times the sampled basis [size, d·k·k] (d = dO·dI), rows reordered from (o, i, p, q) to (o, p, i, q).
   * Large bases go through the factored form (per ring-and-harmonic profile u: coef[:, elements of u] ·
   * their coefficient rows, then the sum over u of those [rows, d] matrices times the profile [k·k]),
   * which never expands the sampled basis: O(rows·size·d + rows·d·U·k²) instead of O(rows·size·d·k²);
   * there the small [U, rows·d] factor is reordered before the product with the profiles, so the
   * filter comes out in its final layout (no permute of the k²-times larger filter, nor of its gradient).
   */
  private expand(b: Block<E>, coef: Tensor, nO: number, nI: number, dtype: "float32" | "float64"): Tensor {
    const dO = b.basis.dimOut;
    const dI = b.basis.dimIn;
    const k = this.kernelSize;
    if (!this.isFactored(b)) {
      const flat = matmul(coef, this.basisTensor(b, dtype));
      return permute(flat.reshape([nO, nI, dO, dI, k, k]), [0, 2, 1, 3, 4, 5]).reshape([nO * dO, nI * dI, k, k]);
    }
    const { profiles } = this.factoredTensors(b, dtype);
    const U = profiles.shape[0]!;
    const Yt = permute(this.factorPlanes(b, coef, nO, nI, dtype).reshape([U, nO, nI, dO, dI]), [1, 3, 2, 4, 0]);
    return matmul(Yt.reshape([nO * dO * nI * dI, U]), profiles).reshape([nO * dO, nI * dI, k, k]);
  }

  /**
   * The factored form's planes [U, nO·nI·dO·dI] of a block's filter: per profile u, coef[:, elements of
   * u] · their coefficient rows, for each pair of fields (o, i) its dO·dI kernels; the filter is
   * Σ_u plane_u ⊗ profile_u, with its channels in blocks of dO×dI (see `conv2dFactored`'s `blocks`).
   */
  private factorPlanes(b: Block<E>, coef: Tensor, nO: number, nI: number, dtype: "float32" | "float64"): Tensor {
    const f = this.factoredTensors(b, dtype);
    const n = nO * nI * b.basis.dimOut * b.basis.dimIn;
    return gatheredMatmul(coef, f.index, f.coefficients).reshape([f.index.length, n]);
  }

  /**
   * The one block of a layer between single groups of fields (no channel reordering) whose filter goes
   * through the factored form, with its coefficients; else null. Its convolution can take the factors
   * straight (`conv2dFactored`), with no filter formed.
   */
  private factoredBlock(): { b: Block<E>; coef: Tensor } | null {
    if (this._blocks.length !== 1 || this._outOrder !== null || this._inOrder !== null) return null;
    const b = this._blocks[0]!;
    const wi = this._weightIndex[0];
    if (wi === null || wi === undefined || !this.isFactored(b)) return null;
    return { b, coef: this.weights[wi]! };
  }

  /** Whether a block's filter goes through the basis's factored form (large bases; see {@link FACTORED_MIN}). */
  private isFactored(b: Block<E>): boolean {
    const k = this.kernelSize;
    return b.basis.size * b.basis.dimIn * b.basis.dimOut * k * k > FACTORED_MIN;
  }

  /** The expanded filter [outType.size, inType.size, k, k] (differentiable in the coefficients). */
  filter(): Tensor {
    const k = this.kernelSize;
    const dtype = this.weights[0]?.dtype === "float64" ? "float64" : "float32";
    const rows: Tensor[] = [];
    let bi = 0;
    for (const go of this._outGroups) {
      const nO = go.fields.length;
      const dO = go.rep.size;
      const cols: Tensor[] = [];
      for (const gi of this._inGroups) {
        const b = this._blocks[bi]!;
        const wi = this._weightIndex[bi]!;
        bi++;
        const nI = gi.fields.length;
        const dI = gi.rep.size;
        if (wi === null) {
          cols.push(zeros([nO * dO, nI * dI, k, k], { dtype }));
          continue;
        }
        const coef = this.weights[wi]!;
        cols.push(this.expand(b, coef.reshape([nO * nI, b.basis.size]), nO, nI, dtype));
      }
      rows.push(cols.length === 1 ? cols[0]! : concat(cols, 1));
    }
    let W = rows.length === 1 ? rows[0]! : concat(rows, 0);
    if (this._outOrder) W = indexSelect(W, 0, this._outOrder);
    if (this._inOrder) W = indexSelect(W, 1, this._inOrder);
    return W;
  }

  /** The bias per output channel [outType.size], or null. */
  biasVector(): Tensor | null {
    if (!this._useBias || this.biases.length === 0) return null;
    const dtype = this.biases[0]!.dtype === "float64" ? "float64" : "float32";
    const parts: Tensor[] = [];
    this._outGroups.forEach((go, i) => {
      const idx = this._biasIndex[i]!;
      const dO = go.rep.size;
      if (idx === null) {
        parts.push(zeros([go.fields.length * dO], { dtype }));
        return;
      }
      const inv = this._biasVectors[i]!;
      const T = new Tensor(dtype === "float64" ? inv.slice() : Float32Array.from(inv), [inv.length / dO, dO], dtype);
      parts.push(matmul(this.biases[idx]!, T).reshape([go.fields.length * dO]));
    });
    let b = parts.length === 1 ? parts[0]! : concat(parts, 0);
    if (this._outOrder) b = indexSelect(b, 0, this._outOrder);
    return b;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4)
      throw new ErlangenError(
        `R2Conv: argument 'x' expected shape [B, ${this.inType.size}, H, W], got ${fmtShape(x.shape)}`,
      );
    this.inType.checkTensor("R2Conv", x, 1);
    const opts = { padding: this.padding, stride: this.stride };
    const fb = this.recordsFilter() ? this.factoredBlock() : null;
    if (fb !== null) {
      // training: the convolution takes the factors and the profiles, no filter (a cached one in eval)
      this._expanded = null;
      const { b, coef } = fb;
      const dtype = coef.dtype === "float64" ? "float64" : "float32";
      const nO = b.out.fields.length;
      const nI = b.in.fields.length;
      // the planes as gathered rows of the coefficients: formed where the kernels run
      const f = this.factoredTensors(b, dtype);
      const rows = { source: coef.reshape([nO * nI, b.basis.size]), indices: f.index, mats: f.coefficients };
      const blocks: [number, number] = [b.basis.dimOut, b.basis.dimIn];
      return conv2dFactored(x, rows, f.profiles, this.biasVector(), { ...opts, blocks });
    }
    const [filter, bias] = this.expanded();
    return conv2d(x, filter, bias, opts);
  }

  /**
   * The filter and bias of {@link R2Conv.forward}. In eval mode, when no gradient of the parameters is
   * recorded (`noGrad`, or parameters that do not require one), they are expanded once and cached, as
   * escnn does in eval mode: the cache holds while the parameters are the same tensors at the same
   * {@link Tensor.version} (optimizer steps and `copy_` bump it), and a forward in training mode drops it.
   */
  private expanded(): [Tensor, Tensor | null] {
    const params: Tensor[] = [...this.weights, ...this.biases];
    if (this.recordsFilter()) {
      this._expanded = null;
      return [this.filter(), this.biasVector()];
    }
    const c = this._expanded;
    if (c !== null && this.filterCached) return [c.filter, c.bias];
    const [filter, bias] = noGrad(() => [this.filter(), this.biasVector()] as const);
    this._expanded = { params, versions: params.map((p) => p.version), filter, bias };
    return [filter, bias];
  }

  /** Whether the forward forms its filter afresh: in training mode, or while parameters' gradients are recorded. */
  private recordsFilter(): boolean {
    return this.training || (isGradEnabled() && [...this.weights, ...this.biases].some((p) => p.requiresGrad));
  }

  /** Whether the next eval-mode forward without gradients reuses a cached filter (tests and benches). */
  get filterCached(): boolean {
    const c = this._expanded;
    if (c === null) return false;
    const params: Tensor[] = [...this.weights, ...this.biases];
    return (
      c.params.length === params.length && c.params.every((p, i) => p === params[i] && p.version === c.versions[i])
    );
  }

  override extraRepr(): string {
    return `${this.inType.toString()} → ${this.outType.toString()}, kernelSize=${this.kernelSize}, padding=${String(this.padding)}, stride=${this.stride}, basis=${this.basisSizes.join("/")}`;
  }
}

/** Orthonormal basis of the vectors fixed by ρ (the trivial irreps' columns of Q), [n·d] row-major; null if none. */
export function invariantVectors<E>(rep: Representation<E>): Float64Array | null {
  const d = decompose(rep);
  const n = rep.size;
  const cols: number[] = [];
  d.irreps.forEach((r, i) => {
    if (r.name === "trivial") cols.push(d.offsets[i]!);
  });
  if (cols.length === 0) return null;
  const out = new Float64Array(cols.length * n);
  cols.forEach((c, j) => {
    for (let k = 0; k < n; k++) out[j * n + k] = d.Q[k * n + c]!;
  });
  return out;
}
