/**
 * Sphere benches: the real spherical harmonic transform on the Gauss–Legendre grid (L × 2L, degrees
 * l < L) at L = 32, 64, 128 — forward, inverse and forward + inverse, one signal (and 16 at L = 64) —
 * and the SO(3) Fourier transform at B = L = 16. Each SHT case line carries the round-trip error of a
 * random band-limited signal (`roundTripErr`, max |c' − c| over coefficients ~ N(0, 1)) and the Legendre
 * table build time (`buildMs`).
 *
 * Peer: torch-harmonics 0.6.3 (`RealSHT` / `InverseRealSHT`, grid "legendre-gauss", lmax = mmax = L,
 * float64, the same (L, 2L) grid and degrees) through the anchors' `bench_torch_harmonics.py`, found at
 * `$ERLANGEN_PEERS/anchors` (or `../shared/peers/anchors`), with the torch-harmonics source tree at
 * `$ERLANGEN_TORCH_HARMONICS` (or `$PEERS_HOME/src/torch-harmonics-0.6.3`, see anchors/SETUP.md §5) on
 * PYTHONPATH. Without either, the lines say "peer unavailable".
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  Generator,
  gaussLegendreGrid,
  isht,
  noGrad,
  randn,
  sht,
  shtPlan,
  so3CoeffCount,
  so3Fft,
  so3Ifft,
  so3Plan,
} from "../src/index.js";
import type { Bench, BenchSuite } from "./harness.js";
import { type PeerResult, peersDir } from "./peers.js";

const LS = [32, 64, 128];

/** Runs bench_torch_harmonics.py (float64, legendre-gauss) and indexes its medians by our peer keys. */
function torchHarmonicsPeer(repoRoot: string, threads: number): PeerResult {
  const result: PeerResult = { ms: new Map(), p10: new Map(), status: "peer unavailable" };
  const script = join(peersDir(repoRoot), "anchors", "bench_torch_harmonics.py");
  if (!existsSync(script)) {
    result.status = `peer unavailable (no ${script})`;
    return result;
  }
  const th =
    process.env.ERLANGEN_TORCH_HARMONICS ??
    (process.env.PEERS_HOME ? join(process.env.PEERS_HOME, "src", "torch-harmonics-0.6.3") : undefined);
  if (!th || !existsSync(join(th, "torch_harmonics"))) {
    result.status = "peer unavailable (torch-harmonics source not found: set ERLANGEN_TORCH_HARMONICS or PEERS_HOME)";
    return result;
  }
  const py = process.env.ERLANGEN_PEER_PYTHON ?? "/usr/bin/python3";
  const r = spawnSync(
    py,
    [script, "--L", LS.join(","), "--batch", "1,16", "--grids", "legendre-gauss", "--dtype", "float64", "--reps", "20"],
    {
      encoding: "utf8",
      maxBuffer: 64 << 20,
      timeout: 600_000,
      env: {
        ...process.env,
        PYTHONPATH: [th, join(peersDir(repoRoot), "anchors")].join(":"),
        PEERS_THREADS: String(threads),
      },
    },
  );
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").pop() ?? ""}`;
    result.status = `peer unavailable (${why})`;
    return result;
  }
  for (const text of r.stdout.split("\n")) {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (line.kind === "env" && typeof line.torch === "string") result.torch = line.torch;
    if (line.kind !== "summary" || line.status !== "ok") continue;
    const key = `L=${String(line.nlat)} batch=${String(line.batch)}`;
    for (const [what, field] of [
      ["fwd", "forward"],
      ["inv", "inverse"],
      ["fwd+inv", "roundtrip"],
    ] as const) {
      const st = line[field] as { median_ms?: number; p10_ms?: number } | undefined;
      if (typeof st?.median_ms === "number") result.ms.set(`th_sht ${what} ${key}`, st.median_ms);
      if (typeof st?.p10_ms === "number") result.p10?.set(`th_sht ${what} ${key}`, st.p10_ms);
    }
  }
  if (result.ms.size > 0) result.status = "ok";
  return result;
}

export function sphereSuite(opts: { repoRoot: string }): BenchSuite {
  return {
    name: "sphere",
    runPeer: (threads) => torchHarmonicsPeer(opts.repoRoot, threads),
    cases: () => {
      const gen = new Generator(0);
      const out: Bench[] = [];
      const shapes: [number, number][] = LS.map((L) => [L, 1]);
      shapes.push([64, 16]);
      for (const [L, batch] of shapes) {
        const grid = gaussLegendreGrid(L);
        const t0 = performance.now();
        const plan = shtPlan(grid, L);
        const buildMs = Number((performance.now() - t0).toFixed(2));
        const c = randn(batch === 1 ? [L * L] : [batch, L * L], { generator: gen, dtype: "float64" });
        const x = noGrad(() => isht(c, plan));
        const c2 = noGrad(() => sht(x, plan));
        let err = 0;
        for (let i = 0; i < c.size; i++) err = Math.max(err, Math.abs(c2.data[i]! - c.data[i]!));
        const extra = {
          shape: `[${batch}, ${L}, ${2 * L}] <-> [${batch}, ${L * L}]`,
          grid: "gauss-legendre",
          dtype: "float64",
          buildMs,
          roundTripErr: Number(err.toPrecision(3)),
        };
        const key = `L=${L} batch=${batch}`;
        out.push(
          {
            name: `sphere sht fwd ${key}`,
            level: "op",
            peer: `th_sht fwd ${key}`,
            extra,
            run: () => void noGrad(() => sht(x, plan)),
          },
          {
            name: `sphere sht inv ${key}`,
            level: "op",
            peer: `th_sht inv ${key}`,
            extra,
            run: () => void noGrad(() => isht(c, plan)),
          },
          {
            name: `sphere sht fwd+inv ${key}`,
            level: "op",
            peer: `th_sht fwd+inv ${key}`,
            extra,
            run: () => void noGrad(() => isht(sht(x, plan), plan)),
          },
        );
      }
      const B = 16;
      const so3 = so3Plan(B);
      const F = randn([so3CoeffCount(B)], { generator: gen, dtype: "float64" });
      const f = noGrad(() => so3Ifft(F, so3));
      const F2 = noGrad(() => so3Fft(f, so3));
      let err = 0;
      for (let i = 0; i < F.size; i++) err = Math.max(err, Math.abs(F2.data[i]! - F.data[i]!));
      const extra = {
        shape: `[${2 * B}, ${2 * B}, ${2 * B}] <-> [${so3CoeffCount(B)}]`,
        roundTripErr: Number(err.toPrecision(3)),
      };
      out.push(
        { name: `sphere so3 fft B=L=${B}`, level: "op", extra, run: () => void noGrad(() => so3Fft(f, so3)) },
        { name: `sphere so3 ifft B=L=${B}`, level: "op", extra, run: () => void noGrad(() => so3Ifft(F, so3)) },
      );
      return out;
    },
  };
}
