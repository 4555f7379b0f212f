/**
 * The point group H of a G-CNN (G = Z² ⋊ H): C4 for p4, D4 for p4m, or Cn / Dn themselves. A G-CNN
 * feature map has one channel per (field, h ∈ H): the layout is [B, C·|H|, H, W] with channel
 * c·|H| + h, h indexing `H.elements()` (for D4: rotations r = 0..3, then the reflected ones). On each
 * field the group acts by the regular representation of H (moving the group axis) while the pixels
 * move; {@link regularFieldType} and {@link gcnnAction} give that action to the equivariance checker.
 */

import { type Action, gridAction } from "../../../symmetry/actions.js";
import { FieldType } from "../../../symmetry/field_type.js";
import type { Group } from "../../../symmetry/group.js";
import {
  CyclicGroup,
  type DihedralElement,
  DihedralGroup,
  type WallpaperElement,
  WallpaperGroup,
} from "../../../symmetry/groups.js";
import { Representation, regular } from "../../../symmetry/representation.js";
import { ErlangenError } from "../../../tensor/errors.js";
import type { Tensor } from "../../../tensor/tensor.js";
import { type PlanarMotion, planarGridAction, planarMotion, quarterTurns } from "../steerable/planar.js";

/** The groups a G-CNN can be built for. */
export type GCNNGroup = WallpaperGroup | CyclicGroup | DihedralGroup;

/** What the layers need to know about the point group. */
export interface PointGroupInfo {
  /** The group the layers were built for (p4, p4m, Cn or Dn). */
  group: Group<unknown>;
  /** The point group H (C4 / D4 for p4 / p4m). */
  pointGroup: CyclicGroup | DihedralGroup;
  /** |H|. */
  order: number;
  /** The motion of the plane by each element of H, in `H.elements()` order. */
  motions: PlanarMotion[];
  /** compose[a·n + b] = index of a∘b. */
  compose: Int32Array;
  /** inverse[a] = index of a⁻¹. */
  inverse: Int32Array;
  /** True when every element maps the pixel grid onto itself (rotations by multiples of 90°, flips). */
  exact: boolean;
}

const infoCache = new Map<string, PointGroupInfo>();

/** Resolves the point group of p4, p4m, Cn or Dn (cached). Throws for other groups. */
export function pointGroupInfo<E>(group: Group<E>): PointGroupInfo {
  const g = group as unknown;
  let H: CyclicGroup | DihedralGroup;
  if (g instanceof WallpaperGroup) H = g.pointGroup;
  else if (g instanceof CyclicGroup || g instanceof DihedralGroup) H = g;
  else throw new ErlangenError(`G-CNN: argument 'group' expected p4, p4m, Cn or Dn, got ${group.name}`);
  const key = `${group.name}`;
  const hit = infoCache.get(key);
  if (hit) return hit;
  const els = (H.elements as () => unknown[])();
  const n = els.length;
  const Hg = H as unknown as Group<unknown>;
  const idx = (x: unknown) => els.findIndex((y) => Hg.equals(x, y));
  const compose = new Int32Array(n * n);
  const inverse = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    inverse[a] = idx(Hg.inverse(els[a]));
    for (let b = 0; b < n; b++) compose[a * n + b] = idx(Hg.compose(els[a], els[b]));
  }
  const motions = els.map((e) => planarMotion(Hg, e));
  const info: PointGroupInfo = {
    group: group as Group<unknown>,
    pointGroup: H,
    order: n,
    motions,
    compose,
    inverse,
    exact: motions.every((m) => quarterTurns(m.theta) !== null),
  };
  infoCache.set(key, info);
  return info;
}

/** The point-group part of an element of p4 / p4m / Cn / Dn, as an element of H. */
export function toPointElement<E>(group: Group<E>, e: E): number | DihedralElement {
  const g = group as unknown;
  if (g instanceof WallpaperGroup) {
    const w = e as WallpaperElement;
    return g.kind === "p4" ? ((w.r % 4) + 4) % 4 : { r: ((w.r % 4) + 4) % 4, f: w.f };
  }
  return e as number | DihedralElement;
}

/**
 * The regular representation of the point group H as a representation of `group` (translations act
 * trivially on the group axis): for Cn / Dn it is `regular(group)`.
 */
export function pointRegular<E>(group: Group<E>): Representation<E> {
  const info = pointGroupInfo(group);
  const reg = regular(info.pointGroup as Group<unknown>);
  if (info.pointGroup === (group as unknown)) return reg as Representation<E>;
  return new Representation(group, info.order, "regular", (e: E) => reg.matrix(toPointElement(group, e)));
}

/** `channels` regular fields of the point group: the field type of G-CNN feature maps [B, channels·|H|, H, W]. */
export function regularFieldType<E>(group: Group<E>, channels: number): FieldType<E> {
  return FieldType.repeat(group, pointRegular(group), channels);
}

/**
 * The action of `group` on G-CNN feature maps [B, channels·|H|, H, W] (or, with `channels` omitted
 * or 0, on plain images [B, C, H, W]): pixels move about the grid centre and each field's group axis
 * is permuted by the regular representation. Exact (`gridAction`) for p4, p4m, C4, D4 (and C2, D2,
 * C1, D1); by bilinear interpolation for other Cn / Dn.
 */
export function gcnnAction<E>(group: Group<E>, channels = 0): Action<E, Tensor> {
  const info = pointGroupInfo(group);
  const fieldType = channels > 0 ? regularFieldType(group, channels) : undefined;
  return info.exact ? gridAction(group, { fieldType }) : planarGridAction(group, { fieldType });
}

/**
 * The elements of `group` that fix the grid centre (the point group), as elements of `group` (for p4
 * and p4m: translation 0). Check rotation equivariance with these: zero-padded convolutions are not
 * equivariant to cyclic translations of a finite grid.
 */
export function pointElements<E>(group: Group<E>): E[] {
  const g = group as unknown;
  if (g instanceof WallpaperGroup) {
    const out: WallpaperElement[] = [];
    for (let f = 0; f < (g.kind === "p4m" ? 2 : 1); f++)
      for (let r = 0; r < 4; r++) out.push({ r, f: f as 0 | 1, t: [0, 0] });
    return out as unknown as E[];
  }
  const info = pointGroupInfo(group);
  return (info.pointGroup.elements as () => unknown[])() as E[];
}
