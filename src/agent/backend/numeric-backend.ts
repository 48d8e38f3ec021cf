import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
// Importing the wasm package registers the 'wasm' backend factory with the tfjs-core instance
// that `@tensorflow/tfjs` resolves to (both are CommonJS and resolve `@tensorflow/tfjs-core`
// through the same node_modules, so there is one engine).
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { FlightrecError, InvalidInputError } from '../../errors/flightrec-error.js';

/** Which backend to use; 'auto' tries tensorflow (tfjs-node), then wasm, then cpu. */
export type NumericBackendPreference = 'auto' | 'wasm' | 'tensorflow' | 'cpu';

/**
 * What computes the numbers. Recorded in `run.started`: exact reproduction is promised per backend,
 * so two runs are only expected to match bit for bit when all three fields are equal.
 */
export interface NumericBackendInfo {
  /** tfjs backend name: 'tensorflow' | 'wasm' | 'cpu'. */
  name: string;
  /** Version of the tfjs-core engine that dispatches the kernels. */
  tfjsVersion: string;
  /**
   * Version of the backend package. For wasm it carries `+simd` or `+nosimd`, because the SIMD and
   * scalar binaries run different XNNPACK kernels (different summation orders, hence different bits).
   */
  backendVersion: string;
}

const PREFERENCES: readonly NumericBackendPreference[] = ['auto', 'wasm', 'tensorflow', 'cpu'];
const TFJS_NODE = '@tensorflow/tfjs-node';

let pending: Promise<NumericBackendInfo> | undefined;
let active: NumericBackendInfo | undefined;

/**
 * Selects and initialises the numeric backend once per process and returns what was selected.
 *
 * - `preferred` 'auto' (the default) is replaced by the FLIGHTREC_BACKEND env var when that is set;
 *   'auto' then falls back tensorflow → wasm → cpu, silently, since each fallback is recorded.
 * - An explicit backend that cannot be initialised throws FlightrecError `BACKEND_UNAVAILABLE`:
 *   a caller that names a backend wants its numbers, not another backend's.
 * - Idempotent: later calls return the same info object. A later call naming a *different*
 *   explicit backend throws InvalidInputError rather than switching, because tensors and
 *   recorded versions from the first backend would then silently mix with the second's.
 * - An invalid FLIGHTREC_BACKEND value throws InvalidInputError.
 */
export async function initNumericBackend(preferred: NumericBackendPreference = 'auto'): Promise<NumericBackendInfo> {
  if (!PREFERENCES.includes(preferred)) {
    throw new InvalidInputError(`unknown numeric backend '${String(preferred)}'`, { preferred, allowed: PREFERENCES });
  }
  const wanted = preferred === 'auto' ? fromEnv() : preferred;
  if (pending === undefined) {
    pending = select(wanted).then(
      (info) => (active = info),
      (err: unknown) => {
        // A failed initialisation is not cached, so that the caller can retry or pick another.
        pending = undefined;
        throw err;
      },
    );
  }
  const info = await pending;
  if (wanted !== 'auto' && info.name !== wanted) {
    throw new InvalidInputError(`numeric backend already initialised as '${info.name}', cannot switch to '${wanted}'`, {
      active: info.name,
      requested: wanted,
    });
  }
  return info;
}

/** The info returned by the first successful `initNumericBackend`, or undefined before that. */
export function currentNumericBackend(): NumericBackendInfo | undefined {
  return active;
}

function fromEnv(): NumericBackendPreference {
  const raw = process.env['FLIGHTREC_BACKEND'];
  if (raw === undefined || raw === '') return 'auto';
  const value = raw.trim().toLowerCase();
  if (!(PREFERENCES as readonly string[]).includes(value)) {
    throw new InvalidInputError(`FLIGHTREC_BACKEND must be one of ${PREFERENCES.join(', ')}, got '${raw}'`, {
      variable: 'FLIGHTREC_BACKEND',
      value: raw,
      allowed: PREFERENCES,
    });
  }
  return value as NumericBackendPreference;
}

async function select(wanted: NumericBackendPreference): Promise<NumericBackendInfo> {
  const order: Exclude<NumericBackendPreference, 'auto'>[] = wanted === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [wanted];
  const failures: Record<string, string> = {};
  for (const name of order) {
    try {
      return await initialise(name);
    } catch (err) {
      failures[name] = err instanceof Error ? err.message : String(err);
    }
  }
  throw new FlightrecError('BACKEND_UNAVAILABLE', `no numeric backend could be initialised (tried ${order.join(', ')})`, {
    requested: wanted,
    failures,
  });
}

async function initialise(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<NumericBackendInfo> {
  switch (name) {
    case 'tensorflow':
      return initTensorflow();
    case 'wasm':
      return initWasm();
    case 'cpu':
      return initCpu();
  }
}

/**
 * tfjs-node is an optional dependency whose native binary often cannot be installed, so it is
 * imported dynamically (through a variable, so TypeScript does not need its types) and any failure
 * means "unavailable". Importing it registers the 'tensorflow' backend with whichever tfjs-core its
 * own `require('@tensorflow/tfjs')` resolves to. npm dedupes that to our copy when the versions
 * agree; when they do not, the factory lands in a second engine that our tensors never reach.
 * We detect that case by asking *our* engine for the factory and treat it as unavailable, instead
 * of computing on one engine while recording another's version.
 */
async function initTensorflow(): Promise<NumericBackendInfo> {
  const specifier: string = TFJS_NODE;
  const mod = (await import(specifier)) as { version?: Record<string, string>; default?: { version?: Record<string, string> } };
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(`${TFJS_NODE} loaded but registered its backend with a different tfjs-core instance (version mismatch with @tensorflow/tfjs ${tf.version_core})`);
  }
  await activate('tensorflow');
  const versions = mod.version ?? mod.default?.version ?? {};
  const nodeVersion = versions['tfjs-node'] ?? 'unknown';
  // The native library's version decides the numbers at least as much as the binding's.
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  const lib = binding?.TF_Version;
  return info('tensorflow', lib ? `${nodeVersion}+libtensorflow-${lib}` : nodeVersion);
}

async function initWasm(): Promise<NumericBackendInfo> {
  // setWasmPaths throws once the module has been instantiated, which only happens if someone
  // bypassed this function; then the paths are already set and there is nothing to do.
  if (tf.findBackend('wasm') == null) {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
    setWasmPaths(path.join(path.dirname(pkg), 'dist') + path.sep);
  }
  await activate('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return info('wasm', `${version_wasm}+${simd ? 'simd' : 'nosimd'}`);
}

async function initCpu(): Promise<NumericBackendInfo> {
  await activate('cpu');
  // The cpu backend prints a "install tfjs-node" banner on its first tensor upload when it sees
  // Node. It is gated by the instance's private `firstUse` flag; clearing it silences only that
  // banner (tf.enableProdMode() would also silence every other tfjs warning). If a future tfjs
  // renames the field, this is a no-op and the banner simply comes back.
  const backend = tf.backend() as unknown as { firstUse?: unknown };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
  return info('cpu', tf.version['tfjs-backend-cpu']);
}

async function activate(name: string): Promise<void> {
  // setBackend resolves false (after a console warning from tfjs) rather than rejecting.
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
}

function info(name: string, backendVersion: string): NumericBackendInfo {
  return Object.freeze({ name, tfjsVersion: tf.version_core, backendVersion });
}
