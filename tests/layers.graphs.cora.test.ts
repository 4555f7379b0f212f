/**
 * GCN on Cora end to end (sparse row-normalised features, fused SpMM path): accuracy of the Kipf &
 * Welling recipe, and the time per training epoch (printed; set ERLANGEN_BENCH=1 for more epochs).
 */
import { describe, expect, it } from "vitest";
import { loadPlanetoid } from "../src/node/datasets.js";
import { Adam, F, GCN, manualSeed, noGrad, type SparseMatrix, Tensor } from "./helpers/graphs.js";

function rowNormalize(x: SparseMatrix): SparseMatrix {
  const v = x.valuesOrOnes().data;
  const out = new Float32Array(x.nnz);
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let p = x.rowPtr[r]!; p < x.rowPtr[r + 1]!; p++) s += v[p]!;
    for (let p = x.rowPtr[r]!; p < x.rowPtr[r + 1]!; p++) out[p] = s > 0 ? v[p]! / s : 0;
  }
  return x.withValues(new Tensor(out, [x.nnz], "float32"));
}

function accuracy(logits: Tensor, y: Tensor, mask: Tensor): number {
  const C = logits.shape[1]!;
  let ok = 0;
  let n = 0;
  for (let i = 0; i < y.size; i++) {
    if (!mask.data[i]) continue;
    let best = 0;
    for (let c = 1; c < C; c++) if (logits.data[i * C + c]! > logits.data[i * C + best]!) best = c;
    n++;
    if (best === y.data[i]) ok++;
  }
  return ok / n;
}

describe("GCN on Cora", () => {
  it("reaches the published accuracy with sparse features; epoch time", () => {
    const g = loadPlanetoid("cora", { sparseFeatures: true });
    const x = rowNormalize(g.xSparse!);
    const ei = g.edgeIndex;
    const y = g.y!;
    const bench = process.env.ERLANGEN_BENCH === "1";
    const seeds = bench ? [0, 1, 2, 3, 4] : [0];
    const accs: number[] = [];
    const times: number[] = [];
    for (const seed of seeds) {
      manualSeed(seed);
      const model = new GCN(1433, 16, 2, 7, { dropout: 0.5, inputDropout: 0.5 });
      const [c1, c2] = model.convs.toArray();
      const opt = new Adam(
        [
          { params: c1!.parameters(), weightDecay: 5e-4 },
          { params: c2!.parameters(), weightDecay: 0 },
        ],
        { lr: 0.01 },
      );
      for (let epoch = 0; epoch < 200; epoch++) {
        const t0 = performance.now();
        model.train();
        opt.zeroGrad();
        const loss = F.crossEntropy(model.forward(x, ei), y, { mask: g.trainMask! });
        loss.backward();
        opt.step();
        if (epoch >= 5) times.push(performance.now() - t0);
      }
      model.eval();
      const logits = noGrad(() => model.forward(x, ei));
      accs.push(accuracy(logits, y, g.testMask!));
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    console.log(
      `GCN Cora: test acc ${accs.map((a) => a.toFixed(3)).join(", ")} (mean ${mean.toFixed(4)}); epoch median ${median.toFixed(2)} ms`,
    );
    expect(mean).toBeGreaterThan(0.78);
  });
});
