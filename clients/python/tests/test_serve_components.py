"""The component server's line protocol (PROTOCOL.md), spoken to a real
``python3 -m flightrec_client.serve_components`` process the way flightrec's replay speaks to it."""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

from flightrec_client import SeededRng, Tensor, decode_value, encode_value, tensor

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)
EXAMPLE = os.path.join(CLIENT, "examples", "tabular_agent.py")
CONTEXT = {"env": "corridor", "config": {"episodes": 1, "agent": {"gamma": 0.9}}, "seed": 0, "discount": None, "observation_spec": None, "action_spec": None}


class Served:
    """One component server process, and flightrec's side of the protocol."""

    def __init__(self, target, cwd=CLIENT):
        env = dict(os.environ, PYTHONPATH=CLIENT)
        self.proc = subprocess.Popen([sys.executable, "-m", "flightrec_client.serve_components", target], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.next_id = 0
        self.callbacks = []

    def line(self):
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError(self.proc.stderr.read().decode())
        return json.loads(line)

    def write(self, msg):
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, op, on_callback=None, **body):
        self.next_id += 1
        rid = self.next_id
        self.write(dict({"id": rid, "op": op}, **encode_value(body)))
        while True:
            msg = self.line()
            if "op" in msg:
                self.callbacks.append((msg["role"], msg["method"]))
                result = on_callback(msg["role"], msg["method"], decode_value(msg["args"]))
                self.write({"id": msg["id"], "ok": True, "result": encode_value(result)})
                continue
            assert msg["id"] == rid, msg
            return msg

    def close(self):
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


def ok(msg):
    assert msg["ok"], msg
    return decode_value(msg["result"])


class ComponentServerTest(unittest.TestCase):
    def setUp(self):
        self.s = Served("examples/tabular_agent.py:make_agent")
        self.hello = self.s.line()

    def tearDown(self):
        if self.s.proc.poll() is None:
            self.s.close()

    def create(self):
        return {c["role"]: c for c in ok(self.s.request("create", context=CONTEXT))["components"]}

    def test_hello_then_create_lists_the_components_with_kinds_versions_and_what_they_support(self):
        self.assertEqual(self.hello["hello"], "flightrec-components")
        self.assertEqual(self.hello["protocol"], 1)
        c = self.create()
        self.assertEqual(sorted(c), ["critic", "planner", "reward", "world_model"])
        self.assertEqual(c["critic"]["name"], "table_critic")
        self.assertEqual(c["critic"]["kind"], "python-tabular")
        self.assertTrue(c["critic"]["trainable"])
        self.assertFalse(c["critic"]["checkpointable"])
        self.assertRegex(c["critic"]["version"], r"^[0-9a-f]{16}$")

    def test_component_calls_answer_tensors_as_the_recorder_records_them(self):
        self.create()
        states = tensor([[0.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0, 0.0]])
        nxt = ok(self.s.request("call", component="table_model", method="predict", args={"states": states, "actions": tensor([1, 1])}))
        self.assertEqual(nxt["next_states"], states)  # an unknown transition stays put
        self.assertIsNone(nxt["done"])
        r = ok(self.s.request("call", component="goal_reward", method="evaluate", args={"states": states, "actions": tensor([1, 1]), "next_states": tensor([[0, 0, 0, 0, 0, 1.0]] * 2)}))
        self.assertEqual(r["rewards"], tensor([1.0, 1.0]))
        v = ok(self.s.request("call", component="table_critic", method="evaluate", args={"states": states}))
        self.assertEqual(v["values"].dtype, "float32")
        self.assertEqual(v["values"].shape, (2,))

    def test_a_recorded_update_moves_the_version_and_the_answers(self):
        c = self.create()
        before = c["critic"]["version"]
        update = {"from_version": before, "to_version": "?", "index": 1, "batch": {"events": [3], "tensors": {"transition": tensor([4.0, 1.0, 1.0, 5.0, 1.0], "float64")}}, "hyper": {}, "seq": 7}
        after = ok(self.s.request("apply_update", component="table_critic", update=update))["version"]
        self.assertNotEqual(after, before)
        v = ok(self.s.request("call", component="table_critic", method="evaluate", args={"states": tensor([[0, 0, 0, 0, 1.0, 0]])}))["values"]
        self.assertEqual(v.values(), [0.5])  # v += 0.5 * (1 - 0)

    def test_a_planner_calls_its_components_back_through_flightrec_and_nested_requests_are_answered(self):
        self.create()
        obs = tensor([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        served = self.s

        def forward(role, method, args):
            # flightrec records the call and asks the Python component for the answer: a request nested in the callback.
            name = {"world_model": "table_model", "reward": "goal_reward", "critic": "table_critic"}[role]
            return ok(served.request("call", component=name, method=method, args=args))

        plan = ok(self.s.request("call", forward, component="greedy", method="plan", args={"observation": obs, "rng_state": SeededRng.from_seed(0).state(), "at": {"episode": 0, "step": 0}}))
        self.assertEqual(self.s.callbacks, [("world_model", "predict"), ("reward", "evaluate"), ("critic", "evaluate")])
        self.assertEqual(plan["chose"]["chooser"], "greedy")
        self.assertEqual(plan["chose"]["action"], 1)
        self.assertEqual(len(plan["levels"]), 1)
        self.assertEqual(plan["chose"]["value"], struct_f32(-0.1))

    def test_errors_of_the_agent_are_answers_and_the_server_goes_on(self):
        self.create()
        bad = self.s.request("call", component="nobody", method="evaluate", args={"states": tensor([[1.0]])})
        self.assertFalse(bad["ok"])
        self.assertEqual(bad["error"]["type"], "KeyError")
        self.assertIn("table_critic", bad["error"]["message"])
        self.assertFalse(self.s.request("teleport")["ok"])
        self.assertTrue(self.s.request("call", component="table_critic", method="evaluate", args={"states": tensor([[1.0, 0, 0, 0, 0, 0]])})["ok"])

    def test_a_line_that_is_not_json_ends_the_server_with_a_protocol_error(self):
        self.s.proc.stdin.write(b"this is not json\n")
        self.s.proc.stdin.flush()
        self.assertEqual(self.s.close(), 4)

    def test_end_of_input_ends_the_server_cleanly(self):
        self.create()
        self.assertEqual(self.s.close(), 0)


class FactoryLoadingTest(unittest.TestCase):
    def test_prints_of_the_agent_go_to_stderr_not_into_the_protocol(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "noisy.py"), "w") as f:
            f.write("print('hello from the module')\n"
                    "class C:\n    name, role, kind = 'c', 'critic', 'x'\n    def version(self): return 'v1'\n"
                    "    def evaluate(self, states):\n        print('evaluating', states)\n        return [0.0 for _ in states]\n"
                    "def make(context):\n    return {'components': [C()], 'arrays': 'lists'}\n")
        s = Served("noisy:make", cwd=d)
        try:
            self.assertEqual(s.line()["hello"], "flightrec-components")
            ok(s.request("create", context=CONTEXT))
            self.assertEqual(ok(s.request("call", component="c", method="evaluate", args={"states": tensor([[1.0]])}))["values"], tensor([0.0]))
        finally:
            s.close()

    def test_a_planner_gets_back_the_very_objects_its_components_returned_not_float32_roundings(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "exact.py"), "w") as f:
            f.write("class R:\n    name, role, kind = 'r', 'reward', 'x'\n    version = 'v1'\n"
                    "    def evaluate(self, s, a, n):\n        return [0.1 for _ in s]\n"
                    "class P:\n    name, role, kind = 'p', 'planner', 'x'\n    version = 'v1'\n"
                    "    def plan(self, obs, comps, rng=None, at=None):\n"
                    "        r = comps['reward'].evaluate([obs], [0], None)\n"
                    "        return {'action': 0, 'candidates': [[0]], 'scores': r, 'chosen_index': 0, 'value': r[0], 'search': []}\n"
                    "def make(context):\n    return [R(), P()]\n")
        s = Served("exact.py:make", cwd=d)
        try:
            s.line()
            ok(s.request("create", context=CONTEXT))
            forward = lambda role, method, args: ok(s.request("call", component="r", method=method, args=args))
            plan = ok(s.request("call", forward, component="p", method="plan", args={"observation": tensor([1.0]), "rng_state": None, "at": None}))
            self.assertEqual(plan["chose"]["value"], 0.1)  # the double the reward returned, not 0.10000000149011612
            self.assertEqual(plan["chose"]["scores"], tensor([0.1]))
        finally:
            s.close()

    def test_an_object_refilled_after_it_was_sent_is_not_mistaken_for_what_it_held(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "refill.py"), "w") as f:
            f.write("class P:\n    name, role, kind = 'p', 'planner', 'x'\n    version = 'v1'\n"
                    "    def plan(self, obs, comps, rng=None, at=None):\n"
                    "        buf = [[1.0, 2.0]]\n"
                    "        comps['critic'].evaluate(buf)\n"
                    "        buf[0][0] = 5.0\n"  # refilled in place, then sent again
                    "        back = comps['critic'].evaluate(buf)\n"
                    "        return {'action': 0, 'candidates': [[0]], 'scores': [0.0], 'chosen_index': 0, 'value': back[0][0], 'search': []}\n"
                    "def make(context):\n    return [P()]\n")
        s = Served("refill.py:make", cwd=d)
        try:
            s.line()
            ok(s.request("create", context=CONTEXT))
            first = []

            def answer(role, method, args):
                # flightrec's side answers the second call with the first call's tensor: [[1, 2]].
                first.append(args["states"])
                return {"values": first[0]}

            plan = ok(s.request("call", answer, component="p", method="plan", args={"observation": tensor([1.0]), "rng_state": None, "at": None}))
            self.assertEqual(plan["chose"]["value"], 1.0)
        finally:
            s.close()

    @unittest.skipUnless(importlib.util.find_spec("numpy"), "numpy is not installed")
    def test_components_can_be_given_numpy_arrays(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "np_agent.py"), "w") as f:
            f.write("class C:\n    name, role, kind, version = 'c', 'critic', 'x', 'v1'\n"
                    "    def evaluate(self, states):\n        states[:, 0] += 1\n        return states.sum(axis=1)\n"
                    "def make(context):\n    return {'components': [C()], 'arrays': 'numpy'}\n")
        s = Served("np_agent:make", cwd=d)
        try:
            s.line()
            ok(s.request("create", context=CONTEXT))
            v = ok(s.request("call", component="c", method="evaluate", args={"states": tensor([[1.0, 2.0], [3.0, 4.5]])}))["values"]
            self.assertEqual((v.dtype, v.values()), ("float32", [4.0, 8.5]))
        finally:
            s.close()

    def test_a_factory_that_cannot_be_loaded_exits_before_the_hello(self):
        s = Served("no_such_module_here:make", cwd=tempfile.mkdtemp())
        self.assertRaises(EOFError, s.line)
        self.assertEqual(s.close(), 3)


class SeededRngTest(unittest.TestCase):
    def test_draws_equal_the_typescript_generator(self):
        # From src/random/seeded-rng.ts: SeededRng.fromSeed(42) and its next draws.
        r = SeededRng.from_seed(42)
        self.assertEqual(r.state(), "3805ea2ceb5cd9841327aacbc5ba443d")
        self.assertEqual([r.next_u32() for _ in range(5)], [2837322924, 544945897, 479756282, 3500138142, 339756180])
        self.assertEqual(r.uniform(), 0.026350207740137188)
        self.assertEqual(r.int(7), 1)
        self.assertEqual(r.categorical([0.2, 0.5, 0.3]), 1)
        self.assertEqual(r.fork("x").state(), "bc657ee8484de4a46f0f1dd0da15959e")
        self.assertEqual(SeededRng.from_seed("h\u00e9llo").state(), "a82dba108c699fe7eb6a234532f08398")

    def test_a_restored_state_draws_the_same_sequence(self):
        r = SeededRng.from_seed(7)
        r.next_u32()
        again = SeededRng.from_state(r.state())
        self.assertEqual([r.next_u32() for _ in range(10)], [again.next_u32() for _ in range(10)])
        self.assertRaises(ValueError, SeededRng.from_state, "deterministic")


def struct_f32(x):
    import struct
    return struct.unpack("<f", struct.pack("<f", x))[0]


if __name__ == "__main__":
    unittest.main()
