/** Fuzzing the restricted `torch.save` reader: mutated archives end in tensors or an ErlangenError. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadTorchFile } from "../src/io/torch_pt.js";
import { formatFuzzReport, fuzzReader } from "./helpers/fuzz.js";

describe("fuzz: torch .pt archives", () => {
  it("mutated archives give tensors or a clean error (never a raw exception, a hang or a huge allocation)", () => {
    const seeds = ["torch_linear_f32", "pyg_gat", "e3nn_gate"].map(
      (n) => new Uint8Array(readFileSync(`tests/fixtures/weights/${n}.pt`)),
    );
    const r = fuzzReader("torch-pt", seeds, loadTorchFile, { count: 2000 });
    console.log(formatFuzzReport(r));
    expect(r.unclean, formatFuzzReport(r)).toBe(0);
  });

  it("refuses pickles that call anything but tensors and ordered dicts", () => {
    // a zip holding a data.pkl that asks for os.system (never run: refused when read)
    const evil = Uint8Array.from("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85R.", (c) => c.charCodeAt(0));
    const zip = storedZip([["a/data.pkl", evil]]);
    expect(() => loadTorchFile(zip)).toThrow(/refers to os\.system .*only tensors and ordered dicts are read/);
  });
});

/** A minimal stored (uncompressed) zip archive. */
function storedZip(files: [string, Uint8Array][]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const dv = new DataView(local.buffer);
    dv.setUint32(0, 0x04034b50, true);
    dv.setUint32(18, data.length, true);
    dv.setUint32(22, data.length, true);
    dv.setUint16(26, n.length, true);
    local.set(n, 30);
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    c.set(n, 46);
    parts.push(local, data);
    central.push(c);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((s, a) => s + a.length, 0));
  let p = 0;
  for (const a of all) {
    out.set(a, p);
    p += a.length;
  }
  return out;
}
