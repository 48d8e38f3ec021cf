import { spawnSync } from 'node:child_process';

/**
 * Runs a command under a pseudo-terminal (python3's stdlib `pty`), types Ctrl-C once its output
 * matches `waitFor`, and returns everything it wrote to the terminal, escape codes included, and
 * its exit status. The terminal's line discipline turns the ^C into SIGINT for the command's
 * process group, as a shell would.
 */
export function interruptUnderPty(cwd: string, argv: string[], waitFor: RegExp, options: { timeoutMs?: number; afterMs?: number } = {}): { output: string; status: number | null; interrupted: boolean } {
  const r = spawnSync('python3', ['-c', SCRIPT, waitFor.source, String(options.afterMs ?? 300), String((options.timeoutMs ?? 60000) / 1000), ...argv], { cwd, encoding: 'utf8', timeout: (options.timeoutMs ?? 60000) + 10000 });
  if (r.status !== 0) throw new Error(`pty helper failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { output: string; status: number | null; interrupted: boolean };
}

const SCRIPT = String.raw`
import json, os, pty, re, select, sys, time
pattern, after_ms, timeout = re.compile(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
argv = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, sent, start = b'', False, time.time()
while True:
    if not sent and pattern.search(out.decode('utf-8', 'replace')):
        time.sleep(after_ms / 1000)
        os.write(fd, b'\x03')
        sent = True
    if time.time() - start > timeout:
        os.kill(pid, 9)
        break
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
print(json.dumps({'output': out.decode('utf-8', 'replace'), 'status': code, 'interrupted': sent}))
`;
