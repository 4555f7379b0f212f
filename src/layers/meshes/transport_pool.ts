/**
 * Parallel-transport pooling and unpooling between a mesh and a coarser vertex set (de Haan et al., 2021):
 *
 *   pool:     f_c = mean_{u : c(u) = c} ρ(g_{u→c}) f_u
 *   unpool:   f_u = ρ(−g_{u→c(u)}) f_{c(u)}
 *
 * Each fine vertex u belongs to one coarse vertex c(u); its features are transported into the coarse
 * vertex's frame before they are averaged (and back when unpooling), so both maps are gauge equivariant.
 * The level (assignment, transport angles, coarse gauge) comes from `gaugePooling` / `withPoolingLevels`
 * (the bundle's `coarse` field).
 */
import type { GaugePooling } from "../../domains/mesh/gauge.js";
import { Module } from "../../nn/module.js";
import { applySO2Rotation, type SO2Irreps, so2Irreps, so2RotationTables } from "../../symmetry/so2_irreps.js";
import { fmtShape, opError } from "../../tensor/errors.js";
import { indexSelect } from "../../tensor/ops/indexing.js";
import { scatter } from "../../tensor/ops/scatter.js";
import { Tensor } from "../../tensor/tensor.js";

interface PoolTables {
  assignment: Tensor;
  forward: { cos: Tensor; sin: Tensor };
  backward: { cos: Tensor; sin: Tensor };
}
const poolCache = new WeakMap<GaugePooling, Map<string, PoolTables>>();

function poolTables(level: GaugePooling, irreps: SO2Irreps, dtype: "float32" | "float64"): PoolTables {
  const key = `${irreps}|${dtype}`;
  let m = poolCache.get(level);
  if (m === undefined) {
    m = new Map();
    poolCache.set(level, m);
  }
  let t = m.get(key);
  if (t === undefined) {
    const Vc = level.coarseIndex.length;
    for (let u = 0; u < level.assignment.length; u++) {
      const c = level.assignment[u]!;
      if (!(c >= 0 && c < Vc))
        opError("TransportPool", "level.assignment", `coarse ids in [0, ${Vc})`, `${c} at vertex ${u}`);
    }
    t = {
      assignment: new Tensor(Int32Array.from(level.assignment), [level.assignment.length], "int32"),
      forward: so2RotationTables(irreps, level.transport, dtype),
      backward: so2RotationTables(
        irreps,
        level.transport.map((a) => -a),
        dtype,
      ),
    };
    m.set(key, t);
  }
  return t;
}

function checkInput(op: string, x: Tensor, irreps: SO2Irreps, rows: number, what: string): "float32" | "float64" {
  if (x.ndim !== 2 || x.shape[1] !== irreps.dim || x.shape[0] !== rows)
    opError(op, "x", `shape [${rows}, ${irreps.dim}] (${what}, irreps ${irreps})`, fmtShape(x.shape));
  return x.dtype === "float64" ? "float64" : "float32";
}

/** Fine → coarse: transport into the coarse frames, then average per cluster (see the file header). */
export class TransportPool extends Module<[Tensor, GaugePooling], Tensor> {
  readonly irreps: SO2Irreps;
  constructor(irreps: SO2Irreps | string) {
    super();
    this.irreps = so2Irreps(irreps);
  }

  /** @param x - fine features `[Vf, irreps.dim]`; @param level - the pooling level; returns `[Vc, irreps.dim]`. */
  forward(x: Tensor, level: GaugePooling): Tensor {
    const dtype = checkInput("TransportPool", x, this.irreps, level.assignment.length, "one row per fine vertex");
    const t = poolTables(level, this.irreps, dtype);
    return scatter(applySO2Rotation(x, this.irreps, t.forward), t.assignment, 0, level.coarseIndex.length, "mean");
  }

  override extraRepr(): string {
    return `${this.irreps}`;
  }
}

/** Coarse → fine: copy each coarse vertex's features to its cluster, transported back (see the file header). */
export class TransportUnpool extends Module<[Tensor, GaugePooling], Tensor> {
  readonly irreps: SO2Irreps;
  constructor(irreps: SO2Irreps | string) {
    super();
    this.irreps = so2Irreps(irreps);
  }

  /** @param x - coarse features `[Vc, irreps.dim]`; @param level - the pooling level; returns `[Vf, irreps.dim]`. */
  forward(x: Tensor, level: GaugePooling): Tensor {
    const dtype = checkInput("TransportUnpool", x, this.irreps, level.coarseIndex.length, "one row per coarse vertex");
    const t = poolTables(level, this.irreps, dtype);
    return applySO2Rotation(indexSelect(x, 0, t.assignment), this.irreps, t.backward);
  }

  override extraRepr(): string {
    return `${this.irreps}`;
  }
}
