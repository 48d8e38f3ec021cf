/**
 * One of the postgres benchmark's writer processes: waits until <startAt> (ms since the epoch),
 * records <n> critic.evaluated events into run <run> of <url> through the recorder, and prints
 * { run, events, start, end } (ms since the epoch).
 * Usage: node postgres-writer-child.js <url> <run> <n> <startAt>
 */
import { Recorder } from '../src/record/recorder.js';
import { criticEvents } from './postgres-fixture.js';

const [url, run, nArg, startArg] = process.argv.slice(2);

async function main(): Promise<void> {
  if (url === undefined || run === undefined) throw new Error('usage: postgres-writer-child <url> <run> <n> <startAt>');
  const events = criticEvents(Number(nArg), run);
  const rec = await Recorder.open(url);
  const wait = Number(startArg) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const start = Date.now();
  const r = await rec.startRun({ id: run });
  for (let i = 0; i < events.length; i++) {
    r.append(events[i]!);
    if (i % 1000 === 999) await new Promise((res) => setImmediate(res));
  }
  await r.close();
  await rec.close();
  process.stdout.write(`${JSON.stringify({ run, events: events.length + 2, start, end: Date.now() })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
