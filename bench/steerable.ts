/**
 * Steerable-CNN benches: construction of the `R2Conv` kernel bases for typical layers, from empty
 * caches each time (the cost a model pays once per distinct layer): C8 / C16 / D8 / D16 regular
 * fields (8 in → 8 out) and the lifting layer (1 trivial → 8 regular), SO(2) and O(2) irrep fields
 * (frequencies ≤ 3, 8 copies), kernel sizes 5 and 7; and one filter expansion plus its backward pass
 * (the per-step cost of a D16 k = 7 layer). The budget is 100 ms per layer. No peer (escnn is
 * not part of the peer environment).
 */

import {
  Cn,
  Dn,
  directSum,
  FieldType,
  type Group,
  O2,
  o2Irrep,
  type Representation,
  regular,
  SO2,
  so2Irrep,
  trivial,
} from "../src/index.js";
import { clearKernelBasisCache, R2Conv } from "../src/layers/groups/steerable/index.js";
import type { Bench, BenchSuite } from "./harness.js";

function buildCase<E>(
  name: string,
  group: () => Group<E>,
  rep: (g: Group<E>) => Representation<E>,
  k: number,
  lift = false,
): Bench {
  const G = group();
  const R = rep(G);
  const out = FieldType.repeat(G, R, 8);
  const inn = lift ? new FieldType(G, [trivial(G)]) : out;
  let size = 0;
  return {
    name,
    level: "layer",
    extra: { shape: `${inn.toString()} → ${out.toString()}, k=${k}` },
    run: () => {
      clearKernelBasisCache();
      size = new R2Conv(inn, out, k).basisSizes.reduce((a, b) => a + b, 0);
      if (size === 0) throw new Error(`${name}: empty basis`);
    },
  };
}

export function steerableSuite(): BenchSuite {
  return {
    name: "steerable",
    cases: () => {
      const reg = <E>(g: Group<E>) => regular(g);
      const so2rep = (g: Group<number>) =>
        directSum(...[0, 1, 2, 3].map((j) => (j === 0 ? trivial(g) : so2Irrep(g as SO2, j))));
      const o2rep = (g: Group<{ theta: number; f: number }>) =>
        directSum(o2Irrep(g as O2, 0, 0), ...[1, 2, 3].map((j) => o2Irrep(g as O2, 1, j)));
      const cases: Bench[] = [];
      for (const k of [5, 7]) {
        for (const [label, group] of [
          ["C8", () => Cn(8)],
          ["C16", () => Cn(16)],
          ["D8", () => Dn(8)],
          ["D16", () => Dn(16)],
        ] as const) {
          cases.push(buildCase(`steerable basis ${label} k${k} regular 8->8`, group as () => Group<unknown>, reg, k));
          cases.push(
            buildCase(`steerable basis ${label} k${k} lift 1->8 regular`, group as () => Group<unknown>, reg, k, true),
          );
        }
        cases.push(buildCase(`steerable basis SO2 k${k} irreps<=3 8->8`, () => new SO2(), so2rep as never, k));
        cases.push(buildCase(`steerable basis O2 k${k} irreps<=3 8->8`, () => new O2(), o2rep as never, k));
      }
      const G = Dn(16);
      const t = FieldType.repeat(G, regular(G), 8);
      const conv = new R2Conv(t, t, 7);
      cases.push({
        name: "steerable filter D16 k7 regular 8->8 fwd+bwd",
        level: "layer",
        extra: { shape: "[256, 256, 7, 7] from 8×8×512 coefficients" },
        run: () => {
          for (const w of conv.weights) w.grad = null;
          conv.filter().sum().backward();
        },
      });
      return cases;
    },
  };
}
