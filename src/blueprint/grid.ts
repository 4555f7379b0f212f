/**
 * Recipes for grids. The group decides the convolution:
 *
 * - translations (1-D, 2-D, 3-D): `Conv1d/2d/3d` with circular padding: exactly equivariant to cyclic
 *   shifts; batch norm, ReLU, max pooling by 2; global average pooling and a linear head;
 * - p4 / p4m (2-D): the G-CNN of Cohen & Welling — `LiftingConv2d`, then `GroupConv2d` between
 *   regular fields, `GroupBatchNorm2d`, ReLU, spatial max pooling, pooling over the group axis
 *   (`GroupPool`), global average pooling and a linear head;
 * - Cn / Dn (2-D): the steerable CNN of Weiler & Cesa — `R2Conv` between regular fields of the group,
 *   `InnerBatchNorm`, pointwise ReLU, `GroupPooling`; exact for the rotations by multiples of 90° (and
 *   the flips) the group contains, approximate (interpolated kernels) for the other angles;
 * - SO(2) / O(2) (2-D): `R2Conv` between band-limited irrep fields (trivial ⊕ ρ_1 ⊕ … ⊕ ρ_M), gated
 *   nonlinearities, average pooling (max pooling does not commute with rotating a vector), norm
 *   pooling; exact for quarter turns (and flips), approximate for other angles.
 *
 * Every convolution pads circularly, so feature maps live on a torus: cyclic translations by multiples
 * of 2^pools act exactly, and so do the 90° rotations and flips of square grids. Vector outputs (Cn, Dn,
 * SO(2), O(2)) come from a 1×1 `R2Conv` to fields of the standard representation.
 *
 * This is the `torus` layout (the default). On 2-D grids, `options.layout: "cohen-welling"` builds the
 * valid-convolution skeleton of the hand-written rotated-MNIST models instead (`grid_skeleton.ts`).
 */

import { Conv1d, Conv2d, Conv3d } from "../layers/grids/conv.js";
import { BatchNorm2d, BatchNorm3d } from "../layers/grids/norm.js";
import { AvgPool2d, MaxPool1d, MaxPool2d, MaxPool3d } from "../layers/grids/pool.js";
import { sampleImages } from "../layers/groups/gcnn/checks.js";
import { gcnnAction, pointGroupInfo } from "../layers/groups/gcnn/group.js";
import { GroupBatchNorm2d, GroupConv2d, GroupPool, LiftingConv2d } from "../layers/groups/gcnn/layers.js";
import {
  GatedNonLinearity,
  GroupPooling,
  InnerBatchNorm,
  NormPool,
  PointwiseNonLinearity,
} from "../layers/groups/steerable/nonlinear.js";
import { planarGridAction, planarMotion, quarterTurns } from "../layers/groups/steerable/planar.js";
import { R2Conv } from "../layers/groups/steerable/r2conv.js";
import { Dropout, ReLU } from "../nn/activation.js";
import { Linear } from "../nn/linear.js";
import { BatchNorm1d } from "../nn/normalization.js";
import type { Action } from "../symmetry/actions.js";
import { FieldType } from "../symmetry/field_type.js";
import type { Group } from "../symmetry/group.js";
import {
  CyclicGroup,
  DihedralGroup,
  O2,
  p4,
  p4m,
  SO2,
  TranslationGroup,
  type WallpaperElement,
  type WallpaperGroup,
} from "../symmetry/groups.js";
import { o2Irrep, type Representation, regular, so2Irrep, standard, trivial } from "../symmetry/representation.js";
import { randn } from "../tensor/creation.js";
import { roll } from "../tensor/ops/shape.js";
import { Generator } from "../tensor/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import type { AnyAction, BlueprintCheck, OutputInfo, Stage } from "./model.js";
import { type BuildContext, CircularPadded, checkInputTensor, invariant, stage } from "./parts.js";
import type { Recipe } from "./recipe.js";
import type { ResolvedSpec } from "./spec.js";

/** The layers after which a graph-level grid model pools by 2 (spread over the depth, strictly increasing). */
export function poolPositions(depth: number, pools: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < pools; j++) {
    let p = Math.floor(((j + 1) * depth) / (pools + 1)) - 1;
    p = Math.max(p, j, out.length > 0 ? out[out.length - 1]! + 1 : 0);
    out.push(Math.min(p, depth - 1));
  }
  return out;
}

/** Spatial size of the check inputs: divisible by 2^pools, at least 4 pixels at the coarsest level. */
function checkSize(dims: number, pools: number): number {
  const base = dims === 1 ? 32 : dims === 2 ? 20 : 8;
  const step = 2 ** pools;
  return Math.max(base, 4 * step) - (Math.max(base, 4 * step) % step);
}

/**
 * Cyclic shifts of the last `dims` axes by t / scale (the action of a translation group on grid
 * signals; after pooling by 2^k a shift by t of the input moves the coarse maps by t / 2^k).
 */
function shiftAction(dims: number, scale = 1): Action<readonly number[], Tensor> {
  const axes = Array.from({ length: dims }, (_, i) => i - dims);
  return (t, x) => roll(x, scale === 1 ? [...t] : t.map((v) => v / scale), axes);
}

/** A p4 / p4m action on maps pooled by `scale`: the translation part shrinks with the grid. */
function scaledWallpaper(a: AnyAction, scale: number): AnyAction {
  if (scale === 1) return a;
  return (e, x) => {
    const w = e as WallpaperElement;
    return a({ ...w, t: [w.t[0] / scale, w.t[1] / scale] }, x);
  };
}

/** Shifts by multiples of `step` (the subgroup that commutes with the pooling) plus the identity. */
function shiftElements(dims: number, size: number, step: number, count: number, seed: number): number[][] {
  const g = new Generator(seed);
  const n = size / step;
  const out: number[][] = [new Array<number>(dims).fill(0)];
  for (let i = 0; i < count; i++) out.push(Array.from({ length: dims }, () => step * g.randint(0, n)));
  return out;
}

const channels = (c: number) => `${c} channel${c === 1 ? "" : "s"}`;

const spatial = (dims: number) => (dims === 1 ? "[B, C, L]" : dims === 2 ? "[B, C, H, W]" : "[B, C, D, H, W]");

/** Global average over the spatial axes: [B, C, ...] → [B, C]. */
function globalMean(dims: number): (s: unknown) => unknown {
  const axes = Array.from({ length: dims }, (_, i) => i + 2);
  return (s) => (s as Tensor).mean(axes);
}

/** Builds the stages of a grid model. */
export function gridRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const f = spec.group.family;
  if (f === "translations") return cnnRecipe(spec, widths, ctx);
  if (f === "p4" || f === "p4m") return gcnnRecipe(spec, widths, ctx);
  return steerableRecipe(spec, widths, ctx);
}

function headStages(
  spec: ResolvedSpec,
  width: number,
  dims: number,
  ctx: BuildContext,
  /** Actions of the invariant feature maps [B, width, ...] per check id. */
  mapActions: Record<string, AnyAction>,
  what: string,
): { stages: Stage[]; output: OutputInfo } {
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const stages: Stage[] = [];
  const inv = Object.fromEntries(Object.keys(mapActions).map((k) => [k, invariant]));
  if (spec.level === "graph") {
    stages.push(
      stage({
        name: "global average pool",
        step: "invariant pooling",
        inType: `${width} × ${what}`,
        outType: `${width} invariant scalars`,
        note:
          spec.group.family === "translations"
            ? "averages over every pixel: invariant to translations"
            : "averages over every pixel: invariant to the translations, rotations (and flips) of the grid",
        run: globalMean(dims),
        actions: inv,
      }),
    );
    if (spec.options.dropout > 0) {
      const drop = new Dropout(spec.options.dropout);
      stages.push(
        stage({
          name: "Dropout",
          step: "invariant readout",
          module: drop,
          inType: `${width} invariant scalars`,
          outType: `${width} invariant scalars`,
          run: (s) => drop.forward(s as Tensor),
          actions: inv,
        }),
      );
    }
    const head = new Linear(width, spec.outputs, lo);
    stages.push(
      stage({
        name: "Linear",
        step: "invariant readout",
        module: head,
        inType: `${width} invariant scalars`,
        outType: `${spec.outputs} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
        run: (s) => head.forward(s as Tensor),
        actions: inv,
      }),
    );
    return {
      stages,
      output: {
        shape: `[B, ${spec.outputs}]`,
        symmetry: "invariant",
        transforms: "unchanged when the input moves",
      },
    };
  }
  // node level: a 1×1 convolution of the invariant maps, per pixel
  const Conv = dims === 1 ? Conv1d : dims === 2 ? Conv2d : Conv3d;
  const head = new Conv(width, spec.outputs, 1, lo);
  stages.push(
    stage({
      name: `${Conv.name} 1×1`,
      step: "equivariant linear",
      module: head,
      inType: `${width} × ${what}`,
      outType: `${spec.outputs} scalar map${spec.outputs === 1 ? "" : "s"}`,
      note: "pointwise head: per-pixel outputs that move with the input",
      run: (s) => head.forward(s as Tensor),
      actions: mapActions,
    }),
  );
  return {
    stages,
    output: {
      shape: `[B, ${spec.outputs}, ${dims === 1 ? "L" : dims === 2 ? "H, W" : "D, H, W"}]`,
      symmetry: "equivariant",
      transforms: "the output maps move with the input (pixels follow the group element)",
    },
  };
}

function cnnRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const dims = spec.domain === "grid1d" ? 1 : spec.domain === "grid2d" ? 2 : 3;
  const Conv = dims === 1 ? Conv1d : dims === 2 ? Conv2d : Conv3d;
  const BN = dims === 1 ? BatchNorm1d : dims === 2 ? BatchNorm2d : BatchNorm3d;
  const Pool = dims === 1 ? MaxPool1d : dims === 2 ? MaxPool2d : MaxPool3d;
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const k = spec.options.kernelSize;
  const lk = spec.options.liftKernel ?? k;
  const pools = new Set(poolPositions(spec.depth, spec.options.pools));
  const shift = shiftAction(dims);
  let level = 0;
  let acts = { shift: shift as AnyAction };
  const stages: Stage[] = [];
  let c = spec.scalars;
  widths.forEach((w, i) => {
    const ks = i === 0 ? lk : k;
    const conv = new Conv(c, w, ks, { ...lo, padding: (ks - 1) / 2, paddingMode: "circular" });
    stages.push(
      stage({
        name: Conv.name,
        step: "equivariant linear",
        module: conv,
        inType: channels(c),
        outType: channels(w),
        note:
          i === 0
            ? "convolution: the linear maps that commute with translations (circular padding: exact cyclic shifts)"
            : undefined,
        run: (s) => conv.forward(s as Tensor),
        actions: acts,
      }),
    );
    const bn = new BN(w, { dtype: ctx.dtype });
    stages.push(
      stage({
        name: BN.name,
        step: "normalisation",
        module: bn,
        inType: channels(w),
        outType: channels(w),
        run: (s) => (dims === 1 ? (bn as BatchNorm1d).forward(s as Tensor) : bn.forward(s as Tensor)),
        actions: acts,
      }),
    );
    const relu = new ReLU();
    stages.push(
      stage({
        name: "ReLU",
        step: "nonlinearity",
        module: relu,
        inType: channels(w),
        outType: channels(w),
        run: (s) => relu.forward(s as Tensor),
        actions: acts,
      }),
    );
    if (pools.has(i)) {
      const pool = new Pool(2);
      level++;
      acts = { shift: shiftAction(dims, 2 ** level) as AnyAction };
      stages.push(
        stage({
          name: `${Pool.name} 2`,
          step: "local pooling",
          module: pool,
          inType: channels(w),
          outType: `${channels(w)} (grid / 2)`,
          note: "coarsens the grid: equivariant to shifts by multiples of 2",
          run: (s) => pool.forward(s as Tensor),
          actions: acts,
        }),
      );
    }
    c = w;
  });
  const head = headStages(spec, c, dims, ctx, acts, "channel maps");
  stages.push(...head.stages);
  const size = checkSize(dims, spec.options.pools);
  const step = 2 ** spec.options.pools;
  const checks = (seed: number): BlueprintCheck[] => {
    const shape = [2, spec.scalars, ...new Array<number>(dims).fill(size)];
    const input =
      dims === 2
        ? sampleImages({ count: 2, size, channels: spec.scalars, seed, dtype: ctx.dtype })
        : randn(shape, { dtype: ctx.dtype, generator: new Generator(seed) });
    return [
      {
        id: "shift",
        name: `${spec.level === "graph" ? "invariance" : "equivariance"} to cyclic translations${step > 1 ? ` by multiples of ${step}` : ""} (exact)`,
        group: new TranslationGroup(new Array<number>(dims).fill(size)),
        elements: shiftElements(dims, size, step, 4, seed),
        inputAction: shift as AnyAction,
        outputAction: spec.level === "graph" ? undefined : (shift as AnyAction),
        input,
        exact: true,
        rtol: 1e-4,
      },
    ];
  };
  return {
    stages,
    output: head.output,
    checks,
    prepare: (x) => castTo(checkInputTensor("blueprint model", x, dims + 2, spec.scalars, spatial(dims)), ctx.dtype),
  };
}

function castTo(x: Tensor, dtype: "float32" | "float64"): Tensor {
  return x.dtype === dtype ? x : x.cast(dtype);
}

/** p4 / p4m elements for the checks: the point group about the centre, and moves with translations by multiples of `step`. */
function wallpaperElements(G: WallpaperGroup, size: number, step: number, seed: number): WallpaperElement[] {
  const out: WallpaperElement[] = [];
  const flips = G.kind === "p4m" ? 2 : 1;
  for (let f = 0; f < flips; f++) for (let r = 0; r < 4; r++) out.push({ r, f: f as 0 | 1, t: [0, 0] });
  const g = new Generator(seed);
  const n = size / step;
  for (let i = 0; i < 4; i++)
    out.push({
      r: g.randint(0, 4),
      f: (g.randint(0, flips) as 0 | 1) ?? 0,
      t: [step * g.randint(0, n), step * g.randint(0, n)],
    });
  return out;
}

function gcnnRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const G = (spec.group.family === "p4" ? p4() : p4m()) as Group<unknown>;
  const H = pointGroupInfo(G).order;
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const k = spec.options.kernelSize;
  const lk = spec.options.liftKernel ?? k;
  const pools = new Set(poolPositions(spec.depth, spec.options.pools));
  const stages: Stage[] = [];
  const regType = (w: number) => `${w} × regular of ${G.name} (${w * H} channels)`;
  let level = 0;
  const act = (w: number) => ({ grid: scaledWallpaper(gcnnAction(G, w) as AnyAction, 2 ** level) });
  let c = spec.scalars;
  widths.forEach((w, i) => {
    const ks = i === 0 ? lk : k;
    const conv =
      i === 0
        ? new LiftingConv2d(G, c, w, ks, { ...lo, padding: 0 })
        : new GroupConv2d(G, c, w, ks, { ...lo, padding: 0 });
    const padded = new CircularPadded(conv, (ks - 1) / 2, 2);
    stages.push(
      stage({
        name: i === 0 ? "LiftingConv2d" : "GroupConv2d",
        step: "equivariant linear",
        module: padded,
        inType: i === 0 ? `${c} × trivial (scalar channels)` : regType(c),
        outType: regType(w),
        note:
          i === 0
            ? `lifting Z² → ${G.name}: the filter correlated in each of the ${H} orientations`
            : `group convolution on ${G.name}: filters rotated${G.name === "p4m" ? " and flipped" : ""}, group axis permuted`,
        run: (s) => padded.forward(s as Tensor),
        actions: act(w),
      }),
    );
    const bn = new GroupBatchNorm2d(G, w, { dtype: ctx.dtype });
    stages.push(
      stage({
        name: "GroupBatchNorm2d",
        step: "normalisation",
        module: bn,
        inType: regType(w),
        outType: regType(w),
        note: "statistics shared over the orientations of each field",
        run: (s) => bn.forward(s as Tensor),
        actions: act(w),
      }),
    );
    const relu = new ReLU();
    stages.push(
      stage({
        name: "ReLU",
        step: "nonlinearity",
        module: relu,
        inType: regType(w),
        outType: regType(w),
        note: i === 0 ? "pointwise: commutes with the permutations of the regular representation" : undefined,
        run: (s) => relu.forward(s as Tensor),
        actions: act(w),
      }),
    );
    if (spec.options.dropout > 0 && i < widths.length - 1) {
      const drop = new Dropout(spec.options.dropout);
      stages.push(
        stage({
          name: "Dropout",
          step: "nonlinearity",
          module: drop,
          inType: regType(w),
          outType: regType(w),
          run: (s) => drop.forward(s as Tensor),
          actions: act(w),
        }),
      );
    }
    if (pools.has(i)) {
      const pool = new MaxPool2d(2);
      level++;
      stages.push(
        stage({
          name: "MaxPool2d 2",
          step: "local pooling",
          module: pool,
          inType: regType(w),
          outType: `${regType(w)}, grid / 2`,
          note: "max over 2×2 pixels, channel by channel",
          run: (s) => pool.forward(s as Tensor),
          actions: act(w),
        }),
      );
    }
    c = w;
  });
  const gp = new GroupPool(G, c, "max");
  const mapAct = { grid: scaledWallpaper(gcnnAction(G, 0) as AnyAction, 2 ** level) };
  stages.push(
    stage({
      name: "GroupPool",
      step: "invariant pooling",
      module: gp,
      inType: regType(c),
      outType: `${c} × trivial maps`,
      note: `max over the ${H} orientations of each field: invariant to the point group, the pixels still move`,
      run: (s) => gp.forward(s as Tensor),
      actions: mapAct,
    }),
  );
  const head = headStages(spec, c, 2, ctx, mapAct, "trivial maps");
  stages.push(...head.stages);
  const size = checkSize(2, spec.options.pools);
  const step = 2 ** spec.options.pools;
  const checks = (seed: number): BlueprintCheck[] => [
    {
      id: "grid",
      name: `${spec.level === "graph" ? "invariance" : "equivariance"} to ${G.name}: 90° rotations${G.name === "p4m" ? " and flips" : ""} of the grid, and cyclic translations${step > 1 ? ` by multiples of ${step}` : ""} (exact)`,
      group: G,
      elements: wallpaperElements(G as unknown as WallpaperGroup, size, step, seed),
      inputAction: gcnnAction(G, 0) as AnyAction,
      outputAction: spec.level === "graph" ? undefined : (gcnnAction(G, 0) as AnyAction),
      input: sampleImages({ count: 2, size, channels: spec.scalars, seed, dtype: ctx.dtype }),
      exact: true,
      rtol: 1e-4,
    },
  ];
  return {
    stages,
    output: head.output,
    checks,
    prepare: (x) => castTo(checkInputTensor("blueprint model", x, 4, spec.scalars, "[B, C, H, W]"), ctx.dtype),
  };
}

/** The planar group of a steerable recipe. */
export function planarGroup(spec: ResolvedSpec): Group<unknown> {
  const f = spec.group.family;
  if (f === "Cn") return new CyclicGroup(spec.group.n!) as Group<unknown>;
  if (f === "Dn") return new DihedralGroup(spec.group.n!) as Group<unknown>;
  if (f === "SO(2)") return new SO2() as Group<unknown>;
  return new O2() as Group<unknown>;
}

/** The hidden field type of one width: regular fields (Cn, Dn) or band-limited irreps (SO(2), O(2)). */
function hiddenType(G: Group<unknown>, w: number, maxFreq: number): FieldType<unknown> {
  if (G instanceof CyclicGroup || G instanceof DihedralGroup)
    return FieldType.repeat(G, regular(G as Group<unknown>), w);
  const block: Representation<unknown>[] = [trivial(G)];
  for (let m = 1; m <= maxFreq; m++)
    block.push(
      (G instanceof SO2 ? so2Irrep(G, m) : o2Irrep(G as unknown as O2, 1, m)) as unknown as Representation<unknown>,
    );
  const reps: Representation<unknown>[] = [];
  for (let i = 0; i < w; i++) reps.push(...block);
  return new FieldType(G, reps);
}

function describeType(t: FieldType<unknown>): string {
  return `${t.toString()} (${t.size} channels)`;
}

function steerableRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const G = planarGroup(spec);
  const finite = G instanceof CyclicGroup || G instanceof DihedralGroup;
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const k = spec.options.kernelSize;
  const allExact = finite && (G.order as number) > 0 && [1, 2, 4].includes((G as CyclicGroup).n);
  const lk = spec.options.liftKernel ?? (allExact ? k : 5);
  const pools = new Set(poolPositions(spec.depth, spec.options.pools));
  // the standard representation as an irrep (continuous groups need irreps for the kernel basis)
  const std = (
    G instanceof SO2 ? so2Irrep(G, 1) : G instanceof O2 ? o2Irrep(G, 1, 1) : standard(G)
  ) as Representation<unknown>;
  const inReps: Representation<unknown>[] = [];
  for (let i = 0; i < spec.scalars; i++) inReps.push(trivial(G));
  for (let i = 0; i < spec.vectors; i++) inReps.push(std);
  const inType = new FieldType(G, inReps);
  const shift = shiftAction(2);
  let level = 0;
  const acts = (t: FieldType<unknown> | null) => ({
    rot: planarGridAction(G, t ? { fieldType: t } : {}) as AnyAction,
    shift: shiftAction(2, 2 ** level) as AnyAction,
  });
  const stages: Stage[] = [];
  let cur = inType;
  widths.forEach((w, i) => {
    const ks = i === 0 ? lk : k;
    const hid = hiddenType(G, w, spec.options.maxFrequency);
    const gate = finite ? null : new GatedNonLinearity(hid);
    const outT = gate ? gate.inType : hid;
    const conv = new R2Conv(cur, outT, ks, { ...lo, padding: 0 });
    const padded = new CircularPadded(conv, (ks - 1) / 2, 2);
    stages.push(
      stage({
        name: "R2Conv",
        step: "equivariant linear",
        module: padded,
        inType: describeType(cur),
        outType: describeType(outT),
        note:
          i === 0
            ? `steerable ${ks}×${ks} kernels: a learned combination of the ${G.name}-equivariant kernel basis${allExact ? "" : " (exact for 90° rotations, interpolated for other angles)"}`
            : undefined,
        run: (s) => padded.forward(s as Tensor),
        actions: acts(outT),
      }),
    );
    if (finite) {
      const bn = new InnerBatchNorm(hid, { dtype: ctx.dtype });
      stages.push(
        stage({
          name: "InnerBatchNorm",
          step: "normalisation",
          module: bn,
          inType: describeType(hid),
          outType: describeType(hid),
          note: "statistics shared by the channels of each regular field",
          run: (s) => bn.forward(s as Tensor),
          actions: acts(hid),
        }),
      );
      const nl = new PointwiseNonLinearity(hid, "relu");
      stages.push(
        stage({
          name: "PointwiseNonLinearity",
          step: "nonlinearity",
          module: nl,
          inType: describeType(hid),
          outType: describeType(hid),
          note: i === 0 ? "ReLU channel by channel: commutes with the permutations of regular fields" : undefined,
          run: (s) => nl.forward(s as Tensor),
          actions: acts(hid),
        }),
      );
    } else {
      const g = gate!;
      stages.push(
        stage({
          name: "GatedNonLinearity",
          step: "nonlinearity",
          module: g,
          inType: describeType(outT),
          outType: describeType(hid),
          note:
            i === 0
              ? "ReLU on the scalars; each ρ_m field times sigmoid of its own scalar gate (norm-preserving directions)"
              : undefined,
          run: (s) => g.forward(s as Tensor),
          actions: acts(hid),
        }),
      );
    }
    if (spec.options.dropout > 0 && i < widths.length - 1 && finite) {
      const drop = new Dropout(spec.options.dropout);
      stages.push(
        stage({
          name: "Dropout",
          step: "nonlinearity",
          module: drop,
          inType: describeType(hid),
          outType: describeType(hid),
          run: (s) => drop.forward(s as Tensor),
          actions: acts(hid),
        }),
      );
    }
    if (pools.has(i)) {
      const pool = finite ? new MaxPool2d(2) : new AvgPool2d(2);
      level++;
      stages.push(
        stage({
          name: finite ? "MaxPool2d 2" : "AvgPool2d 2",
          step: "local pooling",
          module: pool,
          inType: describeType(hid),
          outType: `${describeType(hid)}, grid / 2`,
          note: finite
            ? "max per channel: commutes with permuting the channels of a regular field"
            : "average: linear, so it commutes with rotating the vectors of irrep fields (max would not)",
          run: (s) => pool.forward(s as Tensor),
          actions: acts(hid),
        }),
      );
    }
    cur = hid;
  });
  const F = cur.reps.length;
  let output: OutputInfo;
  if (spec.kind === "vector") {
    const outT = FieldType.repeat(G, std, spec.outputs);
    const conv = new R2Conv(cur, outT, 1, { ...lo, padding: 0 });
    if (spec.level === "graph") {
      stages.push(
        stage({
          name: "global average pool",
          step: "equivariant readout",
          inType: describeType(cur),
          outType: `${describeType(cur)} at one point`,
          note: "averages the fields over the grid; the fields still rotate",
          run: (s) => (s as Tensor).mean([2, 3], true),
          actions: acts(cur),
        }),
      );
    }
    const vecAct = (g: unknown, x: unknown) => outT.transform(x as Tensor, g, 1);
    stages.push(
      stage({
        name: "R2Conv 1×1",
        step: "equivariant readout",
        module: conv,
        inType: describeType(cur),
        outType: `${spec.outputs} × standard of ${G.name} (vectors)`,
        note: "the equivariant linear map to vector fields",
        run: (s) => {
          const y = conv.forward(s as Tensor);
          return spec.level === "graph" ? y.reshape([y.shape[0]!, outT.size]) : y;
        },
        actions: spec.level === "graph" ? { rot: vecAct as AnyAction, shift: invariant } : acts(outT),
      }),
    );
    output =
      spec.level === "graph"
        ? {
            shape: `[B, ${2 * spec.outputs}] (x, y pairs)`,
            symmetry: "equivariant",
            transforms: "each (x, y) vector rotates (and flips) with the input",
          }
        : {
            shape: `[B, ${2 * spec.outputs}, H, W]`,
            symmetry: "equivariant",
            transforms: "vector fields: pixels move and each (x, y) vector rotates with the input",
          };
  } else {
    const pool = finite ? new GroupPooling(cur, "max") : new NormPool(cur);
    stages.push(
      stage({
        name: finite ? "GroupPooling" : "NormPool",
        step: "invariant pooling",
        module: pool,
        inType: describeType(cur),
        outType: `${F} × trivial maps`,
        note: finite
          ? "max over the channels of each regular field: invariant fields"
          : "the norm of each field: invariant scalars",
        run: (s) => pool.forward(s as Tensor),
        actions: acts(null),
      }),
    );
    const head = headStages(spec, F, 2, ctx, acts(null), "trivial maps");
    stages.push(...head.stages);
    output = head.output;
  }
  const size = checkSize(2, spec.options.pools);
  const step = 2 ** spec.options.pools;
  const finalAct = (which: "rot" | "shift") => stages[stages.length - 1]!.actions[which]!;
  const invariantOut = spec.level === "graph" && spec.kind !== "vector";
  const shiftInvariantOut = spec.level === "graph";
  const exactEls = exactPlanarElements(G);
  const checks = (seed: number): BlueprintCheck[] => {
    const input = sampleImages({ count: 2, size, channels: inType.size, seed, dtype: ctx.dtype });
    const rot = planarGridAction(G, { fieldType: inType }) as AnyAction;
    const out: BlueprintCheck[] = [
      {
        id: "rot",
        name: `${invariantOut ? "invariance" : "equivariance"} to the elements of ${G.name} that map the pixel grid onto itself (rotations by multiples of 90°${G instanceof DihedralGroup || G instanceof O2 ? " and flips" : ""}; exact)`,
        group: G,
        elements: exactEls,
        inputAction: rot,
        outputAction: invariantOut ? undefined : finalAct("rot"),
        input,
        exact: true,
        rtol: 1e-4,
      },
    ];
    if (!allExact) {
      out.push({
        id: "rot",
        name: `${invariantOut ? "invariance" : "equivariance"} to all of ${G.name} (other angles interpolate the input and the kernels: approximate, measured)`,
        group: G,
        samples: finite ? undefined : 6,
        inputAction: rot,
        outputAction: invariantOut ? undefined : finalAct("rot"),
        input,
        exact: false,
        rtol: 0.1,
        layers: false,
      });
    }
    out.push({
      id: "shift",
      name: `${shiftInvariantOut ? "invariance" : "equivariance"} to cyclic translations${step > 1 ? ` by multiples of ${step}` : ""} (exact)`,
      group: new TranslationGroup([size, size]),
      elements: shiftElements(2, size, step, 3, seed),
      inputAction: shift as AnyAction,
      outputAction: shiftInvariantOut ? undefined : (shift as AnyAction),
      input,
      exact: true,
      rtol: 1e-4,
    });
    return out;
  };
  return {
    stages,
    output,
    checks,
    prepare: (x) => castTo(checkInputTensor("blueprint model", x, 4, inType.size, "[B, C, H, W]"), ctx.dtype),
  };
}

/** The elements of a planar group that move the pixel grid exactly (angles that are multiples of 90°). */
export function exactPlanarElements(G: Group<unknown>): unknown[] {
  if (G instanceof CyclicGroup || G instanceof DihedralGroup)
    return (G.elements() as unknown[]).filter((e) => quarterTurns(planarMotion(G, e).theta) !== null);
  const angles = [0, Math.PI / 2, Math.PI, (3 * Math.PI) / 2];
  if (G instanceof SO2) return angles;
  return angles.flatMap((theta) => [0, 1].map((f) => ({ theta, f })));
}
