/**
 * A mesh as a self-contained SVG picture (no scripts, fonts or external references): an orthographic view
 * from a chosen direction, triangles drawn far to near (the painter's algorithm) and, optionally, coloured
 * by a per-vertex scalar (a distance, a heat kernel signature, a predicted part) with a colour bar.
 * Browser-safe: it returns a string; write it to a `.svg` file or put it into a page.
 */
import { opError } from "../../tensor/errors.js";
import type { Mesh } from "./mesh.js";

/** Options of {@link meshToSvg}. */
export interface MeshSvgOptions {
  /** Per-vertex values to colour by (`[V]`); without them the mesh is drawn in grey. */
  values?: ArrayLike<number>;
  /** Width and height of the picture in px (default 480 × 480, plus room for the colour bar). */
  width?: number;
  height?: number;
  /** Rotation of the view about the vertical axis, then about the horizontal one, in degrees (default 0, 0). */
  azimuth?: number;
  elevation?: number;
  /** Up axis of the mesh's coordinates: 0, 1 or 2 (default 1, y up). */
  up?: 0 | 1 | 2;
  /** Darken triangles that face away from the viewer (Lambert shading; default true). */
  shade?: boolean;
  /** Leave out triangles that face away (default true; right for closed, consistently oriented meshes). */
  cull?: boolean;
  /** Title above the picture. */
  title?: string;
  /** Label of the colour bar (default none). */
  label?: string;
  /** Range of the colour map (default: the values' min and max). */
  range?: [number, number];
  /** Vertices to mark with a red dot drawn on top (e.g. the source of a distance). */
  marks?: ArrayLike<number>;
}

// viridis at 9 evenly spaced points (the matplotlib colour map's anchors)
const VIRIDIS: readonly [number, number, number][] = [
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

/** The viridis colour of `t` in [0, 1] as `[r, g, b]` (0–255). */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + f * (b[k]! - a[k]!))) as [number, number, number];
}

function hex(c: [number, number, number]): string {
  return `#${c
    .map((v) =>
      Math.max(0, Math.min(255, Math.round(v)))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Draws `mesh` as an SVG string (see the module docs).
 *
 * ```ts
 * writeFileSync("bunny.svg", meshToSvg(bunny, { values: distances, label: "geodesic distance" }));
 * ```
 */
export function meshToSvg(mesh: Mesh, opts: MeshSvgOptions = {}): string {
  const op = "meshToSvg";
  const V = mesh.numVertices;
  const F = mesh.numFaces;
  const values = opts.values;
  if (values !== undefined && values.length !== V)
    opError(op, "values", `one value per vertex (${V})`, String(values.length));
  const W = opts.width ?? 480;
  const H = opts.height ?? 480;
  if (!(W > 0 && H > 0)) opError(op, "width/height", "positive sizes", `${W} × ${H}`);
  const up = opts.up ?? 1;
  // mesh coordinates → view coordinates (x right, y up, z towards the viewer)
  const axes = up === 1 ? [0, 1, 2] : up === 2 ? [0, 2, 1] : [1, 0, 2];
  const az = ((opts.azimuth ?? 0) * Math.PI) / 180;
  const el = ((opts.elevation ?? 0) * Math.PI) / 180;
  const p = mesh.positions;
  const q = new Float64Array(3 * V);
  for (let v = 0; v < V; v++) {
    const x0 = p[3 * v + axes[0]!]!;
    const y0 = p[3 * v + axes[1]!]!;
    const z0 = p[3 * v + axes[2]!]! * (up === 1 ? 1 : -1);
    const x1 = Math.cos(az) * x0 + Math.sin(az) * z0;
    const z1 = -Math.sin(az) * x0 + Math.cos(az) * z0;
    const y2 = Math.cos(el) * y0 - Math.sin(el) * z1;
    const z2 = Math.sin(el) * y0 + Math.cos(el) * z1;
    q[3 * v] = x1;
    q[3 * v + 1] = y2;
    q[3 * v + 2] = z2;
  }
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let v = 0; v < V; v++) {
    xmin = Math.min(xmin, q[3 * v]!);
    xmax = Math.max(xmax, q[3 * v]!);
    ymin = Math.min(ymin, q[3 * v + 1]!);
    ymax = Math.max(ymax, q[3 * v + 1]!);
  }
  const pad = 12;
  const top = opts.title !== undefined ? 28 : pad;
  const scale = Math.min((W - 2 * pad) / Math.max(xmax - xmin, 1e-12), (H - top - pad) / Math.max(ymax - ymin, 1e-12));
  const ox = pad + 0.5 * (W - 2 * pad - scale * (xmax - xmin));
  const oy = top + 0.5 * (H - top - pad - scale * (ymax - ymin));
  const sx = (v: number) => ox + scale * (q[3 * v]! - xmin);
  const sy = (v: number) => oy + scale * (ymax - q[3 * v + 1]!);
  let lo = 0;
  let hi = 1;
  if (values !== undefined) {
    if (opts.range !== undefined) [lo, hi] = opts.range;
    else {
      lo = Infinity;
      hi = -Infinity;
      for (let v = 0; v < V; v++) {
        const x = values[v]!;
        if (Number.isFinite(x)) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      }
      if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    }
  }
  const span = hi > lo ? hi - lo : 1;
  // painter's algorithm: far faces (small z) first
  const depth = new Float64Array(F);
  const facing = new Float64Array(F);
  const f = mesh.faces;
  for (let t = 0; t < F; t++) {
    const a = f[3 * t]!;
    const b = f[3 * t + 1]!;
    const c = f[3 * t + 2]!;
    depth[t] = (q[3 * a + 2]! + q[3 * b + 2]! + q[3 * c + 2]!) / 3;
    const ux = q[3 * b]! - q[3 * a]!;
    const uy = q[3 * b + 1]! - q[3 * a + 1]!;
    const uz = q[3 * b + 2]! - q[3 * a + 2]!;
    const vx = q[3 * c]! - q[3 * a]!;
    const vy = q[3 * c + 1]! - q[3 * a + 1]!;
    const vz = q[3 * c + 2]! - q[3 * a + 2]!;
    const nz = ux * vy - uy * vx;
    const len = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, nz);
    facing[t] = len > 0 ? nz / len : 0;
  }
  const order = Array.from({ length: F }, (_, t) => t).sort((s, t) => depth[s]! - depth[t]!);
  const cull = opts.cull ?? true;
  const shade = opts.shade ?? true;
  const barW = values !== undefined ? 70 : 0;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W + barW}" height="${H}" viewBox="0 0 ${W + barW} ${H}">`,
    `<rect width="${W + barW}" height="${H}" fill="#ffffff"/>`,
  );
  if (opts.title !== undefined)
    out.push(
      `<text x="${(W + barW) / 2}" y="19" font-size="14" text-anchor="middle" font-family="sans-serif">${esc(opts.title)}</text>`,
    );
  out.push('<g stroke-linejoin="round" stroke-width="0.3">');
  for (const t of order) {
    if (cull && facing[t]! < 0) continue;
    const a = f[3 * t]!;
    const b = f[3 * t + 1]!;
    const c = f[3 * t + 2]!;
    let col: [number, number, number];
    if (values !== undefined) col = viridis(((values[a]! + values[b]! + values[c]!) / 3 - lo) / span);
    else col = [200, 200, 200];
    const light = shade ? 0.35 + 0.65 * Math.abs(facing[t]!) : 1;
    const fill = hex([col[0] * light, col[1] * light, col[2] * light]);
    const pts = [a, b, c].map((v) => `${sx(v).toFixed(1)},${sy(v).toFixed(1)}`).join(" ");
    out.push(`<polygon points="${pts}" fill="${fill}" stroke="${fill}"/>`);
  }
  out.push("</g>");
  for (let i = 0; i < (opts.marks?.length ?? 0); i++) {
    const v = opts.marks![i]!;
    if (!Number.isInteger(v) || v < 0 || v >= V)
      opError(op, "marks", `vertex ids in [0, ${V})`, `${v} at position ${i}`);
    out.push(
      `<circle cx="${sx(v).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="4" fill="#e41a1c" stroke="#ffffff" stroke-width="1"/>`,
    );
  }
  if (values !== undefined) {
    const x = W + 10;
    const y0 = top + 10;
    const h = H - top - 40;
    out.push('<defs><linearGradient id="cbar" x1="0" y1="1" x2="0" y2="0">');
    for (let i = 0; i < VIRIDIS.length; i++)
      out.push(`<stop offset="${(i / (VIRIDIS.length - 1)).toFixed(3)}" stop-color="${hex(VIRIDIS[i]!)}"/>`);
    out.push("</linearGradient></defs>");
    out.push(`<rect x="${x}" y="${y0}" width="14" height="${h}" fill="url(#cbar)" stroke="#444" stroke-width="0.5"/>`);
    const fmt = (v: number) =>
      Math.abs(v) >= 1e3 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : v.toPrecision(3);
    out.push(`<text x="${x + 18}" y="${y0 + 4}" font-size="10" font-family="sans-serif">${fmt(hi)}</text>`);
    out.push(`<text x="${x + 18}" y="${y0 + h + 4}" font-size="10" font-family="sans-serif">${fmt(lo)}</text>`);
    if (opts.label !== undefined)
      out.push(
        `<text x="${x + 7}" y="${y0 + h + 22}" font-size="10" text-anchor="middle" font-family="sans-serif">${esc(opts.label)}</text>`,
      );
  }
  out.push("</svg>");
  return out.join("\n");
}
