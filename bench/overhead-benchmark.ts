import { initNumericBackend } from '../src/agent/backend/numeric-backend.js';
import { defaultAgentConfig, PlannerKind } from '../src/agent/reference/agent-config.js';
import { trainReferenceAgent } from '../src/harness/reference-training.js';
import { AgentRecorder, type EventSink } from '../src/record/agent-recorder.js';
import { parseEventInput, type EventInput } from '../src/events/registry.js';
import { RunChain } from '../src/record/run-chain.js';
import { GENESIS_HASH } from '../src/store/hash-chain.js';
import { Recorder } from '../src/record/recorder.js';
import { DEFAULT_BATCHING } from '../src/record/batching-options.js';
import type { Benchmark } from './benchmark.js';
import { boolFlag, intFlag } from './benchmark.js';
import { collectGarbage, fixed, gcMsBetween, median, now, round, table, threadCpuMs, trackGc, untrackGc } from './bench-util.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Recording on vs off: the same seeded training run of the reference agent (identical
 * decisions and updates either way), alternated in one process so that machine noise hits both.
 */
export const overheadBenchmark: Benchmark = {
  name: 'overhead',
  description: 'the same seeded training run with recording off, on, and on with inline writes, rotated; ratio of wall times (--stages: where the main thread\'s CPU goes; --processes N: median over N processes)',
  async run(args) {
    const processes = intFlag(args, 'processes', 1);
    if (processes > 1) return await acrossProcesses(args, processes);
    const env = typeof args.flags.env === 'string' ? args.flags.env : 'gridworld';
    const episodes = intFlag(args, 'episodes', env === 'cartpole' ? 15 : 60);
    const rounds = intFlag(args, 'rounds', 3);
    const backend = await initNumericBackend('auto');
    // --planner=mcts: the gridworld or cart-pole agent with MCTS in place of the beam search.
    const planner = typeof args.flags.planner === 'string' ? PlannerKind.parse(args.flags.planner) : undefined;
    const config = defaultAgentConfig(env, planner);
    const dir = mkdtempSync(join(tmpdir(), 'flightrec-overhead-'));
    const off: number[] = [];
    const on: number[] = [];
    const offCpu: number[] = [];
    const onCpu: number[] = [];
    // The same recording with batches written on the recording thread: what the writer thread saves.
    const inline: number[] = [];
    const inlineCpu: number[] = [];
    // Main-thread GC pause per variant: on the MPPI agent it swings by seconds between identical
    // seeded runs (bench/README.md), so a ratio is read beside it.
    const gc = { off: [] as number[], thread: [] as number[], inline: [] as number[] };
    // --stages: the recording's work cut short at each stage, rotated with the rest, to say where
    // the main thread's extra CPU goes in the agent's own loop (a tight loop over the same events
    // runs them ~3× faster, bench/README.md "overhead", ninth session).
    const stages = boolFlag(args, 'stages');
    const stageCpu: Record<Stage, number[]> = { calls: [], validate: [], chain: [] };
    let events = 0;
    let bytes = 0;
    let decisions = 0;
    try {
      // Warm-up: wasm compilation and JIT, not measured.
      await trainReferenceAgent({ env, episodes: 2, seed: 1, config });
      trackGc();
      for (let r = 0; r < rounds; r++) {
        const order: readonly Mode[] = stages ? ['off', 'thread', 'inline', 'calls', 'validate', 'chain'] : ['off', 'thread', 'inline'];
        for (let k = 0; k < order.length; k++) {
          const mode = order[(k + r) % order.length]!;
          collectGarbage();
          const t0 = now();
          const c0 = threadCpuMs();
          if (mode === 'calls' || mode === 'validate' || mode === 'chain') {
            await trainReferenceAgent({ env, episodes, seed: 1, config, recorder: new AgentRecorder(stageSink(mode)) });
            stageCpu[mode].push(threadCpuMs() - c0);
            continue;
          }
          if (mode === 'off') {
            decisions = (await trainReferenceAgent({ env, episodes, seed: 1, config })).decisions;
            off.push(now() - t0);
            offCpu.push(threadCpuMs() - c0);
            gc.off.push(await gcMsBetween(t0, now()));
            continue;
          }
          const file = join(dir, `${mode}-${r}.db`);
          const recorder = await Recorder.open(file);
          const run = await recorder.startRun({ env, seed: 1, config: { agent: config, episodes, env }, writer: mode });
          await trainReferenceAgent({ env, episodes, seed: 1, config, recorder: new AgentRecorder(run) });
          await run.end('completed');
          events = run.seq;
          await recorder.close();
          (mode === 'thread' ? on : inline).push(now() - t0);
          (mode === 'thread' ? onCpu : inlineCpu).push(threadCpuMs() - c0);
          gc[mode].push(await gcMsBetween(t0, now()));
          bytes = statSync(file).size;
        }
        args.log(`round ${r + 1}/${rounds}: off ${fixed(off[off.length - 1]! / 1000)} s, on ${fixed(on[on.length - 1]! / 1000)} s, inline ${fixed(inline[inline.length - 1]! / 1000)} s (GC ${fixed(gc.off[gc.off.length - 1]! / 1000)}, ${fixed(gc.thread[gc.thread.length - 1]! / 1000)}, ${fixed(gc.inline[gc.inline.length - 1]! / 1000)} s)`);
      }
    } finally {
      untrackGc();
      rmSync(dir, { recursive: true, force: true });
    }
    const ratio = median(on) / median(off);
    // Main-thread CPU time: what recording costs the agent's thread, less exposed to other processes than wall time.
    const cpuRatio = median(onCpu) / median(offCpu);
    const inlineRatio = median(inline) / median(off);
    const inlineCpuRatio = median(inlineCpu) / median(offCpu);
    for (const line of table(['', 'median s', 'decisions/s'], [
      ['recording off', fixed(median(off) / 1000), fixed(decisions / (median(off) / 1000), 0)],
      ['recording on', fixed(median(on) / 1000), fixed(decisions / (median(on) / 1000), 0)],
      ['on, writes inline', fixed(median(inline) / 1000), fixed(decisions / (median(inline) / 1000), 0)],
    ])) args.log(line);
    args.log(`main-thread GC pauses, median: off ${fixed(median(gc.off) / 1000)} s, on ${fixed(median(gc.thread) / 1000)} s, inline ${fixed(median(gc.inline) / 1000)} s`);
    args.log(`main-thread CPU ratio on/off ${fixed(cpuRatio, 3)}; inline ${fixed(inlineRatio, 3)} wall, ${fixed(inlineCpuRatio, 3)} CPU`);
    const stageFigures = stages ? stageReport(stageCpu, median(offCpu), median(onCpu), events) : null;
    if (stageFigures !== null) for (const [k, v] of Object.entries(stageFigures)) args.log(`main-thread CPU up to ${k}: ${fixed(v.cpu_ratio, 3)} of off, ${fixed(v.us_per_event, 1)} µs per event`);
    args.log(`ratio on/off ${fixed(ratio, 3)} (target ≤ 1.10: ${ratio <= 1.1 ? 'met' : 'missed'}); ${events} events, ${fixed(bytes / events, 0)} bytes/event, ${fixed(events / decisions, 1)} events/decision`);
    return {
      env,
      planner: planner ?? null,
      episodes,
      rounds,
      backend: `${backend.name} ${backend.backendVersion}`,
      decisions,
      events,
      bytes_per_event: round(bytes / events, 1),
      off_s: round(median(off) / 1000),
      on_s: round(median(on) / 1000),
      ratio_on_vs_off: round(ratio),
      cpu_ratio_on_vs_off: round(cpuRatio),
      inline_s: round(median(inline) / 1000),
      ratio_inline_vs_off: round(inlineRatio),
      cpu_ratio_inline_vs_off: round(inlineCpuRatio),
      gc_off_s: round(median(gc.off) / 1000),
      gc_on_s: round(median(gc.thread) / 1000),
      gc_inline_s: round(median(gc.inline) / 1000),
      stages: stageFigures,
      target_met: ratio <= 1.1,
    };
  },
};

/**
 * --processes N: the whole benchmark in N fresh processes, one after the other, and the median of
 * their ratios. A process falls into one of two GC regimes for its whole life (bench/README.md,
 * seventh session), which moves one process's ratio by ±0.15; the median over processes is the
 * figure to compare builds by, with each process's ratio beside it.
 */
async function acrossProcesses(args: Parameters<Benchmark['run']>[0], processes: number): Promise<Record<string, unknown>> {
  const main = new URL('./main.js', import.meta.url).pathname;
  const passed = Object.entries(args.flags)
    .filter(([k]) => k !== 'processes')
    .map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`));
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < processes; i++) {
    const child = spawnSync(process.execPath, [main, 'overhead', '--json', ...passed], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (child.status !== 0) throw new Error(`overhead process ${i + 1} of ${processes} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    results.push(r);
    args.log(`process ${i + 1}/${processes}: ratio on/off ${fixed(r['ratio_on_vs_off'] as number, 3)} (CPU ${fixed(r['cpu_ratio_on_vs_off'] as number, 3)}), inline ${fixed(r['ratio_inline_vs_off'] as number, 3)}, GC off ${fixed(r['gc_off_s'] as number)} s`);
  }
  const each = (k: string) => results.map((r) => r[k] as number);
  const ratio = median(each('ratio_on_vs_off'));
  args.log(`median over ${processes} processes: ratio on/off ${fixed(ratio, 3)} (CPU ${fixed(median(each('cpu_ratio_on_vs_off')), 3)}), range ${fixed(Math.min(...each('ratio_on_vs_off')), 3)}–${fixed(Math.max(...each('ratio_on_vs_off')), 3)} (target ≤ 1.10: ${ratio <= 1.1 ? 'met' : 'missed'})`);
  const first = results[0]!;
  type StageFigures = Record<string, { cpu_ratio: number; us_per_event: number }>;
  const perStage = results.map((r) => r['stages'] as StageFigures | null);
  const stages =
    perStage[0] == null
      ? null
      : Object.fromEntries(Object.keys(perStage[0]).map((k) => [k, { cpu_ratio: round(median(perStage.map((p) => p![k]!.cpu_ratio))), us_per_event: round(median(perStage.map((p) => p![k]!.us_per_event)), 1) }]));
  if (stages !== null) for (const [k, v] of Object.entries(stages)) args.log(`median main-thread CPU up to ${k}: ${fixed(v.cpu_ratio, 3)} of off, ${fixed(v.us_per_event, 1)} µs per event`);
  return {
    env: first['env'],
    planner: first['planner'],
    episodes: first['episodes'],
    rounds: first['rounds'],
    processes,
    backend: first['backend'],
    decisions: first['decisions'],
    events: first['events'],
    off_s: round(median(each('off_s'))),
    on_s: round(median(each('on_s'))),
    ratio_on_vs_off: round(ratio),
    cpu_ratio_on_vs_off: round(median(each('cpu_ratio_on_vs_off'))),
    ratio_inline_vs_off: round(median(each('ratio_inline_vs_off'))),
    cpu_ratio_inline_vs_off: round(median(each('cpu_ratio_inline_vs_off'))),
    ratio_per_process: each('ratio_on_vs_off'),
    cpu_ratio_per_process: each('cpu_ratio_on_vs_off'),
    gc_off_s_per_process: each('gc_off_s'),
    stages,
    target_met: ratio <= 1.1,
  };
}

type Stage = 'calls' | 'validate' | 'chain';
type Mode = 'off' | 'thread' | 'inline' | Stage;

/**
 * An EventSink that does the recorder's work up to one stage and drops the event: 'calls' only
 * the instrumented calls and the events they build, 'validate' adds the schema check, 'chain'
 * the payload encoding and the chain hash (RunChain, as the recorder does) but no queue or store.
 */
function stageSink(stage: Stage): EventSink {
  let seq = 0;
  const chain = new RunChain('stages', { seq: -1, hash: GENESIS_HASH }, DEFAULT_BATCHING.blobThreshold);
  return {
    append(event) {
      if (stage !== 'calls') parseEventInput(event);
      if (stage === 'chain') chain.next(event as EventInput);
      const at = seq++;
      return { run: 'stages', seq: at, id: `stages:${at}`, duplicate: false };
    },
  };
}

function stageReport(cpu: Record<Stage, number[]>, offCpu: number, onCpu: number, events: number): Record<string, { cpu_ratio: number; us_per_event: number }> {
  const row = (ms: number) => ({ cpu_ratio: round(ms / offCpu), us_per_event: round(((ms - offCpu) * 1000) / events, 1) });
  return { calls: row(median(cpu.calls)), validate: row(median(cpu.validate)), chain: row(median(cpu.chain)), store: row(onCpu) };
}
