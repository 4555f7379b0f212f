/** `erlangen train` on meshes: SHREC'11, human-body segmentation, a user's folder; tiny subsets only. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/command.js";
import { main } from "../src/cli/main.js";
import { getModel } from "../src/cli/registry.js";
import type { TrainReport } from "../src/cli/train.js";
import { resolveHyper } from "../src/cli/train_args.js";
import { writeMesh } from "../src/domains/mesh/io/read.js";
import { Mesh } from "../src/domains/mesh/mesh.js";
import { loadMeshFolder } from "../src/node/mesh_datasets.js";

function captureIO(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: { write: () => {}, isTTY: false },
  };
}

async function train(args: string[]): Promise<{ report: TrainReport; io: ReturnType<typeof captureIO> }> {
  const io = captureIO();
  const code = await main(["train", ...args, "--json"], io);
  expect(code, io.stderr.join("\n")).toBe(0);
  return { report: JSON.parse(io.stdout.at(-1)!) as TrainReport, io };
}

const tiny = ["--epochs", "2", "--hidden", "8", "--layers", "2", "--features", "xyz"];

describe("erlangen train: meshes", () => {
  it("shrec11 with the mesh GCN: the JSON contract, class-balanced limits, split 10", async () => {
    const { report, io } = await train([
      "-d",
      "shrec11",
      "-m",
      "gcn",
      ...tiny,
      "--train-limit",
      "30",
      "--test-limit",
      "30",
      "--seeds",
      "2",
    ]);
    expect(report.dataset).toBe("shrec11");
    expect(report.metric).toBe("accuracy");
    expect(report.runs).toBe(2);
    expect(report.test.values.length).toBe(2);
    expect(report.protocol).toMatch(/split 16/);
    expect(report.hyper).toMatchObject({ lr: 1e-3, lrStep: 50, batchSize: 1 });
    expect(report.limits).toEqual({ train: 30, test: 30 });
    expect(io.stderr.join("\n")).toMatch(/30 train \/ 30 test meshes, 252 vertices \/ 500 faces per mesh, 30 classes/);
    const s10 = await train(["-d", "shrec11", "-m", "gcn", ...tiny, "--split", "10:3", "--train-limit", "30"]);
    expect(s10.report.protocol).toMatch(/split 10 drawn with seed 3/);
  });

  it("every mesh model trains through the CLI on a tiny SHREC subset", async () => {
    for (const model of ["gem", "diffusionnet", "monet", "feastnet", "gcnn-polar", "mesh-cheb"]) {
      const { report } = await train([
        "-d",
        "shrec11",
        "-m",
        model,
        ...tiny,
        "--epochs",
        "1",
        "--train-limit",
        "3",
        "--test-limit",
        "2",
      ]);
      expect(report.model, model).toBe(model);
      expect(report.test.values.length, model).toBe(1);
    }
  });

  it("human-seg reports MeshCNN's metric and plain per-edge accuracy, and says which is which", async () => {
    const { report, io } = await train([
      "-d",
      "human-seg",
      "-m",
      "gcn",
      ...tiny,
      "--epochs",
      "1",
      "--train-limit",
      "2",
      "--test-limit",
      "1",
    ]);
    expect(report.metric).toBe("softAccuracy");
    expect(report.extra!.accuracy!.values.length).toBe(1);
    expect(report.test.mean).toBeGreaterThanOrEqual(report.extra!.accuracy!.mean - 1e-12);
    const text = io.stderr.join("\n");
    expect(text).toMatch(/test softAccuracy \(MeshCNN's metric: an edge is right when its soft label/);
    expect(text).toMatch(/test accuracy \(plain per-edge accuracy against the hard labels\)/);
  });

  it("mesh defaults follow DiffusionNet's recipe; dataset options are checked", async () => {
    const hp = resolveHyper(getModel("gcn"), "mesh-classification", "shrec11", {});
    expect(hp).toMatchObject({ epochs: 200, lr: 1e-3, lrStep: 50, lrGamma: 0.5, batchSize: 1, weightDecay: 0 });
    // the graph GCN keeps its own defaults
    expect(resolveHyper(getModel("gcn"), "node-classification", "cora", {})).toMatchObject({ hidden: 16, lr: 0.01 });
    const io = captureIO();
    await expect(main(["train", "-d", "human-seg", "-m", "gcn", "--split", "10"], io)).resolves.toBe(2);
    expect(io.stderr.join("\n")).toMatch(/option '--split' is not available for dataset 'human-seg'/);
    const io2 = captureIO();
    await expect(main(["train", "-d", "shrec11", "-m", "gcn", "--split", "12"], io2)).resolves.toBe(2);
    expect(io2.stderr.join("\n")).toMatch(/option '--split' expected 16, 10, 10:SEED or 10:per-seed, got '12'/);
    const io3 = captureIO();
    await expect(main(["train", "-d", "shrec11", "-m", "gcn", "--features", "rgb"], io3)).resolves.toBe(2);
    expect(io3.stderr.join("\n")).toMatch(/option '--features' expected one of/);
    const io4 = captureIO();
    await expect(main(["train", "-d", "shrec11", "-m", "gat"], io4)).resolves.toBe(2);
    expect(io4.stderr.join("\n")).toMatch(/does not support mesh-classification/);
  });

  it("mesh-folder: a user's OBJ/OFF/PLY files with a CSV or JSON labels file (classification, segmentation)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "erlangen-meshes-"));
    const octPos = [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1];
    const octFace = [0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5];
    const oct = (sx: number, sz: number) =>
      new Mesh(
        octPos.map((v, i) => (i % 3 === 0 ? v * sx : i % 3 === 2 ? v * sz : v)),
        octFace,
      );
    const files = ["a.obj", "b.off", "c.ply", "d.obj", "e.off", "f.ply"];
    files.forEach((f, i) => {
      writeFileSync(join(dir, f), writeMesh(oct(i % 2 ? 2 : 1, i % 2 ? 1 : 2), f.slice(-3) as "obj" | "off" | "ply"));
    });
    const csv = join(dir, "labels.csv");
    writeFileSync(
      csv,
      `file,label,split\n${files.map((f, i) => `${f},${i % 2 ? "wide" : "tall"},${i < 4 ? "train" : "test"}`).join("\n")}\n`,
    );
    const { report, io } = await train(["-d", "mesh-folder", "-m", "gcn", ...tiny, "--data", dir, "--labels", csv]);
    expect(report.test.values.length).toBe(1);
    expect(io.stderr.join("\n")).toMatch(/4 train \/ 2 test meshes from .*, 6 vertices \/ 8 faces per mesh, 2 classes/);
    const seg = join(dir, "seg.json");
    writeFileSync(
      seg,
      JSON.stringify({
        on: "vertex",
        items: files.map((f, i) => ({ file: f, labels: [0, 0, 1, 1, 2, 2], split: i < 4 ? "train" : "test" })),
      }),
    );
    const d = loadMeshFolder(dir, { labels: seg });
    expect(d.task).toBe("segmentation");
    const s = await train(["-d", "mesh-folder", "-m", "gcn", ...tiny, "--data", dir, "--labels", seg]);
    expect(s.report.metric).toBe("accuracy");
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "file,label\n../x.obj,1\n");
    expect(() => loadMeshFolder(dir, { labels: bad })).toThrow(/'..\/x.obj' is not a path inside/);
    const io2 = captureIO();
    await expect(main(["train", "-d", "mesh-folder", "-m", "gcn"], io2)).resolves.toBe(2);
    expect(io2.stderr.join("\n")).toMatch(/needs --data DIR and --labels FILE/);
  });

  it("erlangen check: GEM's gauge equivariance at round-off, measurements flagged as such", async () => {
    const io = captureIO();
    expect(await main(["check", "--model", "gem", "--json"], io)).toBe(0);
    const rows = JSON.parse(io.stdout.at(-1)!) as {
      group: string;
      maxRelError: number;
      pass: boolean;
      expected: boolean;
      check: string;
      measured?: boolean;
    }[];
    const layer = rows.find((r) => r.check.startsWith("GemConv layer"))!;
    expect(layer.pass).toBe(true);
    expect(layer.maxRelError).toBeLessThan(1e-12);
    expect(rows.find((r) => r.group.startsWith("C17^"))!.pass).toBe(true);
    const measured = rows.filter((r) => r.measured);
    expect(measured.map((r) => r.group)).toEqual(["remesh", "remesh", "bend"]);
    for (const r of measured) {
      expect(r.expected).toBe(false);
      expect(Number.isFinite(r.maxRelError)).toBe(true);
    }
    expect(io.stderr.join("\n")).toMatch(/measured \(not a check\)/);
    expect(io.stderr.join("\n")).toMatch(/3 measurements reported/);
  });
});
