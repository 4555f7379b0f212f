/**
 * Pieces shared by the atomistic models: a plain MLP with any scalar activation, per-graph pooling,
 * and argument checks for `(z, pos, batch)` inputs.
 */
import { Linear, type LinearOptions } from "../../../nn/linear.js";
import { Module, ModuleList } from "../../../nn/module.js";
import { ErlangenError, fmtShape, opError } from "../../../tensor/errors.js";
import type { Generator } from "../../../tensor/rng.js";
import { Tensor } from "../../../tensor/tensor.js";
import { type ActivationLike, resolveActivation } from "../o3/activation.js";
import "../../../tensor/index.js";

/** Options of {@link DenseMLP}. */
export interface DenseMLPOptions {
  /** Activation between layers (default `silu`). */
  act?: ActivationLike;
  /** Apply the activation after the last layer too (default false). */
  actLast?: boolean;
  /** Bias on the last layer (default true). */
  lastBias?: boolean;
  dtype?: "float32" | "float64";
  generator?: Generator;
}

/** `Linear → act → … → Linear` over `sizes = [in, hidden…, out]`; children `lins.0`, `lins.1`, …. */
export class DenseMLP extends Module<[Tensor], Tensor> {
  lins: ModuleList<Linear>;
  readonly actLast: boolean;
  private readonly _act: (x: Tensor) => Tensor;

  constructor(sizes: readonly number[], opts: DenseMLPOptions = {}) {
    super();
    if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      opError("DenseMLP", "sizes", "at least 2 positive integers [in, hidden…, out]", `[${sizes.join(", ")}]`);
    }
    const n = sizes.length - 1;
    this.lins = new ModuleList(
      Array.from({ length: n }, (_, i) => {
        const o: LinearOptions = {
          dtype: opts.dtype,
          generator: opts.generator,
          bias: i < n - 1 || opts.lastBias !== false,
        };
        return new Linear(sizes[i]!, sizes[i + 1]!, o);
      }),
    );
    this.actLast = opts.actLast ?? false;
    this._act = resolveActivation("DenseMLP", opts.act ?? "silu");
  }

  forward(x: Tensor): Tensor {
    const lins = this.lins.toArray();
    lins.forEach((l, i) => {
      x = l.forward(x);
      if (i < lins.length - 1 || this.actLast) x = this._act(x);
    });
    return x;
  }
}

/** Number of graphs in a batch vector (max id + 1; 1 when absent). */
export function numGraphsOf(batch: Tensor | null | undefined, numNodes: number): number {
  if (batch === null || batch === undefined) return numNodes > 0 ? 1 : 0;
  let m = -1;
  for (let i = 0; i < batch.size; i++) if (batch.data[i]! > m) m = batch.data[i]!;
  return m + 1;
}

/** The batch vector, or all zeros. */
export function batchOrZeros(batch: Tensor | null | undefined, numNodes: number): Tensor {
  return batch ?? new Tensor(new Int32Array(numNodes), [numNodes], "int32");
}

/** Sum (or mean) of node rows per graph: `[N, F]` → `[numGraphs, F]`. */
export function poolGraphs(x: Tensor, batch: Tensor, numGraphs: number, reduce: "sum" | "mean" = "sum"): Tensor {
  return x.scatter(batch, 0, numGraphs, reduce);
}

/**
 * Checks atomistic inputs: `z` int32 `[N]` in [0, numSpecies), `pos` float `[N, 3]` without NaN,
 * `batch` int32 `[N]` (optional).
 */
export function checkAtoms(
  op: string,
  z: Tensor,
  pos: Tensor,
  batch: Tensor | null | undefined,
  numSpecies: number,
): void {
  if (z.dtype !== "int32" || z.ndim !== 1)
    opError(op, "z", "int32 atomic numbers [N]", `${z.dtype} ${fmtShape(z.shape)}`);
  const N = z.shape[0]!;
  if (pos.ndim !== 2 || pos.shape[0] !== N || pos.shape[1] !== 3)
    opError(op, "pos", `shape [${N}, 3]`, fmtShape(pos.shape));
  if (pos.dtype !== "float32" && pos.dtype !== "float64") opError(op, "pos", "a float tensor", pos.dtype);
  for (let i = 0; i < z.size; i++) {
    const v = z.data[i]!;
    if (v < 0 || v >= numSpecies) opError(op, "z", `atomic numbers in [0, ${numSpecies})`, `${v} at atom ${i}`);
  }
  for (let i = 0; i < pos.size; i++) {
    if (!Number.isFinite(pos.data[i]!))
      throw new ErlangenError(
        `${op}: argument 'pos' expected finite coordinates, got ${pos.data[i]} at atom ${Math.floor(i / 3)}`,
      );
  }
  if (batch !== null && batch !== undefined) {
    if (batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== N)
      opError(op, "batch", `int32 [${N}]`, `${batch.dtype} ${fmtShape(batch.shape)}`);
  }
}

/** Row 0 (sources) and row 1 (targets) of an edge index, as int32 vectors. */
export function edgeEnds(edgeIndex: Tensor): [Tensor, Tensor] {
  const E = edgeIndex.shape[1]!;
  const d = edgeIndex.data as Int32Array;
  return [new Tensor(d.slice(0, E), [E], "int32"), new Tensor(d.slice(E, 2 * E), [E], "int32")];
}
