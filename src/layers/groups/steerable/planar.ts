/**
 * Groups acting on the plane — Cn, Dn, SO(2), O(2) — seen through their action on R²: every element is
 * a rotation by `theta` after an optional reflection (x, y) ↦ (−x, y) (`f = 1`). Points of a pixel
 * grid use coordinates x = column − c, y = c − row (y up, c the grid centre), so that the action of an
 * element on images agrees with {@link moveGrid} / {@link rotateImage} (90° = `torch.rot90`).
 */

import type { Action } from "../../../symmetry/actions.js";
import { moveGrid, rotateImage } from "../../../symmetry/actions.js";
import type { FieldType } from "../../../symmetry/field_type.js";
import type { Group } from "../../../symmetry/group.js";
import {
  CyclicGroup,
  type DihedralElement,
  DihedralGroup,
  O2,
  type O2Element,
  SO2,
  type WallpaperElement,
  WallpaperGroup,
} from "../../../symmetry/groups.js";
import { ErlangenError, fmtShape } from "../../../tensor/errors.js";
import type { Tensor } from "../../../tensor/tensor.js";

/** A rotation by `theta` (radians, counter-clockwise) after the reflection (x, y) ↦ (−x, y) when `f = 1`. */
export interface PlanarMotion {
  theta: number;
  f: 0 | 1;
}

/** True for the groups whose elements act on the plane as rotations/reflections about the origin. */
export function isPlanarGroup<E>(group: Group<E>): boolean {
  const g = group as unknown;
  return (
    g instanceof CyclicGroup ||
    g instanceof DihedralGroup ||
    g instanceof SO2 ||
    g instanceof O2 ||
    g instanceof WallpaperGroup
  );
}

/**
 * The linear motion of the plane by which `e` acts: Cn/Dn rotate by 2πr/N (after the flip for Dn),
 * SO(2)/O(2) by their angle, p4/p4m by their point-group part (the translation is dropped).
 */
export function planarMotion<E>(group: Group<E>, e: E): PlanarMotion {
  const g = group as unknown;
  if (g instanceof CyclicGroup) return { theta: (2 * Math.PI * (e as number)) / g.n, f: 0 };
  if (g instanceof DihedralGroup) {
    const d = e as DihedralElement;
    return { theta: (2 * Math.PI * d.r) / g.n, f: d.f };
  }
  if (g instanceof SO2) return { theta: e as number, f: 0 };
  if (g instanceof O2) {
    const o = e as O2Element;
    return { theta: o.theta, f: o.f };
  }
  if (g instanceof WallpaperGroup) {
    const w = e as WallpaperElement;
    return { theta: (Math.PI / 2) * w.r, f: w.f };
  }
  throw new ErlangenError(`planarMotion: argument 'group' expected Cn, Dn, SO(2), O(2), p4 or p4m, got ${group.name}`);
}

/** Throws unless `group` acts on the plane (Cn, Dn, SO(2), O(2); p4/p4m when `allowWallpaper`). */
export function checkPlanarGroup<E>(op: string, arg: string, group: Group<E>, allowWallpaper = false): void {
  const g = group as unknown;
  const ok =
    g instanceof CyclicGroup ||
    g instanceof DihedralGroup ||
    g instanceof SO2 ||
    g instanceof O2 ||
    (allowWallpaper && g instanceof WallpaperGroup);
  if (!ok) {
    const list = allowWallpaper ? "Cn, Dn, SO(2), O(2), p4 or p4m" : "Cn, Dn, SO(2) or O(2)";
    throw new ErlangenError(
      `${op}: argument '${arg}' expected a group acting on the plane by rotations and reflections (${list}), got ${group.name}`,
    );
  }
}

/** The number of quarter turns in `theta` when it is a multiple of 90° (within 1e-9), else null. */
export function quarterTurns(theta: number): number | null {
  const q = theta / (Math.PI / 2);
  const r = Math.round(q);
  return Math.abs(q - r) < 1e-9 ? ((r % 4) + 4) % 4 : null;
}

/**
 * Moves a signal [..., H, W] on a square grid by a planar motion about the grid centre: exactly (a
 * pixel permutation) for multiples of 90°, by bilinear interpolation (zeros from outside) otherwise.
 */
export function movePlanar(x: Tensor, m: PlanarMotion): Tensor {
  if (x.ndim < 2)
    throw new ErlangenError(`movePlanar: argument 'x' expected at least 2 dims [..., H, W], got ${fmtShape(x.shape)}`);
  const q = quarterTurns(m.theta);
  if (q !== null) return moveGrid(x, { r: q, f: m.f, t: [0, 0] });
  const flipped = m.f ? moveGrid(x, { r: 0, f: 1, t: [0, 0] }) : x;
  return rotateImage(flipped, m.theta);
}

/**
 * The action of a planar group on feature maps [..., C, H, W] about the grid centre: pixels move by
 * {@link movePlanar} (exact for 90° steps and flips, interpolated for other angles) and the channel
 * axis transforms by `fieldType` when given. Use it with the equivariance checker for Cn/Dn with N not
 * dividing 4 and for SO(2)/O(2), where the exact `gridAction` does not apply.
 */
export function planarGridAction<E>(
  group: Group<E>,
  opts: { fieldType?: FieldType<E>; channelAxis?: number } = {},
): Action<E, Tensor> {
  checkPlanarGroup("planarGridAction", "group", group, true);
  return (g, x) => {
    const moved = movePlanar(x, planarMotion(group, g));
    return opts.fieldType ? opts.fieldType.transform(moved, g, opts.channelAxis ?? -3) : moved;
  };
}
