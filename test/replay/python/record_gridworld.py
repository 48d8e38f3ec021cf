"""Records grid_agent through the Python client in a Python port of flightrec's gridworld (no slip)
whose state is saved in flightrec's own format, so closed-loop replay can continue a Python-recorded
run in flightrec's gridworld. Prints the run id. Needs FLIGHTREC_URL."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "clients", "python"))
from flightrec_client import AgentRecorder, RecordedEnv, Recorder, SeededRng  # noqa: E402
from grid_agent import make_agent  # noqa: E402

LAYOUT = ["A...G", ".###.", "S....", ".#.#.", "....."]
MOVES = [(-1, 0), (0, 1), (1, 0), (0, -1)]


class PyGridworld:
    def __init__(self, limit=30):
        self.limit = limit
        self.row = self.col = self.t = 0
        self.over = "not_started"
        self.rng = SeededRng.from_seed(0)

    def _obs(self):
        return [1.0 if i == self.row * 5 + self.col else 0.0 for i in range(25)]

    def reset(self, seed=None, options=None):
        self.row, self.col, self.t, self.over = 0, 0, 0, "running"
        self.rng = SeededRng.from_seed(seed or 0)
        return self._obs(), {}

    def step(self, action):
        r, c = self.row + MOVES[action][0], self.col + MOVES[action][1]
        if 0 <= r < 5 and 0 <= c < 5 and LAYOUT[r][c] != "#":
            self.row, self.col = r, c
        self.t += 1
        tile = LAYOUT[self.row][self.col]
        terminated = tile == "G"
        truncated = not terminated and self.t >= self.limit
        self.over = "terminated" if terminated else "truncated" if truncated else "running"
        reward = 1.0 if tile == "G" else 0.2 if tile == "S" else 0.0
        return self._obs(), reward, terminated, truncated, {"performance": 1.0 if tile == "G" else 0.0}

    def state(self):
        """flightrec's GridworldState."""
        return {"env": "gridworld", "row": self.row, "col": self.col, "t": self.t, "over": self.over, "rng": self.rng.state(), "slip": 0, "maxEpisodeSteps": self.limit}


if __name__ == "__main__":
    config = {}
    components = make_agent({"config": config})
    model, reward, critic, planner = components
    with Recorder() as recorder:
        run = recorder.start_run("python gridworld", env="gridworld", seed=3, config=config, components=components, discount=0.95,
                                 agent="python:%s:make_agent" % os.path.join(HERE, "grid_agent.py"))
        rng = SeededRng.from_seed(3)
        agent = AgentRecorder(run, rng_state=rng.state)
        use = {"world_model": agent.wrap(model), "reward": agent.wrap(reward), "critic": agent.wrap(critic), "actor": None}
        plan = agent.wrap(planner)
        grid = PyGridworld()
        env = RecordedEnv(grid, agent, gamma=0.95, env_state=grid.state)
        for episode in range(2):
            obs, _ = env.reset(seed=episode)
            while True:
                choice = plan.plan(obs, use, rng)
                obs, r, term, trunc, _ = env.step(choice["action"])
                if term or trunc:
                    break
        env.close()
        run.end("completed", episodes=2)
    print(run.id)
