/** Small valid inputs of the dataset readers, cut from the shipped files, for the fuzz tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

const ROOT = join(import.meta.dirname, "..", "..", "datasets");

function text(path: string): string {
  const b = readFileSync(join(ROOT, path));
  return (path.endsWith(".gz") ? gunzipSync(b) : b).toString("utf8");
}

function bytes(path: string): Uint8Array {
  const b = readFileSync(join(ROOT, path));
  const u = path.endsWith(".gz") ? gunzipSync(b) : b;
  return new Uint8Array(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * The first `graphs` graphs of a shipped TU dataset, as the text of its files (keys are TU file kinds).
 */
export function tuSeed(name: string, graphs: number): Record<string, string> {
  const dir = `tu/${name}/${name}_`;
  const gi = text(`${dir}graph_indicator.txt.gz`).trim().split("\n");
  const nodes = gi.findIndex((l) => Number(l) > graphs);
  const N = nodes < 0 ? gi.length : nodes;
  const A = text(`${dir}A.txt.gz`).trim().split("\n");
  const keepEdge = A.map((l) => Number(l.split(",")[0]) <= N);
  const out: Record<string, string> = {};
  const lines = (ls: string[]) => `${ls.join("\n")}\n`;
  out.graph_indicator = lines(gi.slice(0, N));
  out.A = lines(A.filter((_, i) => keepEdge[i]));
  out.graph_labels = lines(text(`${dir}graph_labels.txt.gz`).trim().split("\n").slice(0, graphs));
  for (const k of ["node_labels", "node_attributes"]) {
    try {
      out[k] = lines(text(`${dir}${k}.txt.gz`).trim().split("\n").slice(0, N));
    } catch {}
  }
  for (const k of ["edge_labels", "edge_attributes"]) {
    try {
      out[k] = lines(
        text(`${dir}${k}.txt.gz`)
          .trim()
          .split("\n")
          .filter((_, i) => keepEdge[i]),
      );
    } catch {}
  }
  return out;
}

/** The first `n` items of a shipped MNIST split: idx image and label bytes. */
export function mnistSeed(n: number): { images: Uint8Array; labels: Uint8Array } {
  const im = bytes("mnist/t10k-images-idx3-ubyte.gz");
  const lb = bytes("mnist/t10k-labels-idx1-ubyte.gz");
  const images = im.slice(0, 16 + n * 784);
  new DataView(images.buffer).setUint32(4, n);
  const labels = lb.slice(0, 8 + n);
  new DataView(labels.buffer).setUint32(4, n);
  return { images, labels };
}

export { bytes as shippedBytes, text as shippedText };

/**
 * A small Planetoid-format graph (meta.json text plus little-endian array bytes keyed by array name):
 * `n` nodes on a ring (both directions), `f` sparse binary features, 3 classes, masks over thirds.
 */
export function planetoidSeed(n: number, f: number, features = true): Record<string, Uint8Array | string> {
  const le = <T extends Int32Array | Float32Array | Uint8Array>(a: T) => new Uint8Array(a.buffer.slice(0));
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    src.push(i, (i + 1) % n);
    dst.push((i + 1) % n, i);
  }
  const E = src.length;
  const indptr = [0];
  const indices: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) if ((i * 7 + c * 3) % 5 === 0) indices.push(c);
    indptr.push(indices.length);
  }
  const arrays: Record<string, Uint8Array> = {
    edge_index: le(Int32Array.from([...src, ...dst])),
    y: le(Int32Array.from({ length: n }, (_, i) => i % 3)),
    train_mask: le(Uint8Array.from({ length: n }, (_, i) => (i < n / 3 ? 1 : 0))),
    val_mask: le(Uint8Array.from({ length: n }, (_, i) => (i >= n / 3 && i < (2 * n) / 3 ? 1 : 0))),
    test_mask: le(Uint8Array.from({ length: n }, (_, i) => (i >= (2 * n) / 3 ? 1 : 0))),
  };
  const shapes: Record<string, [string, number[]]> = {
    edge_index: ["int32", [2, E]],
    y: ["int32", [n]],
    train_mask: ["uint8", [n]],
    val_mask: ["uint8", [n]],
    test_mask: ["uint8", [n]],
  };
  if (features) {
    arrays.x_indptr = le(Int32Array.from(indptr));
    arrays.x_indices = le(Int32Array.from(indices));
    arrays.x_data = le(Float32Array.from(indices, () => 1));
    shapes.x_indptr = ["int32", [n + 1]];
    shapes.x_indices = ["int32", [indices.length]];
    shapes.x_data = ["float32", [indices.length]];
  }
  const meta = {
    name: "Ring",
    num_nodes: n,
    num_features: f,
    num_classes: 3,
    features_available: features,
    arrays: Object.fromEntries(
      Object.entries(shapes).map(([k, [dtype, shape]]) => [
        k,
        { file: `${k}.${dtype === "int32" ? "i32" : dtype === "float32" ? "f32" : "u8"}.bin`, dtype, shape },
      ]),
    ),
  };
  return { "meta.json": JSON.stringify(meta, null, 1), ...arrays };
}

/** The first `n` molecules of the shipped QM7 copy (or QM9 10k with its split restricted to them). */
export function moleculeSeed(which: "qm7" | "qm9_ppqm10k", n: number): Record<string, Uint8Array | string> {
  const dir = `molecules/${which}/`;
  const ptr = new Int32Array(shippedArray(`${dir}atom_ptr.i32.bin`).buffer.slice(0, 4 * (n + 1)));
  const A = ptr[n]!;
  const out: Record<string, Uint8Array | string> = {
    z: bytes(`${dir}z.u8.bin`).slice(0, A),
    pos: bytes(`${dir}pos.f32.bin`).slice(0, 12 * A),
    atomPtr: new Uint8Array(ptr.buffer),
    csv: `${text(`${dir}molecules.csv`)
      .split("\n")
      .slice(0, n + 1)
      .join("\n")}\n`,
  };
  if (which === "qm9_ppqm10k") {
    const ids = Array.from({ length: n }, (_, i) => i);
    out.split = JSON.stringify({ train: ids.slice(0, n - 2), val: [n - 2], test: [n - 1] });
  }
  return out;
}

function shippedArray(path: string): Uint8Array {
  return bytes(path).slice();
}

/** The first `n` shapes of the shipped ModelNet10 30³ test split: packed bits and label bytes. */
export function modelnetSeed(n: number): { voxels: Uint8Array; labels: Uint8Array } {
  const dir = "grids/modelnet10_voxels30/";
  return {
    voxels: bytes(`${dir}test_voxels.bits.gz`).slice(0, 3375 * n),
    labels: bytes(`${dir}test_labels.u8.bin`).slice(0, n),
  };
}
