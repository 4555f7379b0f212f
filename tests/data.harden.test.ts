/** Readers against hostile and mistaken files: sizes are checked before anything is allocated. */
import { describe, expect, it } from "vitest";
import { DatasetFormatError } from "../src/data/datasets/common.js";
import { parseTUDataset, type TUFileKind } from "../src/data/datasets/tu.js";
import { tuSeed } from "./helpers/fuzz_seeds.js";

describe("TU reader limits", () => {
  const mutag = tuSeed("MUTAG", 188) as Partial<Record<TUFileKind, string>>;
  const withLabel = (v: string, line = 7) => {
    const lines = mutag.node_labels!.split("\n");
    lines[line - 1] = v;
    return { ...mutag, node_labels: lines.join("\n") };
  };

  it("refuses a node label that would make a huge one-hot encoding, naming file, line and value", () => {
    for (const v of ["100000", "1000000", "2147483647"]) {
      expect(() => parseTUDataset("MUTAG", withLabel(v))).toThrow(
        new RegExp(`MUTAG_node_labels\\.txt line 7: label ${v} makes the labels span \\[0, ${v}\\].*limit is 65536`),
      );
    }
    expect(() => parseTUDataset("MUTAG", withLabel("-70000", 3))).toThrow(/line 3: label -70000/);
    // a wide but sane label range still works
    const ok = parseTUDataset("MUTAG", withLabel("99"));
    expect(ok.numNodeLabels).toBe(100);
  });

  it("refuses non-decimal, unsafe and non-finite numbers", () => {
    for (const v of ["0x10", "1e1", "9007199254740993", "1.5", "NaN", ""]) {
      expect(() => parseTUDataset("MUTAG", withLabel(v, 2))).toThrow(DatasetFormatError);
      expect(() => parseTUDataset("MUTAG", withLabel(v, 2))).toThrow(
        /MUTAG_node_labels\.txt line 2: expected a decimal integer/,
      );
    }
    const attrs = { ...tuSeed("ENZYMES", 2) } as Partial<Record<TUFileKind, string>>;
    const lines = attrs.node_attributes!.split("\n");
    lines[1] = lines[1]!.replace(/^[^,]+/, "Infinity");
    expect(() => parseTUDataset("ENZYMES", { ...attrs, node_attributes: lines.join("\n") })).toThrow(
      /ENZYMES_node_attributes\.txt line 2: expected a finite decimal number, got 'Infinity'/,
    );
  });

  it("bounds graph ids by the number of graph labels before allocating", () => {
    const gi = mutag.graph_indicator!.split("\n");
    gi[gi.length - 2] = "3.5e38";
    expect(() => parseTUDataset("MUTAG", { ...mutag, graph_indicator: gi.join("\n") })).toThrow(
      /MUTAG_graph_indicator\.txt line \d+: expected a decimal integer/,
    );
    gi[gi.length - 2] = "1000000000";
    expect(() => parseTUDataset("MUTAG", { ...mutag, graph_indicator: gi.join("\n") })).toThrow(
      /MUTAG_graph_indicator\.txt line 3371: graph id 1000000000 exceeds the 188 graphs of MUTAG_graph_labels\.txt/,
    );
  });
});
