// Recording your own model-based agent: the factory module (./tabular-agent.ts) builds the five
// components and says how the agent learns; flightrec's harness runs it in the environment and
// records every call, update and checkpoint. run.started names the factory, so `npx flightrec replay`
// can build the same agent again — nothing here emits an event by hand.
import { fileURLToPath } from 'node:url';
import { recordAgentRun } from 'flightrec';
import tabularAgent from './tabular-agent.js';

export async function recordYourAgent(db: string, episodes = 30): Promise<string> {
  const result = await recordAgentRun({
    db,
    factory: tabularAgent,
    // What replay will load: an absolute path, or one relative to the directory you record from.
    agent: `module:${fileURLToPath(new URL('./tabular-agent.js', import.meta.url))}`,
    env: 'gridworld',
    episodes,
    seed: 7,
    config: { alpha: 0.5, epsilon: 0.2 },
    discount: 0.95,
    name: 'my tabular agent',
  });
  return result.run;
}
