import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordYourAgent } from '../examples/record-your-agent.js';
import { readDecisions } from '../src/store/decision-stream.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { flightrec } from './cli/run-cli.js';
import { freshSchema, PG_REQUIRED, postgresUnavailable } from './helpers/postgres.js';
import { tempDir } from './helpers/temp-database.js';

// Asked before any test is registered (tests start as soon as they are).
const pgUnavailable = await postgresUnavailable();
const EXAMPLE_URL = 'postgres://flightrec:secret@db.example.com:5432/flightrec';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(`${ROOT}README.md`, 'utf8');

/** Code blocks that follow an `<!-- example: path -->` marker, with the file they claim to show. */
function examples(): { path: string; code: string }[] {
  const out: { path: string; code: string }[] = [];
  const re = /<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)```/g;
  for (const m of README.matchAll(re)) out.push({ path: m[1]!, code: m[2]! });
  return out;
}

/** Every `npx flightrec …` line of the README's sh blocks, as a user would type it after `npm ci`. */
function shellCommands(section?: RegExp): string[] {
  const out: string[] = [];
  for (const m of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    // The Python agent's sections run on a Python agent's run: test/serve/python-agent runs those lines.
    const heading = [...README.slice(0, m.index).matchAll(/^#{2,3} (.*)$/gm)].pop()?.[1] ?? '';
    if (section !== undefined ? !section.test(heading) : /Python agent|PostgreSQL/.test(heading)) continue;
    for (const line of m[1]!.split('\n')) if (line.startsWith('npx flightrec ')) out.push(line.replace(/\s+#.*$/, ''));
  }
  // A server started in the background (`… serve &`) runs until stopped: the serve tests cover it.
  return out.filter((l) => !l.endsWith('&'));
}

describe('README', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('starts with the two commands a newcomer runs', () => {
    const first = /```sh\n([\s\S]*?)```/.exec(README)![1]!.trim().split('\n');
    assert.deepEqual(first, ['npm ci && npx flightrec demo', 'npm test']);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    assert.ok(pkg.bin.flightrec, 'package.json has the flightrec bin');
    assert.ok(pkg.scripts.test, 'package.json has a test script');
  });

  it('shows example files exactly as they are (so the tested code is the documented code)', () => {
    const ex = examples();
    assert.ok(ex.length >= 2);
    for (const e of ex) assert.equal(e.code, readFileSync(`${ROOT}${e.path}`, 'utf8'), `${e.path} differs from the README`);
  });

  it('the "recording your own agent" example records a complete, verifiable, replayable run', async () => {
    const db = tmp.file('mine.db');
    const run = await recordYourAgent(db, 3);
    const store = await SqliteEventStore.open(db, { mustExist: true });
    try {
      let decisions = 0;
      for await (const d of readDecisions(store, run)) {
        decisions++;
        assert.ok(d.outcome !== null && d.chose !== null);
        assert.ok(d.events.some((e) => e.type === 'world_model.predicted' && e.component === 'map_model'));
      }
      assert.ok(decisions > 10);
    } finally {
      await store.close();
    }
    assert.equal(flightrec(ROOT, 'verify', run, '--db', db).code, 0);
    const replay = flightrec(ROOT, 'replay', run, '--verify', '--db', db);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /\(100\.0%\)/);
  });

  describe('every flightrec command it shows works on a real run', () => {
    const db = tmp.file('demo.db');
    let run = '';
    let derived = '';
    before(() => {
      const r = flightrec(ROOT, 'demo', '--episodes', '6', '--seed', '2', '--db', db, '--json');
      assert.equal(r.code, 0, r.stderr);
      run = (JSON.parse(r.stdout) as { run: string }).run;
    });

    for (const template of shellCommands()) {
      it(template, () => {
        const args = template
          .replace(/\[[^\]]*\]/g, '') // optional parts
          .replace(/<runA>|<run>/g, run)
          .replace(/<runB>/g, derived || run)
          .replace(/<decision>/g, '20')
          .trim()
          .split(/\s+/)
          .slice(2);
        const r = flightrec(ROOT, ...args, '--db', db);
        // 0 = ok, 1 = a check found a problem (audits and diffs report them); 2 would be a usage error in the README.
        assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
        assert.ok(r.stdout.length > 0);
        const m = /derived run (\S+)/.exec(r.stdout) ?? /→ run (\S+)/.exec(r.stdout);
        if (m) derived = m[1]!;
      });
    }
  });

  describe('the PostgreSQL section\'s commands work on a real server (URL replaced by FLIGHTREC_PG_URL\'s)', { skip: pgUnavailable !== null && !PG_REQUIRED ? `SKIPPED: ${pgUnavailable}` : false }, () => {
    let url = '';
    let drop = async (): Promise<void> => undefined;
    let run = '';
    before(async () => {
      if (pgUnavailable !== null) assert.fail(pgUnavailable);
      ({ url, drop } = await freshSchema('readme'));
    });
    after(async () => await drop());
    for (const template of shellCommands(/PostgreSQL/)) {
      it(template, () => {
        assert.ok(template.includes(EXAMPLE_URL), 'every command names the example server');
        const args = template
          .replace(/\[[^\]]*\]/g, '')
          .replace(/<run>/g, run)
          .replace(/<decision>/g, '20')
          .replace('./flightrec.db', tmp.file('from-postgres.db'))
          .trim()
          .split(/\s+/)
          .slice(2)
          .map((a) => (a === EXAMPLE_URL ? url : a));
        const r = flightrec(ROOT, ...args);
        assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
        const m = /recorded run (\S+)/.exec(r.stdout);
        if (m) run = m[1]!;
        assert.ok(run !== '', 'the first command recorded a run');
      });
    }
  });
});
