import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { workerData, type MessagePort } from 'node:worker_threads';

/**
 * The worker thread behind ProcessChannel: it owns the child process and relays its stdout lines,
 * its stderr and its exit to the main thread over a port, bumping a shared counter after each
 * message so that a main thread blocked in Atomics.wait wakes up.
 */
const { command, args, cwd, env, port, signal } = workerData as { command: string; args: string[]; cwd: string; env: Record<string, string>; port: MessagePort; signal: SharedArrayBuffer };
const counter = new Int32Array(signal);

function post(message: unknown): void {
  port.postMessage(message);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}

const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
let spawnError: string | null = null;
child.on('error', (e) => {
  spawnError = e.message;
});
child.stdin.on('error', () => undefined); // EPIPE once the child is gone: its exit says why
child.stderr.setEncoding('utf8');
child.stderr.on('data', (text: string) => post({ kind: 'stderr', text }));
createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => post({ kind: 'line', line }));
child.on('close', (code, sig) => {
  post({ kind: 'exit', code, signal: sig, error: spawnError });
  port.close();
});

port.on('message', (m: { kind: 'write'; line: string } | { kind: 'close' } | { kind: 'kill' }) => {
  if (m.kind === 'write') child.stdin.write(`${m.line}\n`);
  else if (m.kind === 'close') {
    child.stdin.end();
    // A child that ignores the end of its input is not left behind.
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  } else child.kill('SIGKILL');
});
