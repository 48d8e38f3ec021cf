"""RecordedEnv: a duck-typed Gymnasium-style environment wrapper (no gymnasium dependency)."""


class RecordedEnv:
    """Passes everything through to ``env`` and records ``reset`` (episode.started) and ``step``
    (env.stepped, and episode.ended when the episode ends). The first wrapped component called
    after an observation opens the decision that observation is for, so the agent loop emits
    nothing by hand. ``info["performance"]``, when the env reports it, is recorded as its hidden
    performance signal. ``close()`` closes the env and flushes the run.

    Both APIs are accepted: Gymnasium's ``reset() -> (obs, info)`` and ``step() -> (obs, reward,
    terminated, truncated, info)``, and the older ``reset() -> obs`` and ``step() -> (obs, reward, done, info)``.
    """

    def __init__(self, env, agent, gamma=1.0, env_state=None):
        # env_state: a function returning the environment's state (JSON), recorded with each episode
        # and decision; for flightrec's built-in environments in their own format, closed-loop
        # replay restores it and continues the episode in flightrec's environment.
        self.env = env
        self.agent = agent
        self.gamma = gamma
        self._env_state = env_state or (lambda: None)
        self._episode = -1
        self._stats = None
        self.last_step_seq = None  # seq of the last env.stepped (what an update learned from)

    def __getattr__(self, name):
        return getattr(self.env, name)

    def reset(self, *, seed=None, options=None, **kwargs):
        if seed is not None:
            kwargs["seed"] = seed
        if options is not None:
            kwargs["options"] = options
        out = self.env.reset(**kwargs)
        obs, info = out if isinstance(out, tuple) and len(out) == 2 else (out, {})
        self._episode += 1
        self.agent.episode_started(self._episode, seed if seed is not None else self._episode, obs, self._env_state())
        self.agent._observation = obs
        self.agent._env_state = self._env_state()
        self._stats = {"return": 0.0, "discounted": 0.0, "performance": None, "discount": 1.0, "length": 0}
        return out

    def step(self, action):
        out = self.env.step(action)
        if len(out) == 5:
            obs, reward, terminated, truncated, info = out
        else:
            obs, reward, done, info = out
            truncated = bool(info.get("TimeLimit.truncated", False)) if isinstance(info, dict) else False
            terminated = bool(done) and not truncated
        performance = info.get("performance") if isinstance(info, dict) else None
        agent = self.agent
        if agent.decision is None:
            # The agent chose without calling a wrapped component: the decision still gets its record.
            agent.decision_started(agent.step or 0, agent._observation if agent._observation is not None else obs, env_state=agent._env_state)
        self.last_step_seq = agent.env_stepped(action, obs, reward, terminated, truncated, performance)
        s = self._stats
        s["return"] += float(reward)
        s["discounted"] += s["discount"] * float(reward)
        s["discount"] *= self.gamma
        if performance is not None:
            s["performance"] = (s["performance"] or 0.0) + float(performance)
        s["length"] += 1
        agent.step = s["length"]
        if terminated or truncated:
            agent.episode_ended(s["return"], s["discounted"], s["performance"], s["length"], "terminated" if terminated else "truncated")
            agent._observation = None
            agent._env_state = None
        else:
            agent._observation = obs
            agent._env_state = self._env_state()
        return out

    def close(self):
        try:
            close = getattr(self.env, "close", None)
            if close is not None:
                close()
        finally:
            self.agent.run.flush()
