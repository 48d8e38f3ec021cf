import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FlightrecError } from '../../src/errors/flightrec-error.js';
import { Recorder } from '../../src/record/recorder.js';
import { checkProof } from '../../src/seal/check-proof.js';
import { parseProofFile, parseSealNote } from '../../src/seal/proof-file.js';
import { parseCheckpoint } from '../../src/seal/run-checkpoint.js';
import { loadKey, parseNote, signNote, verifyNote } from '../../src/seal/signed-note.js';
import { f32 } from '../../src/events/tensor.js';
import { recordFixture } from '../cli/record-fixture.js';
import { flightrec } from '../cli/run-cli.js';
import { rawDatabase, tempDir } from '../helpers/temp-database.js';

function keyPair(dir: string, name: string): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = path.join(dir, `${name}.pem`);
  const pub = path.join(dir, `${name}.pub`);
  writeFileSync(priv, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(pub, publicKey.export({ format: 'pem', type: 'spki' }));
  return { priv, pub };
}

/** The result of checking a proof text in process: ok, or failed (a refusal to parse counts as failed). */
function proofHolds(text: string, pub: string): boolean {
  try {
    return checkProof(parseProofFile(text), loadKey(readFileSync(pub), 'public', pub)).ok;
  } catch (e) {
    assert.ok(e instanceof FlightrecError, `only FlightrecErrors, got ${String(e)}`);
    return false;
  }
}

/** Every position of the text changed to another byte (a sample when the text is long): none may still hold. */
function assertEveryByteMatters(text: string, holds: (t: string) => boolean, positions = 400): void {
  const bytes = Buffer.from(text, 'utf8');
  const step = Math.max(1, Math.floor(bytes.length / positions));
  for (let i = 0; i < bytes.length; i += step) {
    const changed = Buffer.from(bytes);
    changed[i] = changed[i] === 0x41 ? 0x42 : 0x41;
    assert.equal(holds(changed.toString('utf8')), false, `byte ${i} of ${bytes.length} changed ('${String.fromCharCode(bytes[i]!)}' → '${String.fromCharCode(changed[i]!)}') still checks`);
  }
}

describe('signed seals and proofs', () => {
  const tmp = tempDir();
  const db = tmp.file('sealed.db');
  let keys: { priv: string; pub: string };
  let other: { priv: string; pub: string };

  before(async () => {
    keys = keyPair(tmp.dir, 'seal');
    other = keyPair(tmp.dir, 'other');
    await recordFixture(db, 'r1', { decisions: 4 });
  });
  after(() => tmp.cleanup());

  it('seal --key writes a signed checkpoint; verify --seal --key checks it; another key or a changed byte fails', () => {
    const s = flightrec(tmp.dir, '--db', db, 'seal', 'r1', '--key', keys.priv, '--out', 'r1.seal');
    assert.equal(s.code, 0, s.stderr);
    const text = readFileSync(tmp.file('r1.seal'), 'utf8');
    assert.match(text, /^flightrec\/run\/r1\n\d+\n[A-Za-z0-9+/]{43}=\nhead [0-9a-f]{64}\n\n— flightrec [A-Za-z0-9+/]+=*\n$/u);
    const ok = flightrec(tmp.dir, '--db', db, 'verify', 'r1', '--seal', 'r1.seal', '--key', keys.pub);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /signature ok/);
    const wrong = flightrec(tmp.dir, '--db', db, 'verify', 'r1', '--seal', 'r1.seal', '--key', other.pub);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /no signature by the key/);
    // In process, every byte of the seal matters to its signature.
    const pub = loadKey(readFileSync(keys.pub), 'public', keys.pub);
    assertEveryByteMatters(text, (t) => {
      try {
        const n = parseSealNote(t);
        const v = verifyNote(n.note, pub);
        return v.verified.length > 0 && v.failed.length === 0;
      } catch (e) {
        assert.ok(e instanceof FlightrecError, String(e));
        return false;
      }
    });
  });

  it('prove writes an inclusion proof that verify-proof checks with the public key alone; one changed byte fails it', () => {
    const p = flightrec(tmp.dir, '--db', db, 'prove', 'r1', '5', '--seal', 'r1.seal', '--out', 'r1-5.proof');
    assert.equal(p.code, 0, p.stderr);
    // No --db: the proof and the key are all it needs.
    const v = flightrec(tmp.dir, 'verify-proof', 'r1-5.proof', '--key', keys.pub);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^ok: event seq 5 \(\S+\) is in run r1 as sealed at \d+ events, signed by flightrec\n$/);
    const text = readFileSync(tmp.file('r1-5.proof'), 'utf8');
    assert.equal(proofHolds(text, keys.pub), true);
    assert.equal(proofHolds(text, other.pub), false);
    assertEveryByteMatters(text, (t) => proofHolds(t, keys.pub));
    const bad = Buffer.from(text);
    const at = text.indexOf('"t":') + 5;
    bad[at] = bad[at] === 0x31 ? 0x32 : 0x31;
    writeFileSync(tmp.file('bad.proof'), bad);
    const r = flightrec(tmp.dir, 'verify-proof', 'bad.proof', '--key', keys.pub);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAILED: the event line does not check: hash/);
  });

  it('an event changed in the database no longer matches the seal: verify --seal fails and prove refuses', async () => {
    const copy = tmp.file('tampered.db');
    writeFileSync(copy, readFileSync(db));
    const raw = rawDatabase(copy);
    // Rewrite event 3 and recompute nothing: the chain breaks. (A consistently rewritten chain is caught by the root and the signature.)
    raw.prepare("update events set t = t + 1 where seq = 3 and run_pk = (select pk from runs where id = 'r1')").run();
    raw.close();
    const v = flightrec(tmp.dir, '--db', copy, 'verify', 'r1', '--seal', 'r1.seal', '--key', keys.pub);
    assert.equal(v.code, 1);
    const p = flightrec(tmp.dir, '--db', copy, 'prove', 'r1', '3', '--seal', 'r1.seal', '--out', 'x.proof');
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /SEAL_MISMATCH.*event seq 3 of run r1 no longer matches its hash/);
  });

  it('a consistency proof shows that a later seal of a growing run extends an earlier one', async () => {
    const growing = tmp.file('growing.db');
    const rec = await Recorder.open(growing);
    const run = await rec.startRun({ id: 'g' });
    const emit = (k: number) => {
      for (let i = 0; i < k; i++) run.append({ type: 'annotation', payload: { target: 0, label: `l${i}`, note: null, author: null } });
    };
    emit(6);
    await run.flush();
    assert.equal(flightrec(tmp.dir, '--db', growing, 'seal', 'g', '--key', keys.priv, '--out', 'g-old.seal').code, 0);
    emit(11);
    await run.flush();
    assert.equal(flightrec(tmp.dir, '--db', growing, 'seal', 'g', '--key', keys.priv, '--out', 'g-new.seal').code, 0);
    await run.close();
    await rec.close();
    const p = flightrec(tmp.dir, '--db', growing, 'prove', 'g', '--from', 'g-old.seal', '--seal', 'g-new.seal', '--out', 'g.proof');
    assert.equal(p.code, 0, p.stderr);
    const v = flightrec(tmp.dir, 'verify-proof', 'g.proof', '--key', keys.pub);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^ok: run g sealed at 18 events extends its seal at 7/);
    const text = readFileSync(tmp.file('g.proof'), 'utf8');
    assertEveryByteMatters(text, (t) => proofHolds(t, keys.pub));
    // Seals in the wrong order are refused with exit 2.
    const swapped = flightrec(tmp.dir, '--db', growing, 'prove', 'g', '--from', 'g-new.seal', '--seal', 'g-old.seal');
    assert.equal(swapped.code, 2);
    void f32;
  });

  it('the parsers of seals, checkpoints and proofs refuse any input with a FlightrecError, never a crash', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const only = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof FlightrecError, `${String(e)}`);
      }
    };
    const real = readFileSync(tmp.file('r1-5.proof'), 'utf8');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.tuple(fc.nat(real.length), fc.string({ maxLength: 8 })).map(([i, s]) => real.slice(0, i) + s + real.slice(i + s.length))), (text) => {
        only(() => parseNote(text));
        only(() => parseCheckpoint(text));
        only(() => parseSealNote(text));
        only(() => parseProofFile(text));
      }),
      { numRuns: 400 },
    );
    // Round trip: any checkpoint formats, signs and parses back to itself.
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/), fc.nat(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (run, events, root, head) => {
        const body = `flightrec/run/${run}\n${events}\n${Buffer.from(root).toString('base64')}\nhead ${Buffer.from(head).toString('hex')}\n`;
        const note = parseSealNote(signNote(body, 'k', privateKey));
        assert.deepEqual({ ...note.checkpoint, root: Buffer.from(note.checkpoint.root).toString('hex') }, { run, events, root: Buffer.from(root).toString('hex'), head_hash: Buffer.from(head).toString('hex') });
        assert.deepEqual(verifyNote(note.note, privateKey).verified, ['k']);
      }),
      { numRuns: 100 },
    );
  });
});
