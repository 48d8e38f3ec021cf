/**
 * `planners`: bytes per decision of the reference agent's planners as recorded, the beam search on
 * cart-pole against MPPI on the pendulum under each recording policy of its sample tensors
 * (every decision, every 10th, never), and the beam search against MCTS on the gridworld, with a
 * breakdown by event type. Frozen agents (no update
 * is ever made) so that only deliberations are measured; one episode of `--decisions` steps each.
 */
import Database from 'better-sqlite3';
import { AgentConfig, defaultAgentConfig } from '../src/agent/reference/agent-config.js';
import { REFERENCE_AGENT, referenceAgentFactory } from '../src/agent/reference/reference-factory.js';
import { Cartpole } from '../src/envs/cartpole.js';
import { Gridworld } from '../src/envs/gridworld.js';
import type { Environment } from '../src/envs/environment.js';
import { Pendulum } from '../src/envs/pendulum.js';
import { recordAgentRun } from '../src/harness/record-agent-run.js';
import type { Benchmark } from './benchmark.js';
import { intFlag } from './benchmark.js';
import { fixed, int, now, round, sqliteBytes, table, tempDir } from './bench-util.js';

interface Variant {
  name: string;
  env: (steps: number) => Environment;
  config: AgentConfig;
}

const FROZEN = { warmupSteps: 1_000_000_000 };

function variants(): Variant[] {
  const mppi = (label: string, planner: Record<string, unknown>): Variant => ({
    name: label,
    env: (steps) => new Pendulum({ maxEpisodeSteps: steps }),
    config: AgentConfig.parse({ ...defaultAgentConfig('pendulum'), ...FROZEN, planner: { kind: 'mppi', gamma: 0.95, ...planner } }),
  });
  // The gridworld's episodes end at the goal: a frozen agent's ε-walk rarely gets there in --decisions steps.
  const grid = (steps: number) => new Gridworld({ maxEpisodeSteps: steps });
  const mcts = (label: string, planner: Record<string, unknown>): Variant => {
    const base = defaultAgentConfig('gridworld', 'mcts');
    return { name: label, env: grid, config: AgentConfig.parse({ ...base, ...FROZEN, planner: { ...base.planner, ...planner } }) };
  };
  const tdmpc2 = {}; // every MPPI default is TD-MPC2's
  const demo = defaultAgentConfig('pendulum').planner;
  return [
    { name: 'beam (cartpole, horizon 4, beam 8)', env: (steps) => new Cartpole({ maxEpisodeSteps: steps }), config: AgentConfig.parse({ ...defaultAgentConfig('cartpole'), ...FROZEN }) },
    mppi('mppi TD-MPC2 defaults, samples always', { ...tdmpc2, recordSamplesEvery: 1 }),
    mppi('mppi TD-MPC2 defaults, samples every 10th', { ...tdmpc2, recordSamplesEvery: 10 }),
    mppi('mppi TD-MPC2 defaults, samples never', { ...tdmpc2, recordSamplesEvery: 0 }),
    mppi('mppi demo settings, samples always', { ...demo, recordSamplesEvery: 1 }),
    mppi('mppi demo settings, samples every 10th', { ...demo, recordSamplesEvery: 10 }),
    mppi('mppi demo settings, samples never', { ...demo, recordSamplesEvery: 0 }),
    { name: 'beam (gridworld, horizon 2, beam 8)', env: grid, config: AgentConfig.parse({ ...defaultAgentConfig('gridworld'), ...FROZEN }) },
    mcts('mcts (gridworld, demo: 16 simulations)', {}),
    mcts('mcts (gridworld, MuZero: 50 simulations)', { simulations: 50, maxDepth: 16 }),
  ];
}

/** Stored payload bytes per event type, blobs (tensors above the threshold) counted with their event. */
function bytesByType(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('select type, sum(length(payload)) as bytes, count(*) as n from events group by type').all() as { type: string; bytes: number }[];
    const out: Record<string, number> = {};
    for (const r of rows) out[r.type] = r.bytes;
    const blobs = db.prepare("select count(*) as n from sqlite_master where name = 'blobs'").get() as { n: number };
    if (blobs.n > 0) out['(blobs)'] = (db.prepare('select coalesce(sum(length(bytes)), 0) as b from blobs').get() as { b: number }).b;
    return out;
  } finally {
    db.close();
  }
}

export const plannersBenchmark: Benchmark = {
  name: 'planners',
  description: 'bytes per decision: beam vs MPPI under each sample-recording policy, beam vs MCTS',
  async run(args) {
    const decisions = intFlag(args, 'decisions', 40);
    const tmp = tempDir('flightrec-planners');
    const results: Record<string, unknown>[] = [];
    try {
      for (const [i, v] of variants().entries()) {
        const db = tmp.file(`v${i}.db`);
        const t0 = now();
        const r = await recordAgentRun({ db, factory: referenceAgentFactory, agent: REFERENCE_AGENT, env: v.env(decisions), episodes: 1, seed: 1, config: { agent: v.config }, discount: v.config.gamma });
        const seconds = (now() - t0) / 1000;
        const file = sqliteBytes(db);
        const byType = bytesByType(db);
        const payload = Object.values(byType).reduce((a, b) => a + b, 0);
        results.push({
          variant: v.name,
          decisions: r.decisions,
          events_per_decision: round(r.events / r.decisions, 1),
          file_bytes_per_decision: Math.round(file / r.decisions),
          payload_bytes_per_decision: Math.round(payload / r.decisions),
          by_type_per_decision: Object.fromEntries(Object.entries(byType).map(([k, b]) => [k, Math.round(b / r.decisions)])),
          ms_per_decision: round((seconds * 1000) / r.decisions, 1),
        });
        args.log(`${v.name}: ${int(file / r.decisions)} bytes/decision`);
      }
    } finally {
      tmp.cleanup();
    }
    const kb = (n: unknown) => fixed((n as number) / 1024, 1);
    const of = (r: Record<string, unknown>, type: string) => (r.by_type_per_decision as Record<string, number>)[type] ?? 0;
    for (const line of table(
      ['variant', 'events/decision', 'KiB/decision (file)', 'KiB (payloads)', 'world_model', 'reward', 'planner.iterated', 'planner.searched', 'blobs', 'ms/decision'],
      results.map((r) => [
        String(r.variant),
        String(r.events_per_decision),
        kb(r.file_bytes_per_decision),
        kb(r.payload_bytes_per_decision),
        kb(of(r, 'world_model.predicted')),
        kb(of(r, 'reward.evaluated')),
        kb(of(r, 'planner.iterated')),
        kb(of(r, 'planner.searched')),
        kb(of(r, '(blobs)')),
        String(r.ms_per_decision),
      ]),
    )) {
      args.log(line);
    }
    return { decisions, variants: results };
  },
};
