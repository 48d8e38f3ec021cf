"""AgentRecorder: records an agent's life into a Run, as flightrec's own AgentRecorder does.
Components wrapped by ``wrap`` record each call made inside a decision, so the agent's code emits
no component event by hand. A component is any object with ``name``, ``role`` (world_model,
reward, critic, actor, planner), ``kind`` and ``version`` (a string or a method returning one),
and its role's method:

- world_model: ``predict(states, actions) -> (next_states, done or None)``
- reward: ``evaluate(states, actions, next_states) -> rewards``
- critic: ``evaluate(states) -> values``
- actor: ``propose(states) -> probs``
- planner: ``plan(observation, components, rng, at) -> PlanResult`` (attributes or keys: action,
  candidates, scores, chosen_index, value, search = list of levels with depth, actions, parents,
  states, rewards, leaf_values, scores, expanded, chosen)

Arguments and results are numpy arrays, nested lists or Tensors, batched as [N, ...].
"""
from .recorder import component_info, version_of
from .tensors import Tensor, is_array, tensor

ROLES = ("world_model", "reward", "critic", "actor", "planner")


def _t(x, dtype=None):
    return None if x is None else tensor(x, dtype)


def _obs(x):
    # Observations are float32 unless they arrive as a typed array already (flightrec's f32 does the same for lists).
    return x if isinstance(x, Tensor) or is_array(x) else tensor(x, "float32")


def _field(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _action(a):
    if isinstance(a, bool):
        raise TypeError("an action is an int or a tensor, not a bool")
    if isinstance(a, int):
        return a
    if is_array(a) and getattr(a, "ndim", 1) == 0:
        return int(a.item()) if a.dtype.kind in "iu" else tensor(a, "float32")
    return tensor(a) if isinstance(a, Tensor) else tensor(a, "float32")


class AgentRecorder:
    """Episodes, decisions, env steps, updates and checkpoints of one agent in one run.

    ``rng_state`` is a function returning the state of the agent's random generator as a string
    (recorded in each decision.started so replay can restore it)."""

    def __init__(self, run, components=(), rng_state=None, first_decision=0):
        self.run = run
        self.components = list(components)
        self.rng_state = rng_state or (lambda: "unseeded")
        self.episode = None
        self.step = None
        self.decision = None
        self.decision_seq = None
        self._next_decision = first_decision
        self._observation = None  # set by RecordedEnv: the next component call opens a decision on it
        self._env_state = None  # and the environment's state there, which closed-loop replay restores

    def wrap(self, component):
        """An instrumented twin of ``component``: same attributes and methods, each call recorded."""
        role = component.role
        if role not in _WRAPPERS:
            raise ValueError("unknown role %r for component %r: one of %s" % (role, getattr(component, "name", "?"), ", ".join(ROLES)))
        if component not in self.components and not any(getattr(c, "_component", None) is component for c in self.components):
            self.components.append(component)
        return _WRAPPERS[role](component, self)

    def episode_started(self, episode, env_seed, observation, env_state=None):
        self.episode, self.step, self.decision, self.decision_seq = episode, 0, None, None
        return self.run.emit("episode.started", {"env_seed": int(env_seed), "observation": _obs(observation), "env_state": env_state}, episode=episode, step=0)

    def decision_started(self, step, observation, rng_state=None, components=None, env_state=None, decision=None):
        """Opens a decision at ``step``; returns its id (unique in the run, from 0)."""
        decision = self._next_decision if decision is None else decision
        self._next_decision = decision + 1
        self.step = step
        self.decision = decision
        comps = self.components if components is None else components
        versions = {c.name: version_of(c) for c in comps}
        self.decision_seq = self.run.emit(
            "decision.started",
            {"observation": _obs(observation), "rng_state": rng_state if rng_state is not None else self.rng_state(), "versions": versions, "env_state": env_state},
            episode=self.episode, step=step, decision=decision,
        )
        self._observation = None
        self._env_state = None
        return decision

    def env_stepped(self, action, observation, reward, terminated, truncated, performance=None):
        """The real outcome of the open decision; closes it."""
        seq = self.run.emit(
            "env.stepped",
            {"action": _action(action), "observation": _obs(observation), "reward": float(reward), "terminated": bool(terminated), "truncated": bool(truncated),
             "performance": None if performance is None else float(performance)},
            episode=self.episode, step=self.step, decision=self.decision, parent=self.decision_seq,
        )
        self.decision, self.decision_seq = None, None
        return seq

    def episode_ended(self, return_, discounted_return, performance_return, length, reason):
        seq = self.run.emit(
            "episode.ended",
            {"return": float(return_), "discounted_return": float(discounted_return), "performance_return": None if performance_return is None else float(performance_return),
             "length": int(length), "reason": reason},
            episode=self.episode, step=int(length),
        )
        self.step = None
        return seq

    def component_updated(self, component, from_version, to_version, index, loss, grad_norm, batch_events=(), batch_tensors=None, hyper=None):
        """One update of a component (an optimiser step, a table update): the batch it learned from is
        named by event seqs and carried as tensors, so replay can re-apply it."""
        return self.run.emit(
            "component.updated",
            {"from_version": from_version, "to_version": to_version, "update": int(index), "loss": float(loss), "grad_norm": float(grad_norm),
             "batch": {"events": [int(e) for e in batch_events], "tensors": {k: tensor(v) for k, v in (batch_tensors or {}).items()}},
             "hyper": {} if hyper is None else hyper},
            episode=self.episode, step=self.step, component=component.name, version=to_version,
        )

    def checkpoint_saved(self, component, update, architecture, parameters, optimizer_state=None):
        return self.run.emit(
            "checkpoint.saved",
            {"update": int(update), "architecture": architecture, "parameters": tensor(parameters, "float32"), "optimizer_state": None if optimizer_state is None else tensor(optimizer_state, "float32")},
            episode=self.episode, step=self.step, component=component.name, version=version_of(component),
        )

    def call_envelope(self, component, parent=None):
        """Envelope of a component call inside the open decision (opening one on a pending
        observation), or None outside decisions: such calls (training, evaluation) are not recorded."""
        if self.decision is None and self._observation is not None:
            self.decision_started(self.step if self.step is not None else 0, self._observation, env_state=self._env_state)
        if self.decision is None:
            return None
        return {"episode": self.episode, "step": self.step, "decision": self.decision, "component": component.name, "version": version_of(component),
                "parent": self.decision_seq if parent is None else parent}

    def info(self):
        return [component_info(c) for c in self.components]


class _Wrapped:
    def __init__(self, component, recorder):
        object.__setattr__(self, "_component", component)
        object.__setattr__(self, "_recorder", recorder)

    def __getattr__(self, name):
        return getattr(self._component, name)

    def __setattr__(self, name, value):
        setattr(self._component, name, value)


def world_model_payload(states, actions, out):
    """world_model.predicted's payload; ``out`` is what predict returned: (next_states, done) or next_states."""
    next_states, done = out if isinstance(out, tuple) else (out, None)
    return {"states": _t(states), "actions": _t(actions), "next_states": _t(next_states), "rewards": None, "done": _t(done)}


def reward_payload(states, actions, next_states, rewards):
    return {"states": _t(states), "actions": _t(actions), "next_states": _t(next_states), "rewards": _t(rewards)}


def critic_payload(states, values):
    return {"states": _t(states), "values": _t(values)}


def actor_payload(states, probs):
    return {"states": _t(states), "probs": _t(probs), "mean": None, "std": None}


def plan_payloads(result, chooser):
    """What a plan result is recorded as: planner.expanded payloads (one per search level, in
    order) and the actor.chose payload. Replay serves a Python planner's result through the same
    function, so what it answers is what the recorder wrote."""
    levels = [{
        "depth": int(_field(level, "depth")),
        "actions": _t(_field(level, "actions"), "int32"),
        "parents": _t(_field(level, "parents"), "int32"),
        "states": _t(_field(level, "states")),
        "rewards": _t(_field(level, "rewards")),
        "leaf_values": _t(_field(level, "leaf_values")),
        "scores": _t(_field(level, "scores")),
        "expanded": [int(i) for i in _field(level, "expanded")],
        "chosen": [int(i) for i in _field(level, "chosen")],
    } for level in (_field(result, "search") or ())]
    value = _field(result, "value")
    chose = {
        "action": _action(_field(result, "action")),
        "candidates": _t(_field(result, "candidates")),
        "scores": _t(_field(result, "scores")),
        "chosen_index": int(_field(result, "chosen_index")),
        "value": None if value is None else float(value),
        "chooser": chooser,
    }
    return levels, chose


class _WorldModel(_Wrapped):
    def predict(self, states, actions):
        env = self._recorder.call_envelope(self._component)
        out = self._component.predict(states, actions)
        if env:
            self._recorder.run.emit("world_model.predicted", world_model_payload(states, actions, out), **env)
        return out


class _Reward(_Wrapped):
    def evaluate(self, states, actions, next_states=None):
        env = self._recorder.call_envelope(self._component)
        rewards = self._component.evaluate(states, actions, next_states)
        if env:
            self._recorder.run.emit("reward.evaluated", reward_payload(states, actions, next_states, rewards), **env)
        return rewards


class _Critic(_Wrapped):
    def evaluate(self, states):
        env = self._recorder.call_envelope(self._component)
        values = self._component.evaluate(states)
        if env:
            self._recorder.run.emit("critic.evaluated", critic_payload(states, values), **env)
        return values


class _Actor(_Wrapped):
    def propose(self, states):
        env = self._recorder.call_envelope(self._component)
        probs = self._component.propose(states)
        if env:
            self._recorder.run.emit("actor.proposed", actor_payload(states, probs), **env)
        return probs


class _Planner(_Wrapped):
    def plan(self, observation, components, rng=None, at=None):
        c, r = self._component, self._recorder
        r.call_envelope(c)  # opens the decision before the planner calls anything
        result = c.plan(observation, components, rng, at)
        levels, chose = plan_payloads(result, c.name)
        parent = None
        for level in levels:
            env = r.call_envelope(c, parent)
            if not env:
                break
            parent = r.run.emit("planner.expanded", level, **env)
        env = r.call_envelope(c)
        if env:
            r.run.emit("actor.chose", chose, **env)
        return result


_WRAPPERS = {"world_model": _WorldModel, "reward": _Reward, "critic": _Critic, "actor": _Actor, "planner": _Planner}
