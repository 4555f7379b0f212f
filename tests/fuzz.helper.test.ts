/** The fuzzing helper itself: determinism, classification and replay. */
import { describe, expect, it } from "vitest";
import { ErlangenError } from "../src/tensor/errors.js";
import { Generator } from "../src/tensor/rng.js";
import {
  formatFuzzReport,
  fuzzReader,
  fuzzScale,
  mutate,
  mutateBytes,
  mutateText,
  replayCase,
} from "./helpers/fuzz.js";

const TEXT = "1, 2\n3, 4\n5, 6\n";
const BYTES = Uint8Array.from({ length: 64 }, (_, i) => i);

describe("fuzz helper", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = mutate(TEXT, 42);
    const b = mutate(TEXT, 42);
    expect(a).toEqual(b);
    const outs = new Set(Array.from({ length: 50 }, (_, s) => mutate(TEXT, s).input));
    expect(outs.size).toBeGreaterThan(25);
    const c = mutate(BYTES, 7, { fields: [{ offset: 0, bytes: 4 }] });
    expect(mutate(BYTES, 7, { fields: [{ offset: 0, bytes: 4 }] })).toEqual(c);
  });

  it("never mutates its input in place", () => {
    const bytes = BYTES.slice();
    const rng = new Generator(1);
    for (let i = 0; i < 200; i++) mutateBytes(bytes, rng, [{ offset: 0, bytes: 8 }]);
    expect(bytes).toEqual(BYTES);
  });

  it("covers the mutation kinds it promises", () => {
    const rng = new Generator(3);
    const ops = new Set<string>();
    for (let i = 0; i < 400; i++) ops.add(mutateText('{"a": 12, "b": [1, 2]}\n1, 2\n', rng).op.split(/[@ ]/)[0]!);
    for (const k of ["number", "delete", "duplicate", "swap", "insert", "truncate", "name", "separators", "digits"])
      expect(ops).toContain(k);
    const bops = new Set<string>();
    for (let i = 0; i < 400; i++)
      bops.add(mutateBytes(new TextEncoder().encode('{"x": 12}'), rng, [{ offset: 0, bytes: 4 }]).op.split(/[@ ]/)[0]!);
    for (const k of ["bitflip", "byte", "u32", "truncate", "insert", "delete", "duplicate", "ascii-number", "field"])
      expect(bops).toContain(k);
  });

  it("mutates one file of a record at a time and can drop droppable files", () => {
    const files = { a: "1\n2\n", b: "3\n4\n" };
    let dropped = 0;
    for (let s = 0; s < 300; s++) {
      const m = mutate(files, s, { droppable: ["b"], maxSteps: 1 });
      expect(Object.keys(m.input).length).toBeGreaterThanOrEqual(1);
      if (!("b" in m.input)) dropped++;
      else expect(m.input.a === files.a || m.input.b === files.b).toBe(true);
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it("classifies accepted, clean and unclean inputs and replays unclean ones", () => {
    const read = (t: string) => {
      if (t.includes("NaN")) throw new RangeError("Invalid typed array length");
      if (t.length < TEXT.length) throw new ErlangenError("too short");
      return t.length;
    };
    const r = fuzzReader("toy", [TEXT], read, { count: 400, keep: 3 });
    expect(r.inputs).toBe(1 + Math.round(400 * fuzzScale()));
    expect(r.accepted + r.cleanErrors + r.unclean).toBe(r.inputs);
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.cleanErrors).toBeGreaterThan(0);
    expect(r.unclean).toBeGreaterThan(0);
    expect(r.uncleanCases).toHaveLength(3);
    for (const c of r.uncleanCases) {
      expect(c.kind).toBe("error");
      expect(c.message).toContain("RangeError");
      expect(() => read(replayCase([TEXT], c))).toThrow(RangeError);
    }
    expect(formatFuzzReport(r)).toMatch(/^toy: \d+ inputs, \d+ clean errors, \d+ accepted, \d+ unclean/);
  });

  it("flags slow inputs, large allocations and promises", () => {
    const slow = fuzzReader(
      "slow",
      ["x"],
      () => {
        const t = performance.now();
        while (performance.now() - t < 5);
      },
      { count: 2, timeLimitMs: 1 },
    );
    expect(slow.unclean).toBe(1 + Math.round(2 * fuzzScale()));
    expect(slow.uncleanCases[0]!.kind).toBe("slow");
    const RealF64 = Float64Array;
    const big = fuzzReader("big", ["x"], () => new Float64Array(2 ** 22), { count: 0, allocLimitBytes: 2 ** 20 });
    expect(big.uncleanCases[0]?.kind).toBe("alloc");
    expect(big.uncleanCases[0]?.message).toMatch(/new Float64Array\(4194304\) requests 33554432 bytes/);
    // the guard refuses before allocating, even far past memory; a reader that hides it is still caught
    const hidden = fuzzReader(
      "hidden",
      ["x"],
      () => {
        try {
          return new Float32Array(2 ** 40);
        } catch {
          throw new ErlangenError("wrapped");
        }
      },
      { count: 0 },
    );
    expect(hidden.uncleanCases[0]?.kind).toBe("alloc");
    expect(Float64Array).toBe(RealF64); // constructors restored
    // small allocations, instanceof and static methods work as usual under the guard
    const ok = fuzzReader(
      "ok",
      ["x"],
      () => {
        const a = Float32Array.from([1, 2]);
        if (!(a instanceof Float32Array) || !(new Uint8Array(new ArrayBuffer(4)) instanceof Uint8Array))
          throw new Error("broken");
      },
      { count: 0 },
    );
    expect(ok.accepted).toBe(1);
    const asyncRead = fuzzReader("async", ["x"], async () => 1, { count: 0 });
    expect(asyncRead.uncleanCases[0]?.kind).toBe("async");
  });
});
