/**
 * A folder on disk as the store of per-mesh precomputations (`setMeshCache`): each entry is one file
 * `<key>.f64` holding its float64 arrays, `[count, length_0, …, length_{count−1}]` as float64 followed by
 * the arrays. `erlangen train` uses it when the environment variable `ERLANGEN_CACHE_DIR` names a folder,
 * so the eigenbases of a dataset are computed once across commands. Delete the folder after upgrading.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErlangenError } from "../tensor/errors.js";
import type { MeshCache } from "../train/meshes.js";

/** Largest entry read back (bytes). */
const MAX_ENTRY = 256 * 1024 * 1024;

/** A {@link MeshCache} in the folder `dir` (created when missing). Unreadable or malformed entries are misses. */
export function fileMeshCache(dir: string): MeshCache {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  else if (!statSync(dir).isDirectory()) throw new ErlangenError(`fileMeshCache: '${dir}' is not a folder`);
  const path = (key: string) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(key))
      throw new ErlangenError(`fileMeshCache: key '${key}' has characters outside [A-Za-z0-9_.-]`);
    return join(dir, `${key}.f64`);
  };
  return {
    get(key) {
      const p = path(key);
      try {
        if (!existsSync(p) || statSync(p).size > MAX_ENTRY) return undefined;
        const b = readFileSync(p);
        if (b.byteLength % 8 !== 0 || b.byteLength < 8) return undefined;
        const all = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        const count = all[0]!;
        if (!Number.isInteger(count) || count < 0 || count > 64 || all.length < 1 + count) return undefined;
        const out: Float64Array[] = [];
        let off = 1 + count;
        for (let i = 0; i < count; i++) {
          const n = all[1 + i]!;
          if (!Number.isInteger(n) || n < 0 || off + n > all.length) return undefined;
          out.push(all.slice(off, off + n));
          off += n;
        }
        return off === all.length ? out : undefined;
      } catch {
        return undefined;
      }
    },
    set(key, arrays) {
      const total = 1 + arrays.length + arrays.reduce((a, x) => a + x.length, 0);
      const all = new Float64Array(total);
      all[0] = arrays.length;
      let off = 1 + arrays.length;
      arrays.forEach((x, i) => {
        all[1 + i] = x.length;
        all.set(x, off);
        off += x.length;
      });
      const p = path(key);
      const tmp = `${p}.${process.pid}.tmp`;
      writeFileSync(tmp, new Uint8Array(all.buffer));
      renameSync(tmp, p);
    },
  };
}
