/**
 * The browser demo's code (examples/browser/demo.js) run in Node against the sources, so that a
 * broken demo shows up in `npm test` too; `npm run test:browser` runs it in headless Chromium.
 */
import { describe, expect, it } from "vitest";
import { runDemo } from "../../examples/browser/demo.js";
import * as E from "../../src/index.js";

describe("browser demo (in Node)", () => {
  it("trains the karate-club GCN, passes the checker, and runs WASM kernels", async () => {
    const r = await runDemo(E);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.training.lastLoss).toBeLessThan(r.training.firstLoss * 0.5);
    expect(r.training.accuracy).toBeGreaterThan(0.6);
    expect(r.checker.pass).toBe(true);
    expect(r.checker.group).toBe("S34");
    expect(r.checker.samples).toBe(8);
    expect(r.wasmMatmulMaxAbsDiff).toBeLessThan(1e-3);
    if (E.getKernelBackend() !== "ref") {
      expect(r.kernelsReady).toBe(true);
      expect(r.backend).toBe("wasm");
      expect(r.lastKernel).toBe("wasm");
    }
  });
});
