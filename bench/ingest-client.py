"""The Python side of `npm run bench -- ingest`: emits a decision-shaped event stream through
flightrec_client into `flightrec serve` and prints one JSON line {events, seconds} (from the first
emit until the server acknowledged the last event). With --dump FILE it writes the same events as
the client's NDJSON lines instead of sending them (the in-process baseline replays that file)."""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
from flightrec_client import Recorder, tensor  # noqa: E402

OBS, CAND = 16, 8


def stream(decisions, emit):
    """decision.started, world_model.predicted, reward.evaluated, critic.evaluated, actor.chose, env.stepped per decision."""
    rng = random.Random(1)
    for d in range(decisions):
        obs = [rng.random() for _ in range(OBS)]
        states = [obs] * CAND
        actions = list(range(CAND))
        nxt = [[rng.random() for _ in range(OBS)] for _ in range(CAND)]
        pos = {"episode": d // 100, "step": d % 100, "decision": d}
        ds = emit("decision.started", {"observation": tensor(obs), "rng_state": "s%d" % d, "versions": {"wm": "v1", "r": "v1", "c": "v1"}, "env_state": None}, **pos)
        call = dict(pos, parent=ds, version="v1")
        emit("world_model.predicted", {"states": tensor(states), "actions": tensor(actions), "next_states": tensor(nxt), "rewards": None, "done": None}, component="wm", **call)
        rewards = [rng.random() for _ in range(CAND)]
        emit("reward.evaluated", {"states": tensor(states), "actions": tensor(actions), "next_states": tensor(nxt), "rewards": tensor(rewards)}, component="r", **call)
        values = [rng.random() for _ in range(CAND)]
        emit("critic.evaluated", {"states": tensor(nxt), "values": tensor(values)}, component="c", **call)
        emit("actor.chose", {"action": d % CAND, "candidates": tensor([[a] for a in actions]), "scores": tensor(values), "chosen_index": d % CAND, "value": values[d % CAND], "chooser": "c"}, component="c", **call)
        emit("env.stepped", {"action": d % CAND, "observation": tensor(nxt[0]), "reward": rewards[0], "terminated": False, "truncated": False, "performance": None},
             episode=pos["episode"], step=pos["step"], decision=d, parent=ds)


def main():
    decisions = int(sys.argv[1])
    if len(sys.argv) > 3 and sys.argv[2] == "--dump":
        from flightrec_client.encoding import encode_value
        with open(sys.argv[3], "w") as out:
            def dump(type, payload, **env):
                out.write(json.dumps(dict(type=type, t=0, payload=encode_value(payload), **env), separators=(",", ":"), allow_nan=False) + "\n")
                return 0
            stream(decisions, dump)
        return
    rec = Recorder(sys.argv[2], spool_dir=sys.argv[3])
    t0 = time.perf_counter()
    run = rec.start_run("ingest bench")
    stream(decisions, run.emit)
    run.end()
    seconds = time.perf_counter() - t0
    events = run.seq
    rec.close()
    print(json.dumps({"events": events, "seconds": seconds, "run": run.id, "retries": rec.retries}))


main()
