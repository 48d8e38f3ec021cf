import { createHash } from 'node:crypto';

const ids = new Map<string, number>();

/**
 * The integer that keys the (run, type id, seq) index in place of the type's text: 23 bits of
 * sha256(type), so it takes 3 bytes in an SQLite record where the text took 15–25, and every
 * store and every process derives the same id without a table to agree on. Two types may share an
 * id: every query on it also compares the type's text, so a collision costs a few extra rows read,
 * never a wrong one. Migration 0002 wrote these ids into existing rows: the function is part of
 * the schema and never changes.
 */
export function eventTypeId(type: string): number {
  let id = ids.get(type);
  if (id === undefined) {
    const d = createHash('sha256').update(type, 'utf8').digest();
    id = ((d[0]! << 16) | (d[1]! << 8) | d[2]!) >>> 1;
    if (ids.size < 4096) ids.set(type, id);
  }
  return id;
}
