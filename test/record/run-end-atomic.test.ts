import assert from 'node:assert/strict';
import { sqliteOf } from '../helpers/sqlite-of.js';
import { after, it } from 'node:test';
import { Recorder } from '../../src/record/recorder.js';
import { rawDatabase, SMALL_PAGES, INLINE_WRITES, tempDir } from '../helpers/temp-database.js';

const tmp = tempDir();
after(() => tmp.cleanup());

it('run.ended and the run status are stored in one transaction: a failed end leaves neither, a retried one both', async () => {
  const file = tmp.file('end.db');
  const recorder = await Recorder.open(file, SMALL_PAGES);
  const run = await recorder.startRun({ ...INLINE_WRITES, name: 'ending' });
  const big = new Float32Array(20000).map((_, i) => i); // a blob that will not fit
  await run.flush();
  const pages = sqliteOf(recorder.store).pragma('page_count', { simple: true }) as number;
  sqliteOf(recorder.store).pragma(`max_page_count = ${pages + 2}`);
  run.append({ type: 'critic.evaluated', decision: 0, payload: { states: { dtype: 'float32', shape: [1, 20000], data: big }, values: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } } });
  await assert.rejects(run.end('completed'), { code: 'STORE_WRITE_FAILED' });
  const raw = rawDatabase(file);
  const row = raw.prepare('select status, head_seq from runs where id = ?').get(run.id) as { status: string; head_seq: number };
  assert.deepEqual(row, { status: 'recording', head_seq: 0 }, 'neither run.ended nor the status');
  sqliteOf(recorder.store).pragma('max_page_count = 1073741823');
  await run.close();
  const after = raw.prepare('select status, head_seq from runs where id = ?').get(run.id) as { status: string; head_seq: number };
  const last = raw.prepare('select type from events e join runs r on r.pk = e.run_pk where r.id = ? order by seq desc limit 1').get(run.id) as { type: string };
  raw.close();
  await recorder.close();
  assert.deepEqual(after, { status: 'completed', head_seq: 2 });
  assert.equal(last.type, 'run.ended');
});
