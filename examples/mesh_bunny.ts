/**
 * Geodesics: the Stanford bunny. Loads the mesh, computes the first eigenpairs of its Laplace–Beltrami
 * operator (L φ = λ M φ, cotan Laplacian, lumped mass) and the geodesic distance from one vertex by the heat
 * method (checked against Dijkstra along the edges), writes a picture coloured by that distance
 * (`mesh_bunny.svg`: an orthographic view, triangles drawn far to near), then trains a small DiffusionNet
 * for a few steps to predict the distance band of every vertex (4 bands) from intrinsic inputs: heat
 * kernel signatures plus an indicator of the source vertex. The network has to spread the indicator over
 * the surface, which its learned heat diffusion does.
 *
 * Run: `npm run build && node dist/examples/mesh_bunny.js` (add `--small` for a quick run; the SVG is
 * written to the working directory).
 */
import { writeFileSync } from "node:fs";
import {
  Adam,
  DiffusionNet,
  diffusionNetOperators,
  dijkstraDistances,
  F,
  heatGeodesics,
  heatKernelSignature,
  manualSeed,
  meshEigenbasis,
  meshToSvg,
  noGrad,
  normalizePositions,
  Tensor,
} from "../src/index.js";
import { loadBunny } from "../src/node/index.js";
import { type ExampleOptions, logger, msSince, runIfMain } from "./common.js";

/** Options of {@link main}: the example options and where to write the picture. */
export interface MeshBunnyOptions extends ExampleOptions {
  /** Path of the SVG (default `mesh_bunny.svg` for a full run; none for a small run unless given). */
  svgPath?: string;
}

/** What {@link main} returns. */
export interface MeshBunnySummary {
  vertices: number;
  faces: number;
  /** Eigenpairs computed and the first few eigenvalues (λ_0 ≈ 0 for a closed mesh). */
  eigenpairs: number;
  firstEigenvalues: number[];
  eigenMs: number;
  source: number;
  /** Largest geodesic distance from the source (heat method) and its mean relative gap to Dijkstra's. */
  maxDistance: number;
  heatVsDijkstra: number;
  geodesicMs: number;
  /** The SVG's size in bytes and where it was written (null: not written). */
  svgBytes: number;
  svgPath: string | null;
  /** Training of the distance-band DiffusionNet. */
  steps: number;
  losses: number[];
  accuracy: number;
  msPerStep: number;
}

/** Runs the example and returns its figures. */
export function main(opts: MeshBunnyOptions = {}): MeshBunnySummary {
  const log = logger(opts);
  const small = opts.small ?? false;
  manualSeed(0);

  // the bunny, centred and scaled to unit radius (as DiffusionNet normalises its inputs)
  const mesh = normalizePositions(loadBunny());
  log(`bunny: ${mesh.numVertices} vertices, ${mesh.numFaces} faces, genus ${mesh.genus()}`);

  // spectrum: the k smallest eigenpairs of L φ = λ M φ (sparse shift-invert)
  const k = small ? 24 : 64;
  let t0 = performance.now();
  const basis = meshEigenbasis(mesh, k);
  const eigenMs = msSince(t0);
  log(
    `eigenbasis: ${k} pairs in ${eigenMs} ms, λ = ${Array.from(basis.values.subarray(0, 4), (v) => v.toFixed(3)).join(", ")} …`,
  );

  // geodesic distance from one vertex by the heat method, against Dijkstra along the edges
  const source = 0;
  t0 = performance.now();
  const dist = heatGeodesics(mesh, source);
  const geodesicMs = msSince(t0);
  const dij = dijkstraDistances(mesh, source);
  let gap = 0;
  let maxDistance = 0;
  for (let v = 0; v < mesh.numVertices; v++) {
    maxDistance = Math.max(maxDistance, dist[v]!);
    if (dij[v]! > 0) gap += Math.abs(dist[v]! - dij[v]!) / dij[v]!;
  }
  const heatVsDijkstra = gap / (mesh.numVertices - 1);
  log(
    `heat geodesics from vertex ${source} in ${geodesicMs} ms (max ${maxDistance.toFixed(3)}; mean gap to Dijkstra ${(100 * heatVsDijkstra).toFixed(1)} %)`,
  );

  // the picture
  const svg = meshToSvg(mesh, {
    values: dist,
    title: `bunny: heat-method geodesic distance from vertex ${source}`,
    label: "distance",
    azimuth: 20,
    marks: [source],
  });
  const svgPath = opts.svgPath ?? (small ? null : "mesh_bunny.svg");
  if (svgPath !== null) {
    writeFileSync(svgPath, svg);
    log(`wrote ${svgPath} (${svg.length} bytes)`);
  }

  // a small DiffusionNet learns the distance band (quartiles of the distance) of every vertex
  const V = mesh.numVertices;
  const sorted = Float64Array.from(dist).sort();
  const cuts = [0.25, 0.5, 0.75].map((q) => sorted[Math.floor(q * (V - 1))]!);
  const band = new Int32Array(V);
  for (let v = 0; v < V; v++) band[v] = cuts.filter((c) => dist[v]! > c).length;
  const hksCount = 8;
  const hks = heatKernelSignature(basis, hksCount);
  // inputs: each HKS channel divided by its mean (unit scale), and 1 at the source vertex
  const x = new Float32Array(V * (hksCount + 1));
  for (let j = 0; j < hksCount; j++) {
    let m = 0;
    for (let v = 0; v < V; v++) m += hks[v * hksCount + j]! / V;
    for (let v = 0; v < V; v++) x[v * (hksCount + 1) + j] = hks[v * hksCount + j]! / m;
  }
  x[source * (hksCount + 1) + hksCount] = 1;
  const input = new Tensor(x, [V, hksCount + 1], "float32");
  const target = new Tensor(band, [V], "int32");
  const ops = diffusionNetOperators(mesh, { k, basis });
  const model = new DiffusionNet(hksCount + 1, 4, { width: 16, blocks: 2, k, dropout: 0 });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const steps = small ? 15 : 150;
  const losses: number[] = [];
  t0 = performance.now();
  for (let s = 1; s <= steps; s++) {
    model.train();
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model.forward(input, ops), target);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
    if (s === 1 || s % 25 === 0) log(`step ${String(s).padStart(3)}  loss ${loss.item().toFixed(4)}`);
  }
  const msPerStep = msSince(t0) / steps;
  model.eval();
  const logits = noGrad(() => model.forward(input, ops));
  let right = 0;
  for (let v = 0; v < V; v++) {
    let best = 0;
    for (let c = 1; c < 4; c++) if (logits.data[4 * v + c]! > logits.data[4 * v + best]!) best = c;
    if (best === band[v]) right++;
  }
  const accuracy = right / V;
  log(`distance bands predicted for ${(100 * accuracy).toFixed(1)} % of the vertices (chance 25 %)`);
  return {
    vertices: V,
    faces: mesh.numFaces,
    eigenpairs: k,
    firstEigenvalues: Array.from(basis.values.subarray(0, 4)),
    eigenMs,
    source,
    maxDistance,
    heatVsDijkstra,
    geodesicMs,
    svgBytes: svg.length,
    svgPath,
    steps,
    losses,
    accuracy,
    msPerStep,
  };
}

runIfMain(import.meta.url, main);
