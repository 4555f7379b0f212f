/**
 * Mesh operator benches, with SciPy as the peer on the same matrices in the same run:
 *
 * - `mesh laplacian+mass 10k`: the cotan Laplacian and the lumped mass of a 10,242-vertex mesh (a
 *   seeded bumpy icosphere: icosphere(5) with radii jittered by ±5 %, so that no eigenvalue is
 *   exactly repeated). No peer (SciPy has no cotan Laplacian).
 * - `mesh eigsh k=128 10k`: the 128 smallest eigenpairs of `L φ = λ M φ` on that mesh by
 *   {@link eigsh} (shift-invert Krylov–Schur on a sparse LDLᵀ of `L − σM`), against
 *   `scipy.sparse.linalg.eigsh(L, k=128, M=diag(M), sigma=σ, tol=1e-10)` (ARPACK on SuperLU) run by
 *   `bench/peers/scipy_eigsh.py` on L and M written to a temporary folder: same matrices, same k, shift
 *   and tolerance. Prints both wall and CPU medians, the ratios, and the largest eigenvalue difference
 *   `max |λ_ours − λ_scipy| / max(1, λ)`. Without SciPy (or with `--no-peer`) it prints "peer
 *   unavailable". Timings: one warm-up call on each side, then `--rounds` (default 3) alternations of
 *   one timed call of ours and one of the peer; medians over the rounds, ratios per round.
 *
 * Node-only.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cotanLaplacian, massMatrix } from "../src/domains/mesh/laplacian.js";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { icosphere } from "../src/domains/mesh/primitives.js";
import { eigsh } from "../src/linalg/eigsh.js";
import { Generator } from "../src/tensor/rng.js";
import { type Bench, type BenchSuite, sig } from "./harness.js";

/** What the mesh suite needs from the bench command line. */
export interface MeshSuiteOptions {
  repoRoot: string;
  filters: string[];
  /** Samples of the Laplacian timing (5..20 used). */
  repeat: number;
  /** Alternations of ours and the peer for the eigensolver (default 3). */
  rounds: number | null;
  threads: number;
  peer: boolean;
}

interface Stats {
  ms: number;
  cpuMs: number;
  n: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timeEach(fn: () => void, warmup: number, repeat: number): Stats {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu), n: repeat };
}

/** The bench mesh: icosphere(5) (10,242 vertices) with seeded ±5 % radial noise. */
export function bumpySphere(seed = 0): Mesh {
  const s = icosphere(5);
  const g = new Generator(seed);
  const p = Float64Array.from(s.positions);
  for (let v = 0; v < s.numVertices; v++) {
    const r = 1 + 0.05 * g.uniform(-1, 1);
    for (let d = 0; d < 3; d++) p[3 * v + d]! *= r;
  }
  return new Mesh(p, s.faces);
}

function selected(name: string, filters: string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}

function done(name: string, fields: Record<string, unknown>): Bench {
  return { name, level: "skipped", run: () => {}, extra: fields };
}

interface ScipyResult {
  status: string;
  ms?: number;
  cpuMs?: number;
  values?: number[];
  version?: string;
}

/** Writes L and M for the peer and runs `scipy_eigsh.py`; never throws. */
function runScipy(
  o: MeshSuiteOptions,
  L: ReturnType<typeof cotanLaplacian>,
  M: Float64Array,
  k: number,
  sigma: number,
  tol: number,
  repeat: number,
): ScipyResult {
  if (!o.peer) return { status: "peer not run (--no-peer)" };
  const py = process.env.ERLANGEN_PEER_PYTHON ?? "/usr/bin/python3";
  const dir = mkdtempSync(join(tmpdir(), "erlangen-eigsh-"));
  try {
    const bytes = (a: Int32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, "rowPtr.i32"), bytes(L.rowPtr));
    writeFileSync(join(dir, "colIndex.i32"), bytes(L.colIndex));
    writeFileSync(join(dir, "values.f64"), bytes(L.values));
    writeFileSync(join(dir, "mass.f64"), bytes(M));
    writeFileSync(join(dir, "meta.json"), JSON.stringify({ n: L.rows, k, sigma, tol }));
    const script = join(o.repoRoot, "bench", "peers", "scipy_eigsh.py");
    const r = spawnSync(
      py,
      [script, "--dir", dir, "--threads", String(o.threads), "--warmup", "1", "--repeat", String(repeat)],
      { encoding: "utf8", maxBuffer: 64 << 20, timeout: 900_000 },
    );
    if (r.error || r.status !== 0)
      return {
        status: `peer unavailable (${r.error ? r.error.message : `exit ${r.status}: ${r.stderr.slice(-200)}`})`,
      };
    for (const text of r.stdout.split("\n")) {
      try {
        const l = JSON.parse(text) as Record<string, unknown>;
        if (l.status === "ok")
          return {
            status: "ok",
            ms: l.ms_median as number,
            cpuMs: l.cpu_ms_median as number,
            values: l.values as number[],
            version: l.scipy as string,
          };
        if (typeof l.status === "string") return { status: l.status };
      } catch {
        // not a JSON line
      }
    }
    return { status: "peer unavailable (no result line)" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The mesh suite (see the module docs). */
export function meshSuite(o: MeshSuiteOptions): BenchSuite {
  return {
    name: "mesh",
    cases: () => {
      const names = ["mesh laplacian+mass 10k", "mesh eigsh k=128 10k"];
      if (!names.some((n) => selected(n, o.filters))) return [];
      const out: Bench[] = [];
      const mesh = bumpySphere(0);
      const V = mesh.numVertices;
      let L = cotanLaplacian(mesh);
      let M = massMatrix(mesh);
      if (selected(names[0]!, o.filters)) {
        // a fresh Mesh each call, so that no cached geometry is reused
        const pos = mesh.positions;
        const faces = mesh.faces;
        const s = timeEach(
          () => {
            const m = new Mesh(pos, faces);
            L = cotanLaplacian(m);
            M = massMatrix(m);
          },
          2,
          Math.max(5, Math.min(o.repeat, 20)),
        );
        out.push(
          done(names[0]!, {
            level: "mesh",
            ms: sig(s.ms),
            cpuMs: sig(s.cpuMs),
            n: s.n,
            vertices: V,
            nnz: L.nnz,
            peer: "no peer (SciPy has no cotan Laplacian)",
            what: "Mesh construction + cotanLaplacian + massMatrix (barycentric), float64",
          }),
        );
      }
      if (selected(names[1]!, o.filters)) {
        const k = 128;
        const tol = 1e-10;
        // the default shift of eigsh, passed to both sides explicitly
        let sa = 0;
        for (const d of L.diagonal()) sa += Math.abs(d);
        let sb = 0;
        for (const d of M) sb += d;
        const sigma = -1e-8 * (sa / sb);
        // rounds alternate one timed call of ours with one of the peer (after one warm-up call each), so
        // that a change in the machine's load hits both sides alike; medians over the rounds
        const rounds = o.rounds ?? 3;
        let r = eigsh(L, k, M, { sigma, tol });
        const ours: Stats[] = [];
        const peers: ScipyResult[] = [];
        for (let round = 0; round < rounds; round++) {
          ours.push(
            timeEach(
              () => {
                r = eigsh(L, k, M, { sigma, tol });
              },
              0,
              1,
            ),
          );
          const pr = runScipy(o, L, M, k, sigma, tol, 1);
          peers.push(pr);
          if (pr.status !== "ok") break;
        }
        const ms = median(ours.map((x) => x.ms));
        const cpuMs = median(ours.map((x) => x.cpuMs));
        const line: Record<string, unknown> = {
          level: "mesh",
          ms: sig(ms),
          cpuMs: sig(cpuMs),
          n: ours.length,
          vertices: V,
          k,
          sigma: sig(sigma, 3),
          tol,
          restarts: r.restarts,
          solves: r.solves,
          nnzFactor: r.nnzFactor,
          lambdaMax: sig(r.values[k - 1]!, 8),
        };
        const ok = peers.filter((x) => x.status === "ok" && x.ms !== undefined && x.cpuMs !== undefined);
        if (ok.length === ours.length && ok.length > 0) {
          line.peerMs = sig(median(ok.map((x) => x.ms!)));
          line.peerCpuMs = sig(median(ok.map((x) => x.cpuMs!)));
          line.ratio = sig(median(ok.map((x, i) => ours[i]!.ms / x.ms!)), 3);
          line.cpuRatio = sig(median(ok.map((x, i) => ours[i]!.cpuMs / x.cpuMs!)), 3);
          if (ok.length > 1) line.cpuRatios = ok.map((x, i) => sig(ours[i]!.cpuMs / x.cpuMs!, 3));
          const pv = ok[0]!.values!;
          let diff = 0;
          for (let i = 0; i < k; i++)
            diff = Math.max(diff, Math.abs(r.values[i]! - pv[i]!) / Math.max(1, Math.abs(pv[i]!)));
          line.eigenvalueAgreement = sig(diff, 3);
          line.scipy = ok[0]!.version;
        } else line.peer = peers.find((x) => x.status !== "ok")?.status ?? "peer unavailable";
        line.what =
          "eigsh(L, 128, M): factorisation of L − σM + shift-invert Krylov–Schur (ncv 257) + verification round; peer: scipy.sparse.linalg.eigsh (ARPACK + SuperLU), same L, M, σ, tol";
        out.push(done(names[1]!, line));
      }
      return out;
    },
  };
}
