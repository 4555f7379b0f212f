/**
 * A NequIP / Tensor-Field-Network style interatomic model (Batzner et al., Nat. Commun. 2022;
 * Thomas et al. 2018). Node features are irreps `F×0e + F×1o + F×2e`; an {@link NequIPInteraction}
 * block sends messages
 *
 *   m_ij = TP( W₁ h_j , Y(r̂_ij) ; w(‖r_ij‖) )      (TensorProduct, `uvu` paths, per-edge weights)
 *
 * with w an MLP of a Bessel radial basis times the polynomial envelope, sums them over neighbours
 * (÷√avgNumNeighbors), maps them with an equivariant Linear, adds a self-interaction Linear of h_i,
 * and applies a Gate. Readouts: an invariant energy (Linear → `1x0e`, summed over atoms) and an
 * equivariant vector (Linear → `1x1o`, summed over atoms, e.g. a dipole).
 *
 * Simplifications against NequIP: features carry only the parities of the spherical harmonics
 * (no `0o`, `1e`, `2o` channels) and the self-interaction is a Linear rather than a tensor product
 * with the species one-hot.
 */

import { checkEdgeIndex } from "../../../domains/graph/graph.js";
import { batchOrZeros, batchSize, globalAddPool } from "../../../domains/graph/pool.js";
import { edgeRow } from "../../../domains/graph/utils.js";
import { cutoffGraph, edgeVectors } from "../../../domains/point_cloud.js";
import { Module, ModuleList } from "../../../nn/module.js";
import { Irrep, Irreps } from "../../../symmetry/o3/irreps.js";
import { ErlangenError } from "../../../tensor/errors.js";
import type { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import { Gate } from "../o3/gate.js";
import { Linear as O3Linear } from "../o3/linear.js";
import { SphericalHarmonics } from "../o3/spherical_harmonics.js";
import { type InstructionSpec, TensorProduct } from "../o3/tensor_product.js";
import { BesselBasis, polynomialCutoff } from "../radial.js";
import { checkAtoms } from "./common.js";
import "../../../tensor/index.js";
import type { ActivationSpec } from "../../../nn/activation.js";
import { MLP } from "../../../nn/mlp.js";

/** Options of {@link NequIPInteraction}. */
export interface NequIPInteractionOptions {
  /** Width of the radial MLP (default 64). */
  radialHidden?: number;
  /** Messages are divided by √avgNumNeighbors (default 1). */
  avgNumNeighbors?: number;
  /** Scalar activation (default `silu`); gates use `sigmoid`. */
  act?: ActivationSpec;
  /** Add the input to the output when the irreps agree (default true). */
  residual?: boolean;
  generator?: Generator;
}

/**
 * One interaction block: `forward(h [N, irrepsIn.dim], edgeIndex, edgeSh [E, sh.dim], edgeRadial [E, B])`
 * → `[N, irrepsOut.dim]`. `irrepsOut` must be made of `0e` scalars and non-scalars (gated).
 */
export class NequIPInteraction extends Module<[Tensor, Tensor, Tensor, Tensor], Tensor> {
  readonly irrepsIn: Irreps;
  readonly irrepsOut: Irreps;
  readonly irrepsSh: Irreps;
  readonly avgNumNeighbors: number;
  readonly residual: boolean;
  linear1: O3Linear;
  tp: TensorProduct;
  radial: MLP;
  linear2: O3Linear;
  selfInteraction: O3Linear;
  gate: Gate;

  constructor(
    irrepsIn: Irreps | string,
    irrepsOut: Irreps | string,
    irrepsSh: Irreps | string,
    numBasis: number,
    opts: NequIPInteractionOptions = {},
  ) {
    super();
    this.irrepsIn = new Irreps(irrepsIn);
    this.irrepsOut = new Irreps(irrepsOut);
    this.irrepsSh = new Irreps(irrepsSh);
    this.avgNumNeighbors = opts.avgNumNeighbors ?? 1;
    const g = opts.generator;
    // gate layout of the output: scalars, one gate per gated irrep, gated irreps
    const scalars = this.irrepsOut.items.filter((m) => m.ir.l === 0 && m.ir.p === 1);
    const gated = this.irrepsOut.items.filter((m) => !(m.ir.l === 0 && m.ir.p === 1));
    if (scalars.length + gated.length !== this.irrepsOut.length || gated.some((m) => m.ir.l === 0)) {
      throw new ErlangenError(
        `NequIPInteraction: argument 'irrepsOut' expected 0e scalars and l > 0 irreps, got '${this.irrepsOut}'`,
      );
    }
    const nGates = gated.reduce((s, m) => s + m.mul, 0);
    const irrepsScalars = new Irreps(scalars);
    const irrepsGates = new Irreps(nGates > 0 ? [{ mul: nGates, ir: new Irrep(0, 1) }] : []);
    const irrepsGated = new Irreps(gated);
    const act = opts.act ?? "silu";
    this.gate = new Gate(
      irrepsScalars,
      irrepsScalars.items.map(() => act),
      irrepsGates,
      irrepsGates.items.map(() => "sigmoid"),
      irrepsGated,
    );
    // messages: every path (in ⊗ sh → ir) whose output irrep appears in irrepsOut, mode uvu
    const wanted = new Set(this.irrepsOut.items.map((m) => m.ir.toString()));
    const mid: { mul: number; ir: Irrep }[] = [];
    const ins: InstructionSpec[] = [];
    this.irrepsIn.items.forEach((a, i) => {
      this.irrepsSh.items.forEach((b, j) => {
        for (const ir of a.ir.mul(b.ir)) {
          if (!wanted.has(ir.toString())) continue;
          ins.push([i, j, mid.length, "uvu", true]);
          mid.push({ mul: a.mul, ir });
        }
      });
    });
    const irrepsMid = new Irreps(mid);
    this.linear1 = new O3Linear(this.irrepsIn, this.irrepsIn, { generator: g });
    this.tp = new TensorProduct(this.irrepsIn, this.irrepsSh, irrepsMid, ins, {
      sharedWeights: false,
      internalWeights: false,
      generator: g,
    });
    this.radial = new MLP([numBasis, opts.radialHidden ?? 64, this.tp.weightNumel], { act, norm: null, generator: g });
    this.linear2 = new O3Linear(irrepsMid, this.gate.irrepsIn, { generator: g });
    this.selfInteraction = new O3Linear(this.irrepsIn, this.gate.irrepsIn, { generator: g });
    this.residual = (opts.residual ?? true) && this.irrepsIn.equals(this.gate.irrepsOut);
    this.irrepsOut = this.gate.irrepsOut;
  }

  forward(h: Tensor, edgeIndex: Tensor, edgeSh: Tensor, edgeRadial: Tensor): Tensor {
    const N = h.shape[0]!;
    checkEdgeIndex("NequIPInteraction", edgeIndex, N);
    const [src, dst] = [edgeRow(edgeIndex, 0), edgeRow(edgeIndex, 1)];
    const w = this.radial.forward(edgeRadial);
    const msg = this.tp.forward(this.linear1.forward(h).indexSelect(0, src), edgeSh, w);
    let agg = msg.scatter(dst, 0, N, "sum");
    if (this.avgNumNeighbors !== 1) agg = agg.div(Math.sqrt(this.avgNumNeighbors));
    const out = this.gate.forward(this.linear2.forward(agg).add(this.selfInteraction.forward(h)));
    return this.residual ? h.add(out) : out;
  }

  override extraRepr(): string {
    return `${this.irrepsIn} -> ${this.irrepsOut}, ${this.tp.instructions.length} paths, ${this.tp.weightNumel} weights per edge`;
  }
}

/** Options of {@link NequIPLike}. */
export interface NequIPLikeOptions {
  /** Size of the atom-type table (default 100, indexed by atomic number). */
  numSpecies?: number;
  /** Channels per irrep (default 16): features `F×0e + F×1o + F×2e` (up to lmax). */
  channels?: number;
  /** Largest degree of the features and of the edge harmonics (default 2). */
  lmax?: number;
  /** Interaction blocks (default 3). */
  numLayers?: number;
  /** Cutoff radius in Å (default 5). */
  rMax?: number;
  /** Bessel functions (default 8). */
  numBasis?: number;
  radialHidden?: number;
  /** Typical number of neighbours, to normalise sums (default 10). */
  avgNumNeighbors?: number;
  /** `energy` (invariant scalar per graph, default), `vector` (an l=1 vector per graph). */
  output?: "energy" | "vector";
  /** Outputs per graph (default 1; vectors give 3 numbers each). */
  numTargets?: number;
  act?: ActivationSpec;
  generator?: Generator;
}

/**
 * NequIP-style model: `forward(z [N] int32, pos [N, 3], batch? [N])` → energies `[numGraphs, numTargets]`
 * (invariant) or vectors `[numGraphs, 3·numTargets]` (O(3)-equivariant, translation-invariant).
 */
export class NequIPLike extends Module<[Tensor, Tensor, (Tensor | null)?], Tensor> {
  readonly numSpecies: number;
  readonly rMax: number;
  readonly irrepsHidden: Irreps;
  readonly output: "energy" | "vector";
  readonly numTargets: number;
  sh: SphericalHarmonics;
  radialBasis: BesselBasis;
  embed: O3Linear;
  layers: ModuleList<NequIPInteraction>;
  readoutHidden: O3Linear;
  readout: O3Linear;

  constructor(opts: NequIPLikeOptions = {}) {
    super();
    this.numSpecies = opts.numSpecies ?? 100;
    const F = opts.channels ?? 16;
    const lmax = opts.lmax ?? 2;
    this.rMax = opts.rMax ?? 5;
    const B = opts.numBasis ?? 8;
    const g = opts.generator;
    this.output = opts.output ?? "energy";
    this.numTargets = opts.numTargets ?? 1;
    this.irrepsHidden = new Irreps(
      Array.from({ length: lmax + 1 }, (_, l) => ({ mul: F, ir: new Irrep(l, l % 2 === 0 ? 1 : -1) })),
    );
    this.sh = new SphericalHarmonics(lmax, { normalization: "component" });
    this.radialBasis = new BesselBasis(this.rMax, { numBasis: B, trainable: true });
    this.embed = new O3Linear(`${this.numSpecies}x0e`, `${F}x0e`, { generator: g });
    const layers: NequIPInteraction[] = [];
    let irreps = new Irreps(`${F}x0e`);
    for (let k = 0; k < (opts.numLayers ?? 3); k++) {
      const blk = new NequIPInteraction(irreps, this.irrepsHidden, this.sh.irrepsOut, B, {
        radialHidden: opts.radialHidden,
        avgNumNeighbors: opts.avgNumNeighbors ?? 10,
        act: opts.act,
        generator: g,
      });
      layers.push(blk);
      irreps = blk.irrepsOut;
    }
    this.layers = new ModuleList(layers);
    const outIr = this.output === "energy" ? `${this.numTargets}x0e` : `${this.numTargets}x1o`;
    const hid = this.output === "energy" ? `${Math.max(1, F >> 1)}x0e` : `${Math.max(1, F >> 1)}x1o`;
    this.readoutHidden = new O3Linear(irreps, hid, { generator: g });
    this.readout = new O3Linear(hid, outIr, { generator: g });
  }

  forward(z: Tensor, pos: Tensor, batch: Tensor | null = null): Tensor {
    checkAtoms("NequIPLike", z, pos, batch, this.numSpecies);
    const N = z.shape[0]!;
    const dtype = this.radialBasis.besselWeights.dtype === "float64" ? "float64" : "float32";
    const x = pos.cast(dtype);
    const b = batchOrZeros(batch, N);
    const edgeIndex = cutoffGraph(x, this.rMax, { batch: b });
    const { vec, length } = edgeVectors(x, edgeIndex);
    const edgeSh = this.sh.forward(vec);
    const edgeRadial = this.radialBasis.forward(length).mul(polynomialCutoff(length, this.rMax).unsqueeze(1));
    const onehot = new Tensor(
      dtype === "float64" ? new Float64Array(N * this.numSpecies) : new Float32Array(N * this.numSpecies),
      [N, this.numSpecies],
      dtype,
    );
    for (let i = 0; i < N; i++) onehot.data[i * this.numSpecies + z.data[i]!] = 1;
    let h = this.embed.forward(onehot);
    for (const layer of this.layers) h = layer.forward(h, edgeIndex, edgeSh, edgeRadial);
    const perAtom = this.readout.forward(this.readoutHidden.forward(h)); // [N, T] or [N, 3T]
    return globalAddPool(perAtom, b, batchSize(pos, batch));
  }
}
