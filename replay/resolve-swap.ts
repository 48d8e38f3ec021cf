import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyComponent } from '../src/agent/components.js';
import { checkpointCodec } from '../src/agent/nn/checkpoint-codec.js';
import type { MlpComponent } from '../src/agent/reference/mlp-component.js';
import { disposeAgent, type ReferenceAgent } from '../src/agent/reference/reference-agent.js';
import { makeEnvironment } from '../src/envs/registry.js';
import { InvalidInputError, NotFoundError } from '../src/errors/flightrec-error.js';
import type { Role } from '../src/events/event-type.js';
import { readEventsOfType } from '../src/store/event-reader.js';
import type { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { learnedComponent } from './apply-log.js';
import { ComponentHistory } from './component-history.js';
import type { SwapSpec } from './component-spec.js';
import { buildLiveAgent } from './live-agent.js';
import { loadRunContext, type RunContext } from './run-context.js';

/** A component ready to stand in for a role, and how to release it. */
export interface ResolvedSwap {
  spec: SwapSpec;
  component: AnyComponent;
  dispose(): void;
}

/** What a user module's factory receives: enough to build a component for the source run's environment. */
export interface ComponentFactoryContext {
  role: Role;
  env: string;
  observationSize: number;
  actionCount: number;
  gamma: number;
}

const METHOD: Record<Role, string> = { world_model: 'predict', reward: 'evaluate', critic: 'evaluate', actor: 'propose', planner: 'plan' };

/** Turns a swap spec into a live component: a recorded version rebuilt from the log, a checkpoint file, or a user module. */
export async function resolveSwap(store: SqliteEventStore, source: RunContext, spec: SwapSpec): Promise<ResolvedSwap> {
  const s = spec.source;
  if (s.kind === 'module') return { spec, component: await loadModuleComponent(s.path, spec.role, source), dispose: () => undefined };
  if (spec.role === 'planner') throw new InvalidInputError(`--swap planner=${s.kind === 'file' ? 'file:' : '@'}… is not supported: the planner has no parameters; change its settings with --set planner.<setting>=<value> or swap in a module`, { field: '--swap', value: spec.text });
  const ctx = s.kind === 'version' && s.run !== null ? await loadRunContext(store, s.run) : source;
  if (ctx.env !== source.env) throw new InvalidInputError(`--swap ${spec.text}: run ${ctx.run.id} is on ${ctx.env}, the replayed run on ${source.env}`, { field: '--swap', value: spec.text });
  const agent = buildLiveAgent(ctx);
  const component = byRole(agent, spec.role);
  const release = () => disposeAgent(agent);
  try {
    if (s.kind === 'file') {
      const checkpoint = checkpointCodec.decode(readFileSync(s.path));
      component.loadCheckpoint(checkpoint);
    } else {
      const at = await findVersion(store, ctx, component.name, s.version);
      new ComponentHistory(store, ctx.run.pk, ctx.run.id, component, 0).materialize(at.version, at.seq);
    }
  } catch (e) {
    release();
    if ((e as { code?: string }).code === 'ENOENT') throw new NotFoundError('checkpoint file', (s as { path: string }).path, { hint: 'write one with `flightrec checkpoint <run> <role> --at <version> --out <file>`' });
    throw e;
  }
  return { spec, component: component as unknown as AnyComponent, dispose: release };
}

function byRole(agent: ReferenceAgent, role: Role): MlpComponent {
  const c = learnedComponent(agent, { world_model: agent.worldModel.name, reward: agent.reward.name, critic: agent.critic.name, actor: agent.actor.name, planner: null }[role]);
  if (c === null) throw new InvalidInputError(`no learned component has role ${role}`, { role });
  return c;
}

/** Log position at which a component had `version` ('latest' = its last version in the run). */
async function findVersion(store: SqliteEventStore, ctx: RunContext, name: string, version: string): Promise<{ version: string; seq: number }> {
  const initial = ctx.started.payload.components.find((c) => c.name === name)?.version ?? null;
  let last: { version: string; seq: number } | null = initial === null ? null : { version: initial, seq: 0 };
  const seen: string[] = [];
  for await (const e of readEventsOfType(store, ctx.run.id, 'component.updated', { component: name })) {
    const to = e.payload.to_version;
    if (to === version) return { version, seq: e.seq };
    last = { version: to, seq: e.seq };
    if (seen.length < 3) seen.push(to);
  }
  if (version === 'latest' && last !== null) return last;
  if (version === initial && initial !== null) return { version, seq: 0 };
  throw new NotFoundError(`version of ${name} in run ${ctx.run.id}`, version, { hint: `versions look like ${initial ?? seen[0] ?? '0123456789abcdef'}; use @latest for the last one` });
}

async function loadModuleComponent(file: string, role: Role, source: RunContext): Promise<AnyComponent> {
  const abs = path.resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(abs);
    if (missing) throw new NotFoundError('module', file);
    throw new InvalidInputError(`module ${file} failed to load: ${(e as Error).message}`, { field: 'module', value: file });
  }
  let exported = mod.default ?? mod[role] ?? mod.component;
  if (typeof exported === 'function') {
    const env = makeEnvironment(source.env);
    const spec = env.actionSpec();
    const ctx: ComponentFactoryContext = {
      role,
      env: source.env,
      observationSize: env.observationSpec().shape.reduce((a, b) => a * b, 1),
      actionCount: spec.kind === 'discrete' ? spec.n : spec.shape.reduce((a, b) => a * b, 1),
      gamma: source.config.gamma,
    };
    exported = await (exported as (c: ComponentFactoryContext) => unknown)(ctx);
  }
  const c = exported as Partial<Record<string, unknown>> | undefined;
  const problems: string[] = [];
  if (c === undefined || c === null || typeof c !== 'object') problems.push('it exports no component (default export, or a named export `component` or `' + role + '`)');
  else {
    if (c.role !== role) problems.push(`its role is ${JSON.stringify(c.role)}, not ${JSON.stringify(role)}`);
    if (typeof c.name !== 'string' || c.name.length === 0) problems.push('it has no name');
    if (typeof c.version !== 'function') problems.push('it has no version() method');
    if (typeof c[METHOD[role]] !== 'function') problems.push(`it has no ${METHOD[role]}() method`);
  }
  if (problems.length > 0) throw new InvalidInputError(`module ${file} cannot stand in for the ${role}: ${problems.join('; ')}`, { field: 'module', value: file });
  return c as unknown as AnyComponent;
}
