/**
 * Internal helpers of the mesh domain (not exported from the package): grouping half-edges by their
 * undirected edge, and a union-find. Callers check vertex ids before calling.
 */

/** Half-edges grouped by undirected edge: `order[start[g]..start[g+1]]` are the half-edges of group `g`. */
export interface HalfEdgeGroups {
  /** Half-edge ids `h = 3f + k`, sorted by (min vertex, max vertex, h). Excluded faces are left out. */
  readonly order: Int32Array;
  /** Group offsets into `order`, length `groups + 1`. */
  readonly start: Int32Array;
  /** Smaller and larger vertex of each half-edge (length 3F, defined for included faces). */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

/**
 * Sorts the half-edges of `faces` (`[F, 3]` flat, ids in `[0, V)`) by their undirected key (lo, hi),
 * ties by half-edge id, and groups equal keys. A counting sort on `lo` then a sort of each bucket
 * by (hi, h): linear in practice and O(H log H) at worst. Faces with `include[f] === 0` are skipped.
 */
export function groupHalfEdges(faces: Int32Array, numVertices: number, include?: Uint8Array): HalfEdgeGroups {
  const H = faces.length;
  const lo = new Int32Array(H);
  const hi = new Int32Array(H);
  const count = new Int32Array(numVertices + 1);
  let n = 0;
  for (let h = 0; h < H; h++) {
    const f = (h / 3) | 0;
    if (include && !include[f]) continue;
    const a = faces[h]!;
    const b = faces[h - (h % 3) + ((h + 1) % 3)]!;
    const l = Math.min(a, b);
    lo[h] = l;
    hi[h] = Math.max(a, b);
    count[l + 1]!++;
    n++;
  }
  for (let v = 0; v < numVertices; v++) count[v + 1]! += count[v]!;
  const fill = count.slice(0, numVertices);
  const order = new Int32Array(n);
  for (let h = 0; h < H; h++) {
    if (include && !include[(h / 3) | 0]) continue;
    order[fill[lo[h]!]!++] = h;
  }
  // sort each lo-bucket by (hi, h): insertion sort for small buckets, the built-in sort otherwise
  for (let v = 0; v < numVertices; v++) {
    const s = count[v]!;
    const e = count[v + 1]!;
    if (e - s <= 1) continue;
    if (e - s <= 32) {
      for (let i = s + 1; i < e; i++) {
        const x = order[i]!;
        const kx = hi[x]!;
        let j = i - 1;
        while (j >= s && (hi[order[j]!]! > kx || (hi[order[j]!]! === kx && order[j]! > x))) {
          order[j + 1] = order[j]!;
          j--;
        }
        order[j + 1] = x;
      }
    } else {
      order.subarray(s, e).sort((x, y) => hi[x]! - hi[y]! || x - y);
    }
  }
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || lo[order[i]!] !== lo[order[i - 1]!] || hi[order[i]!] !== hi[order[i - 1]!]) starts.push(i);
  }
  starts.push(n);
  return { order, start: Int32Array.from(starts), lo, hi };
}

/** Union-find over `0..n−1` with path halving and union by size. */
export class UnionFind {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
  }
}

/** The half-edge before `h` in its face. */
export function prevOf(h: number): number {
  const k = h % 3;
  return h - k + ((k + 2) % 3);
}

/** The half-edge after `h` in its face. */
export function nextOf(h: number): number {
  const k = h % 3;
  return h - k + ((k + 1) % 3);
}
