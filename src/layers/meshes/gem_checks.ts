/**
 * Equivariance checks of a GEM-CNN model ({@link GEMNet}), ready for the library's checker and for
 * `erlangen check`: gauge invariance of the logits under rotations by multiples of 2π/N at every vertex
 * (exact: N is the regular nonlinearity's sample count), under arbitrary rotations at every vertex
 * (approximate: the nonlinearity aliases; the row reports the measured error), and invariance to rigid
 * motions of the mesh with the gauge (and pooling levels) recomputed.
 *
 * ```ts
 * for (const c of gemModelChecks(model)) console.log(c.name, checkEquivariance(c.fn, { group: c.group, inputAction: c.inputAction, inputs: [c.input] }).maxRelError);
 * ```
 */
import { type GaugeInput, gaugeInputAction, type MeshGauge, meshGauge } from "../../domains/mesh/gauge.js";
import { withPoolingLevels } from "../../domains/mesh/gauge_pooling.js";
import { Mesh } from "../../domains/mesh/mesh.js";
import type { EuclideanElement } from "../../symmetry/groups.js";
import { SEn } from "../../symmetry/groups.js";
import { gaugeGroup } from "../../symmetry/so2_irreps.js";
import { Generator } from "../../tensor/rng.js";
import { Tensor } from "../../tensor/tensor.js";
import type { ModelCheck } from "../groups/models/checks.js";
import type { GEMNet } from "./gem_models.js";

/** One check of a GEM model (see the module docs). */
export interface GemModelCheck<I> extends ModelCheck<I, Tensor> {
  /** Relative tolerance (1e-6 for the exact symmetries; 0.1 for continuous gauge rotations). */
  rtol: number;
  /** Whether the model has this symmetry exactly (false: the row reports the measured error). */
  expected: boolean;
}

/** A 42-vertex icosphere (one subdivision of the icosahedron) with seeded radial noise, so no ties in the sampling. */
function sampleMesh(seed: number): Mesh {
  const t = (1 + Math.sqrt(5)) / 2;
  const pos: number[][] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ];
  const ico = [
    0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11, 1, 5, 9, 5, 11, 4, 11, 10, 2, 10, 7, 6, 7, 1, 8, 3, 9, 4, 3, 4, 2,
    3, 2, 6, 3, 6, 8, 3, 8, 9, 4, 9, 5, 2, 4, 11, 6, 2, 10, 8, 6, 7, 9, 8, 1,
  ];
  const mid = new Map<string, number>();
  const m = (a: number, b: number) => {
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    let i = mid.get(key);
    if (i === undefined) {
      i = pos.length;
      pos.push([0, 1, 2].map((d) => (pos[a]![d]! + pos[b]![d]!) / 2));
      mid.set(key, i);
    }
    return i;
  };
  const faces: number[] = [];
  for (let f = 0; f < 20; f++) {
    const [a, b, c] = [ico[3 * f]!, ico[3 * f + 1]!, ico[3 * f + 2]!];
    const ab = m(a, b);
    const bc = m(b, c);
    const ca = m(c, a);
    faces.push(a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca);
  }
  const g = new Generator(seed);
  const flat = pos.flatMap((p) => {
    const r = (1 + 0.05 * g.uniform(-1, 1)) / Math.hypot(p[0]!, p[1]!, p[2]!);
    return p.map((x) => x * r);
  });
  return new Mesh(flat, faces);
}

/**
 * The checks of `model` (run it in eval mode) on `mesh` (default: a noisy 42-vertex icosphere) with seeded
 * random scalar inputs. The bundles use the intrinsic method and the model's pooling levels (ratio 0.3).
 */
export function gemModelChecks(
  model: GEMNet,
  opts: { mesh?: Mesh; seed?: number } = {},
): [GemModelCheck<GaugeInput>, GemModelCheck<GaugeInput>, GemModelCheck<Mesh>] {
  const seed = opts.seed ?? 0;
  const mesh = opts.mesh ?? sampleMesh(seed + 1);
  const build = (m: Mesh): MeshGauge => withPoolingLevels(meshGauge(m), model.poolingLevels, { ratio: 0.3 });
  const gauge = build(mesh);
  const V = mesh.numVertices;
  const g = new Generator(seed + 2);
  const dtype = model.head.weight.dtype === "float64" ? "float64" : "float32";
  const data = dtype === "float64" ? new Float64Array(V * model.inChannels) : new Float32Array(V * model.inChannels);
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  const x = new Tensor(data, [V, model.inChannels], dtype);
  const N = model.samples;
  const scalars = `${model.inChannels}x0`;
  const fn = (inp: GaugeInput) => model.forward(inp.x, inp.gauge);
  const move = (e: EuclideanElement, m: Mesh): Mesh => {
    const p = new Float64Array(m.positions.length);
    for (let v = 0; v < m.numVertices; v++) {
      for (let i = 0; i < 3; i++) {
        let s = e.t[i]!;
        for (let j = 0; j < 3; j++) s += e.R[3 * i + j]! * m.positions[3 * v + j]!;
        p[3 * v + i] = s;
      }
    }
    return new Mesh(p, m.faces);
  };
  return [
    {
      name: `gauge invariance, rotations by multiples of 2π/${N} at every vertex (exact)`,
      group: gaugeGroup(V, N),
      inputAction: gaugeInputAction<GaugeInput>(scalars),
      input: { x, gauge },
      fn,
      rtol: 1e-6,
      expected: true,
    },
    {
      name: "gauge invariance, arbitrary rotations at every vertex (aliasing of the regular nonlinearity)",
      group: gaugeGroup(V),
      inputAction: gaugeInputAction<GaugeInput>(scalars),
      input: { x, gauge },
      fn,
      rtol: 0.1,
      expected: false,
    },
    {
      name: "invariance to rigid motions of the mesh (gauge recomputed)",
      group: SEn(3),
      inputAction: move,
      input: mesh,
      fn: (m: Mesh) => model.forward(x, build(m)),
      rtol: 1e-6,
      expected: true,
    },
  ];
}
