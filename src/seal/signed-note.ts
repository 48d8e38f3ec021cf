import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SealFormatError } from './seal-errors.js';

/**
 * Signed notes (c2sp.org/signed-note) with Ed25519: a text ending in a newline, a blank line, then
 * one line per signature, `— <key name> base64(key ID ‖ signature)`, the key ID being the first four
 * bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key).
 */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The signed text, final newline included. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const DASH = '\u2014';
const MAX_NOTE_BYTES = 1 << 16;
const MAX_SIGNATURES = 16;
const KEY_NAME = /^[^\s+]+$/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 that must re-encode to itself (one encoding per value, so a changed byte cannot hide). */
export function decodeBase64(text: string, what: string, bytes?: number): Uint8Array {
  const out = Buffer.from(text, 'base64');
  if (!BASE64.test(text) || out.toString('base64') !== text) throw new SealFormatError(what, 'is not canonical base64', text);
  if (bytes !== undefined && out.length !== bytes) throw new SealFormatError(what, `must decode to ${bytes} bytes, not ${out.length}`, text);
  return new Uint8Array(out);
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** An Ed25519 key from PEM (PKCS#8 private, or SPKI public; a private key also gives its public half). */
export function loadKey(pem: string | Buffer, kind: 'private' | 'public', where: string): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw new SealFormatError(where, `is not a PEM ${kind} key (${(e as Error).message})`, '(key file)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SealFormatError(where, `is a ${key.asymmetricKeyType ?? 'symmetric'} key; seals are signed with Ed25519`, '(key file)');
  return key;
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
}

export function keyId(name: string, publicKey: KeyObject): Uint8Array {
  const h = createHash('sha256').update(name).update(new Uint8Array([0x0a, 0x01])).update(rawPublicKey(publicKey)).digest();
  return new Uint8Array(h.subarray(0, 4));
}

/** Signs `text` (which must end in a newline) as key `name`, and returns the whole note. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!KEY_NAME.test(name)) throw new SealFormatError('key name', 'must be non-empty, without spaces or +', name);
  checkText(text);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  return `${text}\n${DASH} ${name} ${b64(Buffer.concat([keyId(name, privateKey), signature]))}\n`;
}

/** Parses a note strictly: UTF-8, no control characters but newline, text then blank line then signature lines. */
export function parseNote(note: string): SignedNote {
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) throw new SealFormatError('note', `is longer than ${MAX_NOTE_BYTES} bytes`, `${Buffer.byteLength(note, 'utf8')} bytes`);
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw new SealFormatError('note', 'contains a control character other than newline', JSON.stringify(note.match(/[\u0000-\u0009\u000b-\u001f\u007f]/)![0]));
  if (note.includes('\ufffd')) throw new SealFormatError('note', 'is not valid UTF-8', '(replacement character)');
  if (!note.endsWith('\n')) throw new SealFormatError('note', 'must end with a newline', JSON.stringify(note.slice(-20)));
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new SealFormatError('note', 'has no blank line before its signatures', JSON.stringify(note.slice(0, 60)));
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new SealFormatError('signatures', `more than ${MAX_SIGNATURES}`, String(lines.length));
  const signatures = lines.map((line, i) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (m === null) throw new SealFormatError(`signature line ${i + 1}`, 'must be "— <key name> <base64 signature>"', JSON.stringify(line));
    const [, name, sig] = m;
    if (!KEY_NAME.test(name!)) throw new SealFormatError(`signature line ${i + 1}`, 'has a key name with a space or +', name!);
    const bytes = decodeBase64(sig!, `signature line ${i + 1}`);
    if (bytes.length < 5) throw new SealFormatError(`signature line ${i + 1}`, 'is shorter than a key ID and a signature', `${bytes.length} bytes`);
    return { name: name!, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  checkText(text);
  return { text, signatures };
}

/** The names of the signatures made by `publicKey` that verify; a signature by that key that fails makes the whole note fail. */
export function verifyNote(note: SignedNote, publicKey: KeyObject): { verified: string[]; failed: string[] } {
  const verified: string[] = [];
  const failed: string[] = [];
  for (const s of note.signatures) {
    if (Buffer.compare(keyId(s.name, publicKey), s.keyId) !== 0) continue; // another key's signature: ignored, as the spec says
    const ok = s.signature.length === 64 && verify(null, Buffer.from(note.text, 'utf8'), publicKey, s.signature);
    (ok ? verified : failed).push(s.name);
  }
  return { verified, failed };
}

function checkText(text: string): void {
  if (!text.endsWith('\n') || text.startsWith('\n')) throw new SealFormatError('note text', 'must be non-empty lines ending in a newline', JSON.stringify(text.slice(0, 60)));
}
