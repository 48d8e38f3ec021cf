import { makeEnvironment } from '../../src/envs/registry.js';
import { environmentContract } from '../contracts/environment-contract.js';

environmentContract('gridworld', (o) => makeEnvironment('gridworld', o));
// Slip is the gridworld's only use of its RNG, so this run is what checks RNG state in save/restore.
environmentContract('gridworld (slip 0.3)', (o) => makeEnvironment('gridworld', { slip: 0.3, ...o }));
environmentContract('cartpole', (o) => makeEnvironment('cartpole', o));
environmentContract('pendulum', (o) => makeEnvironment('pendulum', o));
environmentContract('pendulum (tip-height proxy)', (o) => makeEnvironment('pendulum', { reward: 'tip-height', ...o }));
