import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RewardFunction } from '../agent/components.js';
import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';

/** What the recorded reward is compared with: the env's hidden performance signal, or a user's reward function. */
export type ReferenceSpec = { kind: 'auto' } | { kind: 'performance' } | { kind: 'module'; path: string };

/** A loaded reference: performance, or a RewardFunction applied to every real transition. */
export type ReferenceReward = { kind: 'performance' } | { kind: 'module'; path: string; reward: Pick<RewardFunction, 'evaluate'> & Partial<Pick<RewardFunction, 'name'>> };

export const REFERENCE_SPEC_FORMS = ['performance', 'module:<path>'] as const;

/** Parses `--reference`: absent = the env's performance signal when the run recorded one. */
export function parseReferenceSpec(spec: string | undefined): ReferenceSpec {
  if (spec === undefined) return { kind: 'auto' };
  if (spec === 'performance') return { kind: 'performance' };
  if (spec.startsWith('module:') && spec.length > 'module:'.length) return { kind: 'module', path: spec.slice('module:'.length) };
  throw new InvalidInputError(`invalid --reference ${JSON.stringify(spec)}: use one of ${REFERENCE_SPEC_FORMS.join(', ')}`, { field: '--reference', value: spec, valid: [...REFERENCE_SPEC_FORMS] });
}

/**
 * Loads a reference. A module is an ESM file (JavaScript, or TypeScript compiled to it) whose
 * default export, or named export `reward`, is an object implementing RewardFunction's
 * `evaluate(states, actions, nextStates) → Tensor` (src/agent/components.ts).
 */
export async function loadReferenceReward(spec: ReferenceSpec): Promise<ReferenceReward | null> {
  if (spec.kind === 'auto') return null;
  if (spec.kind === 'performance') return { kind: 'performance' };
  const file = path.resolve(spec.path);
  if (!existsSync(file)) throw new InvalidInputError(`--reference module not found: ${file}`, { field: '--reference', value: spec.path });
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidInputError(`--reference module ${file} could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { field: '--reference', value: spec.path });
  }
  const candidate = (mod.default ?? mod.reward) as { evaluate?: unknown } | undefined;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.evaluate !== 'function') {
    throw new InvalidInputError(
      `--reference module ${file} must export (default, or as \`reward\`) an object with evaluate(states, actions, nextStates) returning a tensor; it exports ${Object.keys(mod).join(', ') || 'nothing'}`,
      { field: '--reference', value: spec.path },
    );
  }
  return { kind: 'module', path: file, reward: candidate as Pick<RewardFunction, 'evaluate'> };
}

/** A reference reward function that broke its contract while being applied. */
export class ReferenceRewardError extends FlightrecError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_REFERENCE', message, details);
  }
}
