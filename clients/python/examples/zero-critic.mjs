// A critic written in JavaScript for the corridor of tabular_agent.py, to swap into the Python
// agent: `flightrec replay <run> --swap critic=module:clients/python/examples/zero-critic.mjs`.
// It thinks no cell is worth anything, so the planner judges moves by their reward alone.
export default {
  name: 'zero_critic',
  role: 'critic',
  kind: 'user-module',
  version: () => 'zero-v1',
  evaluate: (states) => ({ dtype: 'float32', shape: [states.shape[0]], data: new Float32Array(states.shape[0]) }),
};
