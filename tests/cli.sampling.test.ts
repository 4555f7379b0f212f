// `erlangen train --loader neighbor|cluster|saint`: mini-batch training through graph and feature
// stores from the CLI (memory; PostgreSQL where the server binaries are installed), the sampling
// figures in the report, the worker pool (--threads) and the usage errors of the new options.
import { afterAll, describe, expect, it } from "vitest";
import { type CliIO, main } from "../src/cli/main.js";
import { closeWorkerPool, setNumThreads } from "../src/kernels/pool.js";
import { findPostgresBinaries, startTemporaryPostgres } from "../src/node/pg_server.js";

function captureIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: { write: () => {}, isTTY: false },
  };
}

async function train(args: string[]): Promise<{ code: number; io: ReturnType<typeof captureIO> }> {
  const io = captureIO();
  const code = await main(["train", ...args], io);
  return { code, io };
}

afterAll(async () => {
  setNumThreads(1);
  await closeWorkerPool();
});

describe("erlangen train --loader", () => {
  it("neighbor sampling on karate reports batches, edges, waiting share, RSS; same result on 1 and 2 threads", async () => {
    const results = [];
    for (const threads of ["1", "2"]) {
      const args = ["-d", "karate", "-m", "sage", "--loader", "neighbor", "--fanout", "5,5", "--batch-size", "2"];
      const { code, io } = await train([...args, "--epochs", "3", "--threads", threads, "--json"]);
      expect(code, io.stderr.join("\n")).toBe(0);
      const r = JSON.parse(io.stdout.at(-1)!);
      expect(r.threads).toBe(Number(threads));
      expect(r.peakRssMb).toBeGreaterThan(0);
      expect(r.sampling).toMatchObject({ loader: "neighbor [5, 5], batch 2", store: "memory" });
      expect(r.sampling.workers).toBe(Number(threads) - 1);
      // 4 labelled nodes in batches of 2: 2 batches an epoch, 3 epochs
      expect(r.sampling.batches).toBe(6);
      expect(r.sampling.edges).toBeGreaterThan(0);
      expect(r.sampling.waitShare).toBeGreaterThanOrEqual(0);
      expect(r.sampling.waitShare).toBeLessThanOrEqual(1);
      expect(r.sampling.edgesPerSecond).toBeGreaterThan(0);
      expect(io.stderr.join("\n")).toMatch(/waiting for batches: [\d.]+ % of the training time/);
      results.push(r);
    }
    // the batches are drawn from the same seeded streams wherever they are built
    expect(results[1].test.values).toEqual(results[0].test.values);
    expect(results[1].sampling.edges).toBe(results[0].sampling.edges);
  }, 120_000);

  it("cluster and saint loaders on Cora (GCN: no cached normalisation over sampled subgraphs)", async () => {
    const cluster = await train(
      ["-d", "cora", "-m", "gcn", "--loader", "cluster", "--num-parts", "40", "--batch-size", "10"].concat([
        "--epochs",
        "2",
        "--seeds",
        "1",
        "--threads",
        "1",
        "--json",
        "--quiet",
      ]),
    );
    expect(cluster.code, cluster.io.stderr.join("\n")).toBe(0);
    const c = JSON.parse(cluster.io.stdout.at(-1)!);
    expect(c.sampling.loader).toMatch(/^cluster 40 parts \(edge cut [\d.]+ %, random [\d.]+ %\), 10 per batch$/);
    expect(c.sampling.batches).toBe(8);
    const saint = await train(
      ["-d", "cora", "-m", "gcn", "--loader", "saint", "--walk-length", "2", "--batch-size", "300"].concat([
        "--epochs",
        "1",
        "--seeds",
        "1",
        "--threads",
        "1",
        "--json",
        "--quiet",
      ]),
    );
    expect(saint.code, saint.io.stderr.join("\n")).toBe(0);
    const s = JSON.parse(saint.io.stdout.at(-1)!);
    expect(s.sampling.loader).toMatch(/^saint 300 roots × walk 2, \d+ steps, coverage 20$/);
    expect(s.test.mean).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it("sbm-10k: the generated benchmark graph, full batch and neighbour-sampled", async () => {
    const full = await train(["-d", "sbm-10k", "-m", "sage", "--epochs", "1", "--threads", "1", "--json", "--quiet"]);
    expect(full.code, full.io.stderr.join("\n")).toBe(0);
    expect(JSON.parse(full.io.stdout.at(-1)!).sampling).toBeNull();
    const { code, io } = await train(
      ["-d", "sbm-10k", "-m", "sage", "--loader", "neighbor", "--fanout", "5,5", "--batch-size", "512"].concat([
        "--epochs",
        "1",
        "--threads",
        "1",
        "--json",
        "--quiet",
      ]),
    );
    expect(code, io.stderr.join("\n")).toBe(0);
    const r = JSON.parse(io.stdout.at(-1)!);
    // 10 % of 10,000 nodes train: 1,000 seeds in batches of 512
    expect(r.sampling.batches).toBe(2);
    // first-N limits: 300 training seeds (one batch), 200 validation and test nodes
    const lim = captureIO();
    const args = ["train", "-d", "sbm-10k", "-m", "sage", "--loader", "neighbor", "--fanout", "5,5"];
    const more = [
      "--batch-size",
      "512",
      "--train-limit",
      "300",
      "--test-limit",
      "200",
      "--epochs",
      "1",
      "--threads",
      "1",
    ];
    expect(await main([...args, ...more, "--json"], lim), lim.stderr.join("\n")).toBe(0);
    const l = JSON.parse(lim.stdout.at(-1)!);
    expect(l.limits).toEqual({ train: 300, test: 200 });
    expect(l.sampling.batches).toBe(1);
    expect(lim.stderr.join("\n")).toMatch(/300\/200\/200 train\/val\/test nodes/);
  }, 180_000);

  it("usage errors name the option", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["-d", "karate", "-m", "sage", "--loader", "bogus"],
        /'--loader' expected one of full, neighbor, cluster, saint/,
      ],
      [["-d", "karate", "-m", "sage", "--fanout", "5,5"], /'--fanout' applies to mini-batch training/],
      [
        ["-d", "karate", "-m", "sage", "--loader", "neighbor", "--fanout", "5,x"],
        /'--fanout' expected comma-separated/,
      ],
      [
        ["-d", "karate", "-m", "sage", "--loader", "neighbor", "--fanout", "5"],
        /gives 1 hop \(5\) but the model has 2 layers/,
      ],
      [
        ["-d", "karate", "-m", "sage", "--loader", "neighbor", "--store", "mysql://x"],
        /'--store' expected 'memory' or a postgres/,
      ],
      [
        ["-d", "karate", "-m", "sage", "--loader", "neighbor", "--num-parts", "4"],
        /'--num-parts' applies to --loader cluster/,
      ],
      [
        ["-d", "mutag", "-m", "gin", "--loader", "neighbor"],
        /'--loader' applies to node datasets with stores \(.*cora.*\), not 'mutag'/,
      ],
    ];
    for (const [args, re] of cases) {
      const { code, io } = await train([...args, "--epochs", "1", "--threads", "1", "--quiet"]);
      expect(code, args.join(" ")).toBe(2);
      expect(io.stderr.join("\n"), args.join(" ")).toMatch(re);
    }
  });
});

// skipped with a message where the server binaries or the optional `pg` client are absent
const hasClient = await import("pg").then(
  () => true,
  () => false,
);
const bin = hasClient ? findPostgresBinaries() : null;
if (bin === null)
  console.warn(
    `erlangen train --store postgres:// test skipped: ${hasClient ? "initdb/pg_ctl not found (install Debian's 'postgresql' package or set ERLANGEN_PG_BIN)" : "the optional 'pg' client is not installed"}`,
  );
describe.skipIf(bin === null)("erlangen train --store postgres://", () => {
  it("writes sbm-10k's tables on first use, then samples the same batches as the memory store", async () => {
    const server = await startTemporaryPostgres();
    try {
      const args = ["-d", "sbm-10k", "-m", "sage", "--loader", "neighbor", "--fanout", "5,5", "--batch-size", "512"];
      const tail = [
        "--train-limit",
        "600",
        "--test-limit",
        "300",
        "--epochs",
        "1",
        "--threads",
        "1",
        "--json",
        "--quiet",
      ];
      const mem = await train([...args, ...tail]);
      const pg = await train([...args, "--store", server.url, ...tail]);
      expect(pg.code, pg.io.stderr.join("\n")).toBe(0);
      const a = JSON.parse(mem.io.stdout.at(-1)!);
      const b = JSON.parse(pg.io.stdout.at(-1)!);
      expect(b.sampling.store).toMatch(/^postgres:\/\/127\.0\.0\.1:\d+\/postgres \(erlangen_sbm_10k_\*\)$/);
      expect(b.sampling.edges).toBe(a.sampling.edges);
      expect(b.test.values).toEqual(a.test.values);
      // second use: the tables are there and match the fingerprint
      const again = await train([...args, "--store", server.url, ...tail.filter((t) => t !== "--quiet")]);
      expect(again.code).toBe(0);
      expect(again.io.stderr.join("\n")).not.toMatch(/written to PostgreSQL/);
    } finally {
      await server.stop();
    }
  }, 600_000);
});
