import { initNumericBackend } from '../src/agent/backend/numeric-backend.js';
import { defaultAgentConfig, PlannerKind } from '../src/agent/reference/agent-config.js';
import { trainReferenceAgent } from '../src/harness/reference-training.js';
import { AgentRecorder } from '../src/record/agent-recorder.js';
import { Recorder } from '../src/record/recorder.js';
import type { Benchmark } from './benchmark.js';
import { intFlag } from './benchmark.js';
import { collectGarbage, fixed, gcMsBetween, median, now, round, table, threadCpuMs, trackGc, untrackGc } from './bench-util.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Recording on vs off: the same seeded training run of the reference agent (identical
 * decisions and updates either way), alternated in one process so that machine noise hits both.
 */
export const overheadBenchmark: Benchmark = {
  name: 'overhead',
  description: 'the same seeded training run with recording off, on, and on with inline writes, rotated; ratio of wall times',
  async run(args) {
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
    let events = 0;
    let bytes = 0;
    let decisions = 0;
    try {
      // Warm-up: wasm compilation and JIT, not measured.
      await trainReferenceAgent({ env, episodes: 2, seed: 1, config });
      trackGc();
      for (let r = 0; r < rounds; r++) {
        const order = ['off', 'thread', 'inline'] as const;
        for (let k = 0; k < order.length; k++) {
          const mode = order[(k + r) % order.length]!;
          const recording = mode !== 'off';
          collectGarbage();
          const t0 = now();
          const c0 = threadCpuMs();
          if (!recording) {
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
      target_met: ratio <= 1.1,
    };
  },
};
