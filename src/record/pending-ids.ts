import path from 'node:path';
import type { EventStore } from '../store/event-store.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface Entry {
  run: string;
  seq: number;
  /** The connection that will write it: once closed, the event never will be. */
  store: EventStore;
  waiters: Waiter[];
}

/**
 * Writer-chosen event ids queued but not yet committed, shared by every run this process records
 * into one database. Ids are unique across a database's runs, so a second run emitting an id
 * another run still buffers is a duplicate of that event, as it would be once stored; without
 * this registry its batch would hit the unique index on every retry, forever.
 */
export class PendingIds {
  private static readonly byDatabase = new Map<unknown, PendingIds>();
  private readonly entries = new Map<string, Entry>();

  /** The registry of the database `store` writes to (by resolved path; each in-memory database its own). */
  static of(store: EventStore): PendingIds {
    const key = store.kind !== 'sqlite' ? store.location : store.location === ':memory:' || store.location === '' ? store : path.resolve(store.location);
    let ids = PendingIds.byDatabase.get(key);
    if (ids === undefined) {
      ids = new PendingIds();
      PendingIds.byDatabase.set(key, ids);
    }
    return ids;
  }

  /** Where a queued id's event is, or undefined. */
  get(id: string): { run: string; seq: number } | undefined {
    const e = this.entries.get(id);
    if (e !== undefined && !e.store.isOpen) {
      // Its writer's connection is gone (a writer that dropped a refused recorder): it will not be stored.
      this.drop(id, e.run, new Error(`the connection that held event ${id} was closed before it was written`));
      return undefined;
    }
    return e;
  }

  add(id: string, run: string, seq: number, store: EventStore): void {
    this.entries.set(id, { run, seq, store, waiters: [] });
  }

  /** Calls `waiter` when the event holding `id` commits (or its write fails). */
  wait(id: string, waiter: Waiter): void {
    const e = this.entries.get(id);
    if (e === undefined) waiter.resolve();
    else e.waiters.push(waiter);
  }

  /** The event holding `id` is stored: forget it, and resolve those waiting for it. */
  committed(id: string, run: string): void {
    const e = this.entries.get(id);
    if (e === undefined || e.run !== run) return;
    this.entries.delete(id);
    for (const w of e.waiters) w.resolve();
  }

  /** The event holding `id` will never be stored by its writer (refused for good): forget it, rejecting those waiting. */
  drop(id: string, run: string, error: unknown): void {
    const e = this.entries.get(id);
    if (e === undefined || e.run !== run) return;
    this.entries.delete(id);
    for (const w of e.waiters) w.reject(error);
  }

  /** Its write failed (the event stays queued for a retry): reject those waiting, as its own emit is rejected. */
  failed(id: string, run: string, error: unknown): void {
    const e = this.entries.get(id);
    if (e === undefined || e.run !== run) return;
    const waiters = e.waiters;
    e.waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
