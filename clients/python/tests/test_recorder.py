import json
import math
import os
import shutil
import signal
import struct
import tempfile
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flightrec_client import FlightrecClientError, Recorder, Tensor, decode_value, tensor
from flightrec_client.recorder import backoff_delay

from .serve_helper import Server, flightrec
from examples.tabular_agent import train


def read_events(url, run_id):
    out, after = [], -1
    while True:
        page_url = "%s/v1/runs/%s/events?limit=1000" % (url, run_id) + ("" if after < 0 else "&after=%d" % after)
        with urllib.request.urlopen(page_url) as r:
            page = json.load(r)
        out += page["events"]
        if page["next"] is None:
            return out
        after = page["next"]


class RecorderAgainstServeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="flightrec-py-")
        self.spool = os.path.join(self.tmp, "spool")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_start_run_records_the_agent_factory_replay_asks_and_the_working_directory(self):
        server = Server(os.path.join(self.tmp, "f.db"))
        try:
            with Recorder(server.url, spool_dir=self.spool) as rec:
                with self.assertRaises(FlightrecClientError):
                    rec.start_run("bad", agent="")
                run = rec.start_run("named", env="corridor", agent="python:my_agent:make_agent", discount=0.9)
                run.end()
            started = read_events(server.url, run.id)[0]["payload"]
            self.assertEqual(started["agent"], "python:my_agent:make_agent")
            self.assertEqual(started["cwd"], os.getcwd())
            self.assertEqual(started["discount"], 0.9)
            self.assertIsNone(run.compacted)
        finally:
            server.stop()

    def test_a_server_started_with_compact_compacts_each_run_its_client_ends(self):
        db = os.path.join(self.tmp, "c.db")
        server = Server(db, extra=("--compact",))
        try:
            with Recorder(server.url, spool_dir=self.spool) as rec:
                run = train(rec, episodes=2)
            self.assertEqual(run.compacted, {"segments": math.ceil(run.seq / 256)})
            self.assertEqual(len(read_events(server.url, run.id)), run.seq)
        finally:
            server.stop()
        code, out, err = flightrec(db, "--json", "stats", run.id)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["compacted"]["segments"], run.compacted["segments"])
        code, out, err = flightrec(db, "verify", run.id)
        self.assertEqual(code, 0, out + err)

    def test_an_agent_is_recorded_whole_and_tensors_come_back_bit_for_bit(self):
        server = Server(os.path.join(self.tmp, "a.db"))
        try:
            with Recorder(server.url, spool_dir=self.spool) as rec:
                run = train(rec, episodes=3)
                odd = rec.start_run("odd values")
                nan_neg = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
                values = tensor([math.nan, -0.0, math.inf, -math.inf, nan_neg, 1e-40], "float64")
                odd.emit("annotation", {"target": 0, "label": "odd", "note": None, "author": None})
                odd.emit("critic.evaluated", {"states": tensor([[0.1, 0.2]]), "values": values}, decision=0, component="c", version="v")
                odd.end()
            events = read_events(server.url, run.id)
            self.assertEqual([e["seq"] for e in events], list(range(run.seq)))
            types = {e["type"] for e in events}
            for t in ("run.started", "episode.started", "decision.started", "world_model.predicted", "reward.evaluated", "critic.evaluated",
                      "planner.expanded", "actor.chose", "env.stepped", "component.updated", "episode.ended", "run.ended"):
                self.assertIn(t, types)
            back = decode_value(read_events(server.url, odd.id)[2]["payload"])["values"]
            self.assertEqual(back, values)  # Tensor equality is byte equality
            self.assertEqual(back.data[32:40], struct.pack("<Q", 0xFFF8000000000000))
            code, out, err = flightrec(server.db, "--json", "verify", "--all")
            self.assertEqual(code, 0, err)
            self.assertEqual(os.listdir(self.spool), [])  # every run stored and ended: nothing left to resend
        finally:
            server.stop()

    def test_a_server_killed_and_restarted_mid_recording_gets_every_event_exactly_once(self):
        db = os.path.join(self.tmp, "k.db")
        server = Server(db)
        port = server.port
        rec = Recorder(server.url, spool_dir=self.spool, batch_events=50, batch_seconds=0.05, backoff_base=0.05, backoff_cap=0.5)
        run = rec.start_run("killed")
        payload = {"states": tensor([[0.25] * 8]), "values": tensor([0.5])}
        for i in range(3000):
            run.emit("critic.evaluated", payload, decision=i, component="critic", version="v1")
            if i == 1000:
                time.sleep(0.3)
                server.stop(signal.SIGKILL)  # no drain: whatever was in flight is lost by the server
            if i == 2000:
                server = Server(db, port=port)
        run.end()
        rec.close()
        try:
            events = read_events(server.url, run.id)
            self.assertEqual([e["seq"] for e in events], list(range(3002)))
            self.assertEqual([e["decision"] for e in events[1:-1]], list(range(3000)))
            self.assertGreater(rec.retries, 0)
            code, _, err = flightrec(db, "verify", run.id)
            self.assertEqual(code, 0, err)
        finally:
            server.stop()

    def test_what_a_dead_process_left_in_the_spool_is_sent_by_the_next_recorder(self):
        dead = Recorder("http://127.0.0.1:9", spool_dir=self.spool, backoff_base=0.01, backoff_cap=0.05)  # nothing listens there
        run = dead.start_run("outage")
        for i in range(120):
            run.emit("annotation", {"target": 0, "label": "n%d" % i, "note": None, "author": None})
        run.emit("run.ended", {"status": "completed", "reason": None, "episodes": None, "decisions": None})
        with self.assertRaises(TimeoutError):
            dead.close(timeout=0.3)
        self.assertEqual(sorted(os.listdir(self.spool)), [run.id + ".spool"])
        server = Server(os.path.join(self.tmp, "s.db"))
        try:
            later = Recorder(server.url, spool_dir=self.spool)
            later.flush(timeout=60)
            later.close()
            events = read_events(server.url, run.id)
            self.assertEqual(len(events), 122)
            self.assertEqual(events[-1]["type"], "run.ended")
            self.assertEqual(os.listdir(self.spool), [])
        finally:
            server.stop()

    def test_a_refused_batch_raises_with_the_servers_line_field_and_value(self):
        server = Server(os.path.join(self.tmp, "b.db"))
        try:
            rec = Recorder(server.url, spool_dir=self.spool)
            run = rec.start_run("bad")
            run.emit("episode.started", {"env_seed": "seven", "observation": tensor([1.0]), "env_state": None})
            with self.assertRaises(FlightrecClientError) as ctx:
                rec.flush(timeout=30)
            self.assertIn("payload.env_seed", str(ctx.exception))
            self.assertEqual(ctx.exception.details.get("field"), "payload.env_seed")
            self.assertEqual(ctx.exception.details.get("line"), 2)
            with self.assertRaises(FlightrecClientError):
                run.emit("annotation", {"target": 0, "label": "x", "note": None, "author": None})
            self.assertRaises(FlightrecClientError, rec.close, 1)
            code, out, _ = flightrec(server.db, "--json", "runs")
            self.assertEqual(json.loads(out), [])  # nothing of the refused batch (run.started included) was stored
        finally:
            server.stop()

    def test_a_token_is_sent_and_required(self):
        os.environ.pop("FLIGHTREC_TOKEN", None)
        server = Server(os.path.join(self.tmp, "t.db"), extra=("--token", "open-sesame-42"))
        try:
            with Recorder(server.url, token="open-sesame-42", spool_dir=self.spool) as rec:
                rec.start_run("with token").end()
            rec = Recorder(server.url, spool_dir=os.path.join(self.tmp, "other"))
            rec.start_run("without")
            with self.assertRaisesRegex(FlightrecClientError, "HTTP 401"):
                rec.flush(timeout=30)
            self.assertRaises(FlightrecClientError, rec.close, 1)
        finally:
            server.stop()

    def test_no_url_is_a_clear_error(self):
        saved = os.environ.pop("FLIGHTREC_URL", None)
        try:
            with self.assertRaisesRegex(FlightrecClientError, "FLIGHTREC_URL"):
                Recorder(spool_dir=self.spool)
            os.environ["FLIGHTREC_URL"] = "http://127.0.0.1:9"
            rec = Recorder(spool_dir=self.spool)
            self.assertEqual(rec.url, "http://127.0.0.1:9")
            rec.close(0.1)
        finally:
            os.environ.pop("FLIGHTREC_URL", None)
            if saved is not None:
                os.environ["FLIGHTREC_URL"] = saved


class BackoffTest(unittest.TestCase):
    """The retry timing, against a scripted HTTP peer (answers are chosen per request; nothing is stored)."""

    def serve(self, answers):
        times = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers["Content-Length"])
                body = self.rfile.read(n)
                times.append(time.monotonic())
                status, headers = answers[min(len(times) - 1, len(answers) - 1)]
                first = int(self.path.split("from=")[1])
                data = json.dumps({"head": first + body.count(b"\n") - 1}).encode() if status == 200 else b'{"error":{"code":"SERVER_BUSY","message":"busy"}}'
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.shutdown)
        return "http://127.0.0.1:%d" % httpd.server_address[1], times

    def test_retry_after_is_honoured(self):
        url, times = self.serve([(429, {"Retry-After": "1"}), (200, {})])
        with Recorder(url, spool_dir=tempfile.mkdtemp(), backoff_base=0.01) as rec:
            rec.start_run("r").end(timeout=30)
        self.assertEqual(len(times), 2)
        self.assertGreaterEqual(times[1] - times[0], 1.0)

    def test_backoff_grows_and_is_capped(self):
        # The schedule itself, exactly: wall-clock gaps only bound it from below on a busy machine.
        self.assertEqual([backoff_delay(k, 0.05, 0.4, 1.0) for k in range(1, 6)], [0.1, 0.2, 0.4, 0.4, 0.4])
        self.assertEqual(backoff_delay(1, 0.05, 0.4, 0.0), 0.05)  # jitter halves it at most
        self.assertEqual(backoff_delay(10 ** 6, 1.0, 10.0, 1.0), 10.0)  # no overflow for long outages
        url, times = self.serve([(503, {})] * 6 + [(200, {})])
        with Recorder(url, spool_dir=tempfile.mkdtemp(), backoff_base=0.05, backoff_cap=0.4) as rec:
            rec.start_run("r").end(timeout=60)
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertEqual(len(gaps), 6)
        self.assertGreaterEqual(min(gaps), 0.05 * 2 * 0.5 - 0.01)  # it waited before every retry
        self.assertGreaterEqual(max(gaps), 0.2 - 0.01)  # and the waits grew


if __name__ == "__main__":
    unittest.main()
