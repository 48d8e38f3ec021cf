import type { Benchmark } from './benchmark.js';

export interface RegisteredBenchmark {
  readonly description: string;
  /** Part of the default set, run when `main.js` is given no name. */
  readonly inDefault: boolean;
  /** Loaded lazily, so one benchmark's heavy imports do not slow the others. */
  readonly load: () => Promise<Benchmark>;
}

/** Every benchmark by name; adding one is one line. */
export const BENCHMARKS: Readonly<Record<string, RegisteredBenchmark>> = {
  record: { description: 'recording throughput and bytes/event against raw better-sqlite3 and JSONL', inDefault: true, load: async () => (await import('./record-benchmark.js')).recordBenchmark },
  overhead: { description: 'recording on vs off for the same seeded training run of the reference agent', inDefault: true, load: async () => (await import('./overhead-benchmark.js')).overheadBenchmark },
  replay: { description: 'counterfactual re-evaluation with a swapped critic against its raw batched forward passes', inDefault: true, load: async () => (await import('./replay-benchmark.js')).replayBenchmark },
  diff: { description: 'diff two runs of ≥ 1M events each: seconds and peak RSS, with a stage breakdown', inDefault: true, load: async () => (await import('./diff-benchmark.js')).diffBenchmark },
  ingest: { description: 'the Python client through flightrec serve on loopback vs the same events through the in-process TypeScript recorder', inDefault: true, load: async () => (await import('./ingest-benchmark.js')).ingestBenchmark },
  read: { description: 'stream a 1M-event run through the public reader vs a raw better-sqlite3 scan with decoding; memory by quarter; one decision by number', inDefault: false, load: async () => (await import('./read-benchmark.js')).readBenchmark },
  compact: { description: "the demo's run row by row vs compacted into segments: bytes per decision, compaction time, reading, verify and one decision by number", inDefault: false, load: async () => (await import('./compact-benchmark.js')).compactBenchmark },
  scale: { description: 'a store grown to --events (default 2M; the issue asks 10M): append rate at the end vs an empty store, decision lookup at the end, file size', inDefault: false, load: async () => (await import('./scale-benchmark.js')).scaleBenchmark },
  planners: { description: 'bytes per decision: the beam planner against MPPI under each recording policy of its sample tensors', inDefault: false, load: async () => (await import('./planners-benchmark.js')).plannersBenchmark },
  ui: { description: 'viewer pages in chromium: a decision of a 1M-event run against showDecision, the run page, 1,000 runs', inDefault: false, load: async () => (await import('./ui-benchmark.js')).uiBenchmark },
  crash: { description: 'SIGKILL soak: --kills N (default 1000) at random points of recording (both durability modes), replay --verify, replay --swap and import; corrupt files, torn batches, acknowledged events lost', inDefault: false, load: async () => (await import('./crash-benchmark.js')).crashBenchmark },
  concurrency: { description: '8 processes × 60 s appending to one file (3 on one shared run) while a reader replays: events/s and failures', inDefault: false, load: async () => (await import('./concurrency-benchmark.js')).concurrencyBenchmark },
  postgres: { description: 'the recorder into PostgreSQL vs raw pg COPY of the same rows, and 8 writer processes at once (needs FLIGHTREC_PG_URL)', inDefault: false, load: async () => (await import('./postgres-benchmark.js')).postgresBenchmark },
};
