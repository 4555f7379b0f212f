// The Node relaunch settings (src/node/relaunch.ts): which thread count `--threads` asks for, and
// when the child Node gets a single-threaded garbage collector.
import { afterEach, describe, expect, it } from "vitest";
import { SINGLE_THREADED_GC_FLAG, singleThreadedGcFlag, threadsArg } from "../src/node/relaunch.js";

describe("relaunch", () => {
  const saved = process.env.ERLANGEN_PARALLEL_GC;
  afterEach(() => {
    if (saved === undefined) delete process.env.ERLANGEN_PARALLEL_GC;
    else process.env.ERLANGEN_PARALLEL_GC = saved;
  });

  it("threadsArg reads --threads N and --threads=N (the last one wins)", () => {
    expect(threadsArg(["train", "--threads", "1"])).toBe(1);
    expect(threadsArg(["train", "--threads=2", "--epochs", "3"])).toBe(2);
    expect(threadsArg(["--threads", "4", "--threads=1"])).toBe(1);
    expect(threadsArg(["train", "--epochs", "1"])).toBeUndefined();
    expect(threadsArg(["--threads"])).toBeUndefined();
    expect(threadsArg(["--threads", "0"])).toBeUndefined();
    expect(threadsArg(["--threads", "two"])).toBeUndefined();
  });

  it("one thread gets the single-threaded GC unless ERLANGEN_PARALLEL_GC=1 or it is on already", () => {
    delete process.env.ERLANGEN_PARALLEL_GC;
    const on = process.execArgv.includes(SINGLE_THREADED_GC_FLAG);
    expect(singleThreadedGcFlag(1)).toBe(on ? null : SINGLE_THREADED_GC_FLAG);
    expect(singleThreadedGcFlag(2)).toBeNull();
    expect(singleThreadedGcFlag(undefined)).toBeNull();
    process.env.ERLANGEN_PARALLEL_GC = "1";
    expect(singleThreadedGcFlag(1)).toBeNull();
  });
});
