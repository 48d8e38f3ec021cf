import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { InvalidInputError } from '../errors/flightrec-error.js';

/** Environment variable a flightrec server reads its bearer token from when no --token is given. */
export const TOKEN_ENV = 'FLIGHTREC_TOKEN';

/**
 * Who may talk to a flightrec server (`serve`, `ui`, any other): one rule for all of them. A server
 * binds loopback unless told otherwise; beyond loopback it refuses to start without a bearer token,
 * because anyone on the network could otherwise read and write every run. A token can be required
 * on loopback too (`--token` or FLIGHTREC_TOKEN).
 */
export class ServerAccess {
  private constructor(
    /** Address to bind. */
    readonly host: string,
    /** Bearer token every request must carry, or null when none is required (loopback only). */
    readonly token: string | null,
  ) {}

  /**
   * The access rule for a server about to listen on `host`. `token` is the --token option; when
   * absent, FLIGHTREC_TOKEN from `env` (an empty value counts as none). Throws InvalidInputError
   * (exit code 2) naming --token when `host` is not loopback and no token is given.
   */
  static resolve(options: { host: string; token?: string | null | undefined }, env: NodeJS.ProcessEnv = process.env): ServerAccess {
    const fromEnv = env[TOKEN_ENV];
    const token = options.token ?? (fromEnv === undefined || fromEnv === '' ? null : fromEnv);
    if (token !== null && (token.length < 8 || /\s/.test(token))) {
      throw new InvalidInputError(`invalid --token: a token is at least 8 characters with no spaces (got ${token.length} characters)`, { field: '--token', value: '(hidden)' });
    }
    if (token === null && !ServerAccess.isLoopback(options.host)) {
      throw new InvalidInputError(`--host ${options.host} listens beyond loopback, so a bearer token is required: pass --token <secret> or set ${TOKEN_ENV}`, {
        field: '--token',
        value: null,
        hint: `keep the default --host 127.0.0.1, or give a token (e.g. ${TOKEN_ENV}=$(openssl rand -hex 16))`,
      });
    }
    return new ServerAccess(options.host, token);
  }

  /** True for addresses only this machine can reach: 127.0.0.0/8, ::1, ::ffff:127.x.x.x, `localhost`. */
  static isLoopback(host: string): boolean {
    const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    if (h === 'localhost') return true;
    if (isIP(h) === 4) return h.startsWith('127.');
    if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
    return false;
  }

  /** Whether a request may proceed: always without a token, else only with `Authorization: Bearer <token>` (compared in constant time). */
  allows(req: IncomingMessage): boolean {
    if (this.token === null) return true;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice('Bearer '.length).trim());
    const expected = Buffer.from(this.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The WWW-Authenticate header a 401 carries (RFC 6750). */
  static readonly challenge = 'Bearer realm="flightrec"';
}
