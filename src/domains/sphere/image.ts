/**
 * Pictures of signals on S²: an equirectangular (plate carrée) image, colatitude θ from the +y pole
 * (top row) to −y (bottom row), longitude φ from 0 (left edge, the +z direction) to 2π (right edge,
 * through +x at φ = π/2), resampled from any iso-latitude grid by linear interpolation between rings
 * and along each ring. Returned as PNG (default) or binary PPM bytes, browser-safe.
 */
import { ErlangenError } from "../../tensor/errors.js";
import { Tensor } from "../../tensor/tensor.js";
import type { SphereGrid } from "./grid.js";
import { encodePNG } from "./png.js";

/** Options of {@link equirectangularImage}. */
export interface EquirectangularImageOptions {
  /** Image width in pixels (default max(256, 4·nrings)). */
  width?: number;
  /** Image height in pixels (default width / 2). */
  height?: number;
  /** `viridis` (default), `coolwarm` (diverging, symmetric range about 0 by default) or `gray`. */
  colormap?: "viridis" | "coolwarm" | "gray";
  /** Value range mapped to the colormap's ends (default: the signal's min and max). */
  range?: [number, number];
  /** `png` (default) or `ppm` (binary P6). */
  format?: "png" | "ppm";
}

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];
const COOLWARM: [number, number, number][] = [
  [59, 76, 192],
  [141, 176, 254],
  [221, 221, 221],
  [244, 154, 123],
  [180, 4, 38],
];
const GRAY: [number, number, number][] = [
  [0, 0, 0],
  [255, 255, 255],
];

function colour(t: number, map: [number, number, number][], out: Uint8Array, o: number): void {
  const u = Math.min(1, Math.max(0, t)) * (map.length - 1);
  const i = Math.min(map.length - 2, Math.floor(u));
  const f = u - i;
  const a = map[i]!;
  const b = map[i + 1]!;
  for (let c = 0; c < 3; c++) out[o + c] = Math.round(a[c]! + f * (b[c]! - a[c]!));
}

/** The value of a grid signal at (θ, φ) by linear interpolation between rings and along rings. */
function interpolate(grid: SphereGrid, f: ArrayLike<number>, theta: number, phi: number): number {
  const { theta: th, count, start, phi0 } = grid.rings;
  const R = grid.nrings;
  const ringValue = (r: number): number => {
    const n = count[r]!;
    let u = ((phi - phi0[r]!) / (2 * Math.PI)) * n;
    u = ((u % n) + n) % n;
    const j = Math.floor(u);
    const t = u - j;
    const s = start[r]!;
    return (1 - t) * f[s + (j % n)]! + t * f[s + ((j + 1) % n)]!;
  };
  if (theta <= th[0]!) return ringValue(0);
  if (theta >= th[R - 1]!) return ringValue(R - 1);
  let lo = 0;
  let hi = R - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (th[mid]! <= theta) lo = mid;
    else hi = mid;
  }
  const t = (theta - th[lo]!) / (th[hi]! - th[lo]!);
  return (1 - t) * ringValue(lo) + t * ringValue(hi);
}

/**
 * Writes one signal on `grid` (a tensor of shape grid.shape, or npix numbers) as an equirectangular
 * picture: PNG bytes (or PPM) that any image viewer opens. North (+y) is the top row.
 */
export function equirectangularImage(
  grid: SphereGrid,
  signal: Tensor | ArrayLike<number>,
  opts: EquirectangularImageOptions = {},
): Uint8Array {
  const data: ArrayLike<number> = signal instanceof Tensor ? signal.data : signal;
  if (data.length !== grid.npix)
    throw new ErlangenError(
      `equirectangularImage: argument 'signal' expected ${grid.npix} values (one signal on ${grid}), got ${data.length}`,
    );
  const width = opts.width ?? Math.max(256, 4 * grid.nrings);
  const height = opts.height ?? Math.max(1, Math.round(width / 2));
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new ErlangenError(
      `equirectangularImage: arguments 'width', 'height' expected positive integers, got ${width}, ${height}`,
    );
  const cmapName = opts.colormap ?? "viridis";
  const cmap =
    cmapName === "viridis" ? VIRIDIS : cmapName === "coolwarm" ? COOLWARM : cmapName === "gray" ? GRAY : null;
  if (!cmap)
    throw new ErlangenError(
      `equirectangularImage: argument 'colormap' expected "viridis", "coolwarm" or "gray", got ${String(cmapName)}`,
    );
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (!Number.isFinite(v))
      throw new ErlangenError(`equirectangularImage: argument 'signal' contains ${v} at pixel ${p}`);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (cmapName === "coolwarm") {
    const a = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -a;
    hi = a;
  }
  if (opts.range) [lo, hi] = opts.range;
  const span = hi > lo ? hi - lo : 1;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const theta = (Math.PI * (y + 0.5)) / height;
    for (let x = 0; x < width; x++) {
      const phi = (2 * Math.PI * (x + 0.5)) / width;
      colour((interpolate(grid, data, theta, phi) - lo) / span, cmap, rgb, (y * width + x) * 3);
    }
  }
  if ((opts.format ?? "png") === "png") return encodePNG(width, height, rgb, 3);
  const header = new TextEncoder().encode(`P6\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + rgb.length);
  out.set(header, 0);
  out.set(rgb, header.length);
  return out;
}
