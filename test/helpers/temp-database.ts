import Database from 'better-sqlite3';
import { decodeValue } from '../../src/events/payload-codec.js';
import { verifiedContents } from '../../src/store/blob-packing.js';
import type { EventRow } from '../../src/store/event-store.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp directory (removed by `cleanup`) for tests that need real SQLite files. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flightrec-'));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a raw connection on a database file, for tampering and for checks independent of the store. */
export function rawDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('busy_timeout = 30000');
  return db;
}

/** `PRAGMA integrity_check` of a file, through its own connection. */
export function integrityCheck(file: string): string {
  const db = rawDatabase(file);
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** The stored seqs of a run in order, read through a raw connection. */
export function storedSeqs(file: string, runId: string): number[] {
  const db = rawDatabase(file);
  try {
    return db.prepare('select e.seq from events e join runs r on r.pk = e.run_pk where r.id = ? order by e.seq').pluck().all(runId) as number[];
  } finally {
    db.close();
  }
}

/** The runs row of a run, through a raw connection. */
export function runRow(file: string, runId: string): { pk: number; status: string; head_seq: number; head_hash: Buffer | null } | undefined {
  const db = rawDatabase(file);
  try {
    return db.prepare('select pk, status, head_seq, head_hash from runs where id = ?').get(runId) as { pk: number; status: string; head_seq: number; head_hash: Buffer | null } | undefined;
  } finally {
    db.close();
  }
}

/** 0, 1, ..., n-1. */
export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** An events row as a raw better-sqlite3 connection returns it: blobs as Buffers. */
export type RawEventRow = Omit<EventRow, 'payload' | 'hash'> & { payload: Buffer; hash: Buffer };

/**
 * Open options for tests that fill the disk with `PRAGMA max_page_count`: they count their
 * failure points in pages, and 4 KiB pages (rather than the default 8 KiB) give each test twice
 * as many points to fail at.
 */
export const SMALL_PAGES = { pageSize: 4096 } as const;

/**
 * Decodes a stored payload read through a raw connection, fetching the blobs it references from
 * the same file (the observation and other tensors above the run's blob threshold are blobs).
 */
export function decodeStoredPayload(raw: Database.Database, payload: Uint8Array): unknown {
  const blob = raw.prepare('select bytes, size from blobs where hash = ?');
  return decodeValue(payload, {
    getBlob: (hash) => verifiedContents(Buffer.from(hash).toString('hex'), blob.get(Buffer.from(hash)) as { bytes: Uint8Array; size: number } | undefined),
  });
}

/**
 * Batching options for tests that make the store's own connection refuse writes (`PRAGMA
 * max_page_count`, `query_only`): those pragmas hold per connection, so these runs write on it
 * instead of on the store's writer thread, which has a connection of its own.
 */
export const INLINE_WRITES = { writer: 'inline' } as const;
