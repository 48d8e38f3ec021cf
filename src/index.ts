/**
 * flightrec's public API. Everything a library user may import is listed here by name;
 * nothing else is public.
 */

// Errors
export { FlightrecError, InvalidInputError, NotFoundError } from './errors/flightrec-error.js';
export { EventValidationError, UnknownEventTypeError, EventVersionError, type EventIssue } from './events/event-errors.js';
export { TensorCodecError } from './events/tensor-codec.js';
export { ConcurrencyError, SchemaTooNewError, StoreWriteError, BlobIntegrityError } from './store/store-errors.js';

// Events
export { EVENT_TYPES, EventInput, parseEventInput, safeParseEventInput, eventType, registerEventTypes, knownEventTypes, isKnownEventType, type EventType, type EventInputOf, type PayloadOf, type RecordedEvent } from './events/registry.js';
export { Role, defineEventType, type EventTypeDefinition, type DeltaDeclaration, type DeltaMeasure } from './events/event-type.js';
export { loadEventTypeModules, EVENTS_ENV } from './events/load-event-type-modules.js';
export { Tensor, Dtype, f32, f64, i32, u8, type TensorData } from './events/tensor.js';
export type { StoredEnvelope } from './events/envelope.js';

// Recording
export { Recorder, newRunId, type RunStart } from './record/recorder.js';
export { RecordingRun } from './record/recording-run.js';
export { DEFAULT_MAX_BUFFERED_BYTES, type Durability, type EventRef, type BatchingOptions } from './record/batching-options.js';
export { BufferFullError, RunClosedError } from './record/recording-errors.js';
export { AgentRecorder, type EventSink, type Position } from './record/agent-recorder.js';
export { instrument } from './record/instrument.js';

// Store and reading
export { SqliteEventStore } from './store/sqlite-event-store.js';
export type { EventStore, StoreKind, RunRow, EventFilter } from './store/event-store.js';
export { openStore } from './store/open-store.js';
export { PostgresEventStore } from './store/postgres/postgres-event-store.js';
export { copyRuns, type CopiedRun } from './store/copy-runs.js';
export { readEvents, readEvents$, readEventsOfType, type ReadOptions } from './store/event-reader.js';
export { readDecisions, eventsOf, type DecisionRecord } from './store/decision-stream.js';
export { verifyChain, type ChainReport, type RunSeal } from './store/verify-chain.js';

// Agents: the component contracts and the reference agent
export type {
  Component,
  ComponentCheckpoint,
  Checkpointable,
  WorldModel,
  RewardFunction,
  Critic,
  Actor,
  Planner,
  PlanningComponents,
  PlanResult,
  PlannerInternal,
  SearchLevel,
  DecisionPoint,
  AnyComponent,
  GaussianProposal,
} from './agent/components.js';
export { isGaussian } from './agent/components.js';
export { initNumericBackend, type NumericBackendInfo, type NumericBackendPreference } from './agent/backend/numeric-backend.js';
export { AgentConfig, defaultAgentConfig } from './agent/reference/agent-config.js';
export { BeamPlanner, BeamPlannerConfig } from './agent/reference/beam-planner.js';
export { MppiPlanner, MppiPlannerConfig, type ActionBox } from './agent/reference/mppi-planner.js';
export { MctsPlanner, MctsPlannerConfig } from './agent/reference/mcts-planner.js';
export { GaussianActor } from './agent/reference/gaussian-actor.js';
export { ACTION_TOLERANCE, actionsDiffer } from './events/action-change.js';
export { createReferenceAgent, type ReferenceAgent } from './agent/reference/reference-agent.js';
export { referenceAgentFactory, REFERENCE_AGENT } from './agent/reference/reference-factory.js';

// The agent contract
export { ROLE_FIELD, componentsList, type AgentFactory, type AgentBuildContext, type BuiltAgent, type AgentComponents } from './agent/agent-factory.js';
export { isTrainable, isCheckpointable, type Trainable, type RecordedUpdate } from './agent/trainable.js';
export { isConfigurable, type ConfigurablePlanner, type PlannerSettingValue } from './agent/planner-settings.js';
export { DISCARD_LEARNING, type LearningSink, type ComponentUpdate, type UpdateBatch } from './agent/learning-sink.js';
export type { Learner, Transition } from './agent/learner.js';

// The harness: one loop that runs (and records) an agent in an environment
export { runEpisodes, episodeSeed, type EpisodeLoopOptions, type EpisodeLoopResult, type EpisodeSummary } from './harness/episode-loop.js';
export { recordAgentRun, type RecordAgentRunOptions, type RecordAgentRunResult } from './harness/record-agent-run.js';
export { recordReferenceTraining, trainReferenceAgent, type RecordTrainingOptions, type TrainingOptions } from './harness/reference-training.js';

// Environments
export { ObservationSpec, ActionSpec, StepResult, EnvState, type Environment, type TabularDynamics, type ObservationDescription, type ObservationPicture } from './envs/environment.js';
export { makeEnvironment, ENVIRONMENT_IDS, EnvironmentId } from './envs/registry.js';
export { Gridworld, GRIDWORLD_LAYOUT, GRIDWORLD_GAMMA } from './envs/gridworld.js';
export { Cartpole } from './envs/cartpole.js';
export { Pendulum, PendulumConfig } from './envs/pendulum.js';
export { valueIteration, policyEvaluation, finiteHorizonReturn, optimalEpisodeReturn } from './envs/tabular-solver.js';

// Randomness
export { SeededRng, RngState } from './random/seeded-rng.js';

// Replay
export { verifyReplay, type VerifyReport, type VerifyOptions } from '../replay/verify-replay.js';
export type { DecisionOutcome } from '../replay/compare-decision.js';
export { reevaluate, type ReevaluateOptions, type ReevaluateReport } from '../replay/reevaluate.js';
export { closedLoop, type ClosedLoopOptions, type ClosedLoopReport } from '../replay/closed-loop.js';
export { blame, type BlameReport } from '../replay/blame.js';
export { pythonAgentFactory } from '../replay/python-agent-factory.js';
export { ComponentProcessError } from '../replay/replay-errors.js';
export { parseSwap, type SwapSpec, type ComponentSource } from '../replay/component-spec.js';
export type { ComponentFactoryContext } from '../replay/resolve-swap.js';
export { showDecision, type DecisionShow } from './show/show-decision.js';
export { createReDecider, type ReDecider } from '../replay/reference-redecider.js';

// Audits and diffs
export { auditRun, type AuditOptions, type AuditReport } from './audit/audit-run.js';
export { AUDITS, CHECK_NAMES, type AuditChecks, type CheckName } from './audit/audits.js';
export type { AuditDefinition, AuditInputs } from './audit/audit-definition.js';
export { THRESHOLDS } from './audit/thresholds.js';
export { diffRuns, type DiffSide, type DiffOptions } from './diff/diff-runs.js';
export type { DiffReport, FirstDivergence } from './diff/diff-report.js';
