"""A frozen Python agent for flightrec's built-in gridworld (25 cells, 4 actions), driven by
flightrec's own episode loop through the component protocol: a world model that predicts no
move, a zero reward, a critic that prefers later cells, and a planner that breaks the ties this
makes with the generator flightrec hands it (so replay must reproduce its draws)."""
import struct


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def cell_of(row):
    return max(range(len(row)), key=lambda i: row[i])


class StayModel:
    name, role, kind, version = "stay_model", "world_model", "python", "stay-v1"

    def predict(self, states, actions):
        return [list(s) for s in states], None


class ZeroReward:
    name, role, kind, version = "zero_reward", "reward", "python", "zero-v1"

    def evaluate(self, states, actions, next_states):
        return [0.0 for _ in states]


class CellCritic:
    name, role, kind, version = "cell_critic", "critic", "python", "cells-v1"

    def evaluate(self, states):
        return [cell_of(s) / 25.0 for s in states]


class TieBreakingPlanner:
    name, role, kind, version = "tie_breaker", "planner", "python", "ties-v1"

    def plan(self, observation, components, rng, at=None):
        states, actions = [observation] * 4, [0, 1, 2, 3]
        nxt, _ = components["world_model"].predict(states, actions)
        rewards = components["reward"].evaluate(states, actions, nxt)
        values = components["critic"].evaluate(nxt)
        scores = [f32(r + 0.95 * v) for r, v in zip(rewards, values)]
        best = [i for i, s in enumerate(scores) if s == max(scores)]
        pick = best[rng.int(len(best))]
        return {"action": pick, "candidates": [[a] for a in actions], "scores": scores, "chosen_index": pick, "value": scores[pick],
                "search": [{"depth": 0, "actions": [[a] for a in actions], "parents": None, "states": nxt, "rewards": rewards, "leaf_values": values,
                            "scores": scores, "expanded": [], "chosen": [pick]}]}


def make_agent(context):
    return [StayModel(), ZeroReward(), CellCritic(), TieBreakingPlanner()]
