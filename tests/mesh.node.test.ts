import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readMeshFile, writeMeshFile } from "../src/node/index.js";
import { bunny, torus } from "./helpers/meshes.js";

const dir = mkdtempSync(join(tmpdir(), "erlangen-mesh-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mesh files (Node)", () => {
  it("writes and reads OBJ, OFF, ASCII and binary PLY by path", () => {
    const m = bunny();
    for (const name of ["b.obj", "b.off", "b.ply"]) {
      const p = join(dir, name);
      writeMeshFile(p, m);
      const back = readMeshFile(p);
      expect(back.positions).toEqual(m.positions);
      expect(back.faces).toEqual(m.faces);
    }
    const bin = join(dir, "t.ply");
    const t = torus();
    writeMeshFile(bin, t, "ply", { format: "binary", dtype: "float64" });
    expect(readMeshFile(bin).positions).toEqual(t.positions);
    // the format is sniffed from the content, whatever the extension
    const odd = join(dir, "mesh.dat");
    writeMeshFile(odd, t, "off");
    expect(readMeshFile(odd).numFaces).toBe(t.numFaces);
    expect(readMeshFile(odd, "off").numFaces).toBe(t.numFaces);
  });

  it("names the file in errors", () => {
    const p = join(dir, "bad.off");
    writeFileSync(p, "OFF\n3 1 0\n0 0 0\n");
    expect(() => readMeshFile(p)).toThrow(/bad\.off: readOff: OFF line 2/);
    expect(() => writeMeshFile(join(dir, "x.stl"), torus())).toThrow(/writeMeshFile: argument 'format'/);
  });
});
