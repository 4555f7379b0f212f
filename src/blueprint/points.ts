/**
 * Recipes for point clouds in 3-D and molecules (atomic numbers z, positions, a batch vector):
 *
 * - E(3): EGNN (Satorras et al. 2021) — an invariant embedding of the scalar inputs and the speeds ‖v_i‖,
 *   `EGCL` layers whose messages use only invariants (features, squared distances, and the products
 *   q_i·q_j of the charges as edge attributes, the paper's N-body setup), positions updated along
 *   difference vectors (when the output needs them), and the velocity term φ_v(h_i)·v_i; readouts:
 *   per-node MLP + sum pool + MLP (invariant), Σ_i (x_i − x̄) s_i (a graph vector), x_L − x_0 (a node
 *   vector: the displacement the network predicts);
 * - O(3) / SO(3): a NequIP-style tensor-field network — irreps features `w×0e + w×1o + w×2e` (SO(3)
 *   adds pseudo-vectors `w×1e`), `NequIPInteraction` blocks (tensor products with the spherical
 *   harmonics of edge vectors, weights from a Bessel radial basis, gates), an `o3.Linear` to scalars or
 *   to `1o` vectors, sum pooling; charges enter the radial network beside the radial basis;
 * - Sn only: DeepSets on the coordinates (and features): permutation invariant, not rotation invariant
 *   (a baseline that shows what the other groups add).
 *
 * Every network also commutes with permuting the points (the graph is rebuilt from the positions, or
 * taken from `edgeIndex`, relabelled with the points); checks cover both the spatial group and Sn.
 */

import { globalAddPool, globalMeanPool } from "../domains/graph/pool.js";
import { edgeRow } from "../domains/graph/utils.js";
import { cutoffGraph, edgeVectors } from "../domains/point_cloud.js";
import { sampleAtoms } from "../layers/groups/models/checks.js";
import { EGCL } from "../layers/groups/models/egnn.js";
import { NequIPInteraction } from "../layers/groups/models/nequip.js";
import { o3Action } from "../layers/groups/o3/action.js";
import { Linear as O3Linear } from "../layers/groups/o3/linear.js";
import { SphericalHarmonics } from "../layers/groups/o3/spherical_harmonics.js";
import { BesselBasis, polynomialCutoff } from "../layers/groups/radial.js";
import { Embedding } from "../nn/embedding.js";
import { Linear } from "../nn/linear.js";
import { MLP } from "../nn/mlp.js";
import { Module } from "../nn/module.js";
import {
  type Action,
  graphPermutationAction,
  nodePermutationAction,
  pointAction,
  vectorAction,
} from "../symmetry/actions.js";
import type { Group } from "../symmetry/group.js";
import { En, O3, Sn, SO3 } from "../symmetry/groups.js";
import { Irrep, Irreps } from "../symmetry/o3/irreps.js";
import { randn } from "../tensor/creation.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { concat } from "../tensor/ops/shape.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { setRecipe } from "./graph.js";
import type { AnyAction, BlueprintCheck, OutputInfo, Stage } from "./model.js";
import { type BuildContext, invariant, recordAction, stage } from "./parts.js";
import type { Recipe } from "./recipe.js";
import type { ResolvedSpec } from "./spec.js";

/** State of the point recipes between stages. */
export interface PointState {
  /** Invariant node features (EGNN) or irreps features (tensor-field network) [N, F]. */
  h: Tensor;
  /** Positions [N, 3] (updated by EGCL when the output needs them). */
  pos: Tensor;
  /** Velocities [N, 3] (vector input), or undefined. */
  vel?: Tensor;
  batch: Tensor;
  _numGraphs: number;
  _edgeIndex: Tensor;
  _edgeAttr?: Tensor | null;
  _pos0?: Tensor;
  _sh?: Tensor;
  _radial?: Tensor;
  /** Charge products q_i·q_j per edge [E, C] (tensor-field network with charges). */
  _qq?: Tensor;
  /** Per-node scalars of a vector readout. */
  _s?: Tensor;
}

const st = (s: unknown) => s as PointState;

interface RawPoints {
  pos: Tensor;
  batch: Tensor;
  numGraphs: number;
  /** Scalars [N, S] (point clouds). */
  x: Tensor | null;
  /** One vector per node [N, 3] (point clouds, vectors = 1) or [N, V, 3]. */
  vel: Tensor | null;
  /** Charges [N, C] (point clouds with `input.charges`). */
  q: Tensor | null;
  /** Atomic numbers (molecules). */
  z: Tensor | null;
  edgeIndex: Tensor | null;
}

function fail(msg: string): never {
  throw new ErlangenError(`blueprint model: ${msg}`);
}

/** Validates a point-cloud or molecule input. */
function readPoints(spec: ResolvedSpec, input: unknown, dtype: "float32" | "float64"): RawPoints {
  const inp = input as Record<string, unknown> | null;
  if (inp === null || typeof inp !== "object")
    fail(`argument 'input' expected a record with pos [N, 3], got ${typeof input}`);
  const pos = inp.pos as Tensor;
  if (!(pos instanceof Tensor) || pos.ndim !== 2 || pos.shape[1] !== 3)
    fail(`argument 'pos' expected [N, 3], got ${pos instanceof Tensor ? fmtShape(pos.shape) : typeof pos}`);
  const N = pos.shape[0]!;
  for (let i = 0; i < pos.size; i++)
    if (!Number.isFinite(pos.data[i]!))
      fail(`argument 'pos' expected finite coordinates, got ${pos.data[i]} at point ${Math.floor(i / 3)}`);
  let batch = inp.batch as Tensor | null | undefined;
  if (batch === undefined || batch === null) batch = new Tensor(new Int32Array(N), [N], "int32");
  if (!(batch instanceof Tensor) || batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== N)
    fail(
      `argument 'batch' expected int32 [${N}], got ${batch instanceof Tensor ? `${batch.dtype} ${fmtShape(batch.shape)}` : typeof batch}`,
    );
  let G = N > 0 ? 1 : 0;
  for (let i = 0; i < N; i++) {
    const b = batch.data[i]!;
    if (b < 0) fail(`argument 'batch' expected non-negative ids, got ${b} at point ${i}`);
    if (b + 1 > G) G = b + 1;
  }
  const cast = (t: Tensor) => (t.dtype === dtype ? t : t.cast(dtype));
  let z: Tensor | null = null;
  let x: Tensor | null = null;
  let vel: Tensor | null = null;
  let q: Tensor | null = null;
  if (spec.domain === "molecule") {
    z = inp.z as Tensor;
    if (!(z instanceof Tensor) || z.dtype !== "int32" || z.ndim !== 1 || z.shape[0] !== N)
      fail(
        `argument 'z' expected int32 atomic numbers [${N}], got ${z instanceof Tensor ? `${z.dtype} ${fmtShape(z.shape)}` : typeof z}`,
      );
    for (let i = 0; i < N; i++) {
      const v = z.data[i]!;
      if (v < 0 || v >= spec.species)
        fail(`argument 'z' expected atomic numbers in [0, ${spec.species}) (input.species), got ${v} at atom ${i}`);
    }
  } else {
    if (spec.scalars > 0) {
      x = inp.x as Tensor;
      if (!(x instanceof Tensor) || x.ndim !== 2 || x.shape[0] !== N || x.shape[1] !== spec.scalars)
        fail(
          `argument 'x' expected [${N}, ${spec.scalars}] scalar features, got ${x instanceof Tensor ? fmtShape(x.shape) : typeof x}`,
        );
      x = cast(x);
    }
    if (spec.vectors > 0) {
      vel = inp.vel as Tensor;
      const ok =
        vel instanceof Tensor &&
        vel.shape[0] === N &&
        ((vel.ndim === 2 && spec.vectors === 1 && vel.shape[1] === 3) ||
          (vel.ndim === 3 && vel.shape[1] === spec.vectors && vel.shape[2] === 3));
      if (!ok)
        fail(
          `argument 'vel' expected vectors [${N}, ${spec.vectors === 1 ? "3" : `${spec.vectors}, 3`}], got ${vel instanceof Tensor ? fmtShape(vel.shape) : typeof vel}`,
        );
      vel = cast(vel.reshape([N, 3 * spec.vectors]));
    }
    if (spec.charges > 0) {
      const C = spec.charges;
      q = inp.charges as Tensor;
      const ok =
        q instanceof Tensor &&
        q.shape[0] === N &&
        ((q.ndim === 2 && q.shape[1] === C) || (q.ndim === 1 && C === 1)) &&
        q.dtype !== "int32";
      if (!ok)
        fail(
          `argument 'charges' expected [${N}, ${C}]${C === 1 ? ` or [${N}]` : ""} charges, got ${q instanceof Tensor ? `${q.dtype} ${fmtShape(q.shape)}` : typeof q}`,
        );
      for (let i = 0; i < q.size; i++)
        if (!Number.isFinite(q.data[i]!))
          fail(`argument 'charges' expected finite charges, got ${q.data[i]} at point ${Math.floor(i / C)}`);
      q = cast(q.reshape([N, C]));
    }
  }
  const ei = (inp.edgeIndex as Tensor | undefined) ?? null;
  if (ei !== null && !(ei instanceof Tensor)) fail("argument 'edgeIndex' expected an int32 tensor [2, E]");
  return { pos: cast(pos), batch, numGraphs: G, x, vel, q, z, edgeIndex: ei };
}

/** The edges of a cloud: the given edge index, or every pair within `cutoff` (all pairs by default) of the same cloud. */
function edgesOf(raw: RawPoints, cutoff: number | null): Tensor {
  if (raw.edgeIndex !== null) return raw.edgeIndex;
  return cutoffGraph(raw.pos, cutoff ?? 1e300, { batch: raw.batch });
}

/** Actions of the spatial group on a point state (positions move, velocities rotate, h by `hAction`). */
function spatialStateAction(G: Group<unknown>, hAction: Action<unknown, Tensor> | null): AnyAction {
  const parts: Record<string, Action<unknown, Tensor>> = { pos: pointAction(G), vel: vectorAction(G) };
  if (hAction) parts.h = hAction;
  return recordAction(parts);
}

/** Vectors [.., 3k] rotated by the linear part (k vectors per row). */
function vectorsAction(G: Group<unknown>): AnyAction {
  const v = vectorAction(G);
  return (g, x) => {
    const t = x as Tensor;
    return v(g, t.reshape([...t.shape.slice(0, -1), t.shape[t.ndim - 1]! / 3, 3])).reshape(t.shape);
  };
}

/** A seeded sample input of the domain: two clouds of 5 and 4 points. */
function samplePoints(spec: ResolvedSpec, seed: number, dtype: "float32" | "float64"): Record<string, Tensor> {
  const species = Array.from({ length: Math.min(spec.species, 9) }, (_, i) => spec.species - 1 - i);
  const a = sampleAtoms({ seed, dtype, sizes: [5, 4], species });
  if (spec.domain === "molecule") return { z: a.z, pos: a.pos, batch: a.batch };
  const N = a.pos.shape[0]!;
  const g = new Generator(seed + 7);
  const out: Record<string, Tensor> = { pos: a.pos, batch: a.batch };
  if (spec.scalars > 0) out.x = randn([N, spec.scalars], { generator: g, dtype });
  if (spec.vectors > 0) out.vel = randn(spec.vectors === 1 ? [N, 3] : [N, spec.vectors, 3], { generator: g, dtype });
  if (spec.charges > 0) out.charges = randn([N, spec.charges], { generator: g, dtype });
  return out;
}

/** q_i·q_j per charge channel on every edge (i = target, j = source): [E, C], invariant. */
function chargeProducts(q: Tensor, src: Tensor, dst: Tensor): Tensor {
  return q.indexSelect(0, dst).mul(q.indexSelect(0, src));
}

/** The recipe of point clouds and molecules. */
export function pointsRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  if (spec.group.family === "Sn") return pointsSetRecipe(spec, widths, ctx);
  if (spec.group.family === "E(3)") return egnnRecipe(spec, widths, ctx);
  return tfnRecipe(spec, widths, ctx);
}

function permAction(): AnyAction {
  return graphPermutationAction({ nodeKeys: ["h", "pos", "vel", "batch"] }) as AnyAction;
}

function inputPerm(spec: ResolvedSpec): AnyAction {
  const keys = spec.domain === "molecule" ? ["z", "pos", "batch"] : ["pos", "x", "vel", "charges", "batch"];
  return (s, rec) => {
    const r = rec as Record<string, unknown>;
    return graphPermutationAction({ nodeKeys: keys.filter((k) => r[k] !== undefined) })(s as Int32Array, rec as object);
  };
}

function pointChecks(
  spec: ResolvedSpec,
  ctx: BuildContext,
  G: Group<unknown>,
  outSpatial: AnyAction | undefined,
): (seed: number) => BlueprintCheck[] {
  const nodeLevel = spec.level === "node";
  // The E(3) node-vector output is x_L − x_0, a small difference of positions: in float32 the rounding of
  // the moved positions (≈ 6e-8 · ‖x‖ per coordinate) is not small against it, so that claim gets an
  // absolute tolerance tied to the positions' scale.
  const displacement = G.name === "E(3)" && spec.kind === "vector" && nodeLevel;
  return (seed) => {
    const input = samplePoints(spec, seed, ctx.dtype);
    const N = input.pos!.shape[0]!;
    const posNorm = Math.sqrt(input.pos!.square().sum().item());
    const inAct = recordAction({ pos: pointAction(G), vel: vectorsAction(G) as Action<unknown, Tensor> });
    const spatialName =
      G.name === "E(3)"
        ? "rotations, reflections and translations"
        : G.name === "O(3)"
          ? "rotations and reflections"
          : "rotations";
    return [
      {
        id: "space",
        name: `${outSpatial ? "equivariance" : "invariance"} to ${G.name} (${spatialName} of the points; exact)`,
        group: G,
        samples: 4,
        inputAction: inAct,
        outputAction: outSpatial,
        input,
        exact: true,
        rtol: 1e-4,
        ...(displacement && ctx.dtype === "float32" ? { atol: 1e-5 * posNorm } : {}),
      },
      {
        id: "perm",
        name: `${nodeLevel ? "equivariance" : "invariance"} to permutations of the points (exact)`,
        group: Sn(N),
        samples: 4,
        inputAction: inputPerm(spec),
        outputAction: nodeLevel ? (nodePermutationAction() as AnyAction) : undefined,
        input,
        exact: true,
        rtol: 1e-4,
      },
    ];
  };
}

/**
 * Holds the geometry modules (spherical harmonics, radial basis) of a tensor-field network; the charge
 * products q_i·q_j, when given, join the radial basis (both under the smooth cutoff envelope).
 */
class EdgeGeometry extends Module<[Tensor, Tensor, (Tensor | null)?], { sh: Tensor; radial: Tensor }> {
  sh: SphericalHarmonics;
  radialBasis: BesselBasis;
  constructor(
    lmax: number,
    readonly rMax: number,
    numBasis: number,
  ) {
    super();
    this.sh = new SphericalHarmonics(lmax, { normalization: "component" });
    this.radialBasis = new BesselBasis(rMax, { numBasis, trainable: true });
  }
  forward(pos: Tensor, edgeIndex: Tensor, charges: Tensor | null = null): { sh: Tensor; radial: Tensor } {
    const { vec, length } = edgeVectors(pos, edgeIndex);
    const basis = this.radialBasis.forward(length);
    const feats = charges === null ? basis : concat([basis, charges.cast(basis.dtype)], 1);
    return { sh: this.sh.forward(vec), radial: feats.mul(polynomialCutoff(length, this.rMax).unsqueeze(1)) };
  }
}

function egnnRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const G = En(3) as Group<unknown>;
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const mol = spec.domain === "molecule";
  const V = spec.vectors;
  if (V > 1)
    throw new ErlangenError(
      "blueprint: E(3) point clouds take at most one vector input (input.vectors ≤ 1: EGNN's velocity term)",
    );
  if (spec.kind === "vector" && spec.level === "node" && spec.outputs !== 1)
    throw new ErlangenError(
      "blueprint: an E(3) node-vector output is the displacement of each point: outputs must be 1",
    );
  const S = spec.scalars;
  const C = spec.charges;
  const moveCoords = spec.kind === "vector" && spec.level === "node";
  // point clouds: a_ij = (q_i·q_j per charge channel, ‖x_i⁰ − x_j⁰‖² of the input positions)
  const edgeAttrDim = mol ? 0 : C + 1;
  const space = spatialStateAction(G, null);
  const perm = permAction();
  const acts = { space, perm };
  const stages: Stage[] = [];
  const w0 = widths[0]!;
  const embedIn = mol ? spec.species : Math.max(1, S + V);
  const embed = mol ? new Embedding(spec.species, w0, lo) : new Linear(embedIn, w0, lo);
  stages.push(
    stage({
      name: mol ? "Embedding" : "Linear",
      step: "embedding",
      module: embed,
      inType: mol
        ? "atomic numbers"
        : S + V === 0
          ? "a constant 1 per point"
          : `${[...(S > 0 ? [`${S} scalar${S === 1 ? "" : "s"}`] : []), ...(V > 0 ? ["‖v‖"] : [])].join(" and ")} per point (invariant)`,
      outType: `${w0} invariant scalars per ${mol ? "atom" : "point"}`,
      note: `only invariants enter the node features; positions stay separate${C > 0 ? ", charges act on the edges" : ""}`,
      run: (s) => {
        const p = st(s);
        const r = p as unknown as PointState & { _z?: Tensor; _in?: Tensor };
        const h = mol ? (embed as Embedding).forward(r._z!) : (embed as Linear).forward(r._in!);
        return { ...p, h };
      },
      actions: acts,
    }),
  );
  let c = w0;
  widths.forEach((w, i) => {
    const layer = new EGCL(c, {
      outChannels: w,
      hiddenChannels: w,
      edgeAttrDim,
      velocity: V > 0 && moveCoords,
      updateCoords: moveCoords,
      residual: c === w,
      attention: mol,
      normalize: mol,
      ...lo,
    });
    stages.push(
      stage({
        name: "EGCL",
        step: "equivariant layer",
        module: layer,
        inType: `${c} invariant scalars + positions${edgeAttrDim > 0 ? ` + ${edgeAttrDim} edge attributes` : ""}`,
        outType: `${w} invariant scalars + positions${moveCoords ? " (updated)" : ""}`,
        note:
          i === 0
            ? `m_ij = φ_e(h_i, h_j, ‖x_i − x_j‖²${edgeAttrDim > 0 ? ", a_ij" : ""}); h_i += φ_h(h_i, Σ_j m_ij)` +
              (moveCoords ? `; x_i += mean_j (x_i − x_j) φ_x(m_ij)${V > 0 ? " + φ_v(h_i) v_i" : ""}` : "") +
              (edgeAttrDim > 0
                ? `; a_ij = (${C > 0 ? `q_i·q_j${C > 1 ? ` (${C} channels)` : ""}, ` : ""}‖x_i⁰ − x_j⁰‖²) of the input`
                : "")
            : undefined,
        run: (s) => {
          const p = st(s);
          const { h, x } = layer.forward(p.h, p.pos, p._edgeIndex, p._edgeAttr ?? null, p.vel ?? null);
          return { ...p, h, pos: x };
        },
        actions: acts,
      }),
    );
    c = w;
  });
  let output: OutputInfo;
  let outSpatial: AnyAction | undefined;
  if (spec.kind === "vector" && spec.level === "node") {
    stages.push(
      stage({
        name: "displacement x_L − x_0",
        step: "equivariant readout",
        inType: "updated positions",
        outType: "one vector per point",
        note: "the difference of two points is a vector: it rotates, translations cancel",
        run: (s) => st(s).pos.sub(st(s)._pos0!),
        actions: { space: vectorAction(G) as AnyAction, perm: nodePermutationAction() as AnyAction },
      }),
    );
    outSpatial = vectorAction(G) as AnyAction;
    output = {
      shape: "[N, 3]",
      symmetry: "equivariant",
      transforms: "each vector rotates (and reflects) with the input; rows follow the points",
    };
  } else {
    const T = spec.kind === "vector" ? spec.outputs : c;
    const nodeMlp = new MLP(spec.level === "node" ? [c, c, spec.outputs] : [c, c, T], {
      act: "silu",
      norm: null,
      ...lo,
    });
    stages.push(
      stage({
        name: "MLP (per node)",
        step: "invariant readout",
        module: nodeMlp,
        inType: `${c} invariant scalars`,
        outType:
          spec.level === "node" ? `${spec.outputs} invariant outputs per point` : `${T} invariant scalars per point`,
        run: (s) => (spec.level === "node" ? nodeMlp.forward(st(s).h) : { ...st(s), _s: nodeMlp.forward(st(s).h) }),
        actions: spec.level === "node" ? { space: invariant, perm: nodePermutationAction() as AnyAction } : acts,
      }),
    );
    if (spec.level === "node") {
      output = {
        shape: `[N, ${spec.outputs}]`,
        symmetry: "equivariant",
        transforms: "invariant values per point; rows follow the points",
      };
    } else if (spec.kind === "vector") {
      const Tn = spec.outputs;
      stages.push(
        stage({
          name: "Σ_i (x_i − x̄) s_i",
          step: "equivariant readout",
          inType: `${Tn} invariant scalars per point + positions`,
          outType: `${Tn} vector${Tn === 1 ? "" : "s"} per ${mol ? "molecule" : "cloud"}`,
          note: "invariant weights times centred positions, summed: rotates with the input, translations cancel",
          run: (s) => {
            const p = st(s);
            const N = p.pos.shape[0]!;
            const centroid = globalMeanPool(p.pos, p.batch, p._numGraphs).indexSelect(0, p.batch);
            const rel = p.pos.sub(centroid);
            const v = rel
              .reshape([N, 1, 3])
              .mul(p._s!.reshape([N, Tn, 1]))
              .reshape([N, 3 * Tn]);
            return globalAddPool(v, p.batch, p._numGraphs);
          },
          actions: { space: vectorsAction(G), perm: invariant },
        }),
      );
      outSpatial = vectorsAction(G);
      output = {
        shape: `[numGraphs, ${3 * Tn}]`,
        symmetry: "equivariant",
        transforms: "each (x, y, z) vector rotates (and reflects) with the input",
      };
    } else {
      stages.push(
        stage({
          name: "global sum pool",
          step: "invariant pooling",
          inType: `${c} invariant scalars per point`,
          outType: `${c} invariant scalars per ${mol ? "molecule" : "cloud"}`,
          run: (s) => globalAddPool(st(s)._s!, st(s).batch, st(s)._numGraphs),
          actions: { space: invariant, perm: invariant },
        }),
      );
      const head = new MLP([c, c, spec.outputs], { act: "silu", norm: null, ...lo });
      stages.push(
        stage({
          name: "MLP",
          step: "invariant readout",
          module: head,
          inType: `${c} invariant scalars`,
          outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
          run: (s) => head.forward(s as Tensor),
          actions: { space: invariant, perm: invariant },
        }),
      );
      output = {
        shape: `[numGraphs, ${spec.outputs}]`,
        symmetry: "invariant",
        transforms: "unchanged by rigid motions and permutations of the points",
      };
    }
  }
  const prepare = (input: unknown) => {
    const raw = readPoints(spec, input, ctx.dtype);
    const N = raw.pos.shape[0]!;
    const ei = edgesOf(raw, spec.options.cutoff);
    let edgeAttr: Tensor | null = null;
    if (!mol) {
      const [src, dst] = [edgeRow(ei, 0), edgeRow(ei, 1)];
      const d2 = raw.pos.indexSelect(0, dst).sub(raw.pos.indexSelect(0, src)).square().sum(1, true);
      edgeAttr = C > 0 ? concat([chargeProducts(raw.q!, src, dst), d2], 1) : d2;
    }
    let embIn: Tensor | undefined;
    if (!mol) {
      const parts: Tensor[] = [];
      if (S > 0) parts.push(raw.x!);
      if (V > 0) parts.push(raw.vel!.square().sum(1, true).sqrt());
      embIn =
        parts.length === 0
          ? new Tensor(new (ctx.dtype === "float64" ? Float64Array : Float32Array)(N).fill(1), [N, 1], ctx.dtype)
          : parts.length === 1
            ? parts[0]!
            : concat(parts, 1);
    }
    return {
      h: new Tensor(new Float32Array(0), [N, 0]),
      pos: raw.pos,
      ...(raw.vel ? { vel: raw.vel } : {}),
      batch: raw.batch,
      _numGraphs: raw.numGraphs,
      _edgeIndex: ei,
      _edgeAttr: edgeAttr,
      _pos0: raw.pos,
      _z: raw.z ?? undefined,
      _in: embIn,
    };
  };
  return { stages, output, checks: pointChecks(spec, ctx, G, outSpatial), prepare };
}

/** Hidden irreps of a tensor-field network: w × (0e + 1o + 2e + …) up to lmax; SO(3) adds w × 1e. */
function hiddenIrreps(w: number, lmax: number, so3: boolean): Irreps {
  const items: { mul: number; ir: Irrep }[] = [];
  for (let l = 0; l <= lmax; l++) {
    items.push({ mul: w, ir: new Irrep(l, l % 2 === 0 ? 1 : -1) });
    if (so3 && l === 1) items.push({ mul: w, ir: new Irrep(1, 1) });
  }
  return new Irreps(items);
}

function tfnRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const so3 = spec.group.family === "SO(3)";
  const G = (so3 ? new SO3() : new O3()) as Group<unknown>;
  const mol = spec.domain === "molecule";
  const lmax = Math.min(spec.options.maxFrequency, 3);
  const rMax = spec.options.cutoff ?? 5;
  const S = spec.scalars;
  const V = spec.vectors;
  const C = spec.charges;
  const gen = ctx.generator;
  const geom = new EdgeGeometry(lmax, rMax, 8);
  const radialIn = 8 + C;
  const shIrreps = geom.sh.irrepsOut;
  const stages: Stage[] = [];
  const perm = permAction();
  const w0 = widths[0]!;
  const inIrreps = mol
    ? new Irreps(`${spec.species}x0e`)
    : new Irreps([
        ...(S + V === 0 || S > 0 ? [{ mul: Math.max(1, S), ir: new Irrep(0, 1) }] : []),
        ...(V > 0 ? [{ mul: V, ir: new Irrep(1, -1) }] : []),
      ]);
  const embIrreps = new Irreps([
    { mul: w0, ir: new Irrep(0, 1) },
    ...(V > 0 && !mol ? [{ mul: w0, ir: new Irrep(1, -1) }] : []),
  ]);
  const spaceH = (ir: Irreps) => spatialStateAction(G, o3Action(ir) as Action<unknown, Tensor>);
  stages.push(
    stage({
      name: "edge geometry",
      step: "embedding",
      module: geom,
      inType: "positions",
      outType: `Y(r̂_ij) (${shIrreps}), Bessel basis of ‖r_ij‖ with cutoff ${rMax}${C > 0 ? ", q_i·q_j" : ""}`,
      note:
        "spherical harmonics of edge directions (equivariant) and a radial basis of distances (invariant)" +
        (C > 0 ? "; the charge products q_i·q_j join the radial features" : ""),
      run: (s) => {
        const p = st(s);
        const { sh, radial } = geom.forward(p.pos, p._edgeIndex, p._qq ?? null);
        return { ...p, _sh: sh, _radial: radial };
      },
      actions: { space: spaceH(inIrreps), perm },
    }),
  );
  const embed = new O3Linear(inIrreps, embIrreps, { generator: gen });
  stages.push(
    stage({
      name: "o3.Linear",
      step: "embedding",
      module: embed,
      inType: mol ? `one-hot atomic numbers (${inIrreps})` : `input irreps ${inIrreps}`,
      outType: `${embIrreps}`,
      run: (s) => ({ ...st(s), h: embed.forward(st(s).h) }),
      actions: { space: spaceH(embIrreps), perm },
    }),
  );
  let irreps = embIrreps;
  widths.forEach((w, i) => {
    const blk = new NequIPInteraction(irreps, hiddenIrreps(w, lmax, so3), shIrreps, radialIn, {
      radialHidden: Math.max(8, Math.min(64, 2 * w)),
      avgNumNeighbors: 10,
      generator: gen,
    });
    const out = blk.irrepsOut;
    stages.push(
      stage({
        name: "NequIPInteraction",
        step: "equivariant layer",
        module: blk,
        inType: `${irreps}`,
        outType: `${out}`,
        note:
          i === 0
            ? "m_ij = TP(W h_j, Y(r̂_ij); w(‖r_ij‖)) summed over neighbours, equivariant linear maps, then gates (sigmoid of scalars) on l > 0"
            : undefined,
        run: (s) => {
          const p = st(s);
          return { ...p, h: blk.forward(p.h, p._edgeIndex, p._sh!, p._radial!) };
        },
        actions: { space: spaceH(out), perm },
      }),
    );
    irreps = out;
  });
  const c = widths[widths.length - 1]!;
  let output: OutputInfo;
  let outSpatial: AnyAction | undefined;
  if (spec.kind === "vector") {
    const T = spec.outputs;
    const ro = new O3Linear(irreps, `${T}x1o`, { generator: gen });
    const nodeLevel = spec.level === "node";
    stages.push(
      stage({
        name: "o3.Linear",
        step: "equivariant readout",
        module: ro,
        inType: `${irreps}`,
        outType: `${T}x1o (vectors) per ${mol ? "atom" : "point"}`,
        note: "keeps the l = 1 (odd) part: polar vectors",
        run: (s) => (nodeLevel ? ro.forward(st(s).h) : { ...st(s), h: ro.forward(st(s).h) }),
        actions: nodeLevel
          ? { space: vectorsAction(G), perm: nodePermutationAction() as AnyAction }
          : { space: spaceH(new Irreps(`${T}x1o`)), perm },
      }),
    );
    if (!nodeLevel)
      stages.push(
        stage({
          name: "global sum pool",
          step: "equivariant readout",
          inType: `${T}x1o per point`,
          outType: `${T} vector${T === 1 ? "" : "s"} per ${mol ? "molecule" : "cloud"}`,
          run: (s) => globalAddPool(st(s).h, st(s).batch, st(s)._numGraphs),
          actions: { space: vectorsAction(G), perm: invariant },
        }),
      );
    outSpatial = vectorsAction(G);
    output = nodeLevel
      ? {
          shape: `[N, ${3 * T}]`,
          symmetry: "equivariant",
          transforms: "vectors rotate (and reflect) with the input; rows follow the points",
        }
      : {
          shape: `[numGraphs, ${3 * T}]`,
          symmetry: "equivariant",
          transforms: "each (x, y, z) vector rotates (and reflects) with the input",
        };
  } else {
    const toScalars = new O3Linear(irreps, `${c}x0e`, { generator: gen });
    stages.push(
      stage({
        name: "o3.Linear",
        step: "invariant readout",
        module: toScalars,
        inType: `${irreps}`,
        outType: `${c}x0e (invariant scalars)`,
        note: "the equivariant linear map to the scalar (0e) irreps",
        run: (s) => ({ ...st(s), h: toScalars.forward(st(s).h) }),
        actions: { space: spaceH(new Irreps(`${c}x0e`)), perm },
      }),
    );
    if (spec.level === "graph")
      stages.push(
        stage({
          name: "global sum pool",
          step: "invariant pooling",
          inType: `${c} scalars per point`,
          outType: `${c} invariant scalars per ${mol ? "molecule" : "cloud"}`,
          run: (s) => globalAddPool(st(s).h, st(s).batch, st(s)._numGraphs),
          actions: { space: invariant, perm: invariant },
        }),
      );
    const head = new MLP([c, c, spec.outputs], { act: "silu", norm: null, dtype: ctx.dtype, generator: gen });
    const nodeLevel = spec.level === "node";
    stages.push(
      stage({
        name: nodeLevel ? "MLP (per node)" : "MLP",
        step: "invariant readout",
        module: head,
        inType: `${c} invariant scalars`,
        outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}${nodeLevel ? " per point" : ""}`,
        run: (s) => head.forward(nodeLevel ? st(s).h : (s as Tensor)),
        actions: { space: invariant, perm: nodeLevel ? (nodePermutationAction() as AnyAction) : invariant },
      }),
    );
    output = nodeLevel
      ? {
          shape: `[N, ${spec.outputs}]`,
          symmetry: "equivariant",
          transforms: "invariant values per point; rows follow the points",
        }
      : {
          shape: `[numGraphs, ${spec.outputs}]`,
          symmetry: "invariant",
          transforms: "unchanged by rotations, reflections and permutations",
        };
  }
  const prepare = (input: unknown) => {
    const raw = readPoints(spec, input, ctx.dtype);
    const N = raw.pos.shape[0]!;
    const ei = edgesOf(raw, rMax);
    let h: Tensor;
    if (mol) {
      const oh = new (ctx.dtype === "float64" ? Float64Array : Float32Array)(N * spec.species);
      for (let i = 0; i < N; i++) oh[i * spec.species + raw.z!.data[i]!] = 1;
      h = new Tensor(oh, [N, spec.species], ctx.dtype);
    } else {
      const parts: Tensor[] = [];
      if (S > 0) parts.push(raw.x!);
      else if (V === 0)
        parts.push(
          new Tensor(new (ctx.dtype === "float64" ? Float64Array : Float32Array)(N).fill(1), [N, 1], ctx.dtype),
        );
      if (V > 0) parts.push(raw.vel!);
      h = parts.length === 1 ? parts[0]! : concat(parts, 1);
    }
    return {
      h,
      pos: raw.pos,
      ...(raw.vel ? { vel: raw.vel } : {}),
      batch: raw.batch,
      _numGraphs: raw.numGraphs,
      _edgeIndex: ei,
      ...(raw.q ? { _qq: chargeProducts(raw.q, edgeRow(ei, 0), edgeRow(ei, 1)) } : {}),
    };
  };
  return { stages, output, checks: pointChecks(spec, ctx, G, outSpatial), prepare };
}

/** Sn only: DeepSets on [positions, features] (molecules: [positions, one-hot z]). */
function pointsSetRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const mol = spec.domain === "molecule";
  const F = 3 + (mol ? spec.species : spec.scalars);
  const inner = setRecipe({ ...spec, scalars: F }, widths, ctx);
  const prepare = (input: unknown) => {
    const raw = readPoints(spec, input, ctx.dtype);
    const N = raw.pos.shape[0]!;
    let feats: Tensor | null = raw.x;
    if (mol) {
      const oh = new (ctx.dtype === "float64" ? Float64Array : Float32Array)(N * spec.species);
      for (let i = 0; i < N; i++) oh[i * spec.species + raw.z!.data[i]!] = 1;
      feats = new Tensor(oh, [N, spec.species], ctx.dtype);
    }
    const x = feats === null ? raw.pos : concat([raw.pos, feats], 1);
    return inner.prepare({ x, batch: raw.batch });
  };
  const checks = (seed: number): BlueprintCheck[] => {
    const input = samplePoints(spec, seed, ctx.dtype);
    const N = input.pos!.shape[0]!;
    return [
      {
        id: "perm",
        name: `${spec.level === "node" ? "equivariance" : "invariance"} to permutations of the points (exact; positions enter as plain features, so rotations are not respected)`,
        group: Sn(N),
        samples: 4,
        inputAction: inputPerm(spec),
        outputAction: spec.level === "node" ? (nodePermutationAction() as AnyAction) : undefined,
        input,
        exact: true,
        rtol: 1e-4,
      },
    ];
  };
  const first = inner.stages[0]!;
  first.inType = `${F} features per point (xyz${mol ? ", one-hot z" : spec.scalars > 0 ? `, ${spec.scalars} scalars` : ""})`;
  return { stages: inner.stages, output: inner.output, checks, prepare };
}
