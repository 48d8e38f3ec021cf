// Recording your own model-based agent with flightrec's library API.
// Each of the five components is a plain object implementing its role's contract; flightrec's
// instrumentation records every call, so the agent code below never emits a component event.
import {
  AgentRecorder,
  BeamPlanner,
  Recorder,
  SeededRng,
  f32,
  makeEnvironment,
  type Actor,
  type Critic,
  type RewardFunction,
  type WorldModel,
} from 'flightrec';

export async function recordYourAgent(db: string, episodes = 3): Promise<string> {
  const env = makeEnvironment('gridworld');
  const cells = 25;
  const next = (cell: number, action: number) => {
    const [r, c] = [Math.floor(cell / 5), cell % 5];
    const [dr, dc] = [[-1, 0], [0, 1], [1, 0], [0, -1]][action]!;
    const [nr, nc] = [r + dr!, c + dc!];
    return nr < 0 || nr > 4 || nc < 0 || nc > 4 ? cell : nr * 5 + nc; // (walls ignored: it is a model)
  };
  const cellOf = (data: ArrayLike<number>, row: number) => {
    let best = 0;
    for (let i = 1; i < cells; i++) if (data[row * cells + i]! > data[row * cells + best]!) best = i;
    return best;
  };

  const worldModel: WorldModel = {
    name: 'grid_model', role: 'world_model', kind: 'hand-written', version: () => 'v1',
    predict(states, actions) {
      const n = states.shape[0]!;
      const out = new Float32Array(n * cells);
      for (let i = 0; i < n; i++) out[i * cells + next(cellOf(states.data, i), actions.data[i]!)] = 1;
      return { nextStates: f32(out, [n, cells]), done: null };
    },
  };
  const reward: RewardFunction = {
    name: 'goal_reward', role: 'reward', kind: 'hand-written', version: () => 'v1',
    evaluate(states, actions, nextStates) {
      const n = states.shape[0]!;
      return f32(Array.from({ length: n }, (_, i) => (nextStates !== null && cellOf(nextStates.data, i) === 4 ? 1 : 0)));
    },
  };
  const critic: Critic = {
    name: 'zero_critic', role: 'critic', kind: 'hand-written', version: () => 'v1',
    evaluate: (states) => f32(new Float32Array(states.shape[0]!)),
  };
  const actor: Actor = {
    name: 'uniform_actor', role: 'actor', kind: 'hand-written', version: () => 'v1',
    propose: (states) => f32(new Float32Array(states.shape[0]! * 4).fill(0.25), [states.shape[0]!, 4]),
  };
  const planner = new BeamPlanner('planner', 4, { horizon: 4, beam: 16, gamma: 0.95, epsilonStart: 0.1, epsilonDecay: 1, epsilonMin: 0.1 });
  const components = [worldModel, reward, critic, actor, planner];

  const recorder = await Recorder.open(db);
  const run = await recorder.startRun({
    name: 'my agent',
    env: env.id,
    seed: 7,
    config: { note: 'anything JSON that describes your agent' },
    components: components.map((c) => ({ name: c.name, role: c.role, kind: c.kind, version: c.version() })),
  });
  const agent = new AgentRecorder(run);
  // Wrapped components have the same interface and record each call inside a decision.
  const use = { worldModel: agent.wrap(worldModel), reward: agent.wrap(reward), critic: agent.wrap(critic), actor: agent.wrap(actor) };
  const plan = agent.wrap(planner);
  const rng = SeededRng.fromSeed(7);

  for (let episode = 0; episode < episodes; episode++) {
    let obs = env.reset(episode);
    agent.episodeStarted(episode, episode, obs, env.saveState());
    let total = 0;
    for (let step = 0; ; step++) {
      agent.decisionStarted(step, obs, rng.state(), components, env.saveState());
      const { action } = plan.plan(f32(obs), use, rng, { episode, step });
      const result = env.step(action);
      agent.envStepped(action, result);
      total += result.reward;
      obs = result.observation;
      if (result.terminated || result.truncated) {
        agent.episodeEnded({ return: total, discountedReturn: total, performanceReturn: null, length: step + 1, reason: result.terminated ? 'terminated' : 'truncated' });
        break;
      }
    }
  }
  await run.end('completed');
  await recorder.close();
  return run.id;
}
