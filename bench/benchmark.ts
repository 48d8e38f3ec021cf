/**
 * What a benchmark module exports, and the arguments the dispatcher (bench/main.ts) hands it.
 * Benchmarks report; they never assert: a missed target is printed, not an exit code.
 */
export interface BenchArgs {
  /** True with `--json`: human lines go to stderr and the dispatcher prints the result as the last stdout line. */
  readonly json: boolean;
  /** Other flags: `--key value`, `--key=value`, or a bare `--flag` (true). */
  readonly flags: Readonly<Record<string, string | true>>;
  /** Prints a human line (stdout, or stderr in --json mode). */
  log(line?: string): void;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  /** Runs the benchmark and returns its figures (one flat-ish JSON object). */
  run(args: BenchArgs): Promise<Record<string, unknown>>;
}

/** A positive integer flag, or `fallback` when absent; throws on a malformed value. */
export function intFlag(args: BenchArgs, name: string, fallback: number): number {
  const v = args.flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer, got ${String(v)}`);
  return n;
}

export function boolFlag(args: BenchArgs, name: string): boolean {
  const v = args.flags[name];
  return v === true || v === 'true' || v === '1';
}
