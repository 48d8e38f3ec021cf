import { fromNdjsonValue, toNdjsonValue } from '../src/store/ndjson/ndjson-value.js';
import { ProcessChannel } from './process-channel.js';
import { ComponentProcessError } from './replay-errors.js';

/** The protocol version this side speaks (clients/python/PROTOCOL.md). */
export const COMPONENT_PROTOCOL = 1;

/** What a request is about, for error messages: the component and the call. */
export interface CallSite {
  component: string;
  call: string;
}

/** A request the component process makes of us while it answers one of ours (a planner's component call). */
export interface Callback {
  op: string;
  role?: unknown;
  method?: unknown;
  args?: unknown;
}

type Message = { id: unknown; op?: unknown; ok?: unknown; result?: unknown; error?: { message?: unknown; type?: unknown; traceback?: unknown } | null; [k: string]: unknown };

function timeoutMs(): number {
  const s = Number(process.env.FLIGHTREC_COMPONENT_TIMEOUT ?? '');
  return Number.isFinite(s) && s > 0 ? s * 1000 : 300_000;
}

/**
 * Speaks the component protocol to one process: requests by id, nested callbacks, tensors as
 * NDJSON markers. Every failure of the process (it exits, stalls, or writes something that is
 * not a reply) is a ComponentProcessError naming the component and the call; after one, every
 * later request fails the same way, since the process's state is no longer known.
 */
export class ComponentClient {
  private nextId = 0;
  private broken: ComponentProcessError | null = null;
  /** A callback's own error, so that the request it broke rethrows it rather than the process's message about it. */
  private callbackError: unknown = null;

  private constructor(
    private readonly channel: ProcessChannel,
    readonly label: string,
  ) {}

  /** Starts the process and reads its hello line. */
  static start(command: string, args: string[], options: { cwd: string; env: Record<string, string>; label: string }): ComponentClient {
    const client = new ComponentClient(new ProcessChannel(command, args, options), options.label);
    const site = { component: options.label, call: 'start' };
    const hello = client.readMessage(site, Math.max(timeoutMs(), 60_000));
    if (hello.hello !== 'flightrec-components') client.fail(site, `its first line is not the protocol's hello: ${JSON.stringify(hello).slice(0, 200)}`);
    if (hello.protocol !== COMPONENT_PROTOCOL) client.fail(site, `it speaks protocol ${JSON.stringify(hello.protocol)}, flightrec speaks ${COMPONENT_PROTOCOL}: install the flightrec_client of this flightrec`);
    return client;
  }

  /**
   * Sends a request and blocks until its reply, answering the process's callbacks meanwhile
   * (which may send requests of their own: they nest).
   */
  request(op: string, body: Record<string, unknown>, site: CallSite, onCallback: (c: Callback) => unknown = () => {
    throw new Error('no callback was expected');
  }): unknown {
    if (this.broken !== null) throw this.broken;
    const id = ++this.nextId;
    this.send({ id, op, ...(toNdjsonValue(body) as Record<string, unknown>) }, site);
    for (;;) {
      const m = this.readMessage(site, timeoutMs());
      if (typeof m.op === 'string') {
        this.answer(m, onCallback, site);
        continue;
      }
      if (m.id !== id) this.fail(site, `it answered request ${JSON.stringify(m.id)} while request ${id} was waiting`);
      if (m.ok === true) {
        this.callbackError = null;
        return this.decode(m.result, site);
      }
      if (m.ok === false) {
        const own = this.callbackError;
        this.callbackError = null;
        if (own !== null) throw own;
        const e = m.error ?? {};
        throw new ComponentProcessError(site.component, site.call, `the Python code raised ${String(e.type ?? 'an error')}: ${String(e.message ?? '')}${typeof e.traceback === 'string' ? `\n${e.traceback.trim()}` : ''}`, '', false);
      }
      this.fail(site, `its reply to request ${id} has neither ok: true nor ok: false: ${JSON.stringify(m).slice(0, 200)}`);
    }
  }

  /** Ends the process's input; it exits on EOF. */
  close(): void {
    this.channel.close();
  }

  private answer(m: Message, onCallback: (c: Callback) => unknown, site: CallSite): void {
    let reply: Record<string, unknown>;
    try {
      const result = onCallback({ op: m.op as string, role: m.role, method: m.method, args: this.decode(m.args ?? null, site) });
      reply = { id: m.id, ok: true, result: toNdjsonValue(result) };
    } catch (e) {
      if (e instanceof ComponentProcessError && this.broken !== null) throw e;
      this.callbackError = e;
      reply = { id: m.id, ok: false, error: { type: (e as { code?: string }).code ?? 'Error', message: e instanceof Error ? e.message : String(e) } };
    }
    this.send(reply, site);
  }

  private decode(v: unknown, site: CallSite): unknown {
    try {
      return fromNdjsonValue(v, 'result');
    } catch (e) {
      return this.fail(site, `it answered a value that is not a valid payload value: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private send(m: Record<string, unknown>, site: CallSite): void {
    if (this.channel.exited !== null) this.readMessage(site, 0); // reports the exit
    this.channel.write(JSON.stringify(m));
  }

  private readMessage(site: CallSite, ms: number): Message {
    const r = this.channel.read(ms);
    if (r.kind === 'timeout') {
      this.channel.kill();
      return this.fail(site, `no answer within ${Math.round(ms / 1000)} s (FLIGHTREC_COMPONENT_TIMEOUT); the process was killed`);
    }
    if (r.kind === 'exit') {
      const how = r.error !== null ? `could not be started (${r.error})` : r.signal !== null ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
      return this.fail(site, `the component process ${how}`);
    }
    let m: unknown;
    try {
      m = JSON.parse(r.line);
    } catch {
      this.channel.kill();
      return this.fail(site, `it wrote a line that is not JSON: ${JSON.stringify(r.line.slice(0, 200))}`);
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      this.channel.kill();
      return this.fail(site, `it wrote ${JSON.stringify(r.line.slice(0, 200))}, not a protocol message`);
    }
    return m as Message;
  }

  private fail(site: CallSite, problem: string): never {
    // Read what the process left on stderr (it may still be arriving) before quoting it.
    if (this.channel.exited === null) this.channel.read(50);
    this.broken = new ComponentProcessError(site.component, site.call, problem, this.channel.stderr);
    throw this.broken;
  }
}
