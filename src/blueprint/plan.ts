/**
 * The plan of a built model: every layer with its group, input and output representation, parameter
 * count and the blueprint step it fills, the equivariance claims, and why the builder chose this
 * architecture. Renders as text ({@link planToText}), JSON ({@link planToJSON}) and an SVG diagram
 * ({@link planToSvg}); {@link explain} recovers it from a built model.
 */
import { ErlangenError } from "../tensor/errors.js";
import { type BlueprintModel, type BlueprintStep, countParams, type OutputInfo, STEP_FAMILY } from "./model.js";
import { DOMAINS, type ResolvedSpec } from "./spec.js";

/** One layer of a plan. */
export interface PlanLayer {
  index: number;
  /** Layer name, e.g. `GroupConv2d`. */
  name: string;
  step: BlueprintStep;
  /** The blueprint step it belongs to, e.g. `1. G-equivariant linear layer`. */
  blueprintStep: string;
  /** The group the layer is equivariant to. */
  group: string;
  inType: string;
  outType: string;
  params: number;
  note?: string;
}

/** A claim of the plan, tested by `verifyBlueprint`. */
export interface PlanClaim {
  claim: string;
  group: string;
  /** Exact (tested to float round-off) or approximate (measured and reported). */
  exact: boolean;
}

/** The plan of a built model (see the module docs). */
export interface Plan {
  domain: string;
  group: string;
  task: string;
  /** Input as the model's `forward` takes it. */
  input: string;
  output: OutputInfo;
  depth: number;
  /** Width of each equivariant layer. */
  widths: number[];
  widthUnit: string;
  /** Total trainable parameters. */
  params: number;
  /** The requested budget and the relative deviation from it (null without a budget). */
  budget: { target: number; deviation: number } | null;
  layers: PlanLayer[];
  claims: PlanClaim[];
  /** Why this architecture: one line per choice. */
  rationale: string[];
  /** Build time in ms. */
  buildMs: number;
}

const INPUTS: Record<string, (s: ResolvedSpec) => string> = {
  grid1d: (s) => `tensor [B, ${s.scalars}, L]`,
  grid2d: (s) =>
    `tensor [B, ${s.scalars + 2 * s.vectors}, H, W]${s.vectors > 0 ? ` (${s.scalars} scalar channels, then ${s.vectors} (x, y) vector channel pairs)` : ""}`,
  grid3d: (s) => `tensor [B, ${s.scalars}, D, H, W]`,
  set: (s) => `{ x: [N, ${s.scalars}], batch?: int32 [N] }`,
  graph: (s) => `{ x: [N, ${s.scalars}], edgeIndex: int32 [2, E], batch?: int32 [N] }`,
  pointcloud: (s) =>
    `{ pos: [N, 3]${s.scalars > 0 ? `, x: [N, ${s.scalars}]` : ""}${s.vectors > 0 ? `, vel: [N, ${s.vectors === 1 ? "3" : `${s.vectors}, 3`}]` : ""}${s.charges > 0 ? `, charges: [N, ${s.charges}]` : ""}, batch?: int32 [N], edgeIndex?: int32 [2, E] }`,
  molecule: (s) => `{ z: int32 [N] (atomic numbers < ${s.species}), pos: [N, 3], batch?: int32 [N] }`,
  mesh: (s) => `{ x: [V, ${s.scalars + 2 * s.vectors}], gauge: MeshGauge (meshGauge(mesh)), batch?: int32 [V] }`,
  sphere: (s) =>
    `tensor [B, ${s.scalars}, ${2 * s.options.bandwidth}, ${2 * s.options.bandwidth}] (rows: colatitude from +y, columns: longitude; driscollHealyGrid(${s.options.bandwidth}))`,
};

const SKELETON_NOTE =
  "Layout cohen-welling: the rotated-MNIST skeleton of Cohen & Welling (valid 3×3 convolutions, one 2× max pooling after the second layer, a last 4×4 layer, pooling over the group). No padding wraps around, so the claims are the rotations (and flips) about the image centre, not translations.";

/** Why the builder chose what it chose, per domain and group family. */
function rationale(spec: ResolvedSpec): string[] {
  const g = spec.group.name;
  const f = spec.group.family;
  const out: string[] = [];
  const lvl =
    spec.kind === "vector"
      ? "a vector output must rotate with the input, so the readout is an equivariant linear map to vector features"
      : spec.level === "graph"
        ? spec.options.layout === "cohen-welling"
          ? "an image-level output must not change when the image rotates about its centre, so the last convolution gives one regular field per output and the model pools over the group, then over the remaining pixels"
          : "a graph-level output must not change when the input moves, so the model ends with G-invariant pooling and an MLP on invariants"
        : spec.level === "edge"
          ? "edge outputs read the two end nodes' features symmetrically; relabelling nodes leaves each edge's output unchanged"
          : "node-level outputs must move with the input, so the model stays equivariant to the end and uses a pointwise head";
  switch (f) {
    case "translations":
      out.push("Ω is a grid and G its (cyclic) translations: the G-equivariant linear maps are convolutions.");
      out.push(
        "Circular padding makes the grid a torus, so shifts act exactly; 2× pooling keeps shifts by multiples of 2.",
      );
      break;
    case "p4":
    case "p4m":
      if (spec.options.layout === "cohen-welling") out.push(SKELETON_NOTE);
      out.push(
        `G = ${g} = Z² ⋊ ${f === "p4" ? "C4" : "D4"}: the equivariant linear maps are group convolutions on ${g} (Cohen & Welling 2016).`,
      );
      out.push(
        "Features are regular fields (one channel per rotation), so pointwise ReLU and max pooling stay equivariant.",
      );
      break;
    case "Cn":
    case "Dn":
      if (spec.options.layout === "cohen-welling") out.push(SKELETON_NOTE);
      out.push(
        `G = ${g} acting on the plane: steerable convolutions (Weiler & Cesa 2019) with kernels from the ${g}-equivariant basis.`,
      );
      out.push(
        "Hidden features are regular fields, so pointwise ReLU and max pooling stay equivariant; group pooling gives invariants.",
      );
      break;
    case "SO(2)":
    case "O(2)":
      out.push(
        `G = ${g} is continuous: features are band-limited irrep fields (frequencies 0…${spec.options.maxFrequency}), steerable kernels between them.`,
      );
      out.push(
        "ReLU would break the rotation of vector fields: gated nonlinearities scale each field by a sigmoid of an invariant gate; pooling is by average and by norm.",
      );
      break;
    case "Sn":
      out.push(
        spec.domain === "graph"
          ? "Ω is a graph and G = Sn relabels its nodes: message passing with sum aggregation (GIN) is the equivariant layer."
          : "G = Sn permutes the elements: the equivariant linear maps are x Λ + pool(x) Γ (DeepSets), the invariant pooling a sum.",
      );
      break;
    case "E(3)":
      out.push(
        "G = E(3) (rotations, reflections, translations) and Sn: EGNN layers exchange messages built from invariant distances and move positions along difference vectors.",
      );
      if (spec.charges > 0)
        out.push(
          "Charges act between pairs of points: they enter every message as the invariant edge attribute q_i·q_j (with the input's squared distance), as in the EGNN paper's N-body model, not as node features.",
        );
      if (spec.vectors > 0)
        out.push(
          spec.kind === "vector" && spec.level === "node"
            ? "The velocity enters the node features through its norm ‖v_i‖ (invariant) and moves each point by φ_v(h_i)·v_i, an invariant times a vector (EGNN's velocity variant)."
            : "The velocity enters the node features through its norm ‖v_i‖, an invariant (positions are not updated for this output).",
        );
      break;
    case "O(3)":
    case "SO(3)":
      if (spec.domain === "sphere") {
        out.push(
          "Ω = S² and G = SO(3): convolution is a product of harmonic coefficients; the first layer correlates the signal with a filter over all rotations (a signal on SO(3)), the next ones correlate on SO(3) (Cohen et al. 2018).",
        );
        out.push(
          "ReLU acts on grid values between the transforms (on a grid finer than the band limit, so it aliases little); pooling keeps the lower degrees; the integral over SO(3) is the invariant.",
        );
        break;
      }
      out.push(
        `G = ${g} ⋉ translations and Sn: features are irreps (l ≤ ${spec.options.maxFrequency}), messages are tensor products with the spherical harmonics of relative positions, weighted by an MLP of the distance.`,
      );
      out.push(
        f === "SO(3)"
          ? "SO(3) features include pseudo-vectors (1e, from cross products); the layers respect parity, so the model is O(3)-equivariant as well."
          : "Gates (sigmoid of scalar irreps) are the nonlinearity of the non-scalar irreps.",
      );
      if (spec.charges > 0)
        out.push(
          "Charges act between pairs of points: the products q_i·q_j (invariant) join the radial basis that weights each tensor product.",
        );
      break;
    case "gauge":
      out.push(
        "Ω is a surface mesh and G the gauge group SO(2)^V (a frame rotation at every vertex): GEM convolutions with parallel transport (de Haan et al. 2021).",
      );
      out.push(
        "Features are band-limited SO(2) irreps; the regular nonlinearity samples them on the circle, applies ReLU and projects back.",
      );
      break;
  }
  out.push(`The task is ${spec.task}: ${lvl}.`);
  return out;
}

/** The plan of a built model. */
export function explain(model: BlueprintModel): Plan {
  if (model === null || typeof model !== "object" || !("stages" in model) || !("spec" in model))
    throw new ErlangenError("explain: argument 'model' expected a model built by blueprint(), got something else");
  const spec = model.spec;
  const layers: PlanLayer[] = model.stages.map((s, i) => ({
    index: i,
    name: s.name,
    step: s.step,
    blueprintStep: STEP_FAMILY[s.step],
    group: spec.group.name,
    inType: s.inType,
    outType: s.outType,
    params: countParams(s.module),
    ...(s.note ? { note: s.note } : {}),
  }));
  const params = countParams(model);
  const claims = model.checks(0).map((c) => ({ claim: c.name, group: c.group.name as string, exact: c.exact }));
  return {
    domain: spec.domain,
    group: spec.group.name,
    task: spec.task,
    input: INPUTS[spec.domain]!(spec),
    output: model.output,
    depth: spec.depth,
    widths: [...model.widths],
    widthUnit: DOMAINS[spec.domain].widthUnit,
    params,
    budget: spec.params === null ? null : { target: spec.params, deviation: (params - spec.params) / spec.params },
    layers,
    claims,
    rationale: rationale(spec),
    buildMs: model.buildMs,
  };
}

const fmtInt = (n: number) => n.toLocaleString("en-US");

/** The plan as a text table. */
export function planToText(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`blueprint: ${plan.domain} · ${plan.group} · ${plan.task}`);
  lines.push(`input:  ${plan.input}`);
  lines.push(`output: ${plan.output.shape}, ${plan.output.symmetry} (${plan.output.transforms})`);
  lines.push(
    `size:   depth ${plan.depth}, widths [${plan.widths.join(", ")}] (${plan.widthUnit}), ${fmtInt(plan.params)} parameters${plan.budget ? ` (budget ${fmtInt(plan.budget.target)}, ${(100 * plan.budget.deviation).toFixed(1)} %)` : ""}${plan.buildMs > 0 ? `, built in ${plan.buildMs.toFixed(1)} ms` : ""}`,
  );
  lines.push("");
  const head = ["#", "layer", "step", "in", "out", "params"];
  const rows = plan.layers.map((l) => [String(l.index), l.name, l.step, l.inType, l.outType, fmtInt(l.params)]);
  const w = head.map((h, i) =>
    Math.min(i >= 3 && i <= 4 ? 44 : 40, Math.max(h.length, ...rows.map((r) => r[i]!.length))),
  );
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const fmtRow = (r: string[]) =>
    r.map((c, i) => (i === r.length - 1 ? cut(c, w[i]!).padStart(w[i]!) : cut(c, w[i]!).padEnd(w[i]!))).join("  ");
  lines.push(fmtRow(head));
  for (const r of rows) lines.push(fmtRow(r));
  lines.push("");
  lines.push("why:");
  for (const r of plan.rationale) lines.push(`  - ${r}`);
  // each note once (repeated layers share theirs)
  const seen = new Set<string>();
  const notes = plan.layers.filter((l) => {
    if (!l.note || seen.has(`${l.name}|${l.note}`)) return false;
    seen.add(`${l.name}|${l.note}`);
    return true;
  });
  if (notes.length > 0) {
    lines.push("layers:");
    for (const l of notes) lines.push(`  ${l.index} ${l.name}: ${l.note}`);
  }
  lines.push("claims (checked by verifyBlueprint / erlangen check --spec):");
  for (const c of plan.claims) lines.push(`  - ${c.exact ? "[exact]" : "[measured]"} ${c.group}: ${c.claim}`);
  return lines.join("\n");
}

/** The plan as JSON (two-space indented). */
export function planToJSON(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}

const STEP_COLOURS: Record<BlueprintStep, string> = {
  "equivariant linear": "#4e79a7",
  embedding: "#4e79a7",
  "equivariant layer": "#59a14f",
  normalisation: "#9c9ede",
  nonlinearity: "#f28e2b",
  "local pooling": "#76b7b2",
  "invariant pooling": "#e15759",
  "invariant readout": "#b07aa1",
  "equivariant readout": "#edc948",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The plan as an SVG diagram: one box per layer, top to bottom, coloured by blueprint step, with the
 * layer's name, output representation and parameter count, and a legend of the steps used.
 */
export function planToSvg(plan: Plan): string {
  const W = 640;
  const boxH = 38;
  const gap = 14;
  const top = 64;
  const x0 = 24;
  const bw = 440;
  const steps = [...new Set(plan.layers.map((l) => l.step))];
  const H = top + plan.layers.length * (boxH + gap) + 40;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<text x="${x0}" y="24" font-size="15" font-weight="600">${esc(`${plan.domain} · ${plan.group} · ${plan.task}`)}</text>`,
  );
  out.push(`<text x="${x0}" y="44" fill="#555">${esc(`input ${plan.input}`.slice(0, 96))}</text>`);
  plan.layers.forEach((l, i) => {
    const y = top + i * (boxH + gap);
    const c = STEP_COLOURS[l.step];
    out.push(`<g class="layer" data-step="${esc(l.step)}">`);
    out.push(
      `<rect x="${x0}" y="${y}" width="${bw}" height="${boxH}" rx="6" fill="${c}" fill-opacity="0.18" stroke="${c}"/>`,
    );
    out.push(`<text x="${x0 + 10}" y="${y + 16}" font-weight="600">${esc(`${l.index}. ${l.name}`)}</text>`);
    out.push(`<text x="${x0 + 10}" y="${y + 31}" fill="#333">${esc(`→ ${l.outType}`.slice(0, 70))}</text>`);
    out.push(
      `<text x="${x0 + bw - 10}" y="${y + 16}" text-anchor="end" fill="#333">${esc(l.params > 0 ? `${fmtInt(l.params)} params` : "")}</text>`,
    );
    out.push(`<text x="${x0 + bw - 10}" y="${y + 31}" text-anchor="end" fill="${c}">${esc(l.step)}</text>`);
    out.push("</g>");
    if (i < plan.layers.length - 1) {
      const ay = y + boxH;
      out.push(
        `<path d="M ${x0 + bw / 2} ${ay + 1} L ${x0 + bw / 2} ${ay + gap - 2}" stroke="#888" marker-end="url(#arrow)"/>`,
      );
    }
  });
  out.push(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker></defs>',
  );
  const lx = x0 + bw + 20;
  out.push(`<text x="${lx}" y="${top + 4}" font-weight="600">blueprint steps</text>`);
  steps.forEach((s, i) => {
    const y = top + 16 + i * 20;
    out.push(`<rect x="${lx}" y="${y}" width="12" height="12" rx="2" fill="${STEP_COLOURS[s]}"/>`);
    out.push(`<text x="${lx + 18}" y="${y + 10}">${esc(s)}</text>`);
  });
  const ty = top + 16 + steps.length * 20 + 16;
  out.push(`<text x="${lx}" y="${ty}" font-weight="600">${esc(`${fmtInt(plan.params)} parameters`)}</text>`);
  out.push(`<text x="${lx}" y="${ty + 18}" fill="#555">${esc(`output ${plan.output.symmetry}`)}</text>`);
  out.push("</svg>");
  return out.join("\n");
}
