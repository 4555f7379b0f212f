/**
 * A throw-away PostgreSQL server for tests and benchmarks: `initdb` in a temporary folder, `pg_ctl
 * start` on a free local port (TCP on 127.0.0.1, the socket in the same folder), trust
 * authentication, fsync off. The server binaries are looked up in `ERLANGEN_PG_BIN`, Debian's
 * `/usr/lib/postgresql/<version>/bin` (newest first) and `PATH`. PostgreSQL refuses to run as root:
 * as root, the folder is handed to the `postgres` user (else `nobody`) and the binaries run as that user.
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { ErlangenError } from "../tensor/errors.js";

/** The folder holding `initdb` and `pg_ctl`, or null when PostgreSQL's server binaries are absent. */
export function findPostgresBinaries(): string | null {
  const has = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
  const env = process.env.ERLANGEN_PG_BIN;
  if (env !== undefined && env !== "") return has(env) ? env : null;
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(base, v, "bin"))) return join(base, v, "bin");
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir !== "" && has(dir)) return dir;
  return null;
}

/** A running temporary server. */
export interface TemporaryPostgres {
  /** `postgres://erlangen@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** The temporary folder (data directory and socket). */
  readonly dir: string;
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function run(file: string, args: string[], ids: { uid: number; gid: number } | null): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...(ids ?? {}), env: { ...process.env, LC_ALL: "C" }, timeout: 600_000 },
      (err, stdout, stderr) => {
        if (err !== null) reject(new ErlangenError(`${file} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The uid/gid to run the server as (null when not root). */
function serverUser(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  for (const user of ["postgres", "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
      if (Number.isInteger(uid) && uid > 0) return { uid, gid };
    } catch {
      // try the next user
    }
  }
  throw new ErlangenError("startTemporaryPostgres: running as root and found neither a 'postgres' nor a 'nobody' user");
}

/**
 * Starts a temporary server (about 2–3 s on an idle machine; `initdb` may take minutes on a loaded
 * one, so each step may take up to 10 minutes). Throws when the binaries are missing; check with
 * {@link findPostgresBinaries} first to skip instead.
 */
export async function startTemporaryPostgres(opts: { binDir?: string } = {}): Promise<TemporaryPostgres> {
  const bin = opts.binDir ?? findPostgresBinaries();
  if (bin === null)
    throw new ErlangenError(
      "startTemporaryPostgres: PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's 'postgresql' package or set ERLANGEN_PG_BIN",
    );
  const ids = serverUser();
  const dir = mkdtempSync(join(tmpdir(), "erlangen-pg-"));
  if (ids !== null) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, "data");
  const port = await freePort();
  try {
    await run(
      join(bin, "initdb"),
      ["-D", data, "-A", "trust", "-U", "erlangen", "--no-sync", "-E", "UTF8", "--locale=C"],
      ids,
    );
    const conf = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
    ].join(" ");
    await run(join(bin, "pg_ctl"), ["-D", data, "-o", conf, "-l", join(dir, "log"), "-w", "-t", "300", "start"], ids);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let stopped = false;
  // a process that ends without stop() (a test timeout, an exception) still takes the server down
  const onExit = () => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], {
        ...(ids ?? {}),
        stdio: "ignore",
        timeout: 30_000,
      });
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  return {
    url: `postgres://erlangen@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", onExit);
      try {
        await run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], ids);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
