// The PostgreSQL graph and feature stores against a temporary server (initdb + pg_ctl in a temp
// folder on a free port); skipped with a message where the server binaries are absent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributedGraphStores, stochasticBlockModel } from "../src/data/datasets/sbm.js";
import { NeighborLoader } from "../src/data/loaders/neighbor_loader.js";
import { sampleNeighbors } from "../src/data/loaders/sampler.js";
import { closeWorkerPool, setNumThreads } from "../src/kernels/pool.js";
import { findPostgresBinaries, startTemporaryPostgres, type TemporaryPostgres } from "../src/node/pg_server.js";
import {
  connectPostgresStores,
  readPostgresMeta,
  readPostgresStores,
  writePostgresStores,
} from "../src/node/postgres_store.js";
import "../src/node/worker_pool.js";
import { Generator } from "../src/tensor/rng.js";

// both the server binaries and the optional `pg` client are needed
const hasClient = await import("pg").then(
  () => true,
  () => false,
);
const bin = hasClient ? findPostgresBinaries() : null;
if (bin === null)
  console.warn(
    hasClient
      ? "PostgreSQL store tests skipped: initdb/pg_ctl not found (install Debian's 'postgresql' package or set ERLANGEN_PG_BIN)"
      : "PostgreSQL store tests skipped: the optional 'pg' client is not installed",
  );

describe.skipIf(bin === null)("PostgreSQL stores", () => {
  let server: TemporaryPostgres;
  const data = stochasticBlockModel({ numNodes: 3000, avgDegree: 8, numFeatures: 6, seed: 3 });
  const mem = attributedGraphStores(data);

  beforeAll(async () => {
    server = await startTemporaryPostgres();
    await writePostgresStores(server.url, mem.graphStore, mem.featureStore, {
      prefix: "t_sbm",
      fingerprint: "sbm 3000",
      chunkRows: 1000,
    });
    // initdb alone takes minutes on a heavily loaded machine
  }, 600_000);
  afterAll(async () => {
    await closeWorkerPool();
    await server?.stop();
  });

  it("round-trips the adjacency and every attribute", async () => {
    const meta = await readPostgresMeta(server.url, { prefix: "t_sbm" });
    expect(meta).toMatchObject({ numNodes: 3000, numEdges: data.numEdges, fingerprint: "sbm 3000" });
    expect(await readPostgresMeta(server.url, { prefix: "absent" })).toBeNull();
    const back = await readPostgresStores(server.url, { prefix: "t_sbm" });
    expect(back.ptr).toEqual(data.ptr);
    expect(back.index).toEqual(data.index);
    for (const a of ["x", "y", "trainMask", "valMask", "testMask"])
      expect(back.features.array(a)).toEqual(mem.featureStore.array(a));
  });

  it("answers look-ups with duplicates and any order, one query each", async () => {
    const { graphStore, featureStore } = await connectPostgresStores(server.url, { prefix: "t_sbm" });
    try {
      const nodes = Int32Array.of(17, 3, 2999, 17, 0, 512);
      const a = await graphStore.neighbors(nodes);
      const b = mem.graphStore.neighbors(nodes);
      for (let i = 0; i < nodes.length; i++) {
        expect(a.count[i]).toBe(b.count[i]);
        expect(a.edgeOffset[i]).toBe(b.edgeOffset[i]);
        expect(a.index.subarray(a.start[i]!, a.start[i]! + a.count[i]!)).toEqual(
          b.index.subarray(b.start[i]!, b.start[i]! + b.count[i]!),
        );
      }
      const fa = await featureStore.get(["x", "y"], nodes);
      expect(fa).toEqual(mem.featureStore.get(["x", "y"], nodes));
      expect(graphStore.queries).toBe(1);
      expect(featureStore.queries).toBe(1);
      await expect(graphStore.neighbors(Int32Array.of(3000))).rejects.toThrow(/node ids in \[0, 3000\)/);
      await expect(featureStore.get(["z"], nodes)).rejects.toThrow(/no attribute 'z'/);
    } finally {
      await graphStore.close();
      await featureStore.close();
    }
  });

  it("samples the same subgraphs as the memory store, in a few round trips per batch", async () => {
    const { graphStore, featureStore } = await connectPostgresStores(server.url, { prefix: "t_sbm" });
    try {
      const seeds = Int32Array.from({ length: 64 }, (_, i) => i * 40);
      const opts = { fanouts: [5, 3], replace: false, directed: true };
      const pg = await sampleNeighbors(graphStore, seeds, opts, new Generator(9));
      const m = await sampleNeighbors(mem.graphStore, seeds, opts, new Generator(9));
      expect(pg).toEqual(m);
      expect(graphStore.queries).toBe(2); // one per hop
      const induced = { ...opts, directed: false };
      expect(await sampleNeighbors(graphStore, seeds, induced, new Generator(1))).toEqual(
        await sampleNeighbors(mem.graphStore, seeds, induced, new Generator(1)),
      );
      // whole loaders, with worker threads on the database and on memory
      setNumThreads(2);
      const sig = async (stores: {
        graphStore: typeof graphStore | typeof mem.graphStore;
        featureStore: typeof featureStore | typeof mem.featureStore;
      }) => {
        const loader = new NeighborLoader(stores, {
          numNeighbors: [4, 2],
          batchSize: 200,
          inputNodes: Int32Array.from({ length: 600 }, (_, i) => i),
          shuffle: true,
          generator: new Generator(5),
          attrs: ["x", "y"],
        });
        const out: unknown[] = [];
        for await (const b of loader) out.push([b.nId.data, b.edgeIndex.data, b.x!.data, b.y!.data]);
        return out;
      };
      expect(await sig({ graphStore, featureStore })).toEqual(await sig(mem));
    } finally {
      await graphStore.close();
      await featureStore.close();
    }
  });
});
