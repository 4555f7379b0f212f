/**
 * How groups act on signals over domains. An {@link Action} maps a group element and a value to the
 * transformed value; the equivariance checker takes one for the input and one for the output.
 *
 * - grids: rotations by multiples of 90°, reflections, cyclic translations of [..., C, H, W] signals,
 *   with an optional {@link FieldType} acting on the channel axis (e.g. regular features of p4);
 *   arbitrary-angle rotation by bilinear interpolation for data augmentation;
 * - point sets: x ↦ R x + t on [N, n] positions, and vector features;
 * - graphs: node permutations acting on node features and relabelling the edge index.
 */
import { allocate } from "../tensor/dtype.js";
import { ErlangenError, fmtShape } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { FieldType } from "./field_type.js";
import type { Group } from "./group.js";
import {
  CyclicGroup,
  type DihedralElement,
  DihedralGroup,
  type EuclideanElement,
  EuclideanGroup,
  O2,
  OrthogonalGroup,
  SO2,
  SpecialOrthogonalGroup,
  TranslationGroup,
  type WallpaperElement,
  WallpaperGroup,
} from "./groups.js";
import { standard } from "./representation.js";

/** g · x. */
export type Action<E, T> = (g: E, x: T) => T;

/** The identity action (for invariance: the output does not change). */
export function trivialAction<E, T>(): Action<E, T> {
  return (_g, x) => x;
}

/** Spatial part of a grid element: rotate by r·90° after flipping columns (f), then shift by t = [dy, dx]. */
export interface GridMotion {
  r: number;
  f: 0 | 1;
  t: [number, number];
}

/** Grid motion of an element of C4, D4, p4, p4m or a 2-D translation group. */
export function gridMotion<E>(group: Group<E>, e: E): GridMotion {
  const g = group as unknown;
  if (g instanceof CyclicGroup) {
    if (g.n !== 4 && g.n !== 2 && g.n !== 1)
      throw new ErlangenError(
        `gridAction: argument 'group' expected C1, C2 or C4 on a pixel grid (use rotateImage for ${g.name}), got ${g.name}`,
      );
    return { r: ((e as number) * 4) / g.n, f: 0, t: [0, 0] };
  }
  if (g instanceof DihedralGroup) {
    if (g.n !== 4 && g.n !== 2 && g.n !== 1)
      throw new ErlangenError(`gridAction: argument 'group' expected D1, D2 or D4 on a pixel grid, got ${g.name}`);
    const d = e as DihedralElement;
    return { r: (d.r * 4) / g.n, f: d.f, t: [0, 0] };
  }
  if (g instanceof WallpaperGroup) {
    const w = e as WallpaperElement;
    return { r: w.r, f: w.f, t: [w.t[0], w.t[1]] };
  }
  if (g instanceof TranslationGroup) {
    const t = e as number[];
    if (t.length !== 2)
      throw new ErlangenError(`gridAction: argument 'group' expected 2-D translations, got ${g.name}`);
    return { r: 0, f: 0, t: [t[0]!, t[1]!] };
  }
  throw new ErlangenError(
    `gridAction: argument 'group' expected C4, D4, p4, p4m or 2-D translations, got ${group.name}`,
  );
}

/**
 * Moves the pixels of x [..., H, W]: pixel (i, j) goes to g·(i, j) (flip columns, rotate by r·90°
 * counter-clockwise like `torch.rot90`, then shift cyclically by t). Rotations need H = W.
 */
export function moveGrid(x: Tensor, m: GridMotion): Tensor {
  if (x.ndim < 2)
    throw new ErlangenError(`moveGrid: argument 'x' expected at least 2 dims [..., H, W], got ${fmtShape(x.shape)}`);
  const H = x.shape[x.ndim - 2]!;
  const W = x.shape[x.ndim - 1]!;
  const r = ((m.r % 4) + 4) % 4;
  if (r % 2 === 1 && H !== W)
    throw new ErlangenError(`moveGrid: argument 'x' expected a square grid for 90° rotations, got ${H}×${W}`);
  const outer = x.size / (H * W);
  const src = x.data;
  const out = allocate(x.dtype, x.size);
  const ty = ((m.t[0] % H) + H) % H;
  const tx = ((m.t[1] % W) + W) % W;
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      let a = i;
      let b = m.f ? W - 1 - j : j;
      for (let k = 0; k < r; k++) {
        const na = W - 1 - b;
        b = a;
        a = na;
      }
      a = (a + ty) % H;
      b = (b + tx) % W;
      const so = i * W + j;
      const oo = a * W + b;
      for (let o = 0; o < outer; o++) out[o * H * W + oo] = src[o * H * W + so]!;
    }
  }
  return new Tensor(out, x.shape, x.dtype);
}

/**
 * The action on signals over a square grid, [..., C, H, W]: pixels move by the group element and the
 * channel axis (`channelAxis`, default −3) transforms by `fieldType` when given (e.g. the regular
 * representation for p4 feature maps laid out as C·|G| channels).
 */
export function gridAction<E>(
  group: Group<E>,
  opts: { fieldType?: FieldType<E>; channelAxis?: number } = {},
): Action<E, Tensor> {
  return (g, x) => {
    const moved = moveGrid(x, gridMotion(group, g));
    return opts.fieldType ? opts.fieldType.transform(moved, g, opts.channelAxis ?? -3) : moved;
  };
}

/** The matrix and translation by which an element acts on points of R^n. */
export function pointMotion<E>(group: Group<E>, e: E): { R: Float64Array; t: Float64Array | null; n: number } {
  const g = group as unknown;
  if (g instanceof EuclideanGroup) {
    const el = e as EuclideanElement;
    return { R: el.R, t: el.t, n: g.n };
  }
  if (g instanceof SpecialOrthogonalGroup || g instanceof OrthogonalGroup)
    return { R: e as Float64Array, t: null, n: g.n };
  if (g instanceof SO2 || g instanceof O2 || g instanceof CyclicGroup || g instanceof DihedralGroup) {
    return { R: standard(group).matrix(e), t: null, n: 2 };
  }
  throw new ErlangenError(
    `pointAction: argument 'group' expected Cn, Dn, SO(2), O(2), SO(n), O(n), E(n) or SE(n), got ${group.name}`,
  );
}

/** x ↦ R x (+ t) on each row of a [N, n] tensor of points. */
export function transformPoints(x: Tensor, R: ArrayLike<number>, t: ArrayLike<number> | null, n: number): Tensor {
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== n)
    throw new ErlangenError(`transformPoints: argument 'x' expected shape [..., ${n}], got ${fmtShape(x.shape)}`);
  const rows = x.size / n;
  const src = x.data;
  const out = allocate(x.dtype, x.size);
  for (let p = 0; p < rows; p++) {
    for (let i = 0; i < n; i++) {
      let s = t ? t[i]! : 0;
      for (let j = 0; j < n; j++) s += R[i * n + j]! * src[p * n + j]!;
      out[p * n + i] = s;
    }
  }
  return new Tensor(out, x.shape, x.dtype);
}

/** The action on point positions [..., n] (rotation/reflection and, for E(n), translation). */
export function pointAction<E>(group: Group<E>): Action<E, Tensor> {
  return (g, x) => {
    const m = pointMotion(group, g);
    return transformPoints(x, m.R, m.t, m.n);
  };
}

/** The action on vector features [..., n] (rotation/reflection only: translations do not move vectors). */
export function vectorAction<E>(group: Group<E>): Action<E, Tensor> {
  return (g, x) => {
    const m = pointMotion(group, g);
    return transformPoints(x, m.R, null, m.n);
  };
}

/** Permutes the rows (axis 0) of x: out[σ(i)] = x[i]. */
export function permuteRows(x: Tensor, sigma: Int32Array): Tensor {
  const n = x.shape[0];
  if (n !== sigma.length)
    throw new ErlangenError(`permuteRows: argument 'x' expected ${sigma.length} rows, got shape ${fmtShape(x.shape)}`);
  const F = n === 0 ? 0 : x.size / n;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < n; i++) out.set(x.data.subarray(i * F, (i + 1) * F), sigma[i]! * F);
  return new Tensor(out, x.shape, x.dtype);
}

/** Relabels node ids: edgeIndex' = σ(edgeIndex). Edge order is kept. */
export function relabelEdgeIndex(edgeIndex: Tensor, sigma: Int32Array): Tensor {
  const out = new Int32Array(edgeIndex.size);
  const src = edgeIndex.data;
  for (let k = 0; k < out.length; k++) {
    const v = src[k]!;
    if (v < 0 || v >= sigma.length)
      throw new ErlangenError(
        `relabelEdgeIndex: argument 'edgeIndex' expected ids in [0, ${sigma.length}), got ${v} at position ${k}`,
      );
    out[k] = sigma[v]!;
  }
  return new Tensor(out, edgeIndex.shape, "int32");
}

/** Node permutation acting on a node-feature tensor [N, ...]. */
export function nodePermutationAction(): Action<Int32Array, Tensor> {
  return (s, x) => permuteRows(x, s);
}

/**
 * Node permutation acting on a graph-like record: tensors named in `nodeKeys` (default: x, pos,
 * batch, y when it has one row per node) have their rows permuted, `edgeIndex` is relabelled, and
 * everything else (edge attributes, graph-level values) is kept. Returns a plain object of the same
 * keys; a class instance is rebuilt with its prototype and without cached views (fields starting
 * with `_`).
 *
 * ```ts
 * // a node classifier is permutation equivariant; a graph classifier (with its readout) invariant
 * const graph = { x, edgeIndex, batch };
 * checkEquivariance((g) => gcn.forward(g.x, g.edgeIndex), {
 *   group: Sn(x.shape[0]), inputAction: graphPermutationAction(), outputAction: nodePermutationAction(), inputs: [graph],
 * });
 * checkEquivariance((g) => gin.forward(g.x, g.edgeIndex, g.batch), { group: Sn(x.shape[0]), inputAction: graphPermutationAction(), inputs: [graph] });
 * ```
 * Throws when x, pos, h, vel or batch (or the given `nodeKeys`) do not have one row per node of the
 * permutation.
 */
export function graphPermutationAction<T extends object>(
  opts: { nodeKeys?: string[]; edgeIndexKey?: string } = {},
): Action<Int32Array, T> {
  const edgeKey = opts.edgeIndexKey ?? "edgeIndex";
  return (s, g) => {
    const src = g as Record<string, unknown>;
    const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(g));
    // node features and positions always have one row per node: a permutation of another size
    // does not act on this graph
    for (const k of opts.nodeKeys ?? ["x", "pos", "h", "vel", "batch"]) {
      const v = src[k];
      if (v instanceof Tensor && v.ndim >= 1 && v.shape[0] !== s.length) {
        throw new ErlangenError(
          `graphPermutationAction: argument '${k}' expected ${s.length} rows (one per node of the permutation), got shape ${fmtShape(v.shape)}`,
        );
      }
    }
    const keys =
      opts.nodeKeys ??
      Object.keys(src).filter((k) => {
        const v = src[k];
        return (
          v instanceof Tensor &&
          k !== edgeKey &&
          v.ndim >= 1 &&
          v.shape[0] === s.length &&
          ["x", "pos", "batch", "y", "h", "vel"].includes(k)
        );
      });
    for (const [k, v] of Object.entries(src)) {
      if (k.startsWith("_")) continue;
      if (k === edgeKey && v instanceof Tensor) out[k] = relabelEdgeIndex(v, s);
      else if (keys.includes(k) && v instanceof Tensor) out[k] = permuteRows(v, s);
      else out[k] = v;
    }
    return out as T;
  };
}

/**
 * Rotates images [..., H, W] by an arbitrary angle (radians, counter-clockwise) about the centre with
 * bilinear interpolation; pixels that come from outside are `fill` (default 0). For data
 * augmentation (e.g. rotated MNIST); exact only for multiples of 90°.
 */
export function rotateImage(x: Tensor, theta: number, fill = 0): Tensor {
  if (x.ndim < 2)
    throw new ErlangenError(`rotateImage: argument 'x' expected at least 2 dims [..., H, W], got ${fmtShape(x.shape)}`);
  const H = x.shape[x.ndim - 2]!;
  const W = x.shape[x.ndim - 1]!;
  const outer = x.size / (H * W);
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const src = x.data;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      // output pixel (i, j) in y-up coords (u = j − cx, v = cy − i); source = R(−θ)·(u, v)
      const u = j - cx;
      const v = cy - i;
      const su = c * u + s * v;
      const sv = -s * u + c * v;
      const sj = su + cx;
      const si = cy - sv;
      const i0 = Math.floor(si);
      const j0 = Math.floor(sj);
      const di = si - i0;
      const dj = sj - j0;
      for (let o = 0; o < outer; o++) {
        const base = o * H * W;
        const at = (a: number, b: number) => (a >= 0 && a < H && b >= 0 && b < W ? src[base + a * W + b]! : fill);
        const val =
          (1 - di) * (1 - dj) * at(i0, j0) +
          (1 - di) * dj * at(i0, j0 + 1) +
          di * (1 - dj) * at(i0 + 1, j0) +
          di * dj * at(i0 + 1, j0 + 1);
        out[base + i * W + j] = val;
      }
    }
  }
  return new Tensor(out, x.shape, x.dtype);
}
