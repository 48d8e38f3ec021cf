import type { AgentFactory } from '../src/agent/agent-factory.js';
import { BUILT_IN_FACTORIES } from '../src/agent/built-in-factories.js';
import { InvalidInputError } from '../src/errors/flightrec-error.js';
import { loadUserModule } from '../src/modules/load-user-module.js';
import { PYTHON_FACTORY_PREFIX, pythonAgentFactory } from './python-agent-factory.js';

/**
 * The factory a run names: a built-in id ('flightrec/reference'), 'module:<path>', a module
 * whose default export (or export `agentFactory`) is an AgentFactory or its `create` function, or
 * 'python:<module>:<function>', a Python agent served over stdio (python-agent-factory.ts).
 */
export async function loadAgentFactory(spec: string, cwd: string): Promise<AgentFactory> {
  const builtIn = BUILT_IN_FACTORIES.get(spec);
  if (builtIn !== undefined) return builtIn;
  if (spec.startsWith(PYTHON_FACTORY_PREFIX)) return pythonAgentFactory(spec, cwd);
  if (!spec.startsWith('module:') || spec.length <= 'module:'.length) {
    throw new InvalidInputError(`unknown agent factory ${JSON.stringify(spec)}: use module:<path>, python:<module>:<function> or one of ${[...BUILT_IN_FACTORIES.keys()].join(', ')}`, { field: 'agent', value: spec });
  }
  const file = spec.slice('module:'.length);
  const mod = await loadUserModule(file, cwd, 'agent');
  const exported = mod.default ?? mod.agentFactory;
  if (typeof exported === 'function') return { create: exported as AgentFactory['create'] };
  if (exported !== null && typeof exported === 'object' && typeof (exported as Partial<AgentFactory>).create === 'function') return exported as AgentFactory;
  throw new InvalidInputError(`module ${file} exports no agent factory: export default { create(context) { … } } (or a create function, or a named export agentFactory)`, { field: 'agent', value: spec });
}
