/**
 * The recipe for triangle meshes with the gauge group SO(2)^V (a rotation of the tangent frame at every
 * vertex): `GemConv` layers (gauge-equivariant kernels with parallel transport, de Haan et al. 2021)
 * between band-limited SO(2) irrep features `w × (ρ_0 ⊕ ρ_1 ⊕ … ⊕ ρ_M)`, each followed by the regular
 * nonlinearity (sample the features on N points of the circle, ReLU, project back: exact for gauge
 * rotations by multiples of 2π/N). A last `GemConv` to scalars ρ_0 (gauge invariant) and ReLU, then a mean
 * over each mesh's vertices and a linear head (graph level), a linear head per vertex (node level), or a
 * `GemConv` to ρ_1 (tangent vectors in the vertex frames: node-vector).
 *
 * With the intrinsic gauge of `meshGauge`, the outputs are also invariant to rigid motions of the mesh
 * (the frames move with it), provided the input features are (HKS, curvature, constants).
 */
import { type GaugeInput, gaugeInputAction, type MeshGauge, meshGauge } from "../domains/mesh/gauge.js";
import { Mesh } from "../domains/mesh/mesh.js";
import { icosphere } from "../domains/mesh/primitives.js";
import { GemConv } from "../layers/meshes/gem_conv.js";
import { RegularNonlinearity } from "../layers/meshes/regular_nonlinearity.js";
import { ReLU } from "../nn/activation.js";
import { Linear } from "../nn/linear.js";
import type { EuclideanElement } from "../symmetry/groups.js";
import { SEn } from "../symmetry/groups.js";
import { gaugeFieldAction, gaugeGroup, SO2Irreps } from "../symmetry/so2_irreps.js";
import { randn } from "../tensor/creation.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { scatter } from "../tensor/ops/scatter.js";
import { Generator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import type { AnyAction, BlueprintCheck, OutputInfo, Stage } from "./model.js";
import { type BuildContext, invariant, recordAction, stage } from "./parts.js";
import type { Recipe } from "./recipe.js";
import type { ResolvedSpec } from "./spec.js";

/** State of the mesh recipe between stages. */
interface MeshState {
  x: Tensor;
  batch: Tensor;
  _gauge: MeshGauge;
  _numGraphs: number;
}

const st = (s: unknown) => s as MeshState;

/** The input irreps: scalars ρ_0 then tangent vectors ρ_1. */
function inputIrreps(spec: ResolvedSpec): SO2Irreps {
  const items: [number, number][] = [];
  if (spec.scalars > 0) items.push([spec.scalars, 0]);
  if (spec.vectors > 0) items.push([spec.vectors, 1]);
  return new SO2Irreps(items);
}

/** Vertices of the sample mesh (a once-subdivided icosphere). */
const SAMPLE_VERTICES = 42;

/** A 42-vertex icosphere with seeded radial noise (no symmetric ties), for the checks. */
function sampleMesh(seed: number): Mesh {
  const m = icosphere(1);
  const g = new Generator(seed);
  const p = new Float64Array(m.positions.length);
  for (let v = 0; v < m.numVertices; v++) {
    const r = 1 + 0.05 * g.uniform(-1, 1);
    for (let i = 0; i < 3; i++) p[3 * v + i] = m.positions[3 * v + i]! * r;
  }
  return new Mesh(p, m.faces);
}

function moveMesh(e: EuclideanElement, m: Mesh): Mesh {
  const p = new Float64Array(m.positions.length);
  for (let v = 0; v < m.numVertices; v++) {
    for (let i = 0; i < 3; i++) {
      let s = e.t[i]!;
      for (let j = 0; j < 3; j++) s += e.R[3 * i + j]! * m.positions[3 * v + j]!;
      p[3 * v + i] = s;
    }
  }
  return new Mesh(p, m.faces);
}

/** The mesh recipe (see the module docs). */
export function meshRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const M = spec.options.maxFrequency;
  const samples = 8 * M + 1;
  const inIr = inputIrreps(spec);
  const act = (ir: SO2Irreps) => ({ gauge: recordAction({ x: gaugeFieldAction(ir) as never }) });
  const stages: Stage[] = [];
  let cur = inIr;
  widths.forEach((w, i) => {
    const hid = SO2Irreps.bandLimited(w, M);
    const conv = new GemConv(cur, hid, lo);
    stages.push(
      stage({
        name: "GemConv",
        step: "equivariant linear",
        module: conv,
        inType: `${cur} (${cur.dim} channels)`,
        outType: `${hid} (${hid.dim} channels)`,
        note:
          i === 0
            ? "neighbours transported into each vertex's frame, then a gauge-equivariant kernel K(θ) = ρ_out(θ) K₀ ρ_in(−θ)"
            : undefined,
        run: (s) => ({ ...st(s), x: conv.forward(st(s).x, st(s)._gauge) }),
        actions: act(hid),
      }),
    );
    const nl = new RegularNonlinearity(hid, { samples });
    stages.push(
      stage({
        name: "RegularNonlinearity",
        step: "nonlinearity",
        module: nl,
        inType: `${hid}`,
        outType: `${hid}`,
        note:
          i === 0
            ? `features sampled at ${samples} angles, ReLU, projected back: exact for gauge rotations by multiples of 2π/${samples}`
            : undefined,
        run: (s) => ({ ...st(s), x: nl.forward(st(s).x) }),
        actions: act(hid),
      }),
    );
    cur = hid;
  });
  const c = widths[widths.length - 1]!;
  let output: OutputInfo;
  if (spec.kind === "vector") {
    const T = spec.outputs;
    const outIr = new SO2Irreps([[T, 1]]);
    const conv = new GemConv(cur, outIr, lo);
    stages.push(
      stage({
        name: "GemConv",
        step: "equivariant readout",
        module: conv,
        inType: `${cur}`,
        outType: `${outIr} (tangent vectors in the vertex frames)`,
        run: (s) => conv.forward(st(s).x, st(s)._gauge),
        actions: { gauge: gaugeFieldAction(outIr) as AnyAction },
      }),
    );
    output = {
      shape: `[V, ${2 * T}]`,
      symmetry: "equivariant",
      transforms: "tangent vectors: rotate with the frame at their vertex (gauge), invariant to rigid motions",
    };
  } else {
    const scal = new SO2Irreps([[c, 0]]);
    const conv = new GemConv(cur, scal, lo);
    const relu = new ReLU();
    stages.push(
      stage({
        name: "GemConv",
        step: "invariant readout",
        module: conv,
        inType: `${cur}`,
        outType: `${scal} (gauge-invariant scalars)`,
        note: "the gauge-equivariant linear map to scalars",
        run: (s) => ({ ...st(s), x: relu.forward(conv.forward(st(s).x, st(s)._gauge)) }),
        actions: act(scal),
      }),
    );
    const head = new Linear(c, spec.outputs, lo);
    if (spec.level === "graph") {
      stages.push(
        stage({
          name: "global mean pool",
          step: "invariant pooling",
          inType: `${c} scalars per vertex`,
          outType: `${c} invariant scalars per mesh`,
          run: (s) => scatter(st(s).x, st(s).batch, 0, st(s)._numGraphs, "mean"),
          actions: { gauge: invariant },
        }),
      );
      stages.push(
        stage({
          name: "Linear",
          step: "invariant readout",
          module: head,
          inType: `${c} invariant scalars`,
          outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
          run: (s) => head.forward(s as Tensor),
          actions: { gauge: invariant },
        }),
      );
      output = {
        shape: `[numMeshes, ${spec.outputs}]`,
        symmetry: "invariant",
        transforms: "unchanged by gauge changes and rigid motions",
      };
    } else {
      stages.push(
        stage({
          name: "Linear",
          step: "invariant readout",
          module: head,
          inType: `${c} scalars per vertex`,
          outType: `${spec.outputs} ${spec.kind === "classification" ? "logits" : "targets"} per vertex`,
          run: (s) => head.forward(st(s).x),
          actions: { gauge: invariant },
        }),
      );
      output = {
        shape: `[V, ${spec.outputs}]`,
        symmetry: "invariant",
        transforms: "per-vertex values, unchanged by gauge changes and rigid motions",
      };
    }
  }
  const prepare = (input: unknown): MeshState => {
    const inp = input as { x?: unknown; gauge?: MeshGauge; batch?: Tensor | null } | null;
    const x = inp?.x as Tensor | undefined;
    if (inp === null || typeof inp !== "object" || !(x instanceof Tensor) || x.ndim !== 2 || x.shape[1] !== inIr.dim)
      throw new ErlangenError(
        `blueprint model: argument 'input' expected { x: [V, ${inIr.dim}] (${inIr}), gauge: MeshGauge }, got ${x instanceof Tensor ? `x of shape ${fmtShape(x.shape)}` : typeof input}`,
      );
    const gauge = inp.gauge;
    if (gauge === undefined || gauge === null || typeof gauge !== "object" || !("numNodes" in gauge))
      throw new ErlangenError(
        "blueprint model: argument 'gauge' expected the mesh's gauge bundle (meshGauge(mesh)), got none",
      );
    const V = x.shape[0]!;
    if (gauge.numNodes !== V)
      throw new ErlangenError(
        `blueprint model: argument 'gauge' expected a bundle of ${V} vertices (the rows of x), got ${gauge.numNodes}`,
      );
    let batch = inp.batch ?? null;
    if (batch === null) batch = new Tensor(new Int32Array(V), [V], "int32");
    if (!(batch instanceof Tensor) || batch.dtype !== "int32" || batch.shape[0] !== V)
      throw new ErlangenError(`blueprint model: argument 'batch' expected int32 [${V}]`);
    let G = V > 0 ? 1 : 0;
    for (let i = 0; i < V; i++) G = Math.max(G, batch.data[i]! + 1);
    return { x: x.dtype === ctx.dtype ? x : x.cast(ctx.dtype), batch, _gauge: gauge, _numGraphs: G };
  };
  const vectorOut =
    spec.kind === "vector" ? (gaugeFieldAction(new SO2Irreps([[spec.outputs, 1]])) as AnyAction) : undefined;
  const checks = (seed: number): BlueprintCheck[] => {
    // the sample mesh and its gauge are made on first use (plans only read the claims)
    let sample: { mesh: Mesh; x: Tensor; input: GaugeInput } | null = null;
    const get = () => {
      if (sample === null) {
        const mesh = sampleMesh(seed + 1);
        const x = randn([mesh.numVertices, inIr.dim], { generator: new Generator(seed + 2), dtype: ctx.dtype });
        sample = { mesh, x, input: { x, gauge: meshGauge(mesh) } };
      }
      return sample;
    };
    const V = SAMPLE_VERTICES;
    const inAct = gaugeInputAction<GaugeInput>(inIr) as AnyAction;
    return [
      {
        id: "gauge",
        name: `${vectorOut ? "equivariance" : "invariance"} to gauge rotations by multiples of 2π/${samples} at every vertex (exact)`,
        group: gaugeGroup(V, samples),
        samples: 3,
        inputAction: inAct,
        outputAction: vectorOut,
        get input() {
          return get().input;
        },
        exact: true,
        rtol: 1e-4,
      },
      {
        id: "gauge",
        name: `${vectorOut ? "equivariance" : "invariance"} to arbitrary gauge rotations at every vertex (the regular nonlinearity aliases: approximate, measured)`,
        group: gaugeGroup(V),
        samples: 3,
        inputAction: inAct,
        outputAction: vectorOut,
        get input() {
          return get().input;
        },
        exact: false,
        rtol: 0.1,
        layers: false,
      },
      {
        id: "rigid",
        name: "invariance to rigid motions of the mesh (gauge recomputed from the moved mesh; exact)",
        group: SEn(3),
        samples: 3,
        inputAction: moveMesh as AnyAction,
        get input() {
          return get().mesh;
        },
        fn: (m) => stagesForward(stages, prepare({ x: get().x, gauge: meshGauge(m as Mesh) })),
        exact: true,
        rtol: 1e-4,
      },
    ];
  };
  return { stages, output, checks, prepare };
}

function stagesForward(stages: Stage[], s: unknown): unknown {
  let v = s;
  for (const x of stages) v = x.run(v);
  return v;
}
