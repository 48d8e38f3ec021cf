"""Recorder and Run: events are queued in memory and in the spool, and a background thread sends
them to ``flightrec serve`` in batches (at most ``batch_seconds``, ``batch_events`` or ``batch_bytes``),
retrying with capped exponential backoff and jitter and honouring Retry-After."""
import atexit
import gzip as _gzip
import http.client
import json
import os
import platform
import random
import secrets
import sys
import threading
import time
import urllib.parse
import weakref

from . import spool as _spool
from .encoding import encode_value
from .errors import FlightrecClientError

_RETRIABLE = {408, 425, 429, 500, 502, 503, 504}
_ENVELOPE = ("id", "episode", "step", "decision", "component", "version", "parent")
_open_recorders = weakref.WeakSet()


def new_run_id():
    """Sortable, unique-enough run id: UTC time plus a random suffix (as flightrec's own)."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def default_backend():
    """The numeric backend a Python run computes on: exact reproduction is promised per backend."""
    try:
        import numpy
        numeric = "numpy " + numpy.__version__
    except ImportError:
        numeric = None
    return {"name": "python %s %s" % (platform.python_implementation(), platform.python_version()), "tfjsVersion": None, "backendVersion": numeric}


def component_info(c):
    """{name, role, kind, version} of a component object (or a dict already in that shape)."""
    if isinstance(c, dict):
        return {"name": c["name"], "role": c["role"], "kind": c.get("kind", "python"), "version": c.get("version")}
    return {"name": c.name, "role": c.role, "kind": getattr(c, "kind", "python"), "version": version_of(c)}


def version_of(c):
    v = c.version
    return v() if callable(v) else v


class Run:
    """One run being recorded. ``emit`` returns the event's seq (gapless from 0) at once; the event
    is sent in the background. Not thread-safe per run: emit from one thread (as flightrec's own)."""

    def __init__(self, recorder, run_id, spooled=None, recovered=False):
        self.id = run_id
        self._rec = recorder
        self._spool = spooled
        self._next = 0
        self._pending = []  # (seq, line) emitted, not yet acknowledged; spooled already
        self._pending_bytes = 0
        self._ended = False
        self._recovered = recovered
        self.error = None
        self.acked = -1
        # With `flightrec serve --compact`: the server's answer to the batch that ended the run,
        # {"segments": n}, or {"error": message} when it could not compact it (it stays as rows).
        self.compacted = None

    @property
    def seq(self):
        """The seq the next emitted event gets."""
        return self._next

    def emit(self, type, payload, t=None, **envelope):
        """Records one event: ``type``, its payload (numbers, strings, lists, dicts, Tensors, numpy
        arrays) and envelope fields (episode, step, decision, component, version, parent, id).
        Returns its seq. Raises FlightrecClientError once the run has ended or the server refused
        one of its batches."""
        ev = {"type": type, "t": int(time.time() * 1000) if t is None else t}
        for k in _ENVELOPE:
            v = envelope.pop(k, None)
            if v is not None:
                ev[k] = v
        if envelope:
            raise TypeError("unknown envelope field(s): %s" % ", ".join(sorted(envelope)))
        ev["payload"] = encode_value(payload)
        line = json.dumps(ev, separators=(",", ":"), allow_nan=False).encode("utf-8")
        rec = self._rec
        with rec._lock:
            if self.error is not None:
                raise self.error
            if self._ended:
                raise FlightrecClientError("run %s has ended and takes no more events" % self.id, "RUN_CLOSED")
            seq = self._next
            self._next = seq + 1
            self._spool.append(seq, line)
            self._pending.append((seq, line))
            self._pending_bytes += len(line)
            if type == "run.ended":
                self._ended = True
            if len(self._pending) >= rec.batch_events or self._pending_bytes >= rec.batch_bytes:
                rec._wake.notify_all()
        return seq

    def end(self, status="completed", reason=None, episodes=None, decisions=None, timeout=None):
        """Records run.ended and waits until everything of the run is stored (see Recorder.flush)."""
        self.emit("run.ended", {"status": status, "reason": reason, "episodes": episodes, "decisions": decisions})
        self.flush(timeout)

    def flush(self, timeout=None):
        """Waits until every event emitted so far is stored by the server."""
        self._rec.flush(timeout)


def backoff_delay(attempt, base, cap, draw):
    """Seconds to wait before retry number `attempt` (1, 2, ...): capped exponential backoff with
    jitter (`draw` in [0, 1) scales it into [0.5, 1]), so that clients that lost one server do not
    all come back at once."""
    return min(cap, base * (2 ** min(attempt, 30))) * (0.5 + draw / 2)


class Recorder:
    """Records runs into a flightrec server.

    ``url`` defaults to $FLIGHTREC_URL and ``token`` to $FLIGHTREC_TOKEN. Events are spooled to
    ``spool_dir`` (default $FLIGHTREC_SPOOL or ~/.cache/flightrec/spool) before they are sent; events
    a dead process left in the spool are sent by the next Recorder that uses it. At exit the
    recorder flushes for up to $FLIGHTREC_EXIT_TIMEOUT seconds (default 30); what is still unsent
    stays in the spool.
    """

    def __init__(self, url=None, token=None, spool_dir=None, batch_events=500, batch_bytes=1 << 20, batch_seconds=1.0,
                 gzip=False, timeout=30.0, backoff_base=0.1, backoff_cap=10.0):
        url = url or os.environ.get("FLIGHTREC_URL")
        if not url:
            raise FlightrecClientError("no flightrec server: pass Recorder(url=...) or set FLIGHTREC_URL (e.g. http://127.0.0.1:7878 from `flightrec serve`)", "NO_SERVER")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise FlightrecClientError("invalid server URL %r: expected http://host:port" % url, "INVALID_INPUT")
        self.url = url.rstrip("/")
        self._parsed = parsed
        self._base_path = parsed.path.rstrip("/")
        self.token = token if token is not None else (os.environ.get("FLIGHTREC_TOKEN") or None)
        self.spool_dir = spool_dir or _spool.default_spool_dir()
        self.batch_events = batch_events
        self.batch_bytes = batch_bytes
        self.batch_seconds = batch_seconds
        self.gzip = gzip
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._progress = threading.Condition(self._lock)
        self._runs = []
        self._flush_requested = 0
        self._stopping = False
        self._abandon = False
        self._conn = None
        self.retries = 0
        self._recover_spool()
        self._thread = threading.Thread(target=self._loop, name="flightrec-sender", daemon=True)
        self._thread.start()
        _open_recorders.add(self)

    # --- runs ---------------------------------------------------------------------------------

    def start_run(self, name=None, env=None, seed=None, config=None, components=(), backend=None, code_version=None, run_id=None, agent=None, discount=None):
        """Starts a run (its run.started is seq 0) and returns it. ``components`` are component
        objects (name, role, kind, version) or dicts of those fields. ``agent`` names the factory
        replay rebuilds the agent with: ``python:<module or path.py>:<function>`` (see
        ``flightrec_client.serve_components``); the working directory is recorded with it, for a
        relative module path. ``discount`` is the γ the agent plans and learns with."""
        if agent is not None and (not isinstance(agent, str) or not agent):
            raise FlightrecClientError("agent must be a factory name like 'python:my_agent:make_agent', got %r" % (agent,), "INVALID_INPUT")
        run_id = run_id or new_run_id()
        run = Run(self, run_id)
        run._spool = _spool.Spool(self.spool_dir, run_id)
        with self._lock:
            self._runs.append(run)
        run.emit("run.started", {
            "name": name,
            "config": {} if config is None else config,
            "seed": seed,
            "env": env,
            "components": [component_info(c) for c in components],
            "backend": default_backend() if backend is None else backend,
            "code_version": code_version,
            "source_run": None,
            "overrides": None,
            "agent": agent,
            "cwd": os.getcwd(),
            "discount": None if discount is None else float(discount),
        })
        return run

    def _recover_spool(self):
        if not os.path.isdir(self.spool_dir):
            return
        for name in sorted(os.listdir(self.spool_dir)):
            if not name.endswith(".spool"):
                continue
            run_id = name[:-len(".spool")]
            try:
                sp = _spool.Spool(self.spool_dir, run_id)
            except OSError:
                continue  # another live process owns it
            acked = _spool.read_acked(sp.acked_path)
            lines = _spool.read_spooled(sp.path, acked)
            run = Run(self, run_id, sp, recovered=True)
            run.acked = acked
            run._pending = lines
            run._pending_bytes = sum(len(l) for _, l in lines)
            run._next = lines[-1][0] + 1 if lines else acked + 1
            run._ended = True  # nothing more is emitted into a recovered run
            if lines:
                self._runs.append(run)
            else:
                sp.remove()

    # --- flushing and closing -----------------------------------------------------------------

    def flush(self, timeout=None):
        """Waits until every event emitted so far is stored. Raises FlightrecClientError when the
        server refused a batch, TimeoutError when ``timeout`` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flush_requested += 1
            self._wake.notify_all()
            try:
                while True:
                    failed = [r for r in self._runs if r.error is not None]
                    if failed:
                        raise failed[0].error
                    if all(not r._pending for r in self._runs):
                        return
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        unsent = sum(len(r._pending) for r in self._runs)
                        raise TimeoutError("%d events not yet stored by %s (they stay in the spool %s)" % (unsent, self.url, self.spool_dir))
                    self._progress.wait(timeout=left)
            finally:
                self._flush_requested -= 1

    def close(self, timeout=None):
        """Flushes (up to ``timeout`` seconds), stops the sender and releases the spool files; what
        could not be sent stays spooled for the next Recorder."""
        error = None
        try:
            self.flush(timeout)
        except (TimeoutError, FlightrecClientError) as e:
            error = e
        with self._lock:
            self._stopping = True
            self._abandon = True
            self._wake.notify_all()
        self._thread.join(timeout=5)
        with self._lock:
            for r in self._runs:
                if not r._pending and r.error is None:
                    r._spool.remove()
                else:
                    r._spool.close()
        if self._conn is not None:
            self._conn.close()
        _open_recorders.discard(self)
        if error is not None:
            raise error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the sender thread ----------------------------------------------------------------------

    def _loop(self):
        while True:
            with self._lock:
                if not self._abandon and not self._due():
                    self._wake.wait(timeout=self.batch_seconds)
                if self._abandon:
                    return
                runs = [r for r in self._runs if r._pending and r.error is None]
            for r in runs:
                self._send_run(r)

    def _due(self):
        if self._flush_requested or self._stopping:
            return True
        return any(len(r._pending) >= self.batch_events or r._pending_bytes >= self.batch_bytes for r in self._runs if r.error is None)

    def _take(self, run):
        chunk, size = [], 0
        for seq, line in run._pending:
            if chunk and (len(chunk) >= self.batch_events or size + len(line) + 1 > self.batch_bytes):
                break
            chunk.append((seq, line))
            size += len(line) + 1
        return chunk

    def _send_run(self, run):
        while True:
            with self._lock:
                if self._abandon or run.error is not None or not run._pending:
                    return
                chunk = self._take(run)
                run._spool.sync()
            body = b"\n".join(line for _, line in chunk) + b"\n"
            result = self._post(run, chunk[0][0], body)
            if result is None:
                return
            head = result["head"]
            if "compacted" in result:
                run.compacted = result["compacted"]
            with self._lock:
                dropped = 0
                while run._pending and run._pending[0][0] <= head:
                    run._pending_bytes -= len(run._pending.pop(0)[1])
                    dropped += 1
                run.acked = head
                run._spool.acked(head)
                if run._ended and not run._pending:
                    run._spool.remove()
                    if run._recovered:
                        self._runs.remove(run)
                self._progress.notify_all()

    def _post(self, run, first, body):
        """POSTs one batch until it is stored; returns the server's answer, or None when the run failed or the recorder gave up."""
        path = "%s/v1/runs/%s/events?from=%d" % (self._base_path, urllib.parse.quote(run.id, safe=""), first)
        headers = {"Content-Type": "application/x-ndjson"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if self.gzip:
            body = _gzip.compress(body, 1)
            headers["Content-Encoding"] = "gzip"
        attempt = 0
        while True:
            wait = None
            try:
                conn = self._connection()
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self._drop_connection()
                if resp.status == 200:
                    return json.loads(data)
                if resp.status not in _RETRIABLE:
                    self._fail(run, resp.status, data)
                    return None
                retry_after = resp.getheader("Retry-After")
                if retry_after is not None and retry_after.strip().isdigit():
                    wait = float(retry_after.strip()) * (1 + 0.1 * random.random())
            except (OSError, http.client.HTTPException):
                self._drop_connection()
            attempt += 1
            self.retries += 1
            if wait is None:
                wait = backoff_delay(attempt, self.backoff_base, self.backoff_cap, random.random())
            with self._lock:
                if self._wake.wait_for(lambda: self._abandon, timeout=wait):
                    return None

    def _fail(self, run, status, data):
        try:
            err = json.loads(data)["error"]
            message, code = err.get("message", ""), err.get("code")
        except (ValueError, KeyError, TypeError):
            err, message, code = {}, data[:200].decode("utf-8", "replace"), None
        error = FlightrecClientError("the server refused a batch of run %s (HTTP %d): %s" % (run.id, status, message), code, err)
        with self._lock:
            if run._recovered:
                # Left behind by an earlier process: nobody here can fix it, so it is set aside (kept, never deleted) rather than blocking this process's runs.
                run._spool.set_aside()
                self._runs.remove(run)
                sys.stderr.write("flightrec: %s; its spool is kept as %s.refused\n" % (error, run._spool.path))
            else:
                run.error = error
            self._progress.notify_all()

    def _connection(self):
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._parsed.scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self._parsed.hostname, self._parsed.port, timeout=self.timeout)
        return self._conn

    def _drop_connection(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _flush_at_exit():
    timeout = float(os.environ.get("FLIGHTREC_EXIT_TIMEOUT", "30"))
    for rec in list(_open_recorders):
        try:
            rec.close(timeout)
        except Exception:  # noqa: BLE001 - exit handlers cannot report; the spool keeps what was not sent
            pass


atexit.register(_flush_at_exit)
