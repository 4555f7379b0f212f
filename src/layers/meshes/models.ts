/**
 * Ready-made mesh models for classification and segmentation, each a small stack of one geodesic layer
 * family with a readout and a linear head:
 *
 *   h⁰ = x,   h^l = dropout(act(conv_l(h^{l−1}, ops))),   y = Linear(readout(h^L))
 *
 * - {@link MoNet}: `GMMConv` on the mesh graph with local polar pseudo-coordinates (Monti et al. 2017);
 * - {@link FeaStNet}: `FeaStConv` on the mesh graph (Verma et al. 2018);
 * - {@link GeodesicPolarCNN}: `GeodesicPolarConv` with angular max pooling (Masci et al. 2015);
 * - {@link MeshChebNet}: `MeshChebConv` on the rescaled Laplace–Beltrami operator.
 *
 * (DiffusionNet is in `diffusion_net.ts`.) The readout gives outputs at vertices, faces, edges or the
 * area-weighted mean over the surface (`[1, numClasses]`, for classification); see `readout.ts`.
 *
 * Every model has the same three entry points: `precompute(mesh)` returns `{ x, ops }` (the mesh
 * normalised to unit radius, its input features and operators as tensors; cache it per mesh),
 * `forward(x, ops)` runs the model, and `forwardMesh(mesh)` does both (the function-style entry point
 * for measuring how outputs change under remeshing or bending). Inputs are `xyz` (3 channels) or `hks`
 * (`inChannels` times; needs an eigenbasis, given as `opts.basis` to `precompute`).
 */

import { type ChebyshevLaplacianOptions, chebyshevLaplacian } from "../../domains/mesh/chebyshev.js";
import { meshToGraph } from "../../domains/mesh/convert.js";
import { type MeshEigenbasis, meshEigenbasis } from "../../domains/mesh/eigenbasis.js";
import type { TangentFrames } from "../../domains/mesh/frames.js";
import { type LaplacianOptions, laplacianAndMass, massMatrix } from "../../domains/mesh/laplacian.js";
import type { Mesh } from "../../domains/mesh/mesh.js";
import { normalizePositions } from "../../domains/mesh/normalize.js";
import { geodesicPolarPatches, type PolarPatchOptions } from "../../domains/mesh/polar_patches.js";
import { cartesianPseudoCoords, localPolarPseudoCoords } from "../../domains/mesh/pseudo_coords.js";
import { edgeTensor, faceTensor, floatTensor } from "../../domains/mesh/tensors.js";
import { Linear } from "../../nn/linear.js";
import { Module, ModuleList } from "../../nn/module.js";
import { check, opError } from "../../tensor/errors.js";
import { elu, relu } from "../../tensor/ops/elementwise.js";
import { dropout } from "../../tensor/ops/random.js";
import type { SparseMatrix } from "../../tensor/sparse.js";
import type { Tensor } from "../../tensor/tensor.js";
import { DIFFUSION_NET_LAPLACIAN } from "./diffusion_net.js";
import { FeaStConv } from "./feast_conv.js";
import { GeodesicPolarConv } from "./geodesic_polar_conv.js";
import { GMMConv } from "./gmm_conv.js";
import type { MeshInput } from "./inputs.js";
import { meshInputs } from "./inputs.js";
import { MeshChebConv } from "./mesh_cheb_conv.js";
import { checkMeshOutputs, type MeshOutputs, meshReadout } from "./readout.js";

/** What every mesh model's operators carry for the readout. */
export interface MeshReadoutOps {
  /** Vertex areas `[V]` (the weights of the global mean). */
  mass: Tensor;
  /** Triangles `[F, 3]` int32 (outputs at faces). */
  faces: Tensor;
  /** Edges `[E, 2]` int32 (outputs at edges; replace with the data set's own edge order if needed). */
  edges: Tensor;
}

/** Options shared by the mesh models. */
export interface MeshModelOptions {
  /** Widths of the convolution layers (default per model). */
  hidden?: readonly number[];
  /** Dropout after every convolution (default 0). */
  dropout?: number;
  /** Outputs at `vertices` (default), `faces`, `edges` or `globalMean`. */
  outputsAt?: MeshOutputs;
  /** Input features made by `precompute` (default `xyz` when inChannels is 3, else `hks`). */
  input?: MeshInput;
  /** Eigenpairs of the basis behind HKS inputs (default 128). */
  k?: number;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/**
 * Per-mesh options of `precompute`: an eigenbasis of the normalised mesh for HKS inputs (default
 * `meshEigenbasis(mesh, k)` on the intrinsic Delaunay Laplacian), tangent frames (default
 * `tangentFrames`).
 */
export interface MeshPrecomputeOptions {
  basis?: MeshEigenbasis;
  frames?: TangentFrames;
}

function readoutOps(mesh: Mesh, dtype: "float32" | "float64"): MeshReadoutOps {
  return {
    mass: floatTensor(massMatrix(mesh), [mesh.numVertices], dtype),
    faces: faceTensor(mesh),
    edges: edgeTensor(mesh),
  };
}

/** The stack, readout and head shared by the models; subclasses give the layers and the operators. */
abstract class MeshConvNet<Ops extends MeshReadoutOps> extends Module<[Tensor, Ops], Tensor> {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly outputsAt: MeshOutputs;
  readonly input: MeshInput;
  readonly dropout: number;
  readonly k: number;
  convs: ModuleList<Module>;
  head: Linear;
  protected readonly _act: (t: Tensor) => Tensor;

  protected constructor(
    name: string,
    inChannels: number,
    numClasses: number,
    hidden: readonly number[],
    opts: MeshModelOptions,
    act: (t: Tensor) => Tensor,
    makeConv: (cin: number, cout: number) => Module,
  ) {
    super();
    check(Number.isInteger(inChannels) && inChannels > 0, name, "inChannels", "a positive integer", String(inChannels));
    check(Number.isInteger(numClasses) && numClasses > 0, name, "numClasses", "a positive integer", String(numClasses));
    if (hidden.length === 0 || !hidden.every((h) => Number.isInteger(h) && h > 0))
      opError(name, "hidden", "one or more positive widths", `[${hidden.join(", ")}]`);
    const p = opts.dropout ?? 0;
    check(p >= 0 && p < 1, name, "dropout", "a probability in [0, 1)", String(p));
    this.inChannels = inChannels;
    this.numClasses = numClasses;
    this.outputsAt = checkMeshOutputs(name, opts.outputsAt ?? "vertices");
    this.input = opts.input ?? (inChannels === 3 ? "xyz" : "hks");
    if (this.input === "xyz" && inChannels !== 3) opError(name, "inChannels", "3 for xyz inputs", String(inChannels));
    this.dropout = p;
    this.k = opts.k ?? 128;
    const widths = [inChannels, ...hidden];
    this.convs = new ModuleList(hidden.map((h, l) => makeConv(widths[l]!, h)));
    this.head = new Linear(hidden[hidden.length - 1]!, numClasses, { dtype: opts.dtype });
    this._act = act;
  }

  /** One convolution on the mesh. */
  protected abstract conv(layer: Module, h: Tensor, ops: Ops): Tensor;

  /** The model's operators of a normalised mesh. */
  protected abstract operators(mesh: Mesh, dtype: "float32" | "float64", opts: MeshPrecomputeOptions): Ops;

  /**
   * @param x - vertex features `[V, inChannels]`.
   * @param ops - the mesh's operators (from `precompute`).
   * @returns `[V | F | E, numClasses]`, or `[1, numClasses]` for `globalMean`.
   */
  forward(x: Tensor, ops: Ops): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inChannels)
      opError(this.constructor.name, "x", `shape [V, ${this.inChannels}]`, `[${x.shape.join(", ")}]`);
    let h = x;
    for (const c of this.convs) h = dropout(this._act(this.conv(c, h, ops)), this.dropout, this.training);
    return this.head.forward(meshReadout(h, this.outputsAt, ops));
  }

  /** The mesh normalised to unit radius, its input features and operators, in the parameters' dtype. */
  precompute(mesh: Mesh, opts: MeshPrecomputeOptions = {}): { x: Tensor; ops: Ops } {
    const dtype = this.head.weight.dtype === "float64" ? "float64" : "float32";
    const m = normalizePositions(mesh);
    const basis =
      this.input === "hks"
        ? (opts.basis ?? meshEigenbasis(m, Math.min(this.k, m.numVertices), { laplacian: DIFFUSION_NET_LAPLACIAN }))
        : undefined;
    const x = meshInputs(m, this.input, { basis, hksCount: this.inChannels, dtype });
    return { x, ops: this.operators(m, dtype, opts) };
  }

  /** `forward(...precompute(mesh))`: the model as a function of the mesh. */
  forwardMesh(mesh: Mesh, opts: MeshPrecomputeOptions = {}): Tensor {
    const { x, ops } = this.precompute(mesh, opts);
    return this.forward(x, ops);
  }
}

// ---------------------------------------------------------------------------------------------
// MoNet

/** Operators of {@link MoNet}: the mesh graph and its pseudo-coordinates. */
export interface MoNetOps extends MeshReadoutOps {
  /** Directed mesh edges `[2, 2E]` int32. */
  edgeIndex: Tensor;
  /** Pseudo-coordinates `[2E, dim]`. */
  pseudo: Tensor;
}

/** Options of {@link MoNet}. */
export interface MoNetOptions extends MeshModelOptions {
  /** Gaussians per layer (default 8). */
  kernelSize?: number;
  /** `localPolar` (ρ/ρ_max, θ/2π in each vertex's tangent frame; default, intrinsic) or `cartesian` (xyz offsets). */
  pseudo?: "localPolar" | "cartesian";
}

/**
 * MoNet (Monti et al. 2017) on a mesh: `GMMConv` layers (default widths [32, 64, 128], K = 8 Gaussians,
 * ELU) over the mesh edges with local polar pseudo-coordinates, readout, Linear head.
 */
export class MoNet extends MeshConvNet<MoNetOps> {
  readonly pseudo: "localPolar" | "cartesian";

  constructor(inChannels: number, numClasses: number, opts: MoNetOptions = {}) {
    const pseudo = opts.pseudo ?? "localPolar";
    if (pseudo !== "localPolar" && pseudo !== "cartesian")
      opError("MoNet", "pseudo", "'localPolar' or 'cartesian'", String(pseudo));
    const dim = pseudo === "localPolar" ? 2 : 3;
    const K = opts.kernelSize ?? 8;
    super(
      "MoNet",
      inChannels,
      numClasses,
      opts.hidden ?? [32, 64, 128],
      opts,
      (t) => elu(t),
      (cin, cout) => {
        return new GMMConv(cin, cout, dim, K, { dtype: opts.dtype });
      },
    );
    this.pseudo = pseudo;
  }

  protected conv(layer: Module, h: Tensor, ops: MoNetOps): Tensor {
    return (layer as GMMConv).forward(h, ops.edgeIndex, ops.pseudo);
  }

  protected operators(mesh: Mesh, dtype: "float32" | "float64", opts: MeshPrecomputeOptions): MoNetOps {
    const edgeIndex = meshToGraph(mesh).edgeIndex;
    const pseudo =
      this.pseudo === "localPolar"
        ? localPolarPseudoCoords(mesh, edgeIndex, { frames: opts.frames, dtype })
        : cartesianPseudoCoords(mesh.positions, 3, edgeIndex, { dtype });
    return { ...readoutOps(mesh, dtype), edgeIndex, pseudo };
  }
}

// ---------------------------------------------------------------------------------------------
// FeaStNet

/** Operators of {@link FeaStNet}: the mesh graph. */
export interface FeaStNetOps extends MeshReadoutOps {
  /** Directed mesh edges `[2, 2E]` int32. */
  edgeIndex: Tensor;
}

/** Options of {@link FeaStNet}. */
export interface FeaStNetOptions extends MeshModelOptions {
  /** Weight matrices per layer (default 9). */
  heads?: number;
}

/**
 * FeaStNet (Verma et al. 2018) on a mesh: `FeaStConv` layers (default widths [32, 64, 128], 9 heads,
 * ReLU) over the mesh edges with self-loops, readout, Linear head.
 */
export class FeaStNet extends MeshConvNet<FeaStNetOps> {
  constructor(inChannels: number, numClasses: number, opts: FeaStNetOptions = {}) {
    const heads = opts.heads ?? 9;
    super("FeaStNet", inChannels, numClasses, opts.hidden ?? [32, 64, 128], opts, relu, (cin, cout) => {
      return new FeaStConv(cin, cout, { heads, dtype: opts.dtype });
    });
  }

  protected conv(layer: Module, h: Tensor, ops: FeaStNetOps): Tensor {
    return (layer as FeaStConv).forward(h, ops.edgeIndex);
  }

  protected operators(mesh: Mesh, dtype: "float32" | "float64"): FeaStNetOps {
    return { ...readoutOps(mesh, dtype), edgeIndex: meshToGraph(mesh).edgeIndex };
  }
}

// ---------------------------------------------------------------------------------------------
// Geodesic polar CNN

/** Operators of {@link GeodesicPolarCNN}: the patch operator. */
export interface GeodesicPolarOps extends MeshReadoutOps {
  /** `[V · nRho · nTheta, V]` (`geodesicPolarPatches`). */
  patches: SparseMatrix;
}

/** Options of {@link GeodesicPolarCNN}. */
export interface GeodesicPolarCNNOptions extends MeshModelOptions {
  /** Radial bins (default 3). */
  nRho?: number;
  /** Angular bins (default 8). */
  nTheta?: number;
  /** Patch neighbourhood in rings (default 2). */
  rings?: number;
  /** Further patch options (radius, widths). */
  patch?: Omit<PolarPatchOptions, "nRho" | "nTheta">;
}

/**
 * Masci et al.'s geodesic CNN on a mesh: `GeodesicPolarConv` layers with angular max pooling (default
 * widths [32, 64], 3 × 8 polar bins over the 2-ring, ReLU), readout, Linear head. Invariant to each
 * vertex's angular origin and, with HKS inputs, to rigid motions.
 */
export class GeodesicPolarCNN extends MeshConvNet<GeodesicPolarOps> {
  readonly nRho: number;
  readonly nTheta: number;
  readonly rings: number;
  readonly patch: Omit<PolarPatchOptions, "nRho" | "nTheta">;

  constructor(inChannels: number, numClasses: number, opts: GeodesicPolarCNNOptions = {}) {
    const nRho = opts.nRho ?? 3;
    const nTheta = opts.nTheta ?? 8;
    super("GeodesicPolarCNN", inChannels, numClasses, opts.hidden ?? [32, 64], opts, relu, (cin, cout) => {
      return new GeodesicPolarConv(cin, cout, { nRho, nTheta, dtype: opts.dtype });
    });
    this.nRho = nRho;
    this.nTheta = nTheta;
    this.rings = opts.rings ?? 2;
    this.patch = opts.patch ?? {};
  }

  protected conv(layer: Module, h: Tensor, ops: GeodesicPolarOps): Tensor {
    return (layer as GeodesicPolarConv).forward(h, ops.patches);
  }

  protected operators(mesh: Mesh, dtype: "float32" | "float64", opts: MeshPrecomputeOptions): GeodesicPolarOps {
    const P = geodesicPolarPatches(mesh, {
      ...this.patch,
      nRho: this.nRho,
      nTheta: this.nTheta,
      rings: this.rings,
      frames: opts.frames,
    });
    return { ...readoutOps(mesh, dtype), patches: P.toSparseMatrix(dtype) };
  }
}

// ---------------------------------------------------------------------------------------------
// spectral Chebyshev

/** Operators of {@link MeshChebNet}: the rescaled Laplacian. */
export interface MeshChebOps extends MeshReadoutOps {
  /** L̂ = 2Δ/λ_max − I `[V, V]` (`chebyshevLaplacian`). */
  lhat: SparseMatrix;
}

/** Options of {@link MeshChebNet}. */
export interface MeshChebNetOptions extends MeshModelOptions {
  /** Chebyshev terms per layer (default 6). */
  K?: number;
  /** Laplacian normalisation and λ_max (default `mass`, estimated). */
  chebyshev?: ChebyshevLaplacianOptions;
  /** How the cotan Laplacian and mass are built (default `{ intrinsicDelaunay: true }`). */
  laplacian?: LaplacianOptions;
}

/**
 * A spectral CNN on the mesh Laplacian: `MeshChebConv` layers (default widths [64, 64, 64], K = 6,
 * ReLU), readout, Linear head. Intrinsic: invariant to rigid motions with HKS inputs.
 */
export class MeshChebNet extends MeshConvNet<MeshChebOps> {
  readonly K: number;
  readonly chebyshev: ChebyshevLaplacianOptions;
  readonly laplacian: LaplacianOptions;

  constructor(inChannels: number, numClasses: number, opts: MeshChebNetOptions = {}) {
    const K = opts.K ?? 6;
    super("MeshChebNet", inChannels, numClasses, opts.hidden ?? [64, 64, 64], opts, relu, (cin, cout) => {
      return new MeshChebConv(cin, cout, K, { dtype: opts.dtype });
    });
    this.K = K;
    this.chebyshev = opts.chebyshev ?? {};
    this.laplacian = opts.laplacian ?? DIFFUSION_NET_LAPLACIAN;
  }

  protected conv(layer: Module, h: Tensor, ops: MeshChebOps): Tensor {
    return (layer as MeshChebConv).forward(h, ops.lhat);
  }

  protected operators(mesh: Mesh, dtype: "float32" | "float64"): MeshChebOps {
    const { L, M } = laplacianAndMass(mesh, this.laplacian);
    const lhat = chebyshevLaplacian(L, M, this.chebyshev);
    return {
      ...readoutOps(mesh, dtype),
      mass: floatTensor(M, [mesh.numVertices], dtype),
      lhat: lhat.toSparseMatrix(dtype),
    };
  }
}
