import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Recorder } from '../src/record/recorder.js';
import { parseIngestLine } from '../src/serve/ingest-line.js';
import type { Benchmark } from './benchmark.js';
import { intFlag } from './benchmark.js';
import { collectGarbage, fixed, now, round } from './bench-util.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('../../bench/ingest-client.py', import.meta.url));
const TARGET = 0.5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The Python client through `flightrec serve` on loopback against the same events through the
 * TypeScript recorder in this process. Both count from the first event emitted until the last is
 * committed; rounds alternate the order so machine noise hits both.
 */
export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'Python client via flightrec serve on loopback vs the same events via the in-process TypeScript recorder',
  async run(args) {
    const decisions = intFlag(args, 'decisions', 3000);
    const rounds = intFlag(args, 'rounds', 3);
    const dir = mkdtempSync(join(tmpdir(), 'flightrec-ingest-'));
    try {
      const dump = join(dir, 'events.ndjson');
      const made = spawnSync('python3', [CLIENT, String(decisions), '--dump', dump], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`python3 ${CLIENT} failed: ${made.stderr}`);
      const events = readFileSync(dump, 'utf8').split('\n').filter(Boolean).map((l, i) => parseIngestLine(l, i + 1));
      const served = await startServe(join(dir, 'served.db'));
      const python: number[] = [];
      const inProcess: number[] = [];
      let count = 0;
      try {
        for (let r = 0; r < rounds; r++) {
          for (const side of r % 2 === 0 ? ['python', 'ts'] : ['ts', 'python']) {
            collectGarbage();
            if (side === 'python') {
              const p = spawnSync('python3', [CLIENT, String(decisions), served.url, join(dir, `spool-${r}`)], { encoding: 'utf8' });
              if (p.status !== 0) throw new Error(`python client failed: ${p.stderr}`);
              const out = JSON.parse(p.stdout.trim().split('\n').pop()!) as { events: number; seconds: number };
              python.push(out.events / out.seconds);
              count = out.events;
              args.log(`round ${r + 1}: python via serve ${fixed(out.events / out.seconds, 0)} events/s`);
            } else {
              const recorder = await Recorder.open(join(dir, `in-process-${r}.db`));
              const t0 = now();
              const run = await recorder.startRun({ name: 'ingest bench' });
              for (const e of events) run.append(e);
              await run.end('completed');
              const ms = now() - t0;
              await recorder.close();
              inProcess.push(((events.length + 2) / ms) * 1000);
              args.log(`round ${r + 1}: TypeScript in process ${fixed(((events.length + 2) / ms) * 1000, 0)} events/s`);
            }
          }
        }
      } finally {
        await served.stop();
      }
      const py = median(python);
      const ts = median(inProcess);
      const ratio = py / ts;
      args.log(`${count} events (${decisions} decisions of 6 events, tensors of 8×16 floats), ${rounds} rounds, medians:`);
      args.log(`  python client via serve  ${fixed(py, 0)} events/s`);
      args.log(`  TypeScript in process    ${fixed(ts, 0)} events/s`);
      args.log(`target ratio_vs_in_process ≥ ${TARGET}: ${fixed(ratio, 3)} → ${ratio >= TARGET ? 'MET' : 'NOT MET'}`);
      return { events: count, rounds, events_per_s: Math.round(py), in_process_events_per_s: Math.round(ts), ratio_vs_in_process: round(ratio), target: TARGET, met: ratio >= TARGET };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function startServe(db: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, '--db', db, '--json', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const url = (JSON.parse(line.toString()) as { url: string }).url;
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
