/**
 * The `cohen-welling` grid layout: the rotated-MNIST skeleton of Cohen & Welling (2016, §8.1) that the
 * hand-written `GCNN` (p4cnn, p4mcnn) and `E2CNN` models use, built from the same layers in the same
 * order, so that with the same widths the built model is that architecture (same parameters, drawn
 * in the same order from the same generator):
 *
 *   x → lift(k_lift) → [BN → ReLU → Dropout] → conv 3×3 → [BN → ReLU → Dropout] → MaxPool 2
 *     → (conv 3×3 → BN → ReLU → Dropout) × (depth − 2) → conv 4×4 to `outputs` regular fields
 *     → max over the group → average over the remaining pixels
 *
 * Convolutions are "valid" (28 → 26 → 24 → 12 → 10 → 8 → 6 → 4 → 1 for depth 6); a lifting kernel
 * larger than 3 is zero-padded by (k − 3) / 2 so the map sizes stay those of the skeleton.
 *
 * - p4 / p4m: `LiftingConv2d`, `GroupConv2d`, `GroupBatchNorm2d`, ReLU, `GroupPool` (= `GCNN`);
 * - Cn / Dn: `R2Conv` between regular fields, `InnerBatchNorm`, pointwise ReLU, `GroupPooling`
 *   (= `E2CNN`, whose lifting kernel is 7×7 by default).
 *
 * Symmetry: no padding wraps around, so cyclic translations do not act; what holds exactly is the point
 * group about the image centre — rotations by 90° (and for p4m / Dn the flips) of an even-sized image
 * (odd sizes before the pooling would make 2×2 windows straddle the centre line). For Cn / Dn with
 * n ∤ 4 the other rotations are approximate (interpolated kernels and input), as for the torus layout.
 */
import { MaxPool2d } from "../layers/grids/pool.js";
import { sampleImages } from "../layers/groups/gcnn/checks.js";
import { gcnnAction, pointElements, pointGroupInfo } from "../layers/groups/gcnn/group.js";
import { GroupBatchNorm2d, GroupConv2d, GroupPool, LiftingConv2d } from "../layers/groups/gcnn/layers.js";
import { GroupPooling, InnerBatchNorm, PointwiseNonLinearity } from "../layers/groups/steerable/nonlinear.js";
import { planarGridAction } from "../layers/groups/steerable/planar.js";
import { R2Conv } from "../layers/groups/steerable/r2conv.js";
import { Dropout, ReLU } from "../nn/activation.js";
import type { Module } from "../nn/module.js";
import { FieldType } from "../symmetry/field_type.js";
import type { Group } from "../symmetry/group.js";
import { CyclicGroup, DihedralGroup, p4, p4m } from "../symmetry/groups.js";
import { regular, trivial } from "../symmetry/representation.js";
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { exactPlanarElements, planarGroup } from "./grid.js";
import type { AnyAction, BlueprintCheck, Stage } from "./model.js";
import { type BuildContext, checkInputTensor, invariant, stage } from "./parts.js";
import type { Recipe } from "./recipe.js";
import type { ResolvedSpec } from "./spec.js";

/** Kernel of the last convolution (the skeleton's 4×4 maps become 1×1 logits). */
export const TOP_KERNEL = 4;

/** The index of the hidden layer after which the skeleton pools (the second layer), or -1 for none. */
function poolAfter(spec: ResolvedSpec): number {
  return spec.options.pools === 0 ? -1 : Math.min(1, spec.depth - 1);
}

/**
 * Spatial size of the maps after each stage of the skeleton for an s×s input, or null when the maps
 * vanish or a pooling sees an odd size (which would break the rotations about the centre).
 */
function mapSizes(spec: ResolvedSpec, s: number): { sizes: number[]; even: boolean } | null {
  const pool = poolAfter(spec);
  const sizes: number[] = [];
  let n = s - 2; // every hidden layer shrinks by 2 (larger kernels are padded by (k − 3) / 2)
  let even = true;
  for (let i = 0; i < spec.depth; i++) {
    if (i > 0) n -= 2;
    if (n < 1) return null;
    if (i === pool) {
      if (n % 2 !== 0) even = false;
      n = Math.floor(n / 2);
    }
    sizes.push(n);
  }
  n -= TOP_KERNEL - 1;
  if (n < 1) return null;
  sizes.push(n);
  return { sizes, even };
}

/** The smallest even input size whose maps stay symmetric and end with at least 2×2 pixels (30 for depth 6; 28 ends 1×1). */
export function skeletonCheckSize(spec: ResolvedSpec): number {
  for (let s = 8; s <= 512; s += 2) {
    const m = mapSizes(spec, s);
    if (m?.even && m.sizes[m.sizes.length - 1]! >= 2) return s;
  }
  throw new ErlangenError(`blueprint: the 'cohen-welling' layout has no input size for depth ${spec.depth}`);
}

/** Builds the stages of the `cohen-welling` layout (see the module docs). */
export function cohenWellingRecipe(spec: ResolvedSpec, widths: readonly number[], ctx: BuildContext): Recipe {
  const f = spec.group.family;
  const wallpaper = f === "p4" || f === "p4m";
  const G = (wallpaper ? (f === "p4" ? p4() : p4m()) : planarGroup(spec)) as Group<unknown>;
  if (!wallpaper && !(G instanceof CyclicGroup || G instanceof DihedralGroup))
    throw new ErlangenError(`blueprint: the 'cohen-welling' layout takes p4, p4m, Cn or Dn, got ${spec.group.name}`);
  const H = wallpaper ? pointGroupInfo(G).order : Number(G.order);
  const exactAll = wallpaper || [1, 2, 4].includes((G as unknown as CyclicGroup).n);
  const k = spec.options.kernelSize;
  // the hand-written models' lifting kernels: 3×3 for GCNN, 7×7 for E2CNN
  const lk = spec.options.liftKernel ?? (wallpaper ? 3 : 7);
  const lo = { dtype: ctx.dtype, generator: ctx.generator };
  const pool = poolAfter(spec);
  const dropP = spec.options.dropout;

  // field types and actions per width
  const regType = (w: number): FieldType<unknown> => FieldType.repeat(G, regular(G), w);
  const describe = (w: number) => `${w} × regular of ${G.name} (${w * H} channels)`;
  const act = (w: number): Record<string, AnyAction> =>
    wallpaper
      ? { rot: gcnnAction(G, w) as AnyAction }
      : { rot: planarGridAction(G, w > 0 ? { fieldType: regType(w) } : {}) as AnyAction };
  const inType = FieldType.repeat(G, trivial(G), spec.scalars);

  const stages: Stage[] = [];
  let c = spec.scalars;
  widths.forEach((w, i) => {
    const ks = i === 0 ? lk : k;
    const padding = (ks - 3) / 2;
    let conv: Module<[Tensor], Tensor>;
    if (wallpaper)
      conv =
        i === 0 ? new LiftingConv2d(G, c, w, ks, { ...lo, padding }) : new GroupConv2d(G, c, w, ks, { ...lo, padding });
    else conv = new R2Conv(i === 0 ? inType : regType(c), regType(w), ks, { ...lo, padding });
    const pad = padding > 0 ? `, zero-padded by ${padding}` : ", valid";
    stages.push(
      stage({
        name: wallpaper ? (i === 0 ? "LiftingConv2d" : "GroupConv2d") : "R2Conv",
        step: "equivariant linear",
        module: conv,
        inType: i === 0 ? `${c} × trivial (scalar channels)` : describe(c),
        outType: describe(w),
        note:
          i === 0
            ? `${ks}×${ks}${pad}: ${wallpaper ? `lifting Z² → ${G.name}, the filter in each of the ${H} orientations` : `steerable kernels from the ${G.name}-equivariant basis${exactAll ? "" : " (exact for 90° rotations, interpolated for other angles)"}`}; maps shrink, no wrap-around`
            : ks !== 3
              ? `${ks}×${ks}${pad}`
              : undefined,
        run: (s) => conv.forward(s as Tensor),
        actions: act(w),
      }),
    );
    const bn = wallpaper
      ? new GroupBatchNorm2d(G, w, { dtype: ctx.dtype })
      : new InnerBatchNorm(regType(w), { dtype: ctx.dtype });
    stages.push(
      stage({
        name: wallpaper ? "GroupBatchNorm2d" : "InnerBatchNorm",
        step: "normalisation",
        module: bn,
        inType: describe(w),
        outType: describe(w),
        note: i === 0 ? "statistics shared over the orientations of each field" : undefined,
        run: (s) => bn.forward(s as Tensor),
        actions: act(w),
      }),
    );
    const nl = wallpaper ? new ReLU() : new PointwiseNonLinearity(regType(w), "relu");
    stages.push(
      stage({
        name: wallpaper ? "ReLU" : "PointwiseNonLinearity",
        step: "nonlinearity",
        module: nl,
        inType: describe(w),
        outType: describe(w),
        note: i === 0 ? "ReLU channel by channel: commutes with the permutations of regular fields" : undefined,
        run: (s) => nl.forward(s as Tensor),
        actions: act(w),
      }),
    );
    if (dropP > 0) {
      const drop = new Dropout(dropP);
      stages.push(
        stage({
          name: "Dropout",
          step: "nonlinearity",
          module: drop,
          inType: describe(w),
          outType: describe(w),
          run: (s) => drop.forward(s as Tensor),
          actions: act(w),
        }),
      );
    }
    if (i === pool) {
      const mp = new MaxPool2d(2);
      stages.push(
        stage({
          name: "MaxPool2d 2",
          step: "local pooling",
          module: mp,
          inType: describe(w),
          outType: `${describe(w)}, grid / 2`,
          note: "max over 2×2 pixels, channel by channel (exact under the rotations when the map size is even)",
          run: (s) => mp.forward(s as Tensor),
          actions: act(w),
        }),
      );
    }
    c = w;
  });

  const C = spec.outputs;
  const top = wallpaper ? new GroupConv2d(G, c, C, TOP_KERNEL, lo) : new R2Conv(regType(c), regType(C), TOP_KERNEL, lo);
  stages.push(
    stage({
      name: wallpaper ? "GroupConv2d 4×4" : "R2Conv 4×4",
      step: "equivariant linear",
      module: top,
      inType: describe(c),
      outType: describe(C),
      note: `the skeleton's last layer: ${TOP_KERNEL}×${TOP_KERNEL}, valid, one regular field per ${spec.kind === "classification" ? "class" : "target"}`,
      run: (s) => top.forward(s as Tensor),
      actions: act(C),
    }),
  );
  const gp = wallpaper ? new GroupPool(G, C, "max") : new GroupPooling(regType(C), "max");
  stages.push(
    stage({
      name: wallpaper ? "GroupPool" : "GroupPooling",
      step: "invariant pooling",
      module: gp,
      inType: describe(C),
      outType: `${C} × trivial maps`,
      note: `max over the ${H} channels of each field: invariant to the point group, the pixels still move`,
      run: (s) => gp.forward(s as Tensor),
      actions: act(0),
    }),
  );
  stages.push(
    stage({
      name: "global average pool",
      step: "invariant pooling",
      inType: `${C} × trivial maps`,
      outType: `${C} invariant ${spec.kind === "classification" ? "logits" : "targets"}`,
      note: "averages the remaining pixels (1×1 for 28×28 inputs at depth 6): invariant to the rotations about the centre",
      run: (s) => (s as Tensor).mean([2, 3]),
      actions: { rot: invariant },
    }),
  );

  const size = skeletonCheckSize(spec);
  const rotName = `${G.name === "p4m" || G instanceof DihedralGroup ? "rotations by multiples of 90° and flips" : "rotations by multiples of 90°"} about the image centre`;
  const checks = (seed: number): BlueprintCheck[] => {
    const input = sampleImages({ count: 2, size, channels: spec.scalars, seed, dtype: ctx.dtype });
    const out: BlueprintCheck[] = [
      {
        id: "rot",
        name: `invariance to the ${rotName} (even-sized images, ${size}×${size} here; exact; valid convolutions: no translation claim)`,
        group: G,
        elements: wallpaper ? pointElements(G) : exactPlanarElements(G),
        inputAction: (wallpaper ? gcnnAction(G, 0) : planarGridAction(G, {})) as AnyAction,
        input,
        exact: true,
        rtol: 1e-4,
      },
    ];
    if (!exactAll)
      out.push({
        id: "rot",
        name: `invariance to all of ${G.name} (other angles interpolate the input and the kernels: approximate, measured)`,
        group: G,
        inputAction: planarGridAction(G, {}) as AnyAction,
        input,
        exact: false,
        rtol: 0.1,
        layers: false,
      });
    return out;
  };
  return {
    stages,
    output: {
      shape: `[B, ${C}]`,
      symmetry: "invariant",
      transforms: `unchanged when the image rotates by 90° about its centre${G.name === "p4m" || G instanceof DihedralGroup ? " or flips" : ""}`,
    },
    checks,
    prepare: (x) => {
      const t = checkInputTensor("blueprint model", x, 4, spec.scalars, "[B, C, H, W]");
      return t.dtype === ctx.dtype ? t : t.cast(ctx.dtype);
    },
  };
}
