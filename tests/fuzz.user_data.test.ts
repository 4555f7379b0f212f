/** Fuzzing the readers of users' files (CSV graph tables, JSON graphs, OGB layout, XYZ/JSON molecules). */
import { describe, expect, it } from "vitest";
import { readOgbGraphs } from "../src/data/datasets/ogb_graphs.js";
import { readGraphCsv, readGraphJson } from "../src/data/datasets/user_graphs.js";
import { parseMoleculesJson, parseXyz } from "../src/data/datasets/xyz.js";
import { formatFuzzReport, fuzzReader } from "./helpers/fuzz.js";

describe("fuzz: users' data readers", () => {
  it("CSV tables (node, edge and graph tasks) give graphs or a clean error", () => {
    const seeds: Record<string, string>[] = [
      {
        nodes: 'id,f1,f2,label,split\na,1,2.5,x,train\nb,3,-1e-3,y,test\nc,"4",0,x,val\n',
        edges: "source,target,weight\na,b,1\nb,c,2\n",
      },
      {
        nodes: "graph,id,f\nA,0,1\nA,1,2\nB,0,3\n",
        edges: "graph,source,target\nA,0,1\nB,0,0\n",
        graphs: "graph,label\nA,1\nB,0\n",
      },
    ];
    const tasks = ["node-classification", "graph-classification"] as const;
    const r = fuzzReader(
      "graph-csv",
      seeds,
      (f: Record<string, string>) => {
        const task = f.graphs !== undefined ? tasks[1] : tasks[0];
        return readGraphCsv(f as { nodes: string; edges: string; graphs?: string }, { task });
      },
      { count: 800 },
    );
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });

  it("JSON graphs, OGB files and 3-D molecules give data or a clean error", () => {
    const json = JSON.stringify({
      x: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      edge_index: [
        [0, 1],
        [1, 2],
      ],
      y: [0, 1, 0],
      train_mask: [true, false, true],
    });
    const many = JSON.stringify({
      graphs: [
        { x: [[1]], edge_index: [[], []], y: 2.5 },
        { nodes: [{ key: "a", attributes: { v: 1 } }], edges: [] },
      ],
    });
    const rj = fuzzReader(
      "graph-json",
      [json, many],
      (t: string) => readGraphJson(t, { task: "node-classification" }),
      { count: 600 },
    );
    const ogb = {
      edge: "0,1\n1,2\n0,1\n",
      nodeFeat: "1,0\n0,1\n1,1\n2,2\n3,3\n",
      numNodeList: "3\n2\n",
      numEdgeList: "2\n1\n",
      graphLabel: "0\n1\n",
    };
    const ro = fuzzReader(
      "ogb",
      [ogb],
      (f: Record<string, string>) => readOgbGraphs(f as never, { task: "graph-classification" }),
      { count: 600 },
    );
    const xyz = "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n2\nH2\nH 0 0 0\nH 0 0 0.74\n";
    const rx = fuzzReader("xyz", [xyz], (t: string) => parseXyz(t), { count: 600 });
    const mj = JSON.stringify([
      {
        z: [8, 1, 1],
        pos: [
          [0, 0, 0],
          [1, 0, 0],
          [0, 1, 0],
        ],
        y: -3,
      },
    ]);
    const rm = fuzzReader("molecules-json", [mj], (t: string) => parseMoleculesJson(t), { count: 600 });
    for (const r of [rj, ro, rx, rm]) {
      console.log(formatFuzzReport(r));
      expect(r.unclean, formatFuzzReport(r)).toBe(0);
    }
  });
});
