/**
 * `node dist/bench/main.js [<name>] [--json] [--flag value ...]` (or `npm run bench -- <name> ...`).
 * With a name, runs that benchmark; without, every benchmark in the default set. With --json, the
 * last stdout line of each benchmark is its result as one JSON object and human lines go to stderr.
 * Exit 2 for an unknown name or a bad flag, 1 when a benchmark crashes; never for a missed target.
 */
import type { BenchArgs } from './benchmark.js';
import { BENCHMARKS } from './benchmarks.js';

function parseArgs(argv: readonly string[]): { names: string[]; json: boolean; flags: Record<string, string | true> } {
  const names: string[] = [];
  const flags: Record<string, string | true> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      names.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (key === 'json') {
      json = true;
      continue;
    }
    if (eq >= 0) flags[key] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--') && /^[-+.\d]/.test(argv[i + 1]!)) flags[key] = argv[++i]!;
    else flags[key] = true;
  }
  return { names, json, flags };
}

function listing(): string {
  return Object.entries(BENCHMARKS)
    .map(([n, b]) => `  ${n.padEnd(10)} ${b.description}${b.inDefault ? '' : ' (not in the default set)'}`)
    .join('\n');
}

async function main(): Promise<number> {
  const { names, json, flags } = parseArgs(process.argv.slice(2));
  if (flags.help === true) {
    process.stdout.write(`usage: main.js [<name>] [--json] [flags]\nbenchmarks:\n${listing()}\n`);
    return 0;
  }
  const unknown = names.filter((n) => !Object.hasOwn(BENCHMARKS, n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known benchmarks:\n${listing()}\n`);
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS).filter((n) => BENCHMARKS[n]!.inDefault);
  const out = json ? process.stderr : process.stdout;
  const args: BenchArgs = { json, flags, log: (line = '') => void out.write(`${line}\n`) };
  for (const name of selected) {
    const bench = await BENCHMARKS[name]!.load();
    let result: Record<string, unknown>;
    try {
      result = await bench.run(args);
    } catch (e) {
      process.stderr.write(`benchmark ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return e instanceof Error && /^--\w/.test(e.message) ? 2 : 1;
    }
    if (json) process.stdout.write(`${JSON.stringify({ benchmark: name, ...result })}\n`);
  }
  return 0;
}

process.exitCode = await main();
