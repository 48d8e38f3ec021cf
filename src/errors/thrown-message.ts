/**
 * What a user's code threw, as text for an error message. A module may throw anything (`throw
 * null`, a symbol, a Proxy whose every property access throws), and describing it must not become
 * a second, unhandled exception.
 */
export function thrownMessage(e: unknown): string {
  try {
    if (e instanceof Error) return String(e.message);
    if (typeof e === 'string') return e;
    if (e !== null && typeof e === 'object') return JSON.stringify(e) ?? Object.prototype.toString.call(e);
    return String(e);
  } catch {
    return 'a value that cannot be described';
  }
}

/** A property of what was thrown (an error's `code`), or undefined when there is none or reading it throws. */
export function thrownProperty(e: unknown, key: string): unknown {
  try {
    return e !== null && typeof e === 'object' ? (e as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}
