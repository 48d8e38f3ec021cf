import type { AnyComponent } from '../src/agent/components.js';
import { checkRoleOutput, type ContractContext } from '../src/agent/role-contract.js';
import { FlightrecError } from '../src/errors/flightrec-error.js';
import { thrownMessage } from '../src/errors/thrown-message.js';
import type { Role } from '../src/events/event-type.js';
import { ModuleContractError, ModuleFailedError } from './replay-errors.js';

const METHOD: Record<Role, string> = { world_model: 'predict', reward: 'evaluate', critic: 'evaluate', actor: 'propose', planner: 'plan' };

/**
 * Wraps a user module's component so that every call of its role's method is checked like input:
 * what it returns against the role's contract (ModuleContractError), what it throws as the
 * module's failure (ModuleFailedError), both naming the module, the call and what was wrong.
 * Wrapped inside the recorder, so nothing the contract refuses reaches the log.
 */
export function contractChecked<C extends AnyComponent>(component: C, module: string, ctx: ContractContext): C {
  const method = METHOD[component.role];
  const role = component.role;
  let calls = 0;
  const who = () => ({ module, role, component: component.name, method, call: calls });
  const checked = (...args: unknown[]): unknown => {
    calls++;
    let out: unknown;
    try {
      out = (component as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!.apply(component, args);
    } catch (e) {
      // A FlightrecError from inside a planner module's search is a stand-in's own, already named.
      if (e instanceof FlightrecError) throw e;
      throw new ModuleFailedError({ ...who(), message: thrownMessage(e) }, e);
    }
    const bad = checkRoleOutput(role, args, out, ctx);
    if (bad !== null) {
      // A rejected Promise would otherwise surface later as an unhandled rejection.
      if (bad.field === 'return value' && out instanceof Promise) out.catch(() => undefined);
      throw new ModuleContractError({ ...who(), ...bad });
    }
    return out;
  };
  return new Proxy(component, {
    get(target, prop, receiver) {
      if (prop === method) return checked;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
