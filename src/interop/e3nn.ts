/**
 * e3nn state dicts into Erlangen's o3 modules (e3nn 0.5 layouts):
 *
 * | e3nn                                   | Erlangen                                           |
 * |----------------------------------------|----------------------------------------------------|
 * | `o3.Linear`: `weight` (flat), `bias`   | `o3.Linear`: `weight`, `bias` — e3nn orders the weight blocks input-block-major (i_in outer, i_out inner), Erlangen output-block-major; each block is `[mulIn, mulOut]` row-major in both |
 * | `o3.FullyConnectedTensorProduct`, `o3.TensorProduct`: `weight` (flat, instruction order) | `weight` (same order and `uvw` layout) |
 * | `nn.Gate` (no weights; `mul.*` of its element-wise product) | `o3.Gate` built by {@link e3nnGate} with e3nn's activation constants |
 * | `output_mask` buffers, empty `[0]` weights and biases | derived: dropped |
 *
 * Irreps vectors use the same block order and component layout (copy u of `mul x l` at
 * `offset + u(2l+1) + m`), and the same real spherical-harmonic basis, so features need no change.
 * e3nn scales each activation by `E[φ(z)²]^(-1/2)` estimated from 10⁶ seeded normal samples; Erlangen
 * computes it exactly. The two differ by about 1e-3, so {@link e3nnGate} uses e3nn's float64 estimates
 * ({@link E3NN_NORMALIZE2MOM}) to reproduce e3nn's outputs.
 */
import { Gate } from "../layers/groups/o3/gate.js";
import { Linear as O3Linear } from "../layers/groups/o3/linear.js";
import { TensorProduct } from "../layers/groups/o3/tensor_product.js";
import type { ActivationName } from "../nn/activation.js";
import type { Module } from "../nn/module.js";
import type { Irreps } from "../symmetry/o3/irreps.js";
import { ErlangenError } from "../tensor/errors.js";
import { Tensor } from "../tensor/tensor.js";

const OP = "loadE3nnStateDict";

/**
 * e3nn 0.5.1's `normalize2mom` constants in float64 (10⁶ normal samples, `torch.Generator().manual_seed(0)`),
 * from the reference fixtures (tests/fixtures/weights/e3nn_gate.json). Other activations: pass the
 * constant printed by `e3nn.math.normalize2mom(f).cst` to {@link e3nnGate}.
 */
export const E3NN_NORMALIZE2MOM: Readonly<Record<string, number>> = Object.freeze({
  silu: 1.6791767923989418,
  sigmoid: 1.8467055342154763,
});

/**
 * An Erlangen `o3.Gate` that computes what e3nn's `nn.Gate` with the same arguments computes: the
 * activations (names) take e3nn's sampled constants ({@link E3NN_NORMALIZE2MOM}, or `scales` by name).
 */
export function e3nnGate(
  irrepsScalars: string | Irreps,
  actScalars: readonly ActivationName[],
  irrepsGates: string | Irreps,
  actGates: readonly ActivationName[],
  irrepsGated: string | Irreps,
  scales: Readonly<Record<string, number>> = {},
): Gate {
  const c = (name: string) => {
    const v = scales[name] ?? E3NN_NORMALIZE2MOM[name];
    if (v === undefined)
      throw new ErlangenError(
        `e3nnGate: no e3nn normalize2mom constant for '${name}' (known: ${Object.keys(E3NN_NORMALIZE2MOM).join(", ")}); pass it in 'scales' (e3nn.math.normalize2mom(f).cst)`,
      );
    return v;
  };
  return new Gate(irrepsScalars, actScalars, irrepsGates, actGates, irrepsGated, {
    scalarScales: actScalars.map(c),
    gateScales: actGates.map(c),
  });
}

/** e3nn's default `o3.Linear` instructions (i_in outer, i_out inner) with their weight offsets. */
function e3nnLinearOffsets(irrepsIn: Irreps, irrepsOut: Irreps): Map<string, number> {
  const out = new Map<string, number>();
  let off = 0;
  irrepsIn.items.forEach((a, i) => {
    irrepsOut.items.forEach((b, j) => {
      if (a.ir.equals(b.ir)) {
        out.set(`${i},${j}`, off);
        off += a.mul * b.mul;
      }
    });
  });
  out.set("numel", off);
  return out;
}

/**
 * Maps an e3nn state dict onto `model`'s names and layouts (see the module docs) without loading it.
 * Returns a new null-prototype record.
 */
export function mapE3nnStateDict(model: Module, stateDict: Record<string, Tensor>): Record<string, Tensor> {
  const sd = new Map<string, Tensor>();
  for (const k of Object.keys(stateDict)) {
    const t = stateDict[k]!;
    // derived buffers and empty placeholders (unused weights and biases) carry nothing
    if (k === "output_mask" || k.endsWith(".output_mask")) continue;
    if (t.size === 0) continue;
    sd.set(k, t);
  }
  for (const [name, m] of model.namedModules()) {
    const base = name === "" ? "" : `${name}.`;
    if (m instanceof O3Linear) {
      const w = sd.get(`${base}weight`);
      if (w === undefined || m.weight === null) continue;
      const offs = e3nnLinearOffsets(m.irrepsIn, m.irrepsOut);
      if (w.size !== offs.get("numel"))
        throw new ErlangenError(
          `${OP}: '${base}weight' has ${w.size} values, e3nn's o3.Linear(${m.irrepsIn}, ${m.irrepsOut}) has ${offs.get("numel")}`,
        );
      const out = new (w.dtype === "float64" ? Float64Array : Float32Array)(m.weight.size);
      for (const ins of m.instructions) {
        const src = offs.get(`${ins.iIn},${ins.iOut}`);
        if (src === undefined) throw new ErlangenError(`${OP}: no e3nn weight block for path ${ins.iIn} → ${ins.iOut}`);
        out.set(w.data.subarray(src, src + ins.weightNumel), ins.weightOffset);
      }
      sd.set(`${base}weight`, new Tensor(out, [out.length], w.dtype === "float64" ? "float64" : "float32"));
    } else if (m instanceof TensorProduct) {
      const w = sd.get(`${base}weight`);
      if (w !== undefined && w.size !== m.weightNumel)
        throw new ErlangenError(`${OP}: '${base}weight' has ${w.size} values, the tensor product has ${m.weightNumel}`);
    } else if (m instanceof Gate) {
      for (const k of [...sd.keys()]) if (k.startsWith(`${base}mul.`)) sd.delete(k);
    }
  }
  const out = Object.create(null) as Record<string, Tensor>;
  for (const [k, v] of sd) out[k] = v;
  return out;
}

/** Loads an e3nn state dict into Erlangen o3 modules of the same irreps (see the module docs). */
export function loadE3nnStateDict(model: Module, stateDict: Record<string, Tensor>): void {
  try {
    model.loadStateDict(mapE3nnStateDict(model, stateDict));
  } catch (e) {
    throw new ErlangenError(`${OP}: ${(e as Error).message}`);
  }
}
