import { readFileSync } from 'node:fs';
import type { AnyComponent } from '../src/agent/components.js';
import { checkpointCodec } from '../src/agent/nn/checkpoint-codec.js';
import { ROLE_FIELD } from '../src/agent/agent-factory.js';
import { isCheckpointable } from '../src/agent/trainable.js';
import { ENVIRONMENT_IDS, makeEnvironment } from '../src/envs/registry.js';
import { InvalidInputError, NotFoundError } from '../src/errors/flightrec-error.js';
import { thrownMessage, thrownProperty } from '../src/errors/thrown-message.js';
import { describeValue } from '../src/events/event-errors.js';
import type { Role } from '../src/events/event-type.js';
import { readEventsOfType } from '../src/store/event-reader.js';
import type { EventStore } from '../src/store/event-store.js';
import { buildLiveAgent } from './build-agent.js';
import { ComponentHistory } from './component-history.js';
import type { SwapSpec } from './component-spec.js';
import { loadUserModule } from '../src/modules/load-user-module.js';
import { contractChecked } from './contract-checked.js';
import { pythonAgentFactory } from './python-agent-factory.js';
import { ModuleFailedError } from './replay-errors.js';
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
  /** Null when the source run's environment is not a built-in one. */
  observationSize: number | null;
  actionCount: number | null;
  /** The discount the source run recorded (null when it recorded none). */
  gamma: number | null;
}

const METHOD: Record<Role, string> = { world_model: 'predict', reward: 'evaluate', critic: 'evaluate', actor: 'propose', planner: 'plan' };

/** Turns a swap spec into a live component: a recorded version rebuilt from the log, a checkpoint file, or a user module. */
export async function resolveSwap(store: EventStore, source: RunContext, spec: SwapSpec): Promise<ResolvedSwap> {
  const s = spec.source;
  if (s.kind === 'module') return { spec, component: await loadModuleComponent(s.path, spec.role, source), dispose: () => undefined };
  if (s.kind === 'python') return pythonComponentSwap(spec, s.factory, source);
  if (spec.role === 'planner') throw new InvalidInputError(`--swap planner=${s.kind === 'file' ? 'file:' : '@'}… is not supported: the planner has no parameters; change its settings with --set planner.<setting>=<value> or swap in a module`, { field: '--swap', value: spec.text });
  const ctx = s.kind === 'version' && s.run !== null ? await loadRunContext(store, s.run) : source;
  if (ctx.env !== source.env) throw new InvalidInputError(`--swap ${spec.text}: run ${ctx.run.id} is on ${ctx.env}, the replayed run on ${source.env}`, { field: '--swap', value: spec.text });
  const agent = await buildLiveAgent(ctx);
  const component = agent.byRole(spec.role);
  const release = () => agent.dispose();
  try {
    if (s.kind === 'file') {
      if (!isCheckpointable(component)) throw new InvalidInputError(`--swap ${spec.text}: the ${spec.role} ${component.name} (${component.kind}) is not Checkpointable, so it cannot load a checkpoint file`, { field: '--swap', value: spec.text });
      component.loadCheckpoint(checkpointCodec.decode(readCheckpointFile(s.path, spec.text)));
    } else {
      const at = await findVersion(store, ctx, component.name, s.version);
      new ComponentHistory(store, ctx.run.pk, ctx.run.id, component, 0).materialize(at.version, at.seq);
    }
  } catch (e) {
    release();
    throw e;
  }
  return { spec, component, dispose: release };
}

/** A checkpoint file's bytes; a path that is missing, a directory, unreadable or not a path at all is the user's to fix. */
function readCheckpointFile(file: string, spec: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    if (thrownProperty(e, 'code') === 'ENOENT') throw new NotFoundError('checkpoint file', file, { field: '--swap', hint: 'write one with `npx flightrec checkpoint <run> <role> --at <version> --out <file>`' });
    throw new InvalidInputError(`--swap ${spec}: cannot read the checkpoint file ${JSON.stringify(file)}: ${thrownMessage(e)}`, { field: '--swap', value: spec });
  }
}

/** Log position at which a component had `version` ('latest' = its last version in the run). */
async function findVersion(store: EventStore, ctx: RunContext, name: string, version: string): Promise<{ version: string; seq: number }> {
  const initial = ctx.started.payload.components.find((c) => c.name === name)?.version ?? null;
  let last: { version: string; seq: number } | null = initial === null ? null : { version: initial, seq: 0 };
  const seen: string[] = [];
  for await (const e of readEventsOfType(store, ctx.run.id, 'component.updated', { component: name })) {
    const to = e.payload.to_version;
    if (to === version) return { version, seq: e.seq };
    last = { version: to, seq: e.seq };
    if (seen.length < 3) seen.push(to);
  }
  if (version === 'latest' && last !== null) {
    // A checkpoint saved after the last update holds the same version: materialising up to it
    // loads that checkpoint instead of re-applying the updates since the one before.
    const after = store.componentHistorySync(ctx.run.pk, name, last.seq + 1, Number.MAX_SAFE_INTEGER);
    const checkpoint = after.findLast((r) => r.type === 'checkpoint.saved' && r.version === last.version);
    return checkpoint === undefined ? last : { version: last.version, seq: checkpoint.seq };
  }
  if (version === initial && initial !== null) return { version, seq: 0 };
  throw new NotFoundError(`version of ${name} in run ${ctx.run.id}`, version, { hint: `versions look like ${initial ?? seen[0] ?? '0123456789abcdef'}; use @latest for the last one` });
}

/** The role's component of a Python agent, built by its factory (in our working directory) from the source run's config and seed. */
async function pythonComponentSwap(spec: SwapSpec, factory: string, source: RunContext): Promise<ResolvedSwap> {
  const env = (ENVIRONMENT_IDS as readonly string[]).includes(source.env) ? makeEnvironment(source.env) : null;
  const built = await pythonAgentFactory(factory, process.cwd()).create({ env: source.env, observationSpec: env?.observationSpec() ?? null, actionSpec: env?.actionSpec() ?? null, config: source.config, seed: source.seed, discount: source.discount });
  const component = built.components[ROLE_FIELD[spec.role]];
  if (component.kind === 'absent') {
    built.dispose();
    throw new InvalidInputError(`--swap ${spec.text}: the Python agent builds no ${spec.role}`, { field: '--swap', value: spec.text });
  }
  return { spec, component, dispose: () => built.dispose() };
}

async function loadModuleComponent(file: string, role: Role, source: RunContext): Promise<AnyComponent> {
  const mod = await loadUserModule(file, process.cwd(), 'module');
  let exported = mod.default ?? mod[role] ?? mod.component;
  const env = (ENVIRONMENT_IDS as readonly string[]).includes(source.env) ? makeEnvironment(source.env) : null;
  const spec = env?.actionSpec() ?? null;
  if (typeof exported === 'function') {
    const ctx: ComponentFactoryContext = {
      role,
      env: source.env,
      observationSize: env === null ? null : env.observationSpec().shape.reduce((a, b) => a * b, 1),
      actionCount: spec === null ? null : spec.kind === 'discrete' ? spec.n : spec.shape.reduce((a, b) => a * b, 1),
      gamma: source.discount,
    };
    try {
      exported = await (exported as (c: ComponentFactoryContext) => unknown)(ctx);
    } catch (e) {
      throw new ModuleFailedError({ module: file, role, component: '(factory)', method: 'factory', call: 1, message: thrownMessage(e) }, e);
    }
  }
  const c = exported as Partial<Record<string, unknown>> | undefined;
  const problems: string[] = [];
  try {
    if (c === undefined || c === null || typeof c !== 'object') problems.push('it exports no component (default export, or a named export `component` or `' + role + '`)');
    else {
      if (c.role !== role) problems.push(`its role is ${describeValue(c.role)}, not ${JSON.stringify(role)}`);
      if (typeof c.name !== 'string' || c.name.length === 0) problems.push('it has no name');
      if (typeof c.version !== 'function') problems.push('it has no version() method');
      if (typeof c[METHOD[role]] !== 'function') problems.push(`it has no ${METHOD[role]}() method`);
    }
  } catch (e) {
    // A getter that throws, or a Proxy: not a component either.
    problems.push(`reading it threw ${thrownMessage(e)}`);
  }
  if (problems.length > 0) throw new InvalidInputError(`module ${file} cannot stand in for the ${role}: ${problems.join('; ')}`, { field: 'module', value: file });
  // The module is input: every call it answers is checked against its role's contract.
  return contractChecked(c as unknown as AnyComponent, file, { actionCount: spec?.kind === 'discrete' ? spec.n : null, actionBox: spec?.kind === 'continuous' ? { low: spec.low, high: spec.high } : null });
}
