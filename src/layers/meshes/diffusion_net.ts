/**
 * DiffusionNet (Sharp, Attaiki, Crane, Ovsjanikov, "DiffusionNet: Discretization Agnostic Learning on
 * Surfaces", ToG 2022). A block maps vertex features x ∈ ℝ^{V×C} by
 *
 *   h    = Φ (e^{−λ t_c} ⊙ Φᵀ M x)                      learned diffusion, one time t_c ≥ 0 per channel
 *   g    = (G_x h) + i (G_y h) ∈ ℂ^{V×C}               spatial gradients in each vertex's tangent frame
 *   w    = tanh(Re(ḡ ⊙ (A g)))  with A = A_re + i A_im  gradient features (A real without rotations)
 *   x'   = x + MLP([x, h, w])                           pointwise MLP with a residual
 *
 * with Φ ∈ ℝ^{V×k}, λ ∈ ℝ^k the first k eigenpairs of L φ = λ M φ (M-orthonormal), M the lumped mass
 * and G_x, G_y DiffusionNet's gradient operator ({@link vertexGradient}). The model is a first Linear,
 * N blocks and a last Linear, with outputs at vertices, faces or edges (the mean over the incident
 * vertices), or the mass-weighted mean over the surface for classification.
 *
 * Operators come precomputed per mesh ({@link diffusionNetOperators}); the layers take them as tensors,
 * so they do not depend on how they were computed. Everything is intrinsic up to the tangent frames,
 * and the gradient features do not depend on those: with HKS inputs the model is invariant to rigid
 * motions of the mesh (and, up to discretisation, to isometric deformations).
 */

import { type MeshEigenbasis, meshEigenbasis } from "../../domains/mesh/eigenbasis.js";
import type { TangentFrames } from "../../domains/mesh/frames.js";
import { type VertexGradientOptions, vertexGradient } from "../../domains/mesh/gradient.js";
import type { LaplacianOptions } from "../../domains/mesh/laplacian.js";
import type { Mesh } from "../../domains/mesh/mesh.js";
import { normalizePositions } from "../../domains/mesh/normalize.js";
import { edgeTensor, faceTensor, floatTensor } from "../../domains/mesh/tensors.js";
import { Linear } from "../../nn/linear.js";
import { MLP } from "../../nn/mlp.js";
import { Module, ModuleList, Parameter } from "../../nn/module.js";
import { zeros } from "../../tensor/creation.js";
import { check, fmtShape, opError } from "../../tensor/errors.js";
import { add, clamp, exp, lt, mul, neg, sub, tanh } from "../../tensor/ops/elementwise.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { concat } from "../../tensor/ops/shape.js";
import { type SparseMatrix, spmm } from "../../tensor/sparse.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkMeshBasis, type MeshInput, meshInputs } from "./inputs.js";
import { checkMeshOutputs, type MeshOutputs, meshReadout } from "./readout.js";

/**
 * The per-mesh operators of DiffusionNet as tensors (one float dtype; `float32` for training).
 * `faces` and `edges` are needed only for outputs at faces or edges.
 */
export interface DiffusionNetOperators {
  /** Lumped mass (vertex areas) `[V]`. */
  mass: Tensor;
  /** The k smallest eigenvalues of L φ = λ M φ, ascending, `[k]`. */
  evals: Tensor;
  /** The M-orthonormal eigenvectors as columns, `[V, k]`. */
  evecs: Tensor;
  /** x-component of the spatial gradient in each vertex's tangent frame, `[V, V]` sparse. */
  gradX: SparseMatrix;
  /** y-component of the spatial gradient, `[V, V]` sparse. */
  gradY: SparseMatrix;
  /** Triangles `[F, 3]` int32 (outputs at faces). */
  faces?: Tensor | null;
  /** Edges `[E, 2]` int32 (outputs at edges; any edge numbering the data side uses). */
  edges?: Tensor | null;
}

const projectors = new WeakMap<Tensor, { mass: Tensor; version: number; out: Tensor }>();

/** Φᵀ M `[k, V]`, cached per eigenvector tensor (recomputed if the tensors change). */
function evecsTMass(ops: DiffusionNetOperators): Tensor {
  const hit = projectors.get(ops.evecs);
  if (hit !== undefined && hit.mass === ops.mass && hit.version === ops.evecs.version + ops.mass.version)
    return hit.out;
  const [V, k] = ops.evecs.shape as [number, number];
  const e = ops.evecs.data;
  const m = ops.mass.data;
  const out = new Tensor(
    ops.evecs.dtype === "float64" ? new Float64Array(k * V) : new Float32Array(k * V),
    [k, V],
    ops.evecs.dtype,
  );
  const o = out.data;
  for (let v = 0; v < V; v++) for (let j = 0; j < k; j++) o[j * V + v] = e[v * k + j]! * m[v]!;
  projectors.set(ops.evecs, { mass: ops.mass, version: ops.evecs.version + ops.mass.version, out });
  return out;
}

/** Checks the operator record against `V` vertices and the features' dtype. */
export function checkDiffusionNetOperators(op: string, ops: DiffusionNetOperators, V: number, dtype: string): void {
  if (ops === null || typeof ops !== "object") opError(op, "ops", "a DiffusionNetOperators record", String(ops));
  const { mass, evals, evecs, gradX, gradY } = ops;
  if (!(mass instanceof Tensor) || mass.ndim !== 1 || mass.shape[0] !== V)
    opError(op, "ops.mass", `a tensor of shape [${V}]`, mass instanceof Tensor ? fmtShape(mass.shape) : String(mass));
  if (!(evecs instanceof Tensor) || evecs.ndim !== 2 || evecs.shape[0] !== V)
    opError(op, "ops.evecs", `a tensor of shape [${V}, k]`, evecs instanceof Tensor ? fmtShape(evecs.shape) : "none");
  const k = evecs.shape[1]!;
  if (!(evals instanceof Tensor) || evals.ndim !== 1 || evals.shape[0] !== k)
    opError(op, "ops.evals", `a tensor of shape [${k}]`, evals instanceof Tensor ? fmtShape(evals.shape) : "none");
  for (const [name, t] of [
    ["ops.mass", mass],
    ["ops.evals", evals],
    ["ops.evecs", evecs],
  ] as const) {
    if (t.dtype !== dtype) opError(op, name, `dtype ${dtype} (the features' dtype)`, t.dtype);
  }
  for (const [name, g] of [
    ["ops.gradX", gradX],
    ["ops.gradY", gradY],
  ] as const) {
    if (g === undefined || g === null || g.shape === undefined || g.shape[0] !== V || g.shape[1] !== V)
      opError(op, name, `a ${V}×${V} SparseMatrix`, g?.shape ? fmtShape(g.shape) : String(g));
  }
}

/**
 * Heat diffusion for a learned time per channel, through the spectral basis:
 * h = Φ (e^{−λ t_c} ⊙ Φᵀ M x). The times start at 0 (the identity on the span of Φ) and are
 * clamped to ≥ 1e-8 before every forward, as in DiffusionNet.
 */
export class LearnedTimeDiffusion extends Module<[Tensor, DiffusionNetOperators], Tensor> {
  readonly channels: number;
  /** t_c, `[channels]`. */
  diffusionTime: Parameter;

  constructor(channels: number, opts: { dtype?: "float32" | "float64" } = {}) {
    super();
    check(
      Number.isInteger(channels) && channels > 0,
      "LearnedTimeDiffusion",
      "channels",
      "a positive integer",
      String(channels),
    );
    this.channels = channels;
    this.diffusionTime = new Parameter(zeros([channels], { dtype: opts.dtype ?? "float32" }));
  }

  /**
   * @param x - vertex features `[V, channels]`.
   * @param ops - the mesh's operators (mass, evals, evecs are read).
   */
  forward(x: Tensor, ops: DiffusionNetOperators): Tensor {
    const op = "LearnedTimeDiffusion";
    if (x.ndim !== 2 || x.shape[1] !== this.channels)
      opError(op, "x", `shape [V, ${this.channels}]`, fmtShape(x.shape));
    checkDiffusionNetOperators(op, ops, x.shape[0]!, x.dtype);
    const t = this.diffusionTime.data;
    for (let c = 0; c < t.length; c++) if (!(t[c]! >= 1e-8)) t[c] = 1e-8;
    const k = ops.evals.shape[0]!;
    const spec = matmul(evecsTMass(ops), x); // [k, C]
    // e^{−λt}, set to 0 below e^{−60} so that float32 coefficients and their gradients stay out of
    // subnormal numbers (tens of times slower in WebAssembly) once some times have grown in training
    const z = mul(ops.evals.reshape([k, 1]), this.diffusionTime.reshape([1, this.channels]));
    const coefs = mul(exp(neg(clamp(z, undefined, 60))), lt(z, 60).cast(z.dtype));
    return matmul(ops.evecs, mul(coefs, spec));
  }

  override extraRepr(): string {
    return `${this.channels}`;
  }
}

/**
 * DiffusionNet's spatial gradient features: for complex gradients g = g_x + i g_y `[V, C]`,
 * w = tanh(Re(ḡ ⊙ (A g))) with A = A_re + i A_im learned C×C (a learned rotation and scaling of the
 * gradients), or A real with `withGradientRotations: false`. Invariant to the choice of tangent frame.
 */
export class SpatialGradientFeatures extends Module<[Tensor, Tensor], Tensor> {
  readonly channels: number;
  readonly withGradientRotations: boolean;
  /** A_re (A without rotations), C×C, no bias. */
  aRe: Linear;
  /** A_im, C×C, no bias (rotations only). */
  aIm: Linear | null;

  constructor(channels: number, opts: { withGradientRotations?: boolean; dtype?: "float32" | "float64" } = {}) {
    super();
    this.channels = channels;
    this.withGradientRotations = opts.withGradientRotations ?? true;
    this.aRe = new Linear(channels, channels, { bias: false, dtype: opts.dtype });
    this.aIm = this.withGradientRotations ? new Linear(channels, channels, { bias: false, dtype: opts.dtype }) : null;
  }

  /**
   * @param gx - real parts (x-components) of the gradients `[V, C]`.
   * @param gy - imaginary parts (y-components) `[V, C]`.
   */
  forward(gx: Tensor, gy: Tensor): Tensor {
    let bRe = this.aRe.forward(gx);
    let bIm = this.aRe.forward(gy);
    if (this.aIm !== null) {
      bRe = sub(bRe, this.aIm.forward(gy));
      bIm = add(bIm, this.aIm.forward(gx));
    }
    return tanh(add(mul(gx, bRe), mul(gy, bIm)));
  }

  override extraRepr(): string {
    return `${this.channels}, withGradientRotations=${this.withGradientRotations}`;
  }
}

/** Options of {@link DiffusionNetBlock}. */
export interface DiffusionNetBlockOptions {
  /** Hidden sizes of the pointwise MLP (default `[width, width]`). */
  mlpHidden?: readonly number[];
  /** Dropout probability before every MLP layer but the first (default 0.5, DiffusionNet's; 0 for none). */
  dropout?: number;
  /** Use the spatial gradient features (default true). */
  withGradientFeatures?: boolean;
  /** Learn a rotation of the gradients (complex A; default true). */
  withGradientRotations?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** One DiffusionNet block: diffusion → gradient features → MLP on [x, h, w] → residual (see the file header). */
export class DiffusionNetBlock extends Module<[Tensor, DiffusionNetOperators], Tensor> {
  readonly width: number;
  diffusion: LearnedTimeDiffusion;
  gradientFeatures: SpatialGradientFeatures | null;
  mlp: MLP;

  constructor(width: number, opts: DiffusionNetBlockOptions = {}) {
    super();
    this.width = width;
    const p = opts.dropout ?? 0.5;
    check(p >= 0 && p < 1, "DiffusionNetBlock", "dropout", "a probability in [0, 1)", String(p));
    this.diffusion = new LearnedTimeDiffusion(width, { dtype: opts.dtype });
    const withGrad = opts.withGradientFeatures ?? true;
    this.gradientFeatures = withGrad
      ? new SpatialGradientFeatures(width, { withGradientRotations: opts.withGradientRotations, dtype: opts.dtype })
      : null;
    const hidden = opts.mlpHidden ?? [width, width];
    this.mlp = new MLP([(withGrad ? 3 : 2) * width, ...hidden, width], {
      norm: null,
      act: "relu",
      dropout: p,
      dtype: opts.dtype,
    });
  }

  /**
   * @param x - vertex features `[V, width]`.
   * @param ops - the mesh's operators.
   */
  forward(x: Tensor, ops: DiffusionNetOperators): Tensor {
    const h = this.diffusion.forward(x, ops);
    const parts = [x, h];
    if (this.gradientFeatures !== null) {
      parts.push(this.gradientFeatures.forward(spmm(ops.gradX, h), spmm(ops.gradY, h)));
    }
    return add(x, this.mlp.forward(concat(parts, 1)));
  }

  override extraRepr(): string {
    return `${this.width}`;
  }
}

/** Options of {@link DiffusionNet}. */
export interface DiffusionNetOptions extends DiffusionNetBlockOptions {
  /** Width C of the blocks (default 128). */
  width?: number;
  /** Number of blocks (default 4). */
  blocks?: number;
  /**
   * Outputs at `vertices` (default), `faces` or `edges` (the mean over the incident vertices; needs
   * `ops.faces` / `ops.edges`), or `globalMean` (the mass-weighted mean over the surface, `[1, out]`).
   */
  outputsAt?: MeshOutputs;
  /**
   * Input features made by {@link DiffusionNet.precompute}: `xyz` (normalised positions) or `hks`
   * (`inChannels` log-spaced times). Default `xyz` when `inChannels` is 3, else `hks`.
   */
  input?: MeshInput;
  /** Eigenpairs k used by {@link DiffusionNet.precompute} (default 128). */
  k?: number;
}

/**
 * DiffusionNet: Linear(in → C) → N × {@link DiffusionNetBlock} → Linear(C → out) → readout
 * ({@link MeshOutputs}). Defaults follow the paper (C = 128, 4 blocks, MLP [C, C], dropout 0.5,
 * gradient features with rotations). The output is logits (no final activation).
 *
 * Forward convention: `forward(x, ops)` with vertex features `x [V, inChannels]` (xyz or HKS; see
 * {@link meshInputs}) and the mesh's {@link DiffusionNetOperators}; it returns `[V, out]`,
 * `[F, out]`, `[E, out]` or `[1, out]` (globalMean).
 */
export class DiffusionNet extends Module<[Tensor, DiffusionNetOperators], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly width: number;
  readonly outputsAt: MeshOutputs;
  readonly input: MeshInput;
  readonly k: number;
  firstLin: Linear;
  blocks: ModuleList<DiffusionNetBlock>;
  lastLin: Linear;

  constructor(inChannels: number, outChannels: number, opts: DiffusionNetOptions = {}) {
    super();
    const width = opts.width ?? 128;
    const nBlocks = opts.blocks ?? 4;
    check(Number.isInteger(width) && width > 0, "DiffusionNet", "width", "a positive integer", String(width));
    check(
      Number.isInteger(nBlocks) && nBlocks >= 0,
      "DiffusionNet",
      "blocks",
      "a non-negative integer",
      String(nBlocks),
    );
    const outputsAt = checkMeshOutputs("DiffusionNet", opts.outputsAt ?? "vertices");
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.width = width;
    this.outputsAt = outputsAt;
    this.input = opts.input ?? (inChannels === 3 ? "xyz" : "hks");
    if (this.input === "xyz" && inChannels !== 3)
      opError("DiffusionNet", "inChannels", "3 for xyz inputs", String(inChannels));
    this.k = opts.k ?? 128;
    this.firstLin = new Linear(inChannels, width, { dtype: opts.dtype });
    this.blocks = new ModuleList(Array.from({ length: nBlocks }, () => new DiffusionNetBlock(width, opts)));
    this.lastLin = new Linear(width, outChannels, { dtype: opts.dtype });
  }

  /**
   * @param x - vertex features `[V, inChannels]`.
   * @param ops - the mesh's operators ({@link diffusionNetOperators}).
   */
  forward(x: Tensor, ops: DiffusionNetOperators): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inChannels)
      opError("DiffusionNet", "x", `shape [V, ${this.inChannels}]`, fmtShape(x.shape));
    let h = this.firstLin.forward(x);
    for (const b of this.blocks) h = b.forward(h, ops);
    h = this.lastLin.forward(h);
    return meshReadout(h, this.outputsAt, ops);
  }

  /**
   * The per-mesh inputs of this model: the mesh normalised ({@link normalizePositions}), its
   * {@link diffusionNetOperators} (k eigenpairs) and the input features (`this.input`), in the
   * parameters' dtype. Cache the result per mesh; `forward(x, ops)` runs the model on it.
   */
  precompute(
    mesh: Mesh,
    opts: { basis?: MeshEigenbasis; frames?: TangentFrames } = {},
  ): { x: Tensor; ops: DiffusionNetOperators } {
    const dtype = this.firstLin.weight.dtype === "float64" ? "float64" : "float32";
    const m = normalizePositions(mesh);
    const k = Math.min(this.k, m.numVertices);
    const basis = opts.basis ?? meshEigenbasis(m, k, { laplacian: DIFFUSION_NET_LAPLACIAN });
    const ops = diffusionNetOperators(m, { k, basis, gradient: { frames: opts.frames }, dtype });
    const x = meshInputs(m, this.input, { basis, hksCount: this.inChannels, dtype });
    return { x, ops };
  }

  /** `forward(...precompute(mesh))`: the model as a function of the mesh. */
  forwardMesh(mesh: Mesh, opts: { basis?: MeshEigenbasis; frames?: TangentFrames } = {}): Tensor {
    const { x, ops } = this.precompute(mesh, opts);
    return this.forward(x, ops);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, width=${this.width}, blocks=${this.blocks.length}, outputsAt=${this.outputsAt}`;
  }
}

// ---------------------------------------------------------------------------------------------
// per-mesh precompute

/** The Laplacian DiffusionNet's eigenbasis is built on: the intrinsic Delaunay one (robust-laplacian's). */
export const DIFFUSION_NET_LAPLACIAN: LaplacianOptions = Object.freeze({ intrinsicDelaunay: true });

/** Options of {@link diffusionNetOperators}. */
export interface DiffusionNetOperatorOptions {
  /** Number of eigenpairs k (default 128, DiffusionNet's; at most V). */
  k?: number;
  /**
   * A precomputed eigenbasis with at least k pairs (the first k are used). Default:
   * `meshEigenbasis(mesh, k)` on the intrinsic Delaunay Laplacian (robust-laplacian's, as DiffusionNet).
   */
  basis?: MeshEigenbasis;
  /** How the Laplacian of the default basis is built (default `{ intrinsicDelaunay: true }`). */
  laplacian?: LaplacianOptions;
  /** Options of the gradient operator ({@link vertexGradient}; its frames default to {@link tangentFrames}). */
  gradient?: VertexGradientOptions;
  /** dtype of the float tensors (default float32). */
  dtype?: "float32" | "float64";
}

/**
 * The {@link DiffusionNetOperators} of a mesh as tensors: mass, the first k eigenpairs (negative
 * round-off eigenvalues clamped to 0), the gradient operator, faces and edges. Compute once per mesh
 * and cache; the operators of a rigidly moved mesh are the same up to the tangent frames.
 */
export function diffusionNetOperators(mesh: Mesh, opts: DiffusionNetOperatorOptions = {}): DiffusionNetOperators {
  const op = "diffusionNetOperators";
  const V = mesh.numVertices;
  const k = Math.min(opts.k ?? 128, V);
  check(Number.isInteger(k) && k > 0, op, "k", "a positive integer", String(opts.k));
  const dtype = opts.dtype ?? "float32";
  const basis = checkMeshBasis(
    op,
    mesh,
    k,
    opts.basis ?? meshEigenbasis(mesh, k, { laplacian: opts.laplacian ?? DIFFUSION_NET_LAPLACIAN }),
  );
  const kb = basis.values.length;
  const evals = new Float64Array(k);
  for (let j = 0; j < k; j++) evals[j] = Math.max(basis.values[j]!, 0);
  const evecs = new Float64Array(V * k);
  for (let v = 0; v < V; v++) for (let j = 0; j < k; j++) evecs[v * k + j] = basis.vectors[v * kb + j]!;
  const { gradX, gradY } = vertexGradient(mesh, opts.gradient);
  return {
    mass: floatTensor(basis.mass, [V], dtype),
    evals: floatTensor(evals, [k], dtype),
    evecs: floatTensor(evecs, [V, k], dtype),
    gradX: gradX.toSparseMatrix(dtype),
    gradY: gradY.toSparseMatrix(dtype),
    faces: faceTensor(mesh),
    edges: edgeTensor(mesh),
  };
}
