"""Starts a real ``flightrec serve`` for the tests (never a stand-in): $FLIGHTREC_CLI is the built
CLI (dist/src/cli/main.js), set by flightrec's npm test."""
import json
import os
import signal
import subprocess
import tempfile


def cli_path():
    path = os.environ.get("FLIGHTREC_CLI")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "..", "dist", "src", "cli", "main.js")
    if not os.path.exists(path):
        raise RuntimeError("the client's tests need the built flightrec CLI: run `npx tsc -p tsconfig.json` in the repository, or set FLIGHTREC_CLI")
    return path


def flightrec(db, *args):
    """Runs ``flightrec --db <db> ...args`` and returns (exit code, stdout, stderr)."""
    r = subprocess.run(["node", cli_path(), "--db", db, *args], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


class Server:
    """``flightrec serve`` on a free loopback port, on ``db`` (a new temporary file by default)."""

    def __init__(self, db=None, port=0, extra=()):
        self.db = db or os.path.join(tempfile.mkdtemp(prefix="flightrec-py-"), "serve.db")
        self.proc = subprocess.Popen(["node", cli_path(), "--db", self.db, "--json", "serve", "--port", str(port), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("flightrec serve did not start: " + self.proc.stderr.read())
        info = json.loads(line)
        self.url = info["url"]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code

    def events(self, run_id):
        code, out, err = flightrec(self.db, "--json", "events", run_id)
        if code != 0:
            raise RuntimeError(err)
        return [json.loads(l) for l in out.splitlines() if l]
