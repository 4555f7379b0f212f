/**
 * Training curves as a self-contained SVG string (no fonts, scripts or external references), so it
 * can be written to a file by the CLI or put into a page in a browser. Two panels: the training
 * loss, and the main metric on the train and validation splits, one line per run.
 */
import { ErlangenError } from "../tensor/errors.js";
import type { History } from "./trainer.js";

/** One line of a panel. */
export interface Series {
  label: string;
  /** x values (epochs). */
  x: readonly number[];
  /** y values; NaN or missing entries break the line. */
  y: readonly number[];
  color?: string;
  dashed?: boolean;
}

/** Options of {@link trainingCurvesSvg}. */
export interface PlotOptions {
  /** Title above the panels. */
  title?: string;
  /** Total width in px (default 880). */
  width?: number;
  /** Height in px (default 340). */
  height?: number;
  /** Metric to draw in the second panel (default: the history's metric). */
  metric?: string;
  /** Labels of the runs when several histories are drawn (default `run 1`, `run 2`, ...). */
  runLabels?: readonly string[];
}

const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Escapes text for SVG/XML content and attributes. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function fmtTick(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  return v.toFixed(decimals);
}

/** About `n` "nice" tick values inside [lo, hi] (steps of 1, 2 or 5 times a power of ten, the one nearest (hi − lo) / n). */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f >= Math.SQRT2 * 5 ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.SQRT2 ? 2 : 1) * mag;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

const f2 = (v: number): string => (Math.round(v * 100) / 100).toString();

/** Draws one panel (axes, ticks, lines, legend) into the given box; returns SVG elements. */
export function panelSvg(
  series: readonly Series[],
  box: { x: number; y: number; w: number; h: number },
  title: string,
  xLabel = "epoch",
): string {
  const out: string[] = [];
  const padL = 52;
  const padR = 12;
  const padT = 24;
  const padB = 36;
  const px = box.x + padL;
  const py = box.y + padT;
  const pw = Math.max(10, box.w - padL - padR);
  const ph = Math.max(10, box.h - padT - padB);
  let xmin = Number.POSITIVE_INFINITY;
  let xmax = Number.NEGATIVE_INFINITY;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const xv = s.x[i]!;
      const yv = s.y[i];
      if (yv === undefined || !Number.isFinite(yv) || !Number.isFinite(xv)) continue;
      xmin = Math.min(xmin, xv);
      xmax = Math.max(xmax, xv);
      ymin = Math.min(ymin, yv);
      ymax = Math.max(ymax, yv);
    }
  }
  out.push(
    `<text x="${f2(box.x + box.w / 2)}" y="${f2(box.y + 15)}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  );
  out.push(
    `<rect x="${f2(px)}" y="${f2(py)}" width="${f2(pw)}" height="${f2(ph)}" fill="none" stroke="#999" stroke-width="1"/>`,
  );
  if (!Number.isFinite(xmin)) {
    out.push(
      `<text x="${f2(px + pw / 2)}" y="${f2(py + ph / 2)}" text-anchor="middle" font-size="12" fill="#777">no data</text>`,
    );
    return out.join("\n");
  }
  const xt = niceTicks(xmin, xmax, 6);
  const yt = niceTicks(ymin, ymax, 5);
  const x0 = Math.min(xmin, xt[0] ?? xmin);
  const x1 = Math.max(xmax, xt[xt.length - 1] ?? xmax);
  const y0 = Math.min(ymin, yt[0] ?? ymin);
  const y1 = Math.max(ymax, yt[yt.length - 1] ?? ymax);
  const sx = (v: number) => px + (x1 === x0 ? pw / 2 : ((v - x0) / (x1 - x0)) * pw);
  const sy = (v: number) => py + ph - (y1 === y0 ? ph / 2 : ((v - y0) / (y1 - y0)) * ph);
  const xStep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  const yStep = yt.length > 1 ? yt[1]! - yt[0]! : 1;
  for (const v of yt) {
    const yy = f2(sy(v));
    out.push(`<line x1="${f2(px)}" y1="${yy}" x2="${f2(px + pw)}" y2="${yy}" stroke="#e5e5e5" stroke-width="1"/>`);
    out.push(
      `<text x="${f2(px - 5)}" y="${yy}" text-anchor="end" dominant-baseline="middle" font-size="10">${escapeXml(fmtTick(v, yStep))}</text>`,
    );
  }
  for (const v of xt) {
    const xx = f2(sx(v));
    out.push(
      `<line x1="${xx}" y1="${f2(py + ph)}" x2="${xx}" y2="${f2(py + ph + 4)}" stroke="#999" stroke-width="1"/>`,
    );
    out.push(
      `<text x="${xx}" y="${f2(py + ph + 15)}" text-anchor="middle" font-size="10">${escapeXml(fmtTick(v, xStep))}</text>`,
    );
  }
  out.push(
    `<text x="${f2(px + pw / 2)}" y="${f2(py + ph + 30)}" text-anchor="middle" font-size="11">${escapeXml(xLabel)}</text>`,
  );
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const segs: string[] = [];
    let cur: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const yv = s.y[i];
      if (yv === undefined || !Number.isFinite(yv)) {
        if (cur.length > 0) segs.push(cur.join(" "));
        cur = [];
        continue;
      }
      cur.push(`${f2(sx(s.x[i]!))},${f2(sy(yv))}`);
    }
    if (cur.length > 0) segs.push(cur.join(" "));
    const dash = s.dashed ? ` stroke-dasharray="5,3"` : "";
    for (const pts of segs) {
      if (pts.includes(" "))
        out.push(`<polyline points="${pts}" fill="none" stroke="${escapeXml(color)}" stroke-width="1.5"${dash}/>`);
      else {
        const [cx, cy] = pts.split(",");
        out.push(`<circle cx="${cx}" cy="${cy}" r="2" fill="${escapeXml(color)}"/>`);
      }
    }
  });
  // legend (top right, inside the plot area)
  const maxLegend = 12;
  const shown = series.slice(0, maxLegend);
  const lw = Math.min(pw - 8, 12 + 6.5 * Math.max(4, ...shown.map((s) => s.label.length)) + 24);
  if (shown.length > 0) {
    const lx = px + pw - lw - 4;
    const ly = py + 4;
    out.push(
      `<rect x="${f2(lx)}" y="${f2(ly)}" width="${f2(lw)}" height="${f2(shown.length * 14 + 6)}" fill="#fff" fill-opacity="0.85" stroke="#ccc" stroke-width="0.5"/>`,
    );
    shown.forEach((s, k) => {
      const color = s.color ?? PALETTE[k % PALETTE.length]!;
      const yy = ly + 10 + k * 14;
      const dash = s.dashed ? ` stroke-dasharray="5,3"` : "";
      out.push(
        `<line x1="${f2(lx + 5)}" y1="${f2(yy)}" x2="${f2(lx + 25)}" y2="${f2(yy)}" stroke="${escapeXml(color)}" stroke-width="2"${dash}/>`,
      );
      out.push(
        `<text x="${f2(lx + 30)}" y="${f2(yy)}" dominant-baseline="middle" font-size="10">${escapeXml(s.label)}</text>`,
      );
    });
  }
  return out.join("\n");
}

/** Wraps panel contents into a standalone SVG document. */
export function svgDocument(width: number, height: number, body: string, title?: string): string {
  const t = title !== undefined ? `<title>${escapeXml(title)}</title>\n` : "";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n` +
    t +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>\n` +
    `${body}\n</svg>\n`
  );
}

/**
 * Training curves of one or several runs (e.g. one per seed) as an SVG string: left panel the
 * training loss, right panel the main metric (train dashed, validation solid).
 */
export function trainingCurvesSvg(histories: History | readonly History[], opts: PlotOptions = {}): string {
  const hs: readonly History[] = Array.isArray(histories) ? (histories as readonly History[]) : [histories as History];
  if (hs.length === 0)
    throw new ErlangenError("trainingCurvesSvg: argument 'histories' expected at least one history, got none");
  const width = opts.width ?? 880;
  const height = opts.height ?? 340;
  const metric = opts.metric ?? hs[0]!.metric;
  const top = opts.title !== undefined ? 24 : 0;
  const many = hs.length > 1;
  const lossSeries: Series[] = [];
  const metricSeries: Series[] = [];
  hs.forEach((h, r) => {
    const label = opts.runLabels?.[r] ?? `run ${r + 1}`;
    const color = PALETTE[r % PALETTE.length]!;
    const x = h.epochs.map((e) => e.epoch);
    lossSeries.push({ label: many ? label : "train loss", x, y: h.epochs.map((e) => e.loss), color });
    const tr = h.epochs.map((e) => e.train[metric] ?? Number.NaN);
    const va = h.epochs.map((e) => e.val[metric] ?? Number.NaN);
    if (tr.some((v) => Number.isFinite(v)))
      metricSeries.push({
        label: many ? `${label} train` : `train ${metric}`,
        x,
        y: tr,
        color: many ? color : PALETTE[0],
        dashed: true,
      });
    if (va.some((v) => Number.isFinite(v)))
      metricSeries.push({ label: many ? `${label} val` : `val ${metric}`, x, y: va, color: many ? color : PALETTE[1] });
  });
  const half = width / 2;
  const h = height - top;
  const body: string[] = [];
  if (opts.title !== undefined)
    body.push(
      `<text x="${f2(width / 2)}" y="17" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(opts.title)}</text>`,
    );
  body.push(panelSvg(lossSeries, { x: 0, y: top, w: half, h }, "training loss"));
  body.push(panelSvg(metricSeries, { x: half, y: top, w: half, h }, metric));
  return svgDocument(width, height, body.join("\n"), opts.title ?? `training curves (${metric})`);
}
