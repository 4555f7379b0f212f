/**
 * Build time of the blueprint: `blueprint(spec)` (validation, sizing, layers, kernel bases, the plan)
 * for every valid (domain, group, task) combination at the default size, and with a parameter budget
 * for a few. `ms` / `cpuMs` are the warm medians (bases cached); `firstMs` / `firstCpuMs` the first
 * build of the combination in the process (cold caches for its group: kernel bases, Clebsch–Gordan
 * tables). The target is under 100 ms per build. No peer (escnn's model construction takes seconds,
 * but escnn is not in the peer environment).
 */
import { blueprint, validCombinations } from "../src/index.js";
import type { Bench, BenchSuite } from "./harness.js";

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

export function blueprintSuite(): BenchSuite {
  return {
    name: "blueprint",
    cases: () => {
      const out: Bench[] = [];
      const specs = validCombinations().map((c) => ({ ...c, size: undefined as undefined | { params: number } }));
      specs.push(
        { domain: "grid2d", group: "p4", task: "graph-classification", size: { params: 24_680 } },
        { domain: "grid2d", group: "C8", task: "graph-classification", size: { params: 24_094 } },
        { domain: "molecule", group: "E(3)", task: "graph-regression", size: { params: 22_756 } },
        { domain: "graph", group: "Sn", task: "graph-classification", size: { params: 31_192 } },
      );
      for (const s of specs) {
        const spec = { domain: s.domain, group: s.group, task: s.task, ...(s.size ? { size: s.size } : {}) };
        let first: { ms: number; cpu: number } | null = null;
        out.push({
          name: `blueprint build ${s.domain} ${s.group} ${s.task}${s.size ? ` params ${s.size.params}` : ""}`,
          level: "builder",
          run: () => {
            const t0 = performance.now();
            const c0 = cpuMs();
            blueprint(spec);
            if (first === null) first = { ms: performance.now() - t0, cpu: cpuMs() - c0 };
          },
          get extra() {
            return first === null
              ? {}
              : { firstMs: Number(first.ms.toFixed(2)), firstCpuMs: Number(first.cpu.toFixed(2)) };
          },
        });
      }
      return out;
    },
  };
}
