/**
 * The blueprint's input: a {@link BlueprintSpec} names the domain Ω, the symmetry group G acting on it,
 * the input and output types, the task and the size. {@link resolveSpec} validates a spec against the
 * table of which groups act on which domains ({@link DOMAINS}) and fills in the defaults; a group that
 * does not act on the domain is refused with an error that lists the groups that do.
 *
 * Group names follow the field: `translations`, `Cn` / `Dn` with a number (`C8`, `D4`), `p4`, `p4m`,
 * `SO(2)`, `O(2)`, `Sn`, `SO(3)`, `O(3)`, `E(3)` and `gauge` (the gauge group SO(2)^V of a mesh).
 * Tasks are `<level>-<kind>`: level `graph` (one output per signal: an image, a set, a graph, a
 * molecule, a mesh), `node` (one per element: pixel, set element, node, point, vertex) or `edge`
 * (graphs); kind `classification`, `regression` (invariant outputs) or `vector` (an equivariant vector
 * output, e.g. a dipole, a displacement, a flow vector).
 */
import { ErlangenError } from "../tensor/errors.js";

/** The domains the builder knows. */
export type DomainName =
  | "grid1d"
  | "grid2d"
  | "grid3d"
  | "set"
  | "graph"
  | "pointcloud"
  | "molecule"
  | "mesh"
  | "sphere";

/** The family of a group (the number of Cn / Dn lives in {@link ResolvedGroup.n}). */
export type GroupFamily =
  | "translations"
  | "Cn"
  | "Dn"
  | "p4"
  | "p4m"
  | "SO(2)"
  | "O(2)"
  | "Sn"
  | "SO(3)"
  | "O(3)"
  | "E(3)"
  | "gauge";

/** Output level of a task. */
export type TaskLevel = "graph" | "node" | "edge";
/** Output kind of a task. */
export type TaskKind = "classification" | "regression" | "vector";

/** A task as `<level>-<kind>`, e.g. `graph-classification`, `node-vector`. */
export type TaskName = `${TaskLevel}-${TaskKind}`;

/** What the builder is asked for. Every field but `domain`, `group` and `task` has a default. */
export interface BlueprintSpec {
  /** The domain Ω (see {@link DOMAINS}). */
  domain: DomainName | string;
  /** The symmetry group: `translations`, `C8`, `D4`, `p4`, `p4m`, `SO(2)`, `O(2)`, `Sn`, `SO(3)`, `O(3)`, `E(3)`, `gauge`. */
  group: string;
  /** `<level>-<kind>`; aliases `image-*` / `set-*` / `molecule-*` / `mesh-*` mean `graph-*`, `pixel-*` / `point-*` / `vertex-*` mean `node-*`. */
  task: TaskName | string;
  /** Input type (default: one scalar channel; molecules: atomic numbers below 10). */
  input?: {
    /** Scalar (invariant) channels per element (pixel, node, point, vertex). */
    scalars?: number;
    /** Vector channels (planar vectors on 2-D grids, 3-D vectors on point clouds, tangent vectors on meshes). */
    vectors?: number;
    /**
     * Point clouds with E(3), O(3) or SO(3): per-point charges (couplings that act between pairs, such as
     * electric charges). They are not node features: each charge channel enters every edge as the product
     * q_i·q_j, an invariant edge attribute (EGNN's N-body setup). Default 0.
     */
    charges?: number;
    /** Molecules: size of the atom-type table (atomic numbers below it; default 10). */
    species?: number;
  };
  /** Classes (classification, default 10) or targets / vectors per output (default 1). */
  outputs?: number;
  /** Size: depth (equivariant layers), width (channels or fields per layer), or a parameter budget met within 10 %. */
  size?: { depth?: number; width?: number; params?: number };
  /** Domain options: kernel size, local pooling steps, neighbour cutoff, band limit, dropout. */
  options?: BlueprintOptions;
  /** Seed of the initialisation (default: the library's default generator). */
  seed?: number;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** Per-domain options of the builder. */
export interface BlueprintOptions {
  /** Grids: kernel size of the hidden convolutions (odd, default 3). */
  kernelSize?: number;
  /** Grids: kernel size of the first (lifting) convolution (odd; default 3, 5 for interpolated rotations). */
  liftKernel?: number;
  /** Grids, graph-level tasks: local 2× pooling steps (default 2 on 2-D grids, 1 on 1-D/3-D; 0 for node tasks). */
  pools?: number;
  /** 2-D continuous groups and meshes: band limit of the hidden irreps (default 2). */
  maxFrequency?: number;
  /** Point clouds / molecules: neighbour cutoff (default: every pair within a cloud). */
  cutoff?: number;
  /** Dropout before the head (default 0). */
  dropout?: number;
  /** Graphs and sets: readout aggregation (`sum` default, `mean`, `max`). */
  readout?: "sum" | "mean" | "max";
  /**
   * 2-D grids: the layout of the feature maps ({@link GridLayout}; default `torus`). `cohen-welling` builds
   * the rotated-MNIST skeleton of the hand-written `GCNN` / `E2CNN` (p4, p4m, Cn, Dn; graph-level tasks).
   */
  layout?: GridLayout;
  /** Spheres: input grid resolution b, signals on the 2b × 2b Driscoll–Healy grid (default 8; even, ≥ 4). */
  bandwidth?: number;
}

/**
 * How a grid recipe lays out its feature maps:
 *
 * - `torus` (default): every convolution pads circularly, maps keep their size, `pools` 2× max poolings
 *   spread over the depth, global average pooling and a linear head. Exact for cyclic translations (by
 *   multiples of 2^pools) and for the rotations / flips of the torus the group contains.
 * - `cohen-welling`: the skeleton of Cohen & Welling's rotated-MNIST G-CNNs, which the hand-written
 *   `p4cnn` / `p4mcnn` / `e2cnn` use — valid 3×3 convolutions (a larger lifting kernel is zero-padded by
 *   (k − 3) / 2), batch norm, ReLU and dropout after every layer, one 2× max pooling after the second,
 *   a last 4×4 convolution to one regular field per output, max pooling over the group and an average
 *   over the remaining pixels. 2-D grids with p4, p4m, Cn or Dn, graph-level classification or regression.
 *   Exact for the rotations by 90° about the image centre (and flips) the group contains on even-sized
 *   images; no translation claim (valid convolutions see the border).
 */
export type GridLayout = "torus" | "cohen-welling";

/** The grid layouts, for help texts and errors. */
export const GRID_LAYOUTS: readonly GridLayout[] = ["torus", "cohen-welling"];

/** The groups of point clouds whose recipes have edges, and so take `input.charges`. */
const CHARGE_GROUPS: readonly GroupFamily[] = ["E(3)", "O(3)", "SO(3)"];

/** The groups the `cohen-welling` layout takes. */
const CW_GROUPS: readonly GroupFamily[] = ["p4", "p4m", "Cn", "Dn"];

/** A group resolved from its name. */
export interface ResolvedGroup {
  family: GroupFamily;
  /** Name as shown in plans, e.g. `C8`, `SO(2)`. */
  name: string;
  /** N of Cn / Dn. */
  n?: number;
}

/** A spec with every default filled in (what the recipes read). */
export interface ResolvedSpec {
  domain: DomainName;
  group: ResolvedGroup;
  task: TaskName;
  level: TaskLevel;
  kind: TaskKind;
  scalars: number;
  vectors: number;
  /** Per-point charge channels (point clouds; products q_i·q_j on the edges). */
  charges: number;
  species: number;
  outputs: number;
  depth: number;
  width: number | null;
  /** The width used when neither a width nor a budget is given. */
  defaultWidth: number;
  params: number | null;
  options: Required<Omit<BlueprintOptions, "cutoff" | "liftKernel">> & {
    cutoff: number | null;
    liftKernel: number | null;
  };
  seed: number | null;
  dtype: "float32" | "float64";
}

/** What the builder knows about a domain: the groups acting on it, its tasks and its defaults. */
export interface DomainInfo {
  name: DomainName;
  /** One line for help texts. */
  description: string;
  /** Group families acting on the domain (`Cn` / `Dn` stand for every N). */
  groups: readonly GroupFamily[];
  /** Tasks, per group family where they differ (`*` for the rest). */
  tasks: Partial<Record<GroupFamily | "*", readonly TaskName[]>>;
  /** Default depth (equivariant layers). */
  depth: number;
  /** Default width. */
  width: number;
  /** What the width counts. */
  widthUnit: string;
}

const INVARIANT_GRAPH: readonly TaskName[] = ["graph-classification", "graph-regression"];
const INVARIANT_NODE: readonly TaskName[] = ["node-classification", "node-regression"];

/** The domain table: which groups act on which domain, and the tasks of each. */
export const DOMAINS: Readonly<Record<DomainName, DomainInfo>> = {
  grid1d: {
    name: "grid1d",
    description: "1-D grid (sequences, signals [B, C, L]); cyclic translations",
    groups: ["translations"],
    tasks: { "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE] },
    depth: 4,
    width: 16,
    widthUnit: "channels",
  },
  grid2d: {
    name: "grid2d",
    description: "2-D grid (images [B, C, H, W]); translations, rotations and reflections",
    groups: ["translations", "Cn", "Dn", "p4", "p4m", "SO(2)", "O(2)"],
    tasks: {
      translations: [...INVARIANT_GRAPH, ...INVARIANT_NODE],
      p4: [...INVARIANT_GRAPH, ...INVARIANT_NODE],
      p4m: [...INVARIANT_GRAPH, ...INVARIANT_NODE],
      "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE, "graph-vector", "node-vector"],
    },
    depth: 4,
    width: 8,
    widthUnit: "fields",
  },
  grid3d: {
    name: "grid3d",
    description: "3-D grid (volumes [B, C, D, H, W]); cyclic translations",
    groups: ["translations"],
    tasks: { "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE] },
    depth: 3,
    width: 8,
    widthUnit: "channels",
  },
  set: {
    name: "set",
    description: "sets (elements [N, F] with a batch vector); permutations",
    groups: ["Sn"],
    tasks: { "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE] },
    depth: 3,
    width: 32,
    widthUnit: "channels",
  },
  graph: {
    name: "graph",
    description: "graphs (node features [N, F], edge index [2, E], batch vector); node permutations",
    groups: ["Sn"],
    tasks: {
      "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE, "edge-classification", "edge-regression"],
    },
    depth: 4,
    width: 32,
    widthUnit: "channels",
  },
  pointcloud: {
    name: "pointcloud",
    description:
      "point clouds in 3-D (positions [N, 3], optional scalar and vector features); permutations and rigid motions",
    groups: ["Sn", "SO(3)", "O(3)", "E(3)"],
    tasks: {
      Sn: [...INVARIANT_GRAPH, ...INVARIANT_NODE],
      "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE, "graph-vector", "node-vector"],
    },
    depth: 4,
    width: 32,
    widthUnit: "channels (multiplicity per irrep for SO(3)/O(3))",
  },
  molecule: {
    name: "molecule",
    description: "molecules (atomic numbers z [N], positions [N, 3], batch vector); permutations and rigid motions",
    groups: ["Sn", "SO(3)", "O(3)", "E(3)"],
    tasks: {
      Sn: [...INVARIANT_GRAPH, ...INVARIANT_NODE],
      "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE, "graph-vector", "node-vector"],
    },
    depth: 4,
    width: 32,
    widthUnit: "channels (multiplicity per irrep for SO(3)/O(3))",
  },
  mesh: {
    name: "mesh",
    description:
      "triangle meshes (vertex features [V, F] with the gauge bundle of the surface); gauge transformations SO(2)^V",
    groups: ["gauge"],
    tasks: { "*": [...INVARIANT_GRAPH, ...INVARIANT_NODE, "node-vector"] },
    depth: 3,
    width: 8,
    widthUnit: "multiplicity of each irrep ρ_0 … ρ_M",
  },
  sphere: {
    name: "sphere",
    description: "signals on the sphere S² (a 2b × 2b Driscoll–Healy grid [B, C, 2b, 2b]); rotations SO(3)",
    groups: ["SO(3)"],
    tasks: { "*": INVARIANT_GRAPH },
    depth: 2,
    width: 8,
    widthUnit: "channels (signals on SO(3))",
  },
};

/** Every domain name. */
export const DOMAIN_NAMES = Object.keys(DOMAINS) as DomainName[];

/** Parses a group name (`C8`, `d4`, `SO(2)`, `so2`, `E(3)`, `permutations`, …). */
export function parseGroup(name: string): ResolvedGroup {
  const s = String(name).trim();
  const m = /^([CD])_?(\d+)$/i.exec(s);
  if (m) {
    const n = Number(m[2]);
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new ErlangenError(
        `blueprint: argument 'group' expected N in [1, 64] for ${m[1]!.toUpperCase()}N, got '${s}'`,
      );
    const family = m[1]!.toUpperCase() === "C" ? "Cn" : "Dn";
    return { family, name: `${m[1]!.toUpperCase()}${n}`, n };
  }
  const key = s.toLowerCase().replace(/[\s_()]/g, "");
  const table: Record<string, ResolvedGroup> = {
    translations: { family: "translations", name: "translations" },
    translation: { family: "translations", name: "translations" },
    t: { family: "translations", name: "translations" },
    p4: { family: "p4", name: "p4" },
    p4m: { family: "p4m", name: "p4m" },
    so2: { family: "SO(2)", name: "SO(2)" },
    o2: { family: "O(2)", name: "O(2)" },
    sn: { family: "Sn", name: "Sn" },
    permutations: { family: "Sn", name: "Sn" },
    so3: { family: "SO(3)", name: "SO(3)" },
    o3: { family: "O(3)", name: "O(3)" },
    e3: { family: "E(3)", name: "E(3)" },
    gauge: { family: "gauge", name: "gauge SO(2)^V" },
    "so2^v": { family: "gauge", name: "gauge SO(2)^V" },
  };
  const g = table[key];
  if (g === undefined)
    throw new ErlangenError(
      `blueprint: argument 'group' expected one of translations, Cn (e.g. C8), Dn (e.g. D4), p4, p4m, SO(2), O(2), Sn, SO(3), O(3), E(3), gauge; got '${s}'`,
    );
  return g;
}

const TASK_ALIASES: Record<string, TaskLevel> = {
  graph: "graph",
  image: "graph",
  set: "graph",
  molecule: "graph",
  mesh: "graph",
  cloud: "graph",
  global: "graph",
  node: "node",
  pixel: "node",
  element: "node",
  point: "node",
  atom: "node",
  vertex: "node",
  edge: "edge",
};

/** Parses `<level>-<kind>` (with the aliases of {@link BlueprintSpec.task}). */
export function parseTask(task: string): { level: TaskLevel; kind: TaskKind; task: TaskName } {
  const m = /^([a-z]+)-(classification|regression|vector)$/i.exec(String(task).trim());
  const level = m ? TASK_ALIASES[m[1]!.toLowerCase()] : undefined;
  if (!m || level === undefined)
    throw new ErlangenError(
      `blueprint: argument 'task' expected <level>-<kind> with level graph, node or edge and kind classification, regression or vector (e.g. graph-classification), got '${task}'`,
    );
  const kind = m[2]!.toLowerCase() as TaskKind;
  return { level, kind, task: `${level}-${kind}` };
}

/** The groups (with examples for Cn / Dn) that act on a domain, for error messages and help. */
export function groupsOf(domain: DomainName): string[] {
  return DOMAINS[domain].groups.map((g) => (g === "Cn" ? "Cn (e.g. C4, C8)" : g === "Dn" ? "Dn (e.g. D4)" : g));
}

/** The tasks a (domain, group) pair supports. */
export function tasksOf(domain: DomainName, family: GroupFamily): readonly TaskName[] {
  const t = DOMAINS[domain].tasks;
  return t[family] ?? t["*"] ?? [];
}

function positiveInt(what: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max)
    throw new ErlangenError(`blueprint: argument '${what}' expected an integer in [1, ${max}], got ${String(v)}`);
  return v;
}

function nonNegativeInt(what: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    throw new ErlangenError(`blueprint: argument '${what}' expected an integer in [0, ${max}], got ${String(v)}`);
  return v;
}

/**
 * Validates a spec and fills in the defaults. Throws an {@link ErlangenError} naming the field, the
 * expected and the actual value; for a group that does not act on the domain, the error lists the
 * groups that do.
 */
export function resolveSpec(spec: BlueprintSpec): ResolvedSpec {
  if (spec === null || typeof spec !== "object")
    throw new ErlangenError("blueprint: argument 'spec' expected an object");
  const domain = String(spec.domain ?? "").toLowerCase() as DomainName;
  const info = DOMAINS[domain];
  if (info === undefined)
    throw new ErlangenError(
      `blueprint: argument 'domain' expected one of ${DOMAIN_NAMES.join(", ")}, got '${String(spec.domain)}'`,
    );
  const group = parseGroup(spec.group);
  if (!info.groups.includes(group.family))
    throw new ErlangenError(
      `blueprint: the group ${group.name} does not act on the domain ${domain}; groups acting on ${domain}: ${groupsOf(domain).join(", ")}`,
    );
  const { level, kind, task } = parseTask(spec.task);
  const tasks = tasksOf(domain, group.family);
  if (!tasks.includes(task))
    throw new ErlangenError(
      `blueprint: the task ${task} is not available for ${domain} with ${group.name}; tasks: ${tasks.join(", ")}`,
    );
  if (group.family === "Dn" || group.family === "Cn") {
    if (domain === "grid2d" && group.n! > 16)
      throw new ErlangenError(
        `blueprint: argument 'group' expected N ≤ 16 for ${group.family} on a 2-D grid, got ${group.name}`,
      );
  }
  const input = spec.input ?? {};
  const scalars =
    input.scalars === undefined
      ? domain === "molecule" || domain === "pointcloud"
        ? 0
        : 1
      : nonNegativeInt("input.scalars", input.scalars, 4096);
  const vectors = input.vectors === undefined ? 0 : nonNegativeInt("input.vectors", input.vectors, 256);
  if (vectors > 0) {
    const ok =
      (domain === "grid2d" && ["Cn", "Dn", "SO(2)", "O(2)"].includes(group.family)) ||
      (domain === "pointcloud" && group.family !== "Sn") ||
      domain === "mesh";
    if (!ok)
      throw new ErlangenError(
        `blueprint: argument 'input.vectors' is not available for ${domain} with ${group.name} (vector inputs: 2-D grids with Cn, Dn, SO(2), O(2); point clouds with SO(3), O(3), E(3); meshes; molecules take atomic numbers and positions only)`,
      );
  }
  const charges = input.charges === undefined ? 0 : nonNegativeInt("input.charges", input.charges, 256);
  if (charges > 0 && !(domain === "pointcloud" && CHARGE_GROUPS.includes(group.family)))
    throw new ErlangenError(
      `blueprint: argument 'input.charges' is not available for ${domain} with ${group.name} (charges enter the edges between points: point clouds with ${CHARGE_GROUPS.join(", ")})`,
    );
  if (domain === "grid2d" && ["Dn", "O(2)"].includes(group.family) && vectors > 0 && group.n === 1)
    throw new ErlangenError("blueprint: argument 'input.vectors' needs a rotation group (D1 has none)");
  if (scalars + vectors === 0 && domain !== "molecule" && domain !== "pointcloud")
    throw new ErlangenError(`blueprint: argument 'input' expected at least one scalar or vector channel for ${domain}`);
  const species = input.species === undefined ? 10 : positiveInt("input.species", input.species, 1024);
  const outputs =
    spec.outputs === undefined ? (kind === "classification" ? 10 : 1) : positiveInt("outputs", spec.outputs, 65_536);
  if (kind === "classification" && outputs < 2)
    throw new ErlangenError(
      `blueprint: argument 'outputs' expected at least 2 classes for classification, got ${outputs}`,
    );
  const size = spec.size ?? {};
  const depth = size.depth === undefined ? info.depth : positiveInt("size.depth", size.depth, 64);
  const width = size.width === undefined ? null : positiveInt("size.width", size.width, 4096);
  // tensor-product networks carry (2l + 1)·w channels per degree: a smaller default multiplicity
  const defaultWidth =
    (domain === "pointcloud" || domain === "molecule") && (group.family === "O(3)" || group.family === "SO(3)")
      ? 8
      : info.width;
  const params = size.params === undefined ? null : positiveInt("size.params", size.params, 1e9);
  if (width !== null && params !== null)
    throw new ErlangenError("blueprint: argument 'size' expected a width or a parameter budget, not both");
  const o = spec.options ?? {};
  const kernelSize = o.kernelSize === undefined ? 3 : positiveInt("options.kernelSize", o.kernelSize, 15);
  if (kernelSize % 2 === 0)
    throw new ErlangenError(`blueprint: argument 'options.kernelSize' expected an odd size, got ${kernelSize}`);
  const liftKernel = o.liftKernel === undefined ? null : positiveInt("options.liftKernel", o.liftKernel, 15);
  if (liftKernel !== null && liftKernel % 2 === 0)
    throw new ErlangenError(`blueprint: argument 'options.liftKernel' expected an odd size, got ${liftKernel}`);
  const layout = o.layout ?? "torus";
  if (!GRID_LAYOUTS.includes(layout))
    throw new ErlangenError(
      `blueprint: argument 'options.layout' expected one of ${GRID_LAYOUTS.join(", ")}, got '${String(layout)}'`,
    );
  const cw = layout === "cohen-welling";
  if (cw) {
    if (domain !== "grid2d" || !CW_GROUPS.includes(group.family))
      throw new ErlangenError(
        `blueprint: argument 'options.layout' 'cohen-welling' needs a 2-D grid with p4, p4m, Cn or Dn, got ${domain} with ${group.name}`,
      );
    if (level !== "graph" || kind === "vector")
      throw new ErlangenError(
        `blueprint: argument 'options.layout' 'cohen-welling' builds image-level classifiers and regressors (graph-classification, graph-regression), got ${task}`,
      );
    if (vectors > 0)
      throw new ErlangenError(
        `blueprint: argument 'input.vectors' is not available with the 'cohen-welling' layout (scalar channels only), got ${vectors}`,
      );
    if (kernelSize < 3 || (liftKernel !== null && liftKernel < 3))
      throw new ErlangenError(
        `blueprint: the 'cohen-welling' layout expects kernel sizes ≥ 3 (options.kernelSize ${kernelSize}, options.liftKernel ${String(liftKernel)})`,
      );
  }
  const defaultPools = cw ? 1 : level !== "graph" || !domain.startsWith("grid") ? 0 : domain === "grid2d" ? 2 : 1;
  const pools =
    o.pools === undefined
      ? Math.min(defaultPools, Math.max(0, depth - 1))
      : nonNegativeInt("options.pools", o.pools, 8);
  if (cw && pools > 1)
    throw new ErlangenError(
      `blueprint: argument 'options.pools' expected 0 or 1 with the 'cohen-welling' layout (one 2× pooling after the second layer), got ${pools}`,
    );
  if (pools > 0 && (!domain.startsWith("grid") || level !== "graph"))
    throw new ErlangenError("blueprint: argument 'options.pools' applies to graph-level tasks on grids only");
  if (pools > depth)
    throw new ErlangenError(
      `blueprint: argument 'options.pools' expected at most depth = ${depth} pooling steps, got ${pools}`,
    );
  const maxFrequency = o.maxFrequency === undefined ? 2 : positiveInt("options.maxFrequency", o.maxFrequency, 8);
  if (o.cutoff !== undefined && !(typeof o.cutoff === "number" && o.cutoff > 0))
    throw new ErlangenError(`blueprint: argument 'options.cutoff' expected a positive number, got ${String(o.cutoff)}`);
  const dropout = o.dropout ?? 0;
  if (!(typeof dropout === "number" && dropout >= 0 && dropout < 1))
    throw new ErlangenError(
      `blueprint: argument 'options.dropout' expected a probability in [0, 1), got ${String(dropout)}`,
    );
  const readout = o.readout ?? "sum";
  if (!["sum", "mean", "max"].includes(readout))
    throw new ErlangenError(
      `blueprint: argument 'options.readout' expected 'sum', 'mean' or 'max', got '${String(readout)}'`,
    );
  if (spec.seed !== undefined && !(Number.isInteger(spec.seed) && spec.seed >= 0))
    throw new ErlangenError(`blueprint: argument 'seed' expected a non-negative integer, got ${String(spec.seed)}`);
  const bandwidth = o.bandwidth === undefined ? 8 : positiveInt("options.bandwidth", o.bandwidth, 64);
  if (o.bandwidth !== undefined && domain !== "sphere")
    throw new ErlangenError("blueprint: argument 'options.bandwidth' applies to the sphere domain only");
  if (bandwidth < 4 || bandwidth % 2 !== 0)
    throw new ErlangenError(`blueprint: argument 'options.bandwidth' expected an even integer ≥ 4, got ${bandwidth}`);
  const dtype = spec.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64")
    throw new ErlangenError(`blueprint: argument 'dtype' expected 'float32' or 'float64', got '${String(dtype)}'`);
  return {
    domain,
    group,
    task,
    level,
    kind,
    scalars,
    vectors,
    charges,
    species,
    outputs,
    depth,
    width,
    defaultWidth,
    params,
    options: {
      kernelSize,
      liftKernel,
      pools,
      maxFrequency,
      cutoff: o.cutoff ?? null,
      dropout,
      readout,
      layout,
      bandwidth,
    },
    seed: spec.seed ?? null,
    dtype,
  };
}

/**
 * Every (domain, group, task) combination the builder accepts, with one representative N for Cn / Dn
 * (C4, C8, D4, and D8 where the domain takes them).
 */
export function validCombinations(): { domain: DomainName; group: string; task: TaskName }[] {
  const out: { domain: DomainName; group: string; task: TaskName }[] = [];
  for (const d of DOMAIN_NAMES) {
    for (const fam of DOMAINS[d].groups) {
      const names = fam === "Cn" ? ["C4", "C8"] : fam === "Dn" ? ["D4", "D8"] : [fam === "gauge" ? "gauge" : fam];
      for (const g of names) for (const t of tasksOf(d, fam)) out.push({ domain: d, group: g, task: t });
    }
  }
  return out;
}
