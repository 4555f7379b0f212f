/**
 * PyTorch Geometric (and plain torch) state dicts into Erlangen modules. The keys of a PyG model's
 * `state_dict()` are mapped onto an Erlangen model of the same architecture by walking the Erlangen
 * module tree and renaming the parameters of each layer it finds:
 *
 * | PyG / torch                                   | Erlangen                         |
 * |-----------------------------------------------|----------------------------------|
 * | `GCNConv`: `lin.weight`, `bias`               | same                             |
 * | `SAGEConv`: `lin_l.*`, `lin_r.*`              | `linL.*`, `linR.*`               |
 * | `GINConv`: `nn.*`, `eps` (buffer or parameter)| `nn.*`, `eps` (checked, or loaded when learnt) |
 * | `GATConv`: `lin_src`/`lin_dst` (or `lin`), `att_src`, `att_dst`, `lin_edge`, `att_edge`, `bias` | `lin` (or `linSrc`/`linDst`), `attSrc`, `attDst`, `linEdge`, `attEdge`, `bias` |
 * | `GATv2Conv`: `lin_l`, `lin_r`, `att`, `lin_edge`, `bias` | `linL`, `linR`, `att`, `linEdge`, `bias` |
 * | `SchNet` interaction: `mlp.0`, `mlp.2`, `conv.nn.*` (a second name of `mlp`), `conv.lin1/lin2`, `lin` | `conv.mlpIn`, `conv.mlpOut`, (checked equal), `conv.lin1/lin2`, `lin` |
 * | `SchNet`: `distance_expansion.offset` (buffer) | checked against the Gaussian centres |
 * | `MLP`, `Linear`, `LSTM`, `Embedding`, `BatchNorm` | same names (`lins.i`, `weight_ih_l0`, `running_mean`, ...) |
 *
 * Layouts agree (Linear weights `[out, in]`, LSTM gate rows i, f, g, o), so tensors are copied as
 * they are; tensors that are second names of others (GAT's `lin_dst` when shared, SchNet's
 * `conv.nn`) must be equal and are dropped. Whatever is left must match the model exactly: a missing,
 * unexpected or mis-shaped key is an error that names it.
 */
import { GATConv } from "../layers/graphs/gat_conv.js";
import { GATv2Conv } from "../layers/graphs/gatv2_conv.js";
import { GINConv, GINEConv } from "../layers/graphs/gin_conv.js";
import { SAGEConv } from "../layers/graphs/sage_conv.js";
import { InteractionBlock, SchNet } from "../layers/groups/models/schnet.js";
import { type Module, Parameter } from "../nn/module.js";
import { ErlangenError } from "../tensor/errors.js";
import type { Tensor } from "../tensor/tensor.js";

const OP = "loadPyGStateDict";

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.size !== b.size || a.shape.some((d, i) => d !== b.shape[i])) return false;
  for (let i = 0; i < a.size; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** Renames `from`-prefixed keys under `base` to `to`. */
function rename(sd: Map<string, Tensor>, base: string, from: string, to: string): void {
  for (const k of [...sd.keys()]) {
    if (k.startsWith(base + from)) {
      const v = sd.get(k)!;
      sd.delete(k);
      sd.set(base + to + k.slice((base + from).length), v);
    }
  }
}

/** Drops the keys `base + alias + *` after checking each equals `base + of + *`. */
function dropAlias(sd: Map<string, Tensor>, base: string, alias: string, of: string, what: string): void {
  for (const k of [...sd.keys()]) {
    if (!k.startsWith(base + alias)) continue;
    const twin = base + of + k.slice((base + alias).length);
    const t = sd.get(twin);
    if (t === undefined || !sameValues(t, sd.get(k)!))
      throw new ErlangenError(`${OP}: '${k}' differs from '${twin}' (${what})`);
    sd.delete(k);
  }
}

/**
 * Maps a PyG / torch state dict onto `model`'s names (see the module docs) without loading it.
 * Returns a new null-prototype record.
 */
export function mapPyGStateDict(model: Module, stateDict: Record<string, Tensor>): Record<string, Tensor> {
  const sd = new Map<string, Tensor>();
  for (const k of Object.keys(stateDict)) sd.set(k, stateDict[k]!);
  for (const [name, m] of model.namedModules()) {
    const base = name === "" ? "" : `${name}.`;
    if (m instanceof SAGEConv || m instanceof GATv2Conv) {
      rename(sd, base, "lin_l.", "linL.");
      rename(sd, base, "lin_r.", "linR.");
      if (m instanceof GATv2Conv) rename(sd, base, "lin_edge.", "linEdge.");
    } else if (m instanceof GATConv) {
      rename(sd, base, "att_src", "attSrc");
      rename(sd, base, "att_dst", "attDst");
      rename(sd, base, "att_edge", "attEdge");
      rename(sd, base, "lin_edge.", "linEdge.");
      if (m.lin !== null) {
        // one shared projection: PyG ≤ 2.4 names it twice (lin_src = lin_dst), later versions `lin`
        if (sd.has(`${base}lin_dst.weight`))
          dropAlias(
            sd,
            base,
            "lin_dst.",
            "lin_src.",
            "a shared GATConv projection; a bipartite PyG layer needs an Erlangen GATConv with [inSrc, inDst] channels",
          );
        rename(sd, base, "lin_src.", "lin.");
      } else {
        rename(sd, base, "lin_src.", "linSrc.");
        rename(sd, base, "lin_dst.", "linDst.");
      }
    } else if (m instanceof GINConv || m instanceof GINEConv) {
      const key = `${base}eps`;
      const t = sd.get(key);
      if (t !== undefined && !(m.eps instanceof Parameter)) {
        if (t.size !== 1 || t.data[0] !== m.eps)
          throw new ErlangenError(
            `${OP}: '${key}' is ${t.size === 1 ? t.data[0] : `of shape [${t.shape}]`}, the Erlangen layer has a fixed eps = ${m.eps} (build it with that eps, or trainEps)`,
          );
        sd.delete(key);
      }
    } else if (m instanceof InteractionBlock) {
      rename(sd, base, "mlp.0.", "conv.mlpIn.");
      rename(sd, base, "mlp.2.", "conv.mlpOut.");
      dropAlias(sd, base, "conv.nn.0.", "conv.mlpIn.", "SchNet's conv.nn is its interaction's mlp");
      dropAlias(sd, base, "conv.nn.2.", "conv.mlpOut.", "SchNet's conv.nn is its interaction's mlp");
    } else if (m instanceof SchNet) {
      const key = `${base}distance_expansion.offset`;
      const t = sd.get(key);
      if (t !== undefined) {
        const g = m.distanceExpansion;
        const n = g.numGaussians;
        const ok =
          t.size === n &&
          Array.from(t.data).every(
            (v, i) =>
              Math.abs(v - (g.start + ((g.stop - g.start) * i) / Math.max(1, n - 1))) <= 1e-6 * (1 + Math.abs(v)),
          );
        if (!ok)
          throw new ErlangenError(
            `${OP}: '${key}' does not match the Erlangen SchNet's ${n} Gaussians on [${g.start}, ${g.stop}]`,
          );
        sd.delete(key);
      }
    }
  }
  const out = Object.create(null) as Record<string, Tensor>;
  for (const [k, v] of sd) out[k] = v;
  return out;
}

/**
 * Loads a PyG / torch state dict (from `loadTorchFile` or `decodeSafetensors`) into an Erlangen model
 * of the same architecture (see the module docs); every parameter and buffer must be covered.
 */
export function loadPyGStateDict(model: Module, stateDict: Record<string, Tensor>): void {
  const mapped = mapPyGStateDict(model, stateDict);
  try {
    model.loadStateDict(mapped);
  } catch (e) {
    throw new ErlangenError(`${OP}: ${(e as Error).message}`);
  }
}
