import { z } from 'zod';
import { Tensor } from './tensor.js';

/** Any IEEE number, NaN and ±Infinity included: for values a model computed (a loss can diverge). */
export const AnyFloat = z.custom<number>((v) => typeof v === 'number', 'expected a number (NaN and ±Infinity allowed)');

/** A finite number: for values the environment or the user supplies, where NaN is a bug to reject. */
export const Finite = z.number();

export const Count = z.int().nonnegative();

/** JSON-serialisable configuration or state. */
export const Json = z.json();
export type Json = z.infer<typeof Json>;

/** A discrete action id or a continuous action vector. */
export const Action = z.union([Count, Tensor]);
export type Action = z.infer<typeof Action>;

/** Component version: content hash of its parameters (16 hex digits for flightrec's own components). */
export const Version = z.string().min(1).max(128);

/** Component name, unique within a run. */
export const ComponentName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'component names are 1-64 characters of A-Z a-z 0-9 _ . : -');

/** Row indices into a batched call's tensors (which rows were chosen or expanded further). */
export const Rows = z.array(Count);
