/**
 * A what-if launched from the viewer, run in a child process so that the server keeps answering
 * while TensorFlow.js re-decides the run: the parent sends one request, the child reports
 * progress and then the result (or the error) over IPC, and exits.
 */
import { parseSettings, parseSwap } from '../../replay/component-spec.js';
import { FlightrecError, InvalidInputError } from '../errors/flightrec-error.js';
import type { EventStore } from '../store/event-store.js';
import { openStore } from '../store/open-store.js';
import type { JobMessage, JobRequest } from './replay-jobs.js';

const send = (m: JobMessage) => process.send?.(m);

process.once('message', (req: JobRequest) => {
  void run(req).then(
    () => process.disconnect?.(),
    (e: unknown) => {
      send({ type: 'failed', code: e instanceof FlightrecError ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
      process.disconnect?.();
    },
  );
});

async function run(req: JobRequest): Promise<void> {
  const store = await openStore(req.db, { mustExist: true });
  try {
    const swaps = req.swaps.map(parseSwap);
    if (req.kind === 'blame') {
      const { blame } = await import('../../replay/blame.js');
      send({ type: 'done', result: await blame(store, req.run, req.decision!, swaps) });
      return;
    }
    const settings = parseSettings(req.settings);
    const { reevaluate } = await import('../../replay/reevaluate.js');
    let last = 0;
    const result = await reevaluate(store, req.run, {
      swaps,
      plannerSettings: settings,
      onDecision: (done) => {
        const now = Date.now();
        if (now - last > 200) {
          last = now;
          send({ type: 'progress', done });
        }
      },
    });
    send({ type: 'done', result });
  } finally {
    await store.close();
  }
}
