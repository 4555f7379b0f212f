/**
 * Training progress for the Trainer: a single-line bar redrawn with `\r` on a terminal, plain lines
 * otherwise, nothing when quiet. Browser-safe: output goes to a {@link ProgressSink} (by default
 * `process.stderr` when it exists, else `console.log` line by line).
 */
import type { Callback, EpochRecord, History, Trainer } from "./trainer.js";

/** Where progress text goes. `isTTY` selects the redrawn bar. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Display style: `auto` picks `bar` on a TTY and `lines` otherwise. */
export type ProgressMode = "auto" | "bar" | "lines" | "quiet";

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Total epochs (for the bar and the `12/200` counter). */
  epochs: number;
  /** Display style (default `auto`). */
  mode?: ProgressMode;
  /** Output (default: `process.stderr`, else console). */
  sink?: ProgressSink;
  /** Text in front of each update, e.g. `seed 3/10`. */
  label?: string;
  /** Validation metric to show (default: the trainer's task metric). */
  metric?: string;
  /** In `lines` mode, print every this many epochs (default: about ten lines per run). */
  every?: number;
  /** Minimum milliseconds between bar redraws (default 50). */
  throttleMs?: number;
  /** Bar width in characters (default 20). */
  width?: number;
}

function defaultSink(): ProgressSink {
  const g = globalThis as { process?: { stderr?: ProgressSink } };
  const err = g.process?.stderr;
  if (err !== undefined && typeof err.write === "function") return err;
  let buf = "";
  return {
    write(text: string) {
      buf += text;
      const parts = buf.split("\n");
      buf = parts.pop() ?? "";
      for (const p of parts) console.log(p);
    },
    isTTY: false,
  };
}

/** Formats a metric value: fractions in [0, 1] with 4 decimals, others with 4 significant digits. */
export function fmtValue(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "-";
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return v.toFixed(4);
}

/** Formats milliseconds compactly (`0.84 ms`, `12.3 ms`, `1.52 s`). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/**
 * A Trainer callback that shows epoch, loss, validation metric and ms/epoch.
 *
 * ```ts
 * new Trainer(model, task, { optimizer, epochs: 200, callbacks: [new ProgressBar({ epochs: 200 })] });
 * ```
 */
export class ProgressBar implements Callback {
  readonly mode: Exclude<ProgressMode, "auto">;
  private readonly sink: ProgressSink;
  private readonly opts: ProgressOptions;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private lastPrinted = 0;
  private metricName: string | undefined;

  constructor(opts: ProgressOptions) {
    this.opts = opts;
    this.sink = opts.sink ?? defaultSink();
    const m = opts.mode ?? "auto";
    this.mode = m === "auto" ? (this.sink.isTTY ? "bar" : "lines") : m;
    this.metricName = opts.metric;
  }

  /** The text of one update for an epoch record (no control characters). */
  format(rec: EpochRecord): string {
    const total = this.opts.epochs;
    const w = String(total).length;
    const parts: string[] = [];
    if (this.opts.label) parts.push(this.opts.label);
    parts.push(`epoch ${String(rec.epoch).padStart(w)}/${total}`);
    parts.push(`loss ${fmtValue(rec.loss)}`);
    const name = this.metricName;
    if (name !== undefined) {
      if (rec.train[name] !== undefined) parts.push(`train ${name} ${fmtValue(rec.train[name])}`);
      if (rec.val[name] !== undefined) parts.push(`val ${name} ${fmtValue(rec.val[name])}`);
    }
    parts.push(`${fmtMs(rec.ms)}/epoch`);
    return parts.join("  ");
  }

  private bar(epoch: number): string {
    const width = this.opts.width ?? 20;
    const total = Math.max(1, this.opts.epochs);
    const filled = Math.min(width, Math.round((epoch / total) * width));
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  }

  onTrainBegin(trainer: Trainer): void {
    this.metricName ??= trainer.task.metric;
    this.lastDraw = Number.NEGATIVE_INFINITY;
    this.drawn = false;
    this.lastPrinted = 0;
  }

  onEpochEnd(rec: EpochRecord): void {
    if (this.mode === "quiet") return;
    const total = this.opts.epochs;
    const last = rec.epoch >= total;
    if (this.mode === "lines") {
      const every = this.opts.every ?? Math.max(1, Math.round(total / 10));
      if (rec.epoch === 1 || rec.epoch % every === 0 || last) {
        this.sink.write(`${this.format(rec)}\n`);
        this.lastPrinted = rec.epoch;
      }
      return;
    }
    const t = typeof performance !== "undefined" ? performance.now() : Date.now();
    if (!last && t - this.lastDraw < (this.opts.throttleMs ?? 50)) return;
    this.lastDraw = t;
    let line = `${this.bar(rec.epoch)} ${this.format(rec)}`;
    const cols = this.sink.columns;
    if (cols !== undefined && cols > 10 && line.length > cols - 1) line = line.slice(0, cols - 1);
    this.sink.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  onTrainEnd(history: History): void {
    if (this.mode === "quiet") return;
    const n = history.epochs.length;
    const lastRec = history.epochs[n - 1];
    if (this.mode === "bar") {
      if (lastRec !== undefined && history.stoppedEpoch !== null) {
        this.sink.write(`\r${this.bar(lastRec.epoch)} ${this.format(lastRec)}\x1b[K`);
        this.drawn = true;
      }
      if (this.drawn) this.sink.write("\n");
    } else if (lastRec !== undefined && lastRec.epoch !== this.lastPrinted) {
      this.sink.write(`${this.format(lastRec)}\n`);
    }
    if (history.stoppedEpoch !== null && history.stoppedEpoch < this.opts.epochs) {
      const label = this.opts.label ? `${this.opts.label}  ` : "";
      this.sink.write(
        `${label}early stop at epoch ${history.stoppedEpoch}, best epoch ${history.bestEpoch} (${history.monitor} ${fmtValue(history.bestValue)})\n`,
      );
    }
  }
}
