import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../src/errors/flightrec-error.js';
import { ServerAccess, TOKEN_ENV } from '../../src/serve/server-access.js';

const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

test('loopback needs no token; beyond loopback a server refuses to start without one, naming --token', () => {
  const open = ServerAccess.resolve({ host: '127.0.0.1' }, {});
  assert.equal(open.token, null);
  assert.equal(open.allows(request()), true);
  for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.org', '10.0.0.1']) {
    assert.throws(() => ServerAccess.resolve({ host }, {}), (e: unknown) => e instanceof InvalidInputError && e.details.field === '--token' && e.message.includes(host));
  }
  assert.equal(ServerAccess.resolve({ host: '0.0.0.0', token: 'sesame-sesame' }, {}).token, 'sesame-sesame');
});

test('the token comes from --token, else from FLIGHTREC_TOKEN; an empty variable is no token', () => {
  assert.equal(ServerAccess.resolve({ host: '0.0.0.0' }, { [TOKEN_ENV]: 'from-the-env' }).token, 'from-the-env');
  assert.equal(ServerAccess.resolve({ host: '0.0.0.0', token: 'from-the-flag' }, { [TOKEN_ENV]: 'from-the-env' }).token, 'from-the-flag');
  assert.throws(() => ServerAccess.resolve({ host: '0.0.0.0' }, { [TOKEN_ENV]: '' }), InvalidInputError);
  assert.throws(() => ServerAccess.resolve({ host: '127.0.0.1', token: 'short' }, {}), /at least 8 characters/);
});

test('with a token, only the exact bearer header gets in (also on loopback)', () => {
  const access = ServerAccess.resolve({ host: '127.0.0.1', token: 'correct-horse' }, {});
  assert.equal(access.allows(request('Bearer correct-horse')), true);
  for (const h of [undefined, '', 'Bearer', 'Bearer correct-hors', 'Bearer correct-horse2', 'Basic correct-horse', 'bearer correct-horse']) {
    assert.equal(access.allows(request(h)), false, String(h));
  }
});

test('isLoopback: every 127.x.x.x, ::1, v4-mapped loopback and localhost; nothing else', () => {
  fc.assert(
    fc.property(fc.ipV4(), (ip) => assert.equal(ServerAccess.isLoopback(ip), ip.startsWith('127.'))),
  );
  for (const h of ['localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.equal(ServerAccess.isLoopback(h), true, h);
  for (const h of ['::', '0.0.0.0', '::ffff:10.0.0.1', 'localhost.example.org', '127.0.0.1.nip.io', 'fe80::1']) assert.equal(ServerAccess.isLoopback(h), false, h);
});
