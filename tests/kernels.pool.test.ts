// The library's worker pool: same-thread and worker_threads pools run the same tasks with the same
// results, share SharedArrayBuffers, move transferred results, report task errors with the task's
// name, run tasks in parallel, and follow setNumThreads.
import { afterAll, describe, expect, it } from "vitest";
import {
  closeWorkerPool,
  collectTransferables,
  getNumThreads,
  getWorkerPool,
  registerTaskModule,
  SameThreadPool,
  setNumThreads,
} from "../src/kernels/pool.js";
import { NodeWorkerPool } from "../src/node/worker_pool.js";

const TASKS = new URL("./fixtures/pool_tasks.ts", import.meta.url).href;

afterAll(async () => {
  setNumThreads(1);
  await closeWorkerPool();
});

describe("worker pool", () => {
  it("sizes the shared pool from setNumThreads (calling thread + n − 1 workers)", async () => {
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    expect(getWorkerPool().kind).toBe("same-thread");
    setNumThreads(3);
    const pool = getWorkerPool();
    expect(pool.kind).toBe("worker_threads");
    expect(pool.size).toBe(2);
    expect(getWorkerPool()).toBe(pool);
    expect(() => setNumThreads(0)).toThrow(/setNumThreads: argument 'n' expected an integer in \[1, 1024\]/);
    await closeWorkerPool();
  });

  it("gives the same results on workers and on the calling thread, sharing SharedArrayBuffers", async () => {
    const workers = new NodeWorkerPool(2);
    const here = new SameThreadPool();
    try {
      const a = Float64Array.from({ length: 1000 }, (_, i) => i % 7);
      const [w, h] = await Promise.all([
        workers.run<{ sum: number; thread: number }>({ module: TASKS, fn: "sum", args: [a] }),
        here.run<{ sum: number; thread: number }>({ module: TASKS, fn: "sum", args: [a] }),
      ]);
      expect(w.sum).toBe(h.sum);
      expect(w.thread).not.toBe(0);
      expect(h.thread).toBe(0);
      // workers write disjoint rows of one shared array
      const out = new Int32Array(new SharedArrayBuffer(4 * 100));
      const counts = await Promise.all(
        [0, 25, 50, 75].map((lo) => workers.run<number>({ module: TASKS, fn: "fill", args: [out, lo, lo + 25, 3] })),
      );
      expect(counts).toEqual([25, 25, 25, 25]);
      expect(Array.from(out)).toEqual(Array.from({ length: 100 }, (_, i) => 3 * i));
      // results come back (moved, not copied); transferred arguments leave the caller
      const sq = await workers.run<Float32Array>({ module: TASKS, fn: "squares", args: [5] });
      expect(Array.from(sq)).toEqual([0, 1, 4, 9, 16]);
      const buf = new Float64Array([1, 2, 3]);
      expect(
        (await workers.run<{ sum: number }>({ module: TASKS, fn: "sum", args: [buf], transfer: [buf.buffer] })).sum,
      ).toBe(6);
      expect(buf.length).toBe(0);
    } finally {
      await workers.close();
    }
  });

  it("names the task in errors and keeps working after one", async () => {
    const workers = new NodeWorkerPool(1);
    try {
      await expect(workers.run({ module: TASKS, fn: "fail", args: ["boom"] })).rejects.toThrow(
        /worker task pool_tasks\.ts#fail failed: boom/,
      );
      await expect(workers.run({ module: TASKS, fn: "nope" })).rejects.toThrow(/expected an exported function/);
      await expect(workers.run({ module: `${TASKS}.missing.ts`, fn: "x" })).rejects.toThrow(
        /cannot import task module/,
      );
      expect(
        (await workers.run<{ sum: number }>({ module: TASKS, fn: "sum", args: [Float64Array.of(2, 2)] })).sum,
      ).toBe(4);
      await expect(new SameThreadPool().run({ module: TASKS, fn: "fail", args: ["here"] })).rejects.toThrow("here");
    } finally {
      await workers.close();
    }
    await expect(workers.run({ module: TASKS, fn: "sum", args: [Float64Array.of(1)] })).rejects.toThrow(/closed/);
  });

  it("runs tasks on several workers at once", async () => {
    const workers = new NodeWorkerPool(2);
    try {
      await Promise.all([0, 1].map(() => workers.run({ module: TASKS, fn: "spin", args: [1] }))); // start both
      const ids = await Promise.all(
        [0, 1, 2, 3].map(() => workers.run<number>({ module: TASKS, fn: "spin", args: [150] })),
      );
      expect(new Set(ids).size).toBe(2);
    } finally {
      await workers.close();
    }
  });

  it("calls registered task modules without importing them, and collects result buffers", async () => {
    const url = "erlangen-test:registered";
    registerTaskModule(url, { twice: (x: number) => 2 * x });
    expect(await new SameThreadPool().run<number>({ module: url, fn: "twice", args: [21] })).toBe(42);
    const a = new Float32Array(3);
    const s = new Int32Array(new SharedArrayBuffer(8));
    expect(collectTransferables({ a, s, nested: [a, { b: new Uint8Array(2) }] }).length).toBe(2);
  });
});
