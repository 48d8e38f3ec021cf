import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** What a ProcessChannel read: a line of the child's stdout, or its exit. */
export type ChannelRead = { kind: 'line'; line: string } | { kind: 'exit'; code: number | null; signal: string | null; error: string | null } | { kind: 'timeout' };

/** Bytes of the child's stderr kept for error messages. */
const STDERR_TAIL = 16_384;

/**
 * A child process spoken to in lines, synchronously. Components are called synchronously
 * (a planner calls its world model in the middle of plan()), so a component served by another
 * process must answer before the call returns: a worker thread owns the child and its pipes, and
 * the calling thread blocks in Atomics.wait until the worker relays the next line. (Blocking reads
 * on the child's own pipes are not possible from node's main thread: libuv puts them in
 * non-blocking mode.)
 */
export class ProcessChannel {
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private stderrTail = '';
  private exit: Extract<ChannelRead, { kind: 'exit' }> | null = null;

  constructor(command: string, args: string[], options: { cwd: string; env: Record<string, string> }) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./process-channel-worker.js', import.meta.url), {
      workerData: { command, args, cwd: options.cwd, env: options.env, port: port2, signal: this.counter.buffer },
      transferList: [port2],
    });
    // Neither the worker nor the port keeps the process alive: the child sees its stdin close when we exit.
    this.worker.unref();
    this.port.unref();
  }

  /** The last lines the child wrote to stderr. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Null while the child runs. */
  get exited(): Extract<ChannelRead, { kind: 'exit' }> | null {
    return this.exit;
  }

  write(line: string): void {
    this.port.postMessage({ kind: 'write', line });
  }

  /** Blocks until the child writes a line or exits, or `timeoutMs` passes. */
  read(timeoutMs: number): ChannelRead {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit !== null) return this.exit;
      const seen = Atomics.load(this.counter, 0);
      const got = receiveMessageOnPort(this.port);
      if (got !== undefined) {
        const m = got.message as { kind: 'stderr'; text: string } | Exclude<ChannelRead, { kind: 'timeout' }>;
        if (m.kind === 'stderr') this.stderrTail = (this.stderrTail + m.text).slice(-STDERR_TAIL);
        else if (m.kind === 'exit') this.exit = m;
        else return m;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      Atomics.wait(this.counter, 0, seen, left);
    }
  }

  /** Ends the child's input (it exits on EOF; it is killed 5 s later if it does not). */
  close(): void {
    if (this.exit === null) this.port.postMessage({ kind: 'close' });
  }

  kill(): void {
    if (this.exit === null) this.port.postMessage({ kind: 'kill' });
  }
}
