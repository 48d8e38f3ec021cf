import { decodeBase64, parseNote, type SignedNote } from './signed-note.js';
import { parseCheckpoint, type RunCheckpoint } from './run-checkpoint.js';
import { SealFormatError } from './seal-errors.js';

/**
 * Proof files, modelled on c2sp.org/tlog-proof: a first line naming the kind, the proof's fields,
 * the path hashes (base64, one a line), a blank line, then the signed seal(s) it is relative to.
 *
 *     flightrec/inclusion-proof@v1         flightrec/consistency-proof@v1
 *     index <seq>                          <base64 hash>…
 *     previous <base64 chain hash>         (blank)
 *     event <the event as one NDJSON line> <older seal>
 *     <base64 hash>…                       (blank)
 *     (blank)                              <newer seal>
 *     <seal>
 */
export const INCLUSION = 'flightrec/inclusion-proof@v1';
export const CONSISTENCY = 'flightrec/consistency-proof@v1';
const MAX_PATH = 64;
const SEQ = /^(0|[1-9][0-9]{0,15})$/;

export interface SealNote {
  readonly note: SignedNote;
  readonly checkpoint: RunCheckpoint;
  /** The note as written, for re-embedding. */
  readonly raw: string;
}

export type ProofFile =
  | { kind: 'inclusion'; index: number; previous: Uint8Array; event: string; path: Uint8Array[]; seal: SealNote }
  | { kind: 'consistency'; path: Uint8Array[]; older: SealNote; newer: SealNote };

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function formatInclusionProof(p: { index: number; previous: Uint8Array; event: string; path: readonly Uint8Array[]; seal: string }): string {
  if (p.event.includes('\n')) throw new SealFormatError('event', 'must be one line', 'a line break');
  return `${INCLUSION}\nindex ${p.index}\nprevious ${b64(p.previous)}\nevent ${p.event}\n${p.path.map((h) => `${b64(h)}\n`).join('')}\n${p.seal}`;
}

export function formatConsistencyProof(p: { path: readonly Uint8Array[]; older: string; newer: string }): string {
  return `${CONSISTENCY}\n${p.path.map((h) => `${b64(h)}\n`).join('')}\n${p.older}\n${p.newer}`;
}

/** A signed seal note: its checkpoint text, a blank line, at least one signature line. */
export function parseSealNote(raw: string): SealNote {
  const note = parseNote(raw);
  if (note.signatures.length === 0) throw new SealFormatError('seal', 'has no signature', '0 signature lines');
  return { note, checkpoint: parseCheckpoint(note.text), raw };
}

/** Parses a proof file strictly; any deviation is a SealFormatError naming the line. */
export function parseProofFile(text: string): ProofFile {
  if (/[\u0000-\u0009\u000b-\u001f\u007f\ufffd]/.test(text)) throw new SealFormatError('proof', 'contains a control character or invalid UTF-8', '(binary)');
  if (!text.endsWith('\n')) throw new SealFormatError('proof', 'must end with a newline', JSON.stringify(text.slice(-20)));
  const lines = text.slice(0, -1).split('\n');
  let i = 0;
  const next = (what: string): string => {
    const line = lines[i++];
    if (line === undefined) throw new SealFormatError(what, 'is missing', 'end of file');
    return line;
  };
  const kind = next('first line');
  const field = (name: string): string => {
    const line = next(`${name} line`);
    if (!line.startsWith(`${name} `)) throw new SealFormatError(`line ${i}`, `must be "${name} …"`, JSON.stringify(line));
    return line.slice(name.length + 1);
  };
  const hashes = (): Uint8Array[] => {
    const path: Uint8Array[] = [];
    for (let line = next('blank line'); line !== ''; line = next('blank line')) {
      if (path.length >= MAX_PATH) throw new SealFormatError('proof path', `has more than ${MAX_PATH} hashes`, `line ${i}`);
      path.push(decodeBase64(line, `hash on line ${i}`, 32));
    }
    return path;
  };
  // A seal embedded in a proof: four checkpoint lines, a blank line, then its signature lines.
  const seal = (what: string): SealNote => {
    const start = i;
    for (let k = 0; k < 5; k++) next(what);
    if (lines[start + 4] !== '') throw new SealFormatError(what, 'must be a four-line checkpoint, a blank line and signatures', JSON.stringify(lines[start + 4]));
    while (i < lines.length && lines[i]!.startsWith('\u2014 ')) i++;
    const raw = `${lines.slice(start, i).join('\n')}\n`;
    return parseSealNote(raw);
  };
  if (kind === INCLUSION) {
    const index = field('index');
    if (!SEQ.test(index) || !Number.isSafeInteger(Number(index))) throw new SealFormatError('index line', 'must be a decimal seq without leading zeros', JSON.stringify(index));
    const previous = decodeBase64(field('previous'), 'previous line', 32);
    const event = field('event');
    const path = hashes();
    const s = seal('seal');
    if (i !== lines.length) throw new SealFormatError(`line ${i + 1}`, 'follows the seal', JSON.stringify(lines[i]));
    return { kind: 'inclusion', index: Number(index), previous, event, path, seal: s };
  }
  if (kind === CONSISTENCY) {
    const path = hashes();
    const older = seal('older seal');
    if (next('blank line between the seals') !== '') throw new SealFormatError(`line ${i}`, 'must be the blank line between the two seals', JSON.stringify(lines[i - 1]));
    const newer = seal('newer seal');
    if (i !== lines.length) throw new SealFormatError(`line ${i + 1}`, 'follows the newer seal', JSON.stringify(lines[i]));
    return { kind: 'consistency', path, older, newer };
  }
  throw new SealFormatError('first line', `must be ${INCLUSION} or ${CONSISTENCY}`, JSON.stringify(kind));
}
