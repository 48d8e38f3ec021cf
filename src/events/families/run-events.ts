import { z } from 'zod';
import { ComponentName, Count, Json, Version } from '../common-schemas.js';
import { defineEventType, Role } from '../event-type.js';

/** A component as registered in a run: name, role, kind (implementation) and its version at start. */
export const ComponentInfo = z.strictObject({
  name: ComponentName,
  role: Role,
  kind: z.string().min(1).max(128),
  version: Version.nullable(),
});
export type ComponentInfo = z.infer<typeof ComponentInfo>;

/** The numeric backend a run computed on: exact reproduction is promised per backend. */
export const BackendInfo = z.strictObject({
  name: z.string().min(1),
  tfjsVersion: z.string().nullable(),
  backendVersion: z.string().nullable(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const RunStarted = defineEventType({
  type: 'run.started',
  payload: z.strictObject({
    name: z.string().max(200).nullable(),
    config: Json,
    seed: z.int().nullable(),
    env: z.string().nullable(),
    components: z.array(ComponentInfo),
    backend: BackendInfo.nullable(),
    code_version: z.string().nullable(),
    /** For a derived run (replay, re-evaluation): the run it was derived from, and what was overridden. */
    source_run: z.string().nullable(),
    overrides: Json.nullable(),
    /**
     * The factory that built the agent, which replay asks again: 'flightrec/reference',
     * 'module:<path>' (resolved against `cwd` when relative), or 'python:<module>:<function>'
     * (a Python factory served over stdio, clients/python/PROTOCOL.md). Absent in runs recorded before
     * factories were recorded; null when the run names none (replay then refuses it).
     */
    agent: z.string().min(1).max(4096).nullable().optional(),
    /** The working directory of the recording process, for relative module paths. */
    cwd: z.string().max(4096).nullable().optional(),
    /**
     * Tensors above this many bytes went to the blob table. The chain hashes the stored bytes,
     * so an import re-encodes with it; absent in older runs (the default, 256, then others, are tried).
     */
    blob_threshold: z.int().min(-1).nullable().optional(),
    /** The discount γ the agent plans and learns with; audits read it from here. */
    discount: z.number().gt(0).max(1).nullable().optional(),
  }),
});

export const RunEnded = defineEventType({
  type: 'run.ended',
  payload: z.strictObject({
    status: z.enum(['completed', 'failed', 'interrupted']),
    reason: z.string().nullable(),
    episodes: Count.nullable(),
    decisions: Count.nullable(),
  }),
});
