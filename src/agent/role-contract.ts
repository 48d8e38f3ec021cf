import type { Role } from '../events/event-type.js';
import { isTensor, type Tensor } from '../events/tensor.js';

/**
 * What each role's call must return, checked on every call of a component flightrec did not write
 * (a swapped-in `module:`). Live components are recorded as they answer: a diverging critic's
 * NaN is a finding, and the log keeps it bit for bit. A stand-in is held to its role:
 *
 * | role        | call       | must return                                                        | non-finite |
 * |-------------|------------|--------------------------------------------------------------------|------------|
 * | world_model | predict    | nextStates float32, the shape of `states`; done null or float32 [N] in [0, 1] | no |
 * | reward      | evaluate   | float32 [N]                                                        | no         |
 * | critic      | evaluate   | float32 [N]                                                        | no         |
 * | actor       | propose    | float32 [N, A] (A = the env's action count when known), ≥ 0; on a continuous env { mean, std } float32 [N, A], std > 0 | no |
 * | planner     | plan       | integer action (in [0, A) when known); on a continuous env a Float32Array inside the box; scores float32 [K] for K candidates; chosenIndex in [0, K); value a finite number or null | scores may be ±Infinity (masked candidates), never NaN |
 *
 * N is the number of rows the call was given. Every call is synchronous: a Promise is refused
 * (a module's factory may be async, and is awaited once when it loads).
 */
export interface RoleContractViolation {
  /** Which part of the answer, e.g. 'values' or 'nextStates'. */
  field: string;
  expected: string;
  received: string;
}

export interface ContractContext {
  /** Discrete action count of the run's env, when known. */
  actionCount: number | null;
  /** The action box of the run's env when its actions are continuous and it is known. */
  actionBox?: { low: readonly number[]; high: readonly number[] } | null;
}

/** Checks one call's output against its role's contract; null when it holds. `input` holds the call's arguments. */
export function checkRoleOutput(role: Role, input: readonly unknown[], output: unknown, ctx: ContractContext): RoleContractViolation | null {
  if (isPromise(output)) return { field: 'return value', expected: 'a value returned synchronously', received: 'a Promise (async functions are not supported: load asynchronously in the factory instead)' };
  const rows = rowsOf(input[0]);
  switch (role) {
    case 'reward':
      return tensor('rewards', output, [rows], { finite: true });
    case 'critic':
      return tensor('values', output, [rows], { finite: true });
    case 'actor': {
      if (ctx.actionBox) return checkGaussian(output, rows, ctx.actionBox.low.length);
      const bad = tensor('probs', output, [rows, ctx.actionCount], { finite: true });
      if (bad !== null) return bad;
      const data = (output as Tensor).data;
      const i = data.findIndex((p) => p < 0);
      return i < 0 ? null : { field: `probs[${i}]`, expected: 'a probability ≥ 0', received: String(data[i]) };
    }
    case 'world_model': {
      if (output === null || typeof output !== 'object') return { field: 'return value', expected: '{ nextStates, done }', received: describe(output) };
      const o = output as { nextStates?: unknown; done?: unknown };
      const states = input[0] as Tensor | undefined;
      const bad = tensor('nextStates', o.nextStates, states && isTensor(states) ? [...states.shape] : [rows], { finite: true });
      if (bad !== null) return bad;
      if (o.done === null) return null;
      if (o.done === undefined) return { field: 'done', expected: 'null or float32 [N]', received: 'undefined' };
      const d = tensor('done', o.done, [rows], { finite: true });
      if (d !== null) return d;
      const data = (o.done as Tensor).data;
      const i = data.findIndex((p) => p < 0 || p > 1);
      return i < 0 ? null : { field: `done[${i}]`, expected: 'a probability in [0, 1]', received: String(data[i]) };
    }
    case 'planner':
      return checkPlan(output, ctx);
  }
}

function checkPlan(output: unknown, ctx: ContractContext): RoleContractViolation | null {
  if (output === null || typeof output !== 'object') return { field: 'return value', expected: 'a PlanResult', received: describe(output) };
  const p = output as Record<string, unknown>;
  const a = p.action;
  if (ctx.actionBox) {
    const box = ctx.actionBox;
    if (!(a instanceof Float32Array) || a.length !== box.low.length) return { field: 'action', expected: `a Float32Array of ${box.low.length}`, received: describe(a) };
    const i = Array.from(a).findIndex((x, j) => !(x >= box.low[j]! && x <= box.high[j]!));
    if (i >= 0) return { field: `action[${i}]`, expected: `a number in [${box.low[i]}, ${box.high[i]}]`, received: String(a[i]) };
  } else if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || (ctx.actionCount !== null && a >= ctx.actionCount)) {
    return { field: 'action', expected: ctx.actionCount === null ? 'a non-negative integer' : `an integer in [0, ${ctx.actionCount})`, received: describe(a) };
  }
  if (!isTensor(p.candidates)) return { field: 'candidates', expected: 'a tensor [K]', received: describe(p.candidates) };
  const k = p.candidates.shape[0] ?? 0;
  const bad = tensor('scores', p.scores, [k], { finite: false });
  if (bad !== null) return bad;
  const nan = (p.scores as Tensor).data.findIndex((x) => Number.isNaN(x));
  if (nan >= 0) return { field: `scores[${nan}]`, expected: 'a number or ±Infinity', received: 'NaN' };
  const c = p.chosenIndex;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= k) return { field: 'chosenIndex', expected: `an integer in [0, ${k})`, received: describe(c) };
  if (p.value !== null && !(typeof p.value === 'number' && Number.isFinite(p.value))) return { field: 'value', expected: 'a finite number or null', received: describe(p.value) };
  if (!Array.isArray(p.search)) return { field: 'search', expected: 'an array of search levels', received: describe(p.search) };
  return null;
}

function checkGaussian(output: unknown, rows: number | null, A: number): RoleContractViolation | null {
  if (output === null || typeof output !== 'object' || isTensor(output)) return { field: 'return value', expected: '{ mean, std } for continuous actions', received: describe(output) };
  const o = output as { mean?: unknown; std?: unknown };
  const bad = tensor('mean', o.mean, [rows, A], { finite: true }) ?? tensor('std', o.std, [rows, A], { finite: true });
  if (bad !== null) return bad;
  const data = (o.std as Tensor).data;
  const i = data.findIndex((s) => !(s > 0));
  return i < 0 ? null : { field: `std[${i}]`, expected: 'a standard deviation > 0', received: String(data[i]) };
}

/** A float32 tensor of the given shape (null dimensions: any size ≥ 1), finite when asked. */
function tensor(field: string, v: unknown, shape: readonly (number | null)[], o: { finite: boolean }): RoleContractViolation | null {
  const want = `float32 [${shape.map((d) => d ?? 'A').join(', ')}]`;
  if (!isTensor(v)) return { field, expected: `a tensor ${want}`, received: describe(v) };
  if (v.dtype !== 'float32' || !(v.data instanceof Float32Array)) return { field: `${field}.dtype`, expected: 'float32 (data a Float32Array)', received: `${String(v.dtype)} (data a ${v.data.constructor.name})` };
  const shapeOk = v.shape.length === shape.length && shape.every((d, i) => (d === null ? v.shape[i]! >= 1 : v.shape[i] === d));
  if (!shapeOk) return { field: `${field}.shape`, expected: `[${shape.map((d) => d ?? 'A').join(', ')}]`, received: `[${v.shape.join(', ')}]` };
  const n = v.shape.reduce((a, b) => a * b, 1);
  if (v.data.length !== n) return { field: `${field}.data`, expected: `${n} elements for shape [${v.shape.join(', ')}]`, received: `${v.data.length} elements` };
  if (o.finite) {
    const i = v.data.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) return { field: `${field}[${i}]`, expected: 'a finite number', received: String(v.data[i]) };
  }
  return null;
}

function rowsOf(v: unknown): number | null {
  return isTensor(v) && typeof v.shape[0] === 'number' ? v.shape[0] : null;
}

function isPromise(v: unknown): boolean {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (isTensor(v)) return `${v.dtype} tensor [${v.shape.join(', ')}]`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).slice(0, 5).join(', ') || '(none)'}`;
  return `${typeof v} ${String(v)}`;
}
