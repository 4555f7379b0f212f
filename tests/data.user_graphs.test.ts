import { describe, expect, it } from "vitest";
import { csvNumbers, formatCsv, parseCsv } from "../src/data/datasets/csv.js";
import { readOgbGraphs } from "../src/data/datasets/ogb_graphs.js";
import { randomSplit, readGraphCsv, readGraphJson } from "../src/data/datasets/user_graphs.js";
import { moleculeGraph, parseMoleculesJson, parseXyz } from "../src/data/datasets/xyz.js";
import { toGraphology } from "../src/domains/graph/graphology.js";
import { tensor } from "../src/tensor/creation.js";

describe("CSV tables", () => {
  it("reads quotes, escaped quotes, embedded newlines, CRLF and a BOM", () => {
    const t = parseCsv('\ufeffid,name,v\r\n1,"a, ""b""",2.5\r\n2,"two\nlines",-1e-3\r\n\r\n');
    expect(t.columns).toEqual(["id", "name", "v"]);
    expect(t.rows).toEqual([
      ["1", 'a, "b"', "2.5"],
      ["2", "two\nlines", "-1e-3"],
    ]);
    expect(Array.from(csvNumbers(t, "v"))).toEqual([2.5, -1e-3]);
    expect(parseCsv(formatCsv(["a", "b"], [['x,"y"', 1]])).rows).toEqual([['x,"y"', "1"]]);
  });

  it("names the file, line and column of a bad cell instead of giving NaN", () => {
    const t = parseCsv("a,b\n1,2\n3,abc\n", { file: "f.csv" });
    expect(() => csvNumbers(t, "b")).toThrow(/f\.csv line 3: column 'b' expected a number, got "abc"/);
    expect(() => parseCsv("a,b\n1,2,3\n", { file: "g.csv" })).toThrow(/g\.csv line 2: expected 2 cells/);
    expect(() => parseCsv('a\n"open\n', { file: "h.csv" })).toThrow(/not closed/);
    expect(() => csvNumbers(t, "zz")).toThrow(/has no column 'zz' \(columns: 'a', 'b'\)/);
  });

  it("tensor() refuses strings and other non-numbers by position", () => {
    expect(() => tensor(["a", "b"] as never)).toThrow(
      /tensor: argument 'data' expected numbers or booleans, got the string "a" at index \[0\]/,
    );
    expect(() =>
      tensor([
        [1, 2],
        [3, null],
      ] as never),
    ).toThrow(/got null at index \[1, 1\]/);
    expect(() => tensor([{}] as never)).toThrow(/got an object at index \[0\]/);
    expect(tensor([1, Number.NaN]).size).toBe(2); // an explicit NaN is a number
  });
});

describe("users' graphs", () => {
  const nodes =
    "id,age,score,label,split\nalice,30,0.5,cat,train\nbob,40,1.5,dog,train\ncarol,50,2.5,cat,val\ndave,60,3.5,dog,test\n";
  const edges = "source,target,weight\nalice,bob,1\nbob,carol,2\ncarol,dave,3\n";

  it("reads a node table and an edge list (ids, features, string labels, a split column)", () => {
    const d = readGraphCsv({ nodes, edges }, { task: "node-classification" });
    const g = d.graphs[0]!;
    expect(d.schema.features).toEqual(["age", "score"]);
    expect(d.schema.classes).toEqual(["cat", "dog"]);
    expect(Array.from(g.y!.data)).toEqual([0, 1, 0, 1]);
    expect(g.x!.shape).toEqual([4, 2]);
    expect(g.edgeIndex.shape).toEqual([2, 6]); // undirected: both ways
    expect(Array.from(g.edgeWeight!.data)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(Array.from(d.split!.train)).toEqual([0, 1]);
    expect(Array.from(d.split!.test)).toEqual([3]);
    expect(d.nodeIds[0]).toEqual(["alice", "bob", "carol", "dave"]);
  });

  it("errors name the file and the line: unknown node ids, text in a feature column", () => {
    expect(() =>
      readGraphCsv(
        { nodes, edges: "source,target\nalice,eve\n" },
        { task: "node-classification", names: { edges: "e.csv" } },
      ),
    ).toThrow(/e\.csv line 2: target "eve" is not a node id of nodes\.csv/);
    expect(() =>
      readGraphCsv(
        { nodes: "id,f,label\na,1,x\nb,two,y\n", edges: "source,target\na,b\n" },
        { task: "node-classification", features: ["f"], names: { nodes: "n.csv" } },
      ),
    ).toThrow(/n\.csv line 3: column 'f' expected a number, got "two"/);
  });

  it("reads edge tasks (labelled pairs) and graph tasks (a graph column and a graph table)", () => {
    const e = readGraphCsv({ edges: "src,dst,label\n0,1,1.5\n1,2,2.5\n" }, { task: "edge-regression" });
    const g = e.graphs[0]!;
    expect(g.numNodes).toBe(3);
    expect(Array.from(g.get("edgeLabelIndex")!.data)).toEqual([0, 1, 1, 2]);
    expect(Array.from(g.get("edgeLabel")!.data)).toEqual([1.5, 2.5]);
    const gr = readGraphCsv(
      {
        nodes: "graph,id,f\nA,0,1\nA,1,2\nB,0,3\nB,1,4\nB,2,5\n",
        edges: "graph,source,target\nA,0,1\nB,0,1\nB,1,2\n",
        graphs: "graph,label,split\nA,1.5,train\nB,-2,test\n",
      },
      { task: "graph-regression" },
    );
    expect(gr.graphs.map((x) => x.numNodes)).toEqual([2, 3]);
    expect(gr.graphs.map((x) => Array.from(x.y!.data))).toEqual([[1.5], [-2]]);
    expect(Array.from(gr.split!.test)).toEqual([1]);
    expect(gr.graphIds).toEqual(["A", "B"]);
  });

  it("reads PyG-style JSON and graphology exports, and refuses strings where numbers belong", () => {
    const j = readGraphJson(
      JSON.stringify({
        x: [[1], [2], [3]],
        edge_index: [
          [0, 1],
          [1, 2],
        ],
        y: [0, 1, 1],
        train_mask: [true, true, false],
      }),
      {
        task: "node-classification",
      },
    );
    expect(j.graphs[0]!.x!.shape).toEqual([3, 1]);
    expect(Array.from(j.split!.train)).toEqual([0, 1]);
    const many = readGraphJson(
      JSON.stringify({
        graphs: [
          { x: [[1]], edge_index: [[], []], y: 2.5 },
          { x: [[1], [2]], edge_index: [[0], [1]], y: 1 },
        ],
      }),
      {
        task: "graph-regression",
      },
    );
    expect(many.graphs.map((g) => Array.from(g.y!.data))).toEqual([[2.5], [1]]);
    const gl = toGraphology(j.graphs[0]!);
    const back = readGraphJson(JSON.stringify(gl), { task: "node-classification" });
    expect(back.graphs[0]!.numEdges).toBe(2);
    expect(() =>
      readGraphJson(JSON.stringify({ x: [[1], ["a"]], edge_index: [[0], [1]] }), {
        task: "node-classification",
        file: "g.json",
      }),
    ).toThrow(/g\.json: graph\.x\[1\]\[0\] expected a finite number, got the string "a"/);
  });

  it("reads OGB's raw layout (graph property prediction with a split)", () => {
    const d = readOgbGraphs(
      {
        edge: "0,1\n1,2\n0,1\n",
        nodeFeat: "1,0\n0,1\n1,1\n2,2\n3,3\n",
        numNodeList: "3\n2\n",
        numEdgeList: "2\n1\n",
        graphLabel: "0\n1\n",
        train: "0\n",
        valid: "1\n",
        test: "1\n",
      },
      { task: "graph-classification" },
    );
    expect(d.graphs.map((g) => [g.numNodes, g.numEdges])).toEqual([
      [3, 4],
      [2, 2],
    ]);
    expect(Array.from(d.graphs[1]!.x!.data)).toEqual([2, 2, 3, 3]);
    expect(d.schema.classes).toEqual(["0", "1"]);
    expect(Array.from(d.split!.train)).toEqual([0]);
  });

  it("makes seeded (optionally stratified) random splits", () => {
    const a = randomSplit(100, { seed: 3 });
    expect([a.train.length, a.val.length, a.test.length]).toEqual([80, 10, 10]);
    expect(randomSplit(100, { seed: 3 })).toEqual(a);
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 20 ? 1 : 0));
    const s = randomSplit(100, { seed: 1, stratify: labels });
    expect(Array.from(s.test).filter((i) => labels[i] === 1).length).toBe(2);
  });

  it("reads 3-D molecules from XYZ and JSON", () => {
    const xyz = parseXyz("3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n2\nH2\nH 0 0 0\nH 0 0 0.74\n");
    expect(xyz.map((m) => [m.name, Array.from(m.z)])).toEqual([
      ["water", [8, 1, 1]],
      ["H2", [1, 1]],
    ]);
    expect(() => parseXyz("1\nx\nXx 0 0 0\n", "a.xyz")).toThrow(/a\.xyz line 3: unknown element "Xx"/);
    const js = parseMoleculesJson(
      JSON.stringify([
        {
          z: ["C", 1],
          pos: [
            [0, 0, 0],
            [1, 0, 0],
          ],
          y: -3,
        },
      ]),
    );
    const g = moleculeGraph(js[0]!);
    expect(Array.from(g.get("z")!.data)).toEqual([6, 1]);
    expect(Array.from(g.get("y")!.data)).toEqual([-3]);
    expect(() => parseMoleculesJson('[{"z":[6],"pos":[["0",0,0]]}]', "m.json")).toThrow(
      /m\.json: molecules\[0\]\.pos\[0\]/,
    );
  });
});
