import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Recorder } from '../../src/record/recorder.js';
import { readEvents } from '../../src/store/event-reader.js';
import { tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());

it("'commit' mode: an emit that fills a batch (written synchronously) resolves with its own ref", async () => {
  const recorder = await Recorder.open(tmp.file('c.db'));
  const run = await recorder.startRun({ durability: 'commit', batchSize: 3 });
  const note = (label: string) => ({ type: 'annotation', payload: { target: 0, label, note: null, author: null } });
  const refs = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((l) => run.emit(note(l))));
  assert.deepEqual(refs.map((r) => r.seq), [1, 2, 3, 4, 5]);
  await run.close();
  const labels: string[] = [];
  for await (const e of readEvents(recorder.store, run.id, { types: ['annotation'] })) if (e.type === 'annotation') labels.push(e.payload.label);
  await recorder.close();
  assert.deepEqual(labels, ['a', 'b', 'c', 'd', 'e']);
});
