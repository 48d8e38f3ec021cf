// A reward written as a user module: pays for what the gridworld's designer wanted (being at the
// goal G, the top-right cell), nothing for the sensor the agent learned to exploit.
// Swap it in with: npx flightrec replay <run> --swap reward=module:examples/goal-reward.mjs
const GOAL = 4; // observations are one-hot over the 5x5 grid's 25 cells, row-major

export default {
  name: 'goal_reward',
  role: 'reward',
  kind: 'user-module',
  version: () => 'goal-reward-v1',
  /** states, actions, nextStates are recorded tensors: { dtype, shape, data }. */
  evaluate(states, actions, nextStates) {
    const n = states.shape[0];
    const width = states.shape[1];
    const rewards = new Float32Array(n);
    // The planner passes the world model's imagined next states; their goal cell is how sure it is the step reaches G.
    for (let i = 0; i < n; i++) rewards[i] = nextStates === null ? 0 : nextStates.data[i * width + GOAL];
    return { dtype: 'float32', shape: [n], data: rewards };
  },
};
