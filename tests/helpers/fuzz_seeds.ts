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
