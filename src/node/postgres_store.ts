/**
 * Graph and feature stores in PostgreSQL (through the optional `pg` client). Two tables, keyed by
 * node id, hold what the in-memory stores hold:
 *
 *   <prefix>_adj  (node int4 primary key, edge_offset int4, nbrs bytea)   -- incoming neighbours, int32 LE
 *   <prefix>_feat (node int4 primary key, "<attr>" bytea, …)             -- one row of each attribute
 *   <prefix>_meta (key text primary key, value text)                     -- sizes, attributes, fingerprint
 *
 * A batched look-up is one query: the rows of all requested nodes come back as one `bytea` built by
 * `string_agg(… ORDER BY node)` (sent as hex text, decoded natively), so a neighbour-sampled batch
 * costs one round trip per hop plus one for its features. Both tables are keyed by node id only, so a
 * distributed PostgreSQL (Citus) can shard them by `node` without changing the queries
 * (docs/scaling-out.md says what was tested).
 */
import type { Pool } from "pg";
import { InMemoryFeatureStore, type InMemoryGraphStore } from "../data/stores/memory.js";
import {
  type FeatureArray,
  type FeatureDType,
  type FeatureInfo,
  type FeatureStore,
  featureArray,
  featureInfo,
  freshStoreKey,
  type GraphStore,
  type NeighborLists,
  rememberStore,
  type StoreHandle,
} from "../data/stores/store.js";
import { ErlangenError, opError } from "../tensor/errors.js";

const MODULE = import.meta.url;

type PgModule = typeof import("pg");

let pgModule: PgModule | null = null;

/** The `pg` client module (an optional dependency), imported on first use. */
async function loadPg(): Promise<PgModule> {
  if (pgModule !== null) return pgModule;
  try {
    const m = (await import("pg")) as unknown as { default?: PgModule } & PgModule;
    pgModule = m.default ?? m;
    return pgModule;
  } catch (e) {
    throw new ErlangenError(
      `PostgreSQL store: the optional dependency 'pg' is not installed (npm install pg): ${(e as Error).message}`,
    );
  }
}

/** Options of the PostgreSQL stores. */
export interface PostgresStoreOptions {
  /** Table name prefix (default `erlangen`; letters, digits and `_`). */
  prefix?: string;
  /** Connections per process (default 2). */
  maxConnections?: number;
}

function checkPrefix(op: string, prefix: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix))
    opError(
      op,
      "prefix",
      "lower-case letters, digits and '_' (at most 41, not starting with a digit)",
      JSON.stringify(prefix),
    );
  return prefix;
}

function checkAttrName(op: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(name) || name === "node")
    opError(op, "attribute", "a name of letters, digits and '_' (not 'node')", JSON.stringify(name));
  return name;
}

const BYTES: Record<FeatureDType, number> = { float32: 4, int32: 4, uint8: 1 };

/** `{1,2,3}`: an int4[] literal (much faster to send than pg's quoted element form). */
function intArrayLiteral(a: Int32Array): string {
  return `{${a.join(",")}}`;
}

/** The sorted distinct values of `a`. */
function sortedUnique(a: Int32Array): Int32Array {
  const s = a.slice().sort();
  let w = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) s[w++] = s[i]!;
  return s.subarray(0, w);
}

/** Position of `v` in the sorted array `u` (which holds it). */
function lowerBound(u: Int32Array, v: number): number {
  let a = 0;
  let b = u.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (u[m]! < v) a = m + 1;
    else b = m;
  }
  return a;
}

/** Connections shared by the stores of one database URL in this thread. */
const pools = new Map<string, { pool: Pool; users: number }>();

async function acquirePool(url: string, max: number): Promise<Pool> {
  const hit = pools.get(url);
  if (hit !== undefined) {
    hit.users++;
    return hit.pool;
  }
  const pg = await loadPg();
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => {}); // idle-client errors surface on the next query
  pools.set(url, { pool, users: 1 });
  return pool;
}

async function releasePool(url: string): Promise<void> {
  const hit = pools.get(url);
  if (hit === undefined) return;
  if (--hit.users > 0) return;
  pools.delete(url);
  await hit.pool.end();
}

/** Sizes and attributes recorded in `<prefix>_meta`. */
export interface PostgresGraphMeta {
  numNodes: number;
  numEdges: number;
  attrs: FeatureInfo[];
  /** Free text the writer recorded (e.g. the generator's parameters), to recognise a stored graph. */
  fingerprint: string;
}

/** Reads `<prefix>_meta`, or null when the tables do not exist. */
export async function readPostgresMeta(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<PostgresGraphMeta | null> {
  const prefix = checkPrefix("readPostgresMeta", opts.prefix ?? "erlangen");
  const pool = await acquirePool(url, opts.maxConnections ?? 2);
  try {
    const exists = await pool.query("SELECT to_regclass($1) AS t", [`${prefix}_meta`]);
    if (exists.rows[0]?.t === null) return null;
    const res = await pool.query(`SELECT key, value FROM ${prefix}_meta`);
    const kv = new Map<string, string>(res.rows.map((r: { key: string; value: string }) => [r.key, r.value]));
    if (!kv.has("numNodes")) return null;
    return {
      numNodes: Number(kv.get("numNodes")),
      numEdges: Number(kv.get("numEdges")),
      attrs: JSON.parse(kv.get("attrs") ?? "[]") as FeatureInfo[],
      fingerprint: kv.get("fingerprint") ?? "",
    };
  } finally {
    await releasePool(url);
  }
}

interface PgParams {
  url: string;
  prefix: string;
  maxConnections: number;
  meta: PostgresGraphMeta;
}

/** The adjacency in `<prefix>_adj`: one query per batched look-up. */
export class PostgresGraphStore implements GraphStore {
  readonly numNodes: number;
  readonly numEdges: number;
  /** Round trips made by this store (one per {@link neighbors} call). */
  queries = 0;
  private key: string | null = null;

  private constructor(
    private readonly params: PgParams,
    private readonly pool: Pool,
  ) {
    this.numNodes = params.meta.numNodes;
    this.numEdges = params.meta.numEdges;
  }

  /** Opens the store (reads nothing but the sizes). */
  static async open(params: PgParams): Promise<PostgresGraphStore> {
    return new PostgresGraphStore(params, await acquirePool(params.url, params.maxConnections));
  }

  async neighbors(nodes: Int32Array): Promise<NeighborLists> {
    const op = "PostgresGraphStore.neighbors";
    const N = this.numNodes;
    for (let i = 0; i < nodes.length; i++)
      if (nodes[i]! < 0 || nodes[i]! >= N)
        opError(op, "nodes", `node ids in [0, ${N})`, `${nodes[i]} at position ${i}`);
    const n = nodes.length;
    const start = new Int32Array(n);
    const count = new Int32Array(n);
    const edgeOffset = new Int32Array(n);
    if (n === 0) return { start, count, index: new Int32Array(0), edgeOffset };
    const u = sortedUnique(nodes);
    const t = `${this.params.prefix}_adj`;
    this.queries++;
    const res = await this.pool.query({
      text: `SELECT string_agg(int4send(node) || int4send(edge_offset) || int4send(length(nbrs) / 4) || nbrs, ''::bytea ORDER BY node) AS b FROM ${t} WHERE node = ANY($1::int4[])`,
      values: [intArrayLiteral(u)],
    });
    const buf = res.rows[0]?.b as Buffer | null;
    if (buf === null || buf === undefined) throw new ErlangenError(`${op}: no rows for the requested nodes in ${t}`);
    // rows: node (BE), edge offset (BE), count (BE), count × int32 LE; index holds all neighbours
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const rowStart = new Int32Array(u.length);
    const rowCount = new Int32Array(u.length);
    const rowOff = new Int32Array(u.length);
    let total = 0;
    let p = 0;
    for (let k = 0; k < u.length; k++) {
      if (p + 12 > buf.byteLength || dv.getInt32(p, false) !== u[k])
        throw new ErlangenError(`${op}: ${t} has no row for node ${u[k]} (is the table complete?)`);
      rowOff[k] = dv.getInt32(p + 4, false);
      const c = dv.getInt32(p + 8, false);
      rowCount[k] = c;
      rowStart[k] = total;
      total += c;
      p += 12 + 4 * c;
    }
    const index = new Int32Array(total);
    p = 0;
    for (let k = 0; k < u.length; k++) {
      const c = rowCount[k]!;
      const from = buf.byteOffset + p + 12;
      if (from % 4 === 0) index.set(new Int32Array(buf.buffer, from, c), rowStart[k]!);
      else for (let j = 0; j < c; j++) index[rowStart[k]! + j] = dv.getInt32(p + 12 + 4 * j, true);
      p += 12 + 4 * c;
    }
    for (let i = 0; i < n; i++) {
      const k = lowerBound(u, nodes[i]!);
      start[i] = rowStart[k]!;
      count[i] = rowCount[k]!;
      edgeOffset[i] = rowOff[k]!;
    }
    return { start, count, index, edgeOffset };
  }

  handle(): StoreHandle {
    if (this.key === null) {
      this.key = freshStoreKey("pg-graph");
      rememberStore(this.key, this);
    }
    return { module: MODULE, factory: "openPostgresGraphStore", params: this.params, key: this.key };
  }

  async close(): Promise<void> {
    await releasePool(this.params.url);
  }
}

/** Opens the graph store of a handle (in a worker: its own connections). */
export function openPostgresGraphStore(params: PgParams): Promise<PostgresGraphStore> {
  return PostgresGraphStore.open(params);
}

/** Node attributes in `<prefix>_feat`: one query per batched look-up. */
export class PostgresFeatureStore implements FeatureStore {
  readonly numNodes: number;
  readonly attrs: readonly FeatureInfo[];
  /** Round trips made by this store. */
  queries = 0;
  private key: string | null = null;

  private constructor(
    private readonly params: PgParams,
    private readonly pool: Pool,
  ) {
    this.numNodes = params.meta.numNodes;
    this.attrs = params.meta.attrs;
  }

  static async open(params: PgParams): Promise<PostgresFeatureStore> {
    return new PostgresFeatureStore(params, await acquirePool(params.url, params.maxConnections));
  }

  async get(names: readonly string[], nodes: Int32Array): Promise<Record<string, FeatureArray>> {
    const op = "PostgresFeatureStore.get";
    const infos = names.map((nm) => featureInfo(op, this, nm));
    const N = this.numNodes;
    for (let i = 0; i < nodes.length; i++)
      if (nodes[i]! < 0 || nodes[i]! >= N)
        opError(op, "nodes", `node ids in [0, ${N})`, `${nodes[i]} at position ${i}`);
    const out: Record<string, FeatureArray> = {};
    for (const a of infos) out[a.name] = featureArray(a.dtype, nodes.length * a.width);
    if (nodes.length === 0 || infos.length === 0) return out;
    const u = sortedUnique(nodes);
    const t = `${this.params.prefix}_feat`;
    const cols = infos.map((a) => `"${a.name}"`).join(" || ");
    this.queries++;
    const res = await this.pool.query({
      text: `SELECT string_agg(int4send(node) || ${cols}, ''::bytea ORDER BY node) AS b FROM ${t} WHERE node = ANY($1::int4[])`,
      values: [intArrayLiteral(u)],
    });
    const buf = res.rows[0]?.b as Buffer | null;
    const rowBytes = 4 + infos.reduce((s, a) => s + a.width * BYTES[a.dtype], 0);
    if (buf === null || buf === undefined || buf.byteLength !== rowBytes * u.length)
      throw new ErlangenError(
        `${op}: ${t} returned ${buf === null || buf === undefined ? 0 : buf.byteLength / rowBytes} of ${u.length} rows (is the table complete?)`,
      );
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // each unique row's attribute values, then copied to every requested position
    const rows: FeatureArray[] = infos.map((a) => featureArray(a.dtype, u.length * a.width));
    for (let k = 0; k < u.length; k++) {
      let p = k * rowBytes;
      if (dv.getInt32(p, false) !== u[k]) throw new ErlangenError(`${op}: ${t} has no row for node ${u[k]}`);
      p += 4;
      infos.forEach((a, ai) => {
        const dst = rows[ai]!;
        const o = k * a.width;
        if (a.dtype === "float32") for (let j = 0; j < a.width; j++, p += 4) dst[o + j] = dv.getFloat32(p, true);
        else if (a.dtype === "int32") for (let j = 0; j < a.width; j++, p += 4) dst[o + j] = dv.getInt32(p, true);
        else for (let j = 0; j < a.width; j++, p += 1) dst[o + j] = dv.getUint8(p);
      });
    }
    const pos = new Int32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) pos[i] = lowerBound(u, nodes[i]!);
    infos.forEach((a, ai) => {
      const src = rows[ai]!;
      const dst = out[a.name]!;
      const w = a.width;
      for (let i = 0; i < nodes.length; i++) {
        const s = pos[i]! * w;
        const d = i * w;
        for (let j = 0; j < w; j++) dst[d + j] = src[s + j]!;
      }
    });
    return out;
  }

  handle(): StoreHandle {
    if (this.key === null) {
      this.key = freshStoreKey("pg-features");
      rememberStore(this.key, this);
    }
    return { module: MODULE, factory: "openPostgresFeatureStore", params: this.params, key: this.key };
  }

  async close(): Promise<void> {
    await releasePool(this.params.url);
  }
}

/** Opens the feature store of a handle (in a worker: its own connections). */
export function openPostgresFeatureStore(params: PgParams): Promise<PostgresFeatureStore> {
  return PostgresFeatureStore.open(params);
}

/**
 * Opens the stores of the graph written under `prefix` (see {@link writePostgresStores}); throws when
 * the tables are missing.
 */
export async function connectPostgresStores(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<{ graphStore: PostgresGraphStore; featureStore: PostgresFeatureStore; meta: PostgresGraphMeta }> {
  const prefix = checkPrefix("connectPostgresStores", opts.prefix ?? "erlangen");
  const meta = await readPostgresMeta(url, { ...opts, prefix });
  if (meta === null)
    throw new ErlangenError(
      `connectPostgresStores: no graph stored under prefix '${prefix}' (write one with writePostgresStores)`,
    );
  const params: PgParams = { url, prefix, maxConnections: opts.maxConnections ?? 2, meta };
  const [graphStore, featureStore] = await Promise.all([
    PostgresGraphStore.open(params),
    PostgresFeatureStore.open(params),
  ]);
  return { graphStore, featureStore, meta };
}

/** Options of {@link writePostgresStores}. */
export interface WritePostgresOptions extends PostgresStoreOptions {
  /** Recorded in the meta table (e.g. a dataset name and seed), to recognise the graph later. */
  fingerprint?: string;
  /** Attributes to write (default: all). */
  attrs?: readonly string[];
  /** Rows per INSERT (default 20,000). */
  chunkRows?: number;
  /** Called after each chunk with the rows written so far and the total (both tables). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Writes a graph held in memory into `<prefix>_adj`, `<prefix>_feat` and `<prefix>_meta` (replacing
 * tables of the same prefix), then adds the primary keys and analyses the tables.
 */
export async function writePostgresStores(
  url: string,
  graph: InMemoryGraphStore,
  features: InMemoryFeatureStore,
  opts: WritePostgresOptions = {},
): Promise<PostgresGraphMeta> {
  const op = "writePostgresStores";
  const prefix = checkPrefix(op, opts.prefix ?? "erlangen");
  if (features.numNodes !== graph.numNodes)
    opError(op, "features", `a feature store of ${graph.numNodes} nodes (the graph's)`, `${features.numNodes} nodes`);
  const attrs = (opts.attrs ?? features.attrs.map((a) => a.name)).map((n) =>
    featureInfo(op, features, checkAttrName(op, n)),
  );
  const chunk = opts.chunkRows ?? 20_000;
  const N = graph.numNodes;
  const pool = await acquirePool(url, opts.maxConnections ?? 2);
  try {
    const q = (text: string, values?: unknown[]) => pool.query(text, values);
    for (const t of ["adj", "feat", "meta"]) await q(`DROP TABLE IF EXISTS ${prefix}_${t}`);
    await q(`CREATE TABLE ${prefix}_meta (key text PRIMARY KEY, value text NOT NULL)`);
    await q(`CREATE TABLE ${prefix}_adj (node int4 NOT NULL, edge_offset int4 NOT NULL, nbrs bytea NOT NULL)`);
    await q(
      `CREATE TABLE ${prefix}_feat (node int4 NOT NULL${attrs.map((a) => `, "${a.name}" bytea NOT NULL`).join("")})`,
    );
    const { ptr, index } = graph;
    const arrays = attrs.map((a) => features.array(a.name));
    const total = 2 * N;
    for (let lo = 0; lo < N; lo += chunk) {
      const hi = Math.min(N, lo + chunk);
      const ids: number[] = [];
      const offs: number[] = [];
      const nbrs: Buffer[] = [];
      for (let v = lo; v < hi; v++) {
        ids.push(v);
        offs.push(ptr[v]!);
        const row = index.subarray(ptr[v]!, ptr[v + 1]!);
        nbrs.push(Buffer.from(row.buffer, row.byteOffset, row.byteLength));
      }
      await q(`INSERT INTO ${prefix}_adj SELECT * FROM unnest($1::int4[], $2::int4[], $3::bytea[])`, [ids, offs, nbrs]);
      opts.onProgress?.(hi, total);
    }
    for (let lo = 0; lo < N; lo += chunk) {
      const hi = Math.min(N, lo + chunk);
      const ids = Array.from({ length: hi - lo }, (_, i) => lo + i);
      const cols = attrs.map((a, ai) => {
        const data = arrays[ai]!;
        const b = BYTES[a.dtype] * a.width;
        const rows: Buffer[] = [];
        for (let v = lo; v < hi; v++) {
          const r = data.subarray(v * a.width, (v + 1) * a.width);
          rows.push(Buffer.from(r.buffer, r.byteOffset, b));
        }
        return rows;
      });
      const casts = attrs.map((_, i) => `$${i + 2}::bytea[]`).join(", ");
      await q(`INSERT INTO ${prefix}_feat SELECT * FROM unnest($1::int4[]${casts.length > 0 ? `, ${casts}` : ""})`, [
        ids,
        ...cols,
      ]);
      opts.onProgress?.(N + hi, total);
    }
    await q(`ALTER TABLE ${prefix}_adj ADD PRIMARY KEY (node)`);
    await q(`ALTER TABLE ${prefix}_feat ADD PRIMARY KEY (node)`);
    const meta: PostgresGraphMeta = {
      numNodes: N,
      numEdges: graph.numEdges,
      attrs: attrs.map(({ name, dtype, width }) => ({ name, dtype, width })),
      fingerprint: opts.fingerprint ?? "",
    };
    await q(
      `INSERT INTO ${prefix}_meta VALUES ('numNodes', $1), ('numEdges', $2), ('attrs', $3), ('fingerprint', $4)`,
      [String(meta.numNodes), String(meta.numEdges), JSON.stringify(meta.attrs), meta.fingerprint],
    );
    await q(`ANALYZE ${prefix}_adj`);
    await q(`ANALYZE ${prefix}_feat`);
    return meta;
  } finally {
    await releasePool(url);
  }
}

/** Re-reads a stored graph into memory stores (for checks and small graphs). */
export async function readPostgresStores(
  url: string,
  opts: PostgresStoreOptions = {},
): Promise<{ ptr: Int32Array; index: Int32Array; features: InMemoryFeatureStore }> {
  const { graphStore, featureStore, meta } = await connectPostgresStores(url, opts);
  try {
    const all = Int32Array.from({ length: meta.numNodes }, (_, i) => i);
    const lists = await graphStore.neighbors(all);
    const ptr = new Int32Array(meta.numNodes + 1);
    for (let v = 0; v < meta.numNodes; v++) ptr[v + 1] = ptr[v]! + lists.count[v]!;
    const index = new Int32Array(ptr[meta.numNodes]!);
    for (let v = 0; v < meta.numNodes; v++)
      index.set(lists.index.subarray(lists.start[v]!, lists.start[v]! + lists.count[v]!), ptr[v]!);
    const rows = await featureStore.get(
      meta.attrs.map((a) => a.name),
      all,
    );
    const features = new InMemoryFeatureStore(meta.numNodes);
    for (const a of meta.attrs) features.put(a.name, rows[a.name]!, a.width);
    return { ptr, index, features };
  } finally {
    await graphStore.close();
    await featureStore.close();
  }
}
