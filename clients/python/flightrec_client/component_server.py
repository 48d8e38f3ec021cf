"""ComponentServer: answers flightrec's replay requests with a Python agent's components, in the
line protocol of PROTOCOL.md (started by ``python3 -m flightrec_client.serve_components``)."""
import json
import sys
import traceback

from .agent import ROLES, actor_payload, critic_payload, plan_payloads, reward_payload, world_model_payload
from .encoding import decode_value, encode_value
from .recorder import component_info, default_backend
from .rng import SeededRng
from .tensors import Tensor, tensor

PROTOCOL = 1


class ProtocolError(Exception):
    """The other side broke the protocol (a reply to a question never asked, a line that is not JSON)."""


class ReplayCallError(Exception):
    """A component call the planner made through flightrec failed there; the message is flightrec's."""


def _components_of(built):
    """(components by role, arrays format) from what a factory returned."""
    arrays = "lists"
    if isinstance(built, dict) and "components" in built:
        arrays = built.get("arrays", "lists")
        built = built["components"]
    if arrays not in ("lists", "numpy", "tensors"):
        raise ValueError("arrays must be 'lists', 'numpy' or 'tensors', got %r" % (arrays,))
    items = list(built.values()) if isinstance(built, dict) else list(built)
    by_role = {}
    for c in items:
        role = getattr(c, "role", None)
        if role not in ROLES:
            raise ValueError("component %r has role %r: one of %s" % (getattr(c, "name", "?"), role, ", ".join(ROLES)))
        if role in by_role:
            raise ValueError("two components for role %s: %s and %s" % (role, by_role[role].name, c.name))
        by_role[role] = c
    return by_role, arrays


def _key(t):
    return (t.dtype, t.shape, t.data)


class ComponentServer:
    """Answers flightrec's requests with the factory's components, one request at a time. While a
    planner plans, its component calls go back to flightrec (which records them, and may answer
    with a swapped-in component) and flightrec's own requests nest inside."""

    def __init__(self, factory, inp, out):
        self.factory = factory
        self.inp = inp
        self.out = out
        self.by_role = {}
        self.by_name = {}
        self.arrays = "lists"
        self.depth = 0
        self.next_callback = 0
        # Python objects behind the tensors this process sent during the current request: when a
        # tensor comes back (a planner's arguments reaching the critic, a critic's values reaching
        # the planner) the component gets the very object it got when the run was recorded, not a
        # float32 rounding of it.
        self.memo = {}

    # -- lines ---------------------------------------------------------------------------------
    def send(self, msg):
        self.out.write(json.dumps(msg, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n")
        self.out.flush()

    def receive(self):
        line = self.inp.readline()
        if not line:
            raise EOFError
        try:
            msg = json.loads(line)
        except ValueError as e:
            raise ProtocolError("a line from flightrec is not JSON (%s): %r" % (e, line[:200])) from None
        if not isinstance(msg, dict) or "id" not in msg:
            raise ProtocolError("a message from flightrec has no id: %r" % (line[:200],))
        return msg

    def serve(self):
        self.send({"hello": "flightrec-components", "protocol": PROTOCOL, "python": sys.version.split()[0]})
        while True:
            try:
                msg = self.receive()
            except EOFError:
                return
            if msg.get("op") == "shutdown":
                self.send({"id": msg["id"], "ok": True, "result": None})
                return
            if "op" not in msg:
                raise ProtocolError("flightrec sent a reply (id %r) when no call was waiting for one" % (msg["id"],))
            self.handle(msg)

    def handle(self, msg):
        if self.depth == 0:
            self.memo.clear()
        self.depth += 1
        try:
            result = self.dispatch(msg.get("op"), msg)
            reply = {"id": msg["id"], "ok": True, "result": encode_value(result)}
        except (ProtocolError, EOFError):
            raise
        except BaseException as e:  # the agent's own failure: reported, and the server goes on
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            reply = {"id": msg["id"], "ok": False, "error": {"type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc(limit=20)}}
        finally:
            self.depth -= 1
        self.send(reply)

    # -- values ----------------------------------------------------------------------------------
    def sent(self, x, make):
        """Encodes an output as the recorder would, remembering the object behind it."""
        t = make(x)
        if isinstance(t, Tensor):
            self.memo[_key(t)] = (x, make)
        return t

    def given(self, v):
        """An input tensor as the agent's components take it."""
        if v is None:
            return None
        if isinstance(v, Tensor):
            hit = self.memo.get(_key(v))
            # Only while the object still says what it said: an agent may refill a buffer it sent.
            if hit is not None and _key(hit[1](hit[0])) == _key(v):
                return hit[0]
            if self.arrays == "tensors":
                return v
            return v.numpy().copy() if self.arrays == "numpy" else v.tolist()  # a copy: frombuffer's view is read-only
        if isinstance(v, dict):
            return {k: self.given(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.given(x) for x in v]
        return v

    def component(self, msg):
        name = msg.get("component")
        c = self.by_name.get(name)
        if c is None:
            raise KeyError("no component named %r (the factory built %s)" % (name, ", ".join(self.by_name) or "none"))
        return c

    # -- requests --------------------------------------------------------------------------------
    def dispatch(self, op, msg):
        if op == "create":
            return self.create(decode_value(msg.get("context") or {}))
        if op == "call":
            return self.call(self.component(msg), msg.get("method"), decode_value(msg.get("args") or {}))
        if op == "load_checkpoint":
            c = self.component(msg)
            ck = decode_value(msg["checkpoint"])
            c.load_checkpoint({"architecture": ck["architecture"], "parameters": self.given(ck["parameters"]), "optimizer_state": self.given(ck.get("optimizer_state"))})
            return {"version": _version(c)}
        if op == "save_checkpoint":
            c = self.component(msg)
            ck = c.save_checkpoint()
            opt = ck.get("optimizer_state")
            return {"architecture": ck["architecture"], "parameters": _tensor(ck["parameters"], "float32"), "optimizer_state": None if opt is None else _tensor(opt, "float32")}
        if op == "apply_update":
            c = self.component(msg)
            update = decode_value(msg["update"])
            update["batch"]["tensors"] = {k: self.given(v) for k, v in update["batch"]["tensors"].items()}
            c.apply_update(update)
            return {"version": _version(c)}
        raise ValueError("unknown op %r" % (op,))

    def create(self, context):
        self.by_role, self.arrays = _components_of(self.factory(context))
        self.by_name = {c.name: c for c in self.by_role.values()}
        return {
            "components": [dict(component_info(c), checkpointable=callable(getattr(c, "load_checkpoint", None)) and callable(getattr(c, "save_checkpoint", None)),
                                trainable=callable(getattr(c, "apply_update", None))) for c in self.by_role.values()],
            "backend": default_backend(),
        }

    def call(self, c, method, a):
        g = self.given
        if c.role == "world_model" and method == "predict":
            out = c.predict(g(a["states"]), g(a["actions"]))
            p = world_model_payload(a["states"], a["actions"], out)
            next_states, done = out if isinstance(out, tuple) else (out, None)
            return {"next_states": self.sent(next_states, lambda _: p["next_states"]), "done": self.sent(done, lambda _: p["done"])}
        if c.role == "reward" and method == "evaluate":
            rewards = c.evaluate(g(a["states"]), g(a["actions"]), g(a.get("next_states")))
            return {"rewards": self.sent(rewards, lambda x: reward_payload(None, None, None, x)["rewards"])}
        if c.role == "critic" and method == "evaluate":
            values = c.evaluate(g(a["states"]))
            return {"values": self.sent(values, lambda x: critic_payload(None, x)["values"])}
        if c.role == "actor" and method == "propose":
            probs = c.propose(g(a["states"]))
            return {"probs": self.sent(probs, lambda x: actor_payload(None, x)["probs"])}
        if c.role == "planner" and method == "plan":
            rng_state = a.get("rng_state")
            rng = SeededRng.from_state(rng_state) if isinstance(rng_state, str) and len(rng_state) == 32 else None
            proxies = {role: _Proxy(self, role) for role in ("world_model", "reward", "critic", "actor")}
            result = c.plan(g(a["observation"]), proxies, rng, a.get("at"))
            levels, chose = plan_payloads(result, c.name)
            return {"levels": levels, "chose": chose, "rng_state": None if rng is None else rng.state()}
        raise ValueError("component %s (%s) has no method %r in this protocol" % (c.name, c.role, method))

    def callback(self, role, method, args):
        """Asks flightrec to run one component call for the planner; flightrec's requests that
        arrive meanwhile (the Python component the call resolves to) are answered first."""
        self.next_callback += 1
        cid = "py%d" % self.next_callback
        self.send({"id": cid, "op": "call", "role": role, "method": method, "args": encode_value(args)})
        while True:
            msg = self.receive()
            if "op" in msg:
                self.handle(msg)
                continue
            if msg["id"] != cid:
                raise ProtocolError("flightrec answered %r while %r was waiting" % (msg["id"], cid))
            if not msg.get("ok"):
                raise ReplayCallError((msg.get("error") or {}).get("message", "the call failed in flightrec"))
            return decode_value(msg.get("result"))


class _Proxy:
    """What a planner is given as its components during replay: each call goes to flightrec."""

    def __init__(self, server, role):
        self._server = server
        self.role = role

    def _remember(self, x, make):
        return None if x is None else self._server.sent(x, make)

    def predict(self, states, actions):
        s = self._server
        p = world_model_payload(states, actions, (None, None))
        out = s.callback("world_model", "predict", {"states": self._remember(states, lambda _: p["states"]), "actions": self._remember(actions, lambda _: p["actions"])})
        return s.given(out["next_states"]), s.given(out.get("done"))

    def evaluate(self, states, actions=None, next_states=None):
        s = self._server
        if self.role == "critic":
            out = s.callback("critic", "evaluate", {"states": self._remember(states, lambda x: critic_payload(x, None)["states"])})
            return s.given(out["values"])
        p = reward_payload(states, actions, next_states, None)
        out = s.callback("reward", "evaluate", {"states": self._remember(states, lambda _: p["states"]), "actions": self._remember(actions, lambda _: p["actions"]),
                                                "next_states": self._remember(next_states, lambda _: p["next_states"])})
        return s.given(out["rewards"])

    def propose(self, states):
        s = self._server
        out = s.callback("actor", "propose", {"states": self._remember(states, lambda x: actor_payload(x, None)["states"])})
        return s.given(out["probs"])


def _version(c):
    v = c.version
    return v() if callable(v) else v


def _tensor(x, dtype):
    return tensor(x, dtype)
