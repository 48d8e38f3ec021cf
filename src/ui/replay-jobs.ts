import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** A what-if as the viewer asks for it: swaps (`role=spec`, as `--swap` takes them) and planner settings (`planner.key=value`). */
export const WhatIfRequest = z.strictObject({
  swaps: z.array(z.string().min(1)).max(8).default([]),
  settings: z.array(z.string().min(1)).max(8).default([]),
});
export type WhatIfRequest = z.infer<typeof WhatIfRequest>;

export const BlameRequest = z.strictObject({ against: z.array(z.string().min(1)).min(1).max(8) });

export interface JobRequest {
  kind: 'replay' | 'blame';
  db: string;
  run: string;
  decision?: number;
  swaps: string[];
  settings: string[];
}

export type JobMessage = { type: 'progress'; done: number } | { type: 'done'; result: unknown } | { type: 'failed'; code: string; message: string };

/** A job as the viewer polls it. */
export interface JobState {
  id: string;
  kind: JobRequest['kind'];
  run: string;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  result: unknown;
  error: { code: string; message: string } | null;
  started: number;
  seconds: number | null;
}

const CHILD = fileURLToPath(new URL('./replay-job-child.js', import.meta.url));
/** Finished jobs kept for polling; older ones are forgotten. */
const KEEP = 50;

/** The viewer's what-if replays and blames, each in its own child process; one at a time per server would queue, so each starts at once. */
export class ReplayJobs {
  private readonly jobs = new Map<string, JobState>();
  private readonly children = new Set<ChildProcess>();

  start(req: JobRequest, total: number | null, onDone?: (job: JobState) => void): JobState {
    const job: JobState = { id: randomUUID(), kind: req.kind, run: req.run, status: 'running', done: 0, total, result: null, error: null, started: Date.now(), seconds: null };
    this.jobs.set(job.id, job);
    this.forget();
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    this.children.add(child);
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    const finish = (status: 'done' | 'failed', patch: Partial<JobState>) => {
      if (job.status !== 'running') return;
      Object.assign(job, patch, { status, seconds: (Date.now() - job.started) / 1000 });
      onDone?.(job);
    };
    child.on('message', (m: JobMessage) => {
      if (m.type === 'progress') job.done = m.done;
      else if (m.type === 'done') finish('done', { result: m.result, done: job.total ?? job.done });
      else finish('failed', { error: { code: m.code, message: m.message } });
    });
    child.on('exit', (code) => {
      this.children.delete(child);
      finish('failed', { error: { code: 'JOB_DIED', message: `the replay process exited with code ${code} before reporting: ${stderr.trim() || 'no output'}` } });
    });
    child.send(req);
    return job;
  }

  get(id: string): JobState | undefined {
    return this.jobs.get(id);
  }

  /** Stops every running job (server shutdown). */
  close(): void {
    for (const c of this.children) c.kill();
  }

  private forget(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP))) this.jobs.delete(j.id);
  }
}
