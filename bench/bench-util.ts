/** Helpers shared by benchmarks: timing, GC between measurements, temp files, file sizes, tables. */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { unpackBlob } from '../src/store/blob-packing.js';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as (() => void) | undefined;

/** Full garbage collection (so one measurement does not pay for the previous one's garbage). */
export function collectGarbage(): void {
  gcFn?.();
}

const gcPauses: { start: number; duration: number }[] = [];
let gcObserver: PerformanceObserver | null = null;

/** Starts recording GC pauses (main-thread pause time, from perf_hooks 'gc' entries). */
export function trackGc(): void {
  if (gcObserver !== null) return;
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

export function untrackGc(): void {
  gcObserver?.disconnect();
  gcObserver = null;
  gcPauses.length = 0;
}

/** GC pause time (ms) that started within [t0, t1]. Waits a tick first: entries are delivered asynchronously. */
export async function gcMsBetween(t0: number, t1: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 20));
  let ms = 0;
  for (const p of gcPauses) if (p.start >= t0 && p.start <= t1) ms += p.duration;
  const keepFrom = gcPauses.findIndex((p) => p.start > t1);
  gcPauses.splice(0, keepFrom < 0 ? gcPauses.length : keepFrom);
  return ms;
}

/**
 * CPU time (user + system, ms, 10 ms resolution) of the calling thread alone, from Linux's
 * /proc/thread-self/stat; NaN elsewhere. Unlike wall time it barely moves when other processes
 * compete for the cores, and unlike process.cpuUsage() it leaves out V8's GC helper threads.
 */
export function threadCpuMs(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
  } catch {
    return NaN;
  }
}

export function now(): number {
  return performance.now();
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A fresh directory under os.tmpdir(); `cleanup()` removes it and everything in it. */
export function tempDir(prefix: string): { dir: string; file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Removes a SQLite database with its -wal and -shm files. */
export function removeDatabase(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(p, { force: true });
}

/** Bytes a SQLite database takes on disk after a TRUNCATE checkpoint: main file plus -wal if any. */
export function sqliteBytes(path: string): number {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
}

/** Bytes per table and index (dbstat), largest first. */
export function sqliteObjectBytes(path: string): { name: string; bytes: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc').all() as { name: string; bytes: number }[];
  } finally {
    db.close();
  }
}

export function machine(): { cpus: number; cpu: string; node: string } {
  const c = cpus();
  return { cpus: c.length, cpu: c[0]?.model ?? 'unknown', node: process.version };
}

/** Fixed-width text table; numeric-looking cells are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (s: string) => /^[-+~≈]?[\d.,]+[×%]?$|^[\d.,]+ ?[a-zµ/]*$/.test(s);
  const fmt = (r: readonly string[]) => r.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}

export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

/** Rounds for JSON output (keeps results readable). */
export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A getBlob over a raw better-sqlite3 connection, as the benchmarks' raw baselines read blobs: unpacked, not hash-checked. */
export function rawBlobReader(db: Database.Database): (hash: Uint8Array) => Uint8Array {
  const blob = db.prepare('select bytes, size from blobs where hash = ?');
  return (hash) => {
    const r = blob.get(hash) as { bytes: Uint8Array; size: number };
    return unpackBlob(r.bytes, r.size)!;
  };
}
