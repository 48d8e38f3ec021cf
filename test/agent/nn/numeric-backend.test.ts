import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { initNumericBackend, currentNumericBackend } from '../../../src/agent/backend/numeric-backend.js';
import { InvalidInputError } from '../../../src/errors/flightrec-error.js';

const moduleUrl = new URL('../../../src/agent/backend/numeric-backend.js', import.meta.url).href;

/** Runs a fresh Node process that initialises the backend with `env`, returns its output. */
function initInChild(env: Record<string, string>, preferred = 'auto'): { info: unknown; stderr: string; stdout: string } {
  const script = `
    const { initNumericBackend } = await import(${JSON.stringify(moduleUrl)});
    const tf = await import('@tensorflow/tfjs');
    try {
      const info = await initNumericBackend(${JSON.stringify(preferred)});
      tf.tidy(() => tf.add(tf.tensor([1, 2]), 1).dataSync());
      console.log(JSON.stringify(info));
    } catch (e) { console.log(JSON.stringify({ error: e.name, code: e.code })); }`;
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: childEnv,
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
  });
  assert.equal(r.status, 0, r.stderr);
  return { info: JSON.parse(r.stdout.trim().split('\n').at(-1)!), stderr: r.stderr, stdout: r.stdout };
}

test('auto selects wasm here (tfjs-node absent) and is idempotent', async () => {
  delete process.env['FLIGHTREC_BACKEND'];
  const [a, b] = await Promise.all([initNumericBackend(), initNumericBackend('auto')]);
  assert.equal(a.name, 'wasm');
  assert.match(a.tfjsVersion, /^\d+\.\d+\.\d+/);
  assert.match(a.backendVersion, /^\d+\.\d+\.\d+\+(simd|nosimd)$/);
  assert.equal(b, a);
  assert.equal(await initNumericBackend('wasm'), a);
  assert.equal(currentNumericBackend(), a);
});

test('asking for another backend after initialisation throws instead of switching', async () => {
  await initNumericBackend();
  await assert.rejects(initNumericBackend('cpu'), InvalidInputError);
  assert.equal(currentNumericBackend()?.name, 'wasm');
});

test('an unknown preference is rejected', async () => {
  await assert.rejects(initNumericBackend('gpu' as never), InvalidInputError);
});

test('FLIGHTREC_BACKEND overrides auto, and the cpu banner is silenced', () => {
  const { info, stderr, stdout } = initInChild({ FLIGHTREC_BACKEND: 'cpu' });
  assert.equal((info as { name: string }).name, 'cpu');
  assert.doesNotMatch(stderr + stdout, /Hi, looks like you are running/);
});

test('an explicit tensorflow request fails loudly when tfjs-node is not installed', () => {
  const { info } = initInChild({ FLIGHTREC_BACKEND: '' }, 'tensorflow');
  assert.deepEqual(info, { error: 'FlightrecError', code: 'BACKEND_UNAVAILABLE' });
});

test('an invalid FLIGHTREC_BACKEND is an input error', () => {
  const { info } = initInChild({ FLIGHTREC_BACKEND: 'gpu' });
  assert.deepEqual(info, { error: 'InvalidInputError', code: 'INVALID_INPUT' });
});
