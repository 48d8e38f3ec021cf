"""Recording a Python agent with flightrec: a pure-Python model-based agent (a tabular world model
and a tabular critic that learn online, a one-step planner) in a small corridor, recorded through
`npx flightrec serve`. Standard library only. Run it with a server up:

    FLIGHTREC_URL=http://127.0.0.1:7878 python3 clients/python/examples/tabular_agent.py

The run names this file's `make_agent` as its factory, so `npx flightrec replay` can rebuild the agent
and reproduce every decision: the components re-apply their recorded updates (`apply_update`).
"""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # the client from the source tree, when it is not installed
from flightrec_client import AgentRecorder, RecordedEnv, Recorder, SeededRng, tensor  # noqa: E402

N = 6  # cells 0..5; the goal is cell 5


class Corridor:
    """Gymnasium-style: reset() -> (obs, info), step(a) -> (obs, reward, terminated, truncated, info)."""

    def __init__(self, limit=12):
        self.limit = limit
        self.cell = 0
        self.t = 0

    def _obs(self):
        return [1.0 if i == self.cell else 0.0 for i in range(N)]

    def reset(self, seed=None, options=None):
        self.cell, self.t = 0, 0
        return self._obs(), {}

    def step(self, action):
        self.cell = max(0, min(N - 1, self.cell + (1 if action == 1 else -1)))
        self.t += 1
        done = self.cell == N - 1
        return self._obs(), 1.0 if done else -0.1, done, self.t >= self.limit and not done, {"performance": 1.0 if done else 0.0}

    def close(self):
        pass


def cell_of(row):
    return max(range(len(row)), key=lambda i: row[i])


def digest(table):
    return hashlib.sha256(struct.pack("<%df" % len(table), *table)).hexdigest()[:16]


class TabularModel:
    name, role, kind = "table_model", "world_model", "python-tabular"

    def __init__(self):
        self.next = [[s for _ in range(2)] for s in range(N)]  # unknown: stays put

    def version(self):
        return digest([float(c) for row in self.next for c in row])

    def predict(self, states, actions):
        out = []
        for s, a in zip(states, actions):
            nxt = self.next[cell_of(s)][int(a)]
            out.append([1.0 if i == nxt else 0.0 for i in range(N)])
        return out, None

    def learn(self, s, a, r, s2, done):
        self.next[s][a] = s2
        return 0.0

    def apply_update(self, update):
        """Replay re-applies a recorded update from the transition it learned on."""
        s, a, r, s2, done = update["batch"]["tensors"]["transition"]
        self.learn(int(s), int(a), r, int(s2), bool(done))


class GoalReward:
    name, role, kind = "goal_reward", "reward", "python"

    def version(self):
        return "goal-v1"

    def evaluate(self, states, actions, next_states):
        return [1.0 if cell_of(n) == N - 1 else -0.1 for n in next_states]


class TabularCritic:
    name, role, kind = "table_critic", "critic", "python-tabular"

    def __init__(self, lr=0.5, gamma=0.9):
        self.v = [0.0] * N
        self.lr, self.gamma = lr, gamma

    def version(self):
        return digest(self.v)

    def evaluate(self, states):
        return [self.v[cell_of(s)] for s in states]

    def learn(self, s, a, r, s2, done):
        target = r + (0.0 if done else self.gamma * self.v[s2])
        err = target - self.v[s]
        self.v[s] = struct.unpack("<f", struct.pack("<f", self.v[s] + self.lr * err))[0]
        return err * err

    def apply_update(self, update):
        s, a, r, s2, done = update["batch"]["tensors"]["transition"]
        self.learn(int(s), int(a), r, int(s2), bool(done))


class GreedyPlanner:
    """Scores both actions as r̂ + γ·V(ŝ') through the world model, reward and critic."""
    name, role, kind = "greedy", "planner", "python"

    def version(self):
        return "greedy-v1"

    def plan(self, observation, components, rng=None, at=None):
        states = [observation, observation]
        actions = [0, 1]
        nxt, _ = components["world_model"].predict(states, actions)
        rewards = components["reward"].evaluate(states, actions, nxt)
        values = components["critic"].evaluate(nxt)
        scores = [struct.unpack("<f", struct.pack("<f", r + 0.9 * v))[0] for r, v in zip(rewards, values)]
        best = 1 if scores[1] >= scores[0] else 0
        return {"action": best, "candidates": [[0], [1]], "scores": scores, "chosen_index": best, "value": scores[best],
                "search": [{"depth": 0, "actions": [[0], [1]], "parents": None, "states": nxt, "rewards": rewards, "leaf_values": values, "scores": scores, "expanded": [], "chosen": [best]}]}


def make_agent(context):
    """The agent factory replay calls (run.started `agent`): the same components, at the same
    initial versions, from the recorded config and seed."""
    gamma = context["config"]["agent"]["gamma"]
    return [TabularModel(), GoalReward(), TabularCritic(gamma=gamma), GreedyPlanner()]


def train(recorder, episodes=5, name="tabular agent"):
    """Runs and records the agent; returns the run. Components learn online after each step."""
    config = {"episodes": episodes, "agent": {"gamma": 0.9}}  # config.agent.gamma is the discount the audits judge the critic by
    model, reward, critic, planner = make_agent({"config": config, "seed": 0})
    run = recorder.start_run(name, env="corridor", seed=0, config=config, components=[model, reward, critic, planner],
                             agent="python:%s:make_agent" % os.path.abspath(__file__))
    rng = SeededRng.from_seed(0)  # the planner draws nothing, but each decision records the state it could draw from
    agent = AgentRecorder(run, rng_state=rng.state)
    use = {"world_model": agent.wrap(model), "reward": agent.wrap(reward), "critic": agent.wrap(critic)}
    plan = agent.wrap(planner)
    env = RecordedEnv(Corridor(), agent, gamma=0.9)
    updates = {"table_model": 0, "table_critic": 0}
    for episode in range(episodes):
        obs, _ = env.reset(seed=episode)
        while True:
            choice = plan.plan(obs, use, rng)
            obs2, r, term, trunc, _ = env.step(choice["action"])
            s, s2, a = cell_of(obs), cell_of(obs2), choice["action"]
            for comp in (model, critic):
                before = comp.version()
                loss = comp.learn(s, a, r, s2, term)
                updates[comp.name] += 1
                # float64, so that replay re-learns from the very reward this update saw.
                transition = tensor([float(s), float(a), r, float(s2), float(term)], "float64")
                agent.component_updated(comp, before, comp.version(), updates[comp.name], loss, 0.0, [env.last_step_seq], {"transition": transition}, {"lr": 0.5})
            obs = obs2
            if term or trunc:
                break
    env.close()
    run.end("completed", episodes=episodes)
    return run


if __name__ == "__main__":
    # The server comes from FLIGHTREC_URL (and FLIGHTREC_TOKEN when it needs one).
    with Recorder() as recorder:
        run = train(recorder, episodes=int(sys.argv[1]) if len(sys.argv) > 1 else 8)
    print(run.id)
