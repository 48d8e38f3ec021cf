import { findEnvironment } from '../envs/registry.js';
import { InvalidInputError } from '../errors/flightrec-error.js';
import type { Action } from '../events/common-schemas.js';
import { eventType, isBuiltInEventType, isKnownEventType, type EventType, type RecordedEvent } from '../events/registry.js';
import { isTensor, type Tensor, type TensorData } from '../events/tensor.js';
import { readEvents } from '../store/event-reader.js';
import type { EventStore } from '../store/event-store.js';
import { DecisionNotFoundError, type DecisionRange } from './show-errors.js';
import { environmentVocabulary, type EnvironmentVocabulary } from './show-observation.js';
import { plannerIterations, type PlannerIterationView } from './show-iterations.js';
import { mctsTree, type MctsTreeView } from './show-mcts-tree.js';
import { rowCount, searchTree, tensorRow, type SearchTree } from './show-search-tree.js';

/** One batched component call of the decision (world model, reward, critic or actor). */
export interface ComponentCall {
  seq: number;
  type: EventType;
  component: string | null;
  version: string | null;
  /** Shape of the call's input states: its batch. */
  batch: number[];
  /** The call's outputs, by payload field (inputs left out). */
  outputs: Record<string, Tensor>;
  /** The row whose input state is the decision's real observation, or null. */
  root_row: number | null;
  /** What this call is to a reader, e.g. the root value V(s); null for an ordinary call. */
  label: string | null;
}

export interface ActionProbability {
  index: number;
  name: string | null;
  p: number;
}

export interface Candidate {
  index: number;
  /** The candidate as recorded: an action id, or a row of numbers (a plan, a continuous action). */
  candidate: number | number[];
  name: string | null;
  /** The decision's score of the candidate, Q(a) for a planner. */
  score: number;
}

export interface OtherEvent {
  seq: number;
  type: string;
  component: string | null;
  version: string | null;
  registered: boolean;
  payload: unknown;
}

/** Everything recorded about one deliberation, read back for people and tools. */
export interface DecisionShow {
  run: string;
  /** For a derived run (replay, re-evaluation): the run it was derived from. */
  source_run: string | null;
  env: string | null;
  /** Names of the env's discrete actions by index; null when the env is unknown or its actions continuous. */
  action_names: string[] | null;
  decision: number;
  episode: number | null;
  step: number | null;
  observation: { tensor: Tensor; description: string | null };
  rng_state: string;
  /** Version of every component in effect (decision.started). */
  versions: Record<string, string | null>;
  search: SearchTree | null;
  /** A sampling planner's iterations (MPPI, CEM), null when it recorded none. */
  iterations: PlannerIterationView[] | null;
  /** A Monte Carlo tree search (planner.searched), null when it recorded none. */
  mcts: MctsTreeView | null;
  calls: ComponentCall[];
  /** The critic's value of the real observation, V(s), where a critic call evaluated it. */
  root_value: { value: number; component: string | null; version: string | null } | null;
  /** The actor's proposal at the real observation. */
  actor: { component: string | null; version: string | null; probs: ActionProbability[] | null; mean: number[] | null; std: number[] | null } | null;
  choice: {
    action: Action;
    action_name: string | null;
    chosen_index: number;
    value: number | null;
    chooser: string;
    component: string | null;
    version: string | null;
    candidates: Candidate[];
    /** Index of the best-scored candidate (NaN scores ignored), null when none is a number. */
    argmax_index: number | null;
    /** greedy: the chosen candidate has the best score; exploration: it has not (e.g. an ε step). */
    kind: 'greedy' | 'exploration' | null;
  } | null;
  /**
   * Events of families the user registered (planner internals flightrec does not know), as
   * stored; `registered` is false when this process has not loaded their definitions.
   */
  other_events: OtherEvent[];
  /** What the environment did with the action; null when not recorded (open-loop replays). */
  outcome: {
    action: Action;
    action_name: string | null;
    reward: number;
    terminated: boolean;
    truncated: boolean;
    performance: number | null;
    observation: { tensor: Tensor; description: string | null };
  } | null;
}


/**
 * The whole deliberation of one decision, from a point lookup on the (run, decision) index.
 * Throws NotFoundError for an unknown run, DecisionNotFoundError (naming the ids that exist) for
 * a decision the run does not hold, and InvalidInputError for a decision that is not an id.
 */
export async function showDecision(store: EventStore, runId: string, decision: number): Promise<DecisionShow> {
  if (!Number.isSafeInteger(decision) || decision < 0) {
    throw new InvalidInputError(`invalid decision ${JSON.stringify(decision)}: a decision id is an integer, 0 or more`, { field: 'decision', value: decision });
  }
  const run = await store.getRun(runId);
  const events: RecordedEvent[] = [];
  for await (const e of readEvents(store, runId, { decision })) events.push(e);
  const started = events.find((e): e is RecordedEvent<'decision.started'> => e.type === 'decision.started');
  if (started === undefined) throw new DecisionNotFoundError(runId, decision, await decisionRange(store, run.pk));

  const vocabulary = environmentVocabulary(findEnvironment(run.env));
  const observation = started.payload.observation;
  // The planner's own events have their sections (search, iterations); calls are the other roles'.
  const calls = events.filter((e) => isKnownEventType(e.type) && eventType(e.type).outputs.length > 0 && eventType(e.type).role !== 'planner').map((e) => componentCall(e, observation));
  const rootCritic = calls.find((c) => c.type === 'critic.evaluated' && c.root_row !== null);
  if (rootCritic) rootCritic.label = 'V(s) at the observation';
  const chose = last(events.filter((e): e is RecordedEvent<'actor.chose'> => e.type === 'actor.chose'));
  const stepped = events.find((e): e is RecordedEvent<'env.stepped'> => e.type === 'env.stepped');
  return {
    run: runId,
    source_run: run.source_run,
    env: run.env,
    action_names: vocabulary.actionNames === null ? null : [...vocabulary.actionNames],
    decision,
    episode: started.episode,
    step: started.step,
    observation: { tensor: observation, description: vocabulary.describe(observation.data) },
    rng_state: started.payload.rng_state,
    versions: { ...started.payload.versions },
    search: searchTree(events.filter((e): e is RecordedEvent<'planner.expanded'> => e.type === 'planner.expanded'), vocabulary),
    iterations: plannerIterations(events.filter((e): e is RecordedEvent<'planner.iterated'> => e.type === 'planner.iterated')),
    mcts: mctsTree(events.filter((e): e is RecordedEvent<'planner.searched'> => e.type === 'planner.searched'), vocabulary.actionNames),
    calls,
    root_value: rootCritic ? { value: rootCritic.outputs.values!.data[rootCritic.root_row!]!, component: rootCritic.component, version: rootCritic.version } : null,
    actor: actorAtRoot(calls, vocabulary),
    choice: chose === undefined ? null : choiceOf(chose, vocabulary),
    other_events: events
      .filter((e) => !isBuiltInEventType(e.type))
      .map((e) => ({ seq: e.seq, type: e.type, component: e.component, version: e.version, registered: isKnownEventType(e.type), payload: e.payload })),
    outcome:
      stepped === undefined
        ? null
        : {
            action: stepped.payload.action,
            action_name: actionName(stepped.payload.action, vocabulary),
            reward: stepped.payload.reward,
            terminated: stepped.payload.terminated,
            truncated: stepped.payload.truncated,
            performance: stepped.payload.performance,
            observation: { tensor: stepped.payload.observation, description: vocabulary.describe(stepped.payload.observation.data) },
          },
  };
}

function componentCall(e: RecordedEvent, observation: Tensor): ComponentCall {
  const payload = e.payload as Record<string, unknown>;
  const states = payload.states;
  const outputs: Record<string, Tensor> = {};
  for (const key of eventType(e.type).outputs) {
    const t = payload[key];
    if (isTensor(t)) outputs[key] = t;
  }
  return {
    seq: e.seq,
    type: e.type,
    component: e.component,
    version: e.version,
    batch: isTensor(states) ? [...states.shape] : [],
    outputs,
    root_row: isTensor(states) ? rowEqualTo(states, observation) : null,
    label: null,
  };
}

/** The first row of `batch` equal to `row` bit for bit, or null. */
function rowEqualTo(batch: Tensor, row: Tensor): number | null {
  if (batch.dtype !== row.dtype) return null;
  const n = rowCount(batch);
  if (n * row.data.length !== batch.data.length) return null;
  const target = bytesOf(row.data);
  for (let i = 0; i < n; i++) if (bytesOf(tensorRow(batch, i)).equals(target)) return i;
  return null;
}

function bytesOf(d: TensorData): Buffer {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

function actorAtRoot(calls: readonly ComponentCall[], vocabulary: EnvironmentVocabulary): DecisionShow['actor'] {
  const call = calls.find((c) => c.type === 'actor.proposed' && c.root_row !== null);
  if (call === undefined) return null;
  const row = (key: string) => (call.outputs[key] === undefined ? null : Array.from(tensorRow(call.outputs[key]!, call.root_row!)));
  const probs = row('probs');
  return {
    component: call.component,
    version: call.version,
    probs: probs === null ? null : probs.map((p, index) => ({ index, name: vocabulary.actionNames?.[index] ?? null, p })),
    mean: row('mean'),
    std: row('std'),
  };
}

function choiceOf(e: RecordedEvent<'actor.chose'>, vocabulary: EnvironmentVocabulary): NonNullable<DecisionShow['choice']> {
  const p = e.payload;
  const k = rowCount(p.candidates);
  const candidates: Candidate[] = Array.from({ length: k }, (_, index) => {
    const row = Array.from(tensorRow(p.candidates, index));
    const candidate = row.length === 1 ? row[0]! : row;
    return { index, candidate, name: typeof candidate === 'number' ? actionName(candidate, vocabulary) : null, score: p.scores.data[index]! };
  });
  let best: number | null = null;
  for (const c of candidates) if (!Number.isNaN(c.score) && (best === null || c.score > candidates[best]!.score)) best = c.index;
  const chosenScore = candidates[p.chosen_index]?.score;
  return {
    action: p.action,
    action_name: actionName(p.action, vocabulary),
    chosen_index: p.chosen_index,
    value: p.value,
    chooser: p.chooser,
    component: e.component,
    version: e.version,
    candidates,
    argmax_index: best,
    kind: best === null || chosenScore === undefined ? null : chosenScore === candidates[best]!.score ? 'greedy' : 'exploration',
  };
}

function actionName(action: Action | number, vocabulary: EnvironmentVocabulary): string | null {
  return typeof action === 'number' ? (vocabulary.actionNames?.[action] ?? null) : null;
}

/** Lowest and highest decision id of a run and how many there are: for saying which ids exist. */
async function decisionRange(store: EventStore, runPk: number): Promise<DecisionRange> {
  const r = await store.db
    .selectFrom('decision_spans')
    .select((eb) => [eb.fn.min('decision').as('first'), eb.fn.max('decision').as('last'), eb.fn.countAll().as('count')])
    .where('run_pk', '=', runPk)
    .executeTakeFirst();
  return { first: r?.first ?? null, last: r?.last ?? null, count: Number(r?.count ?? 0) };
}

function last<T>(xs: readonly T[]): T | undefined {
  return xs[xs.length - 1];
}
