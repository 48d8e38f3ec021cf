import { inflateSync } from 'node:zlib';

/**
 * Share of a PNG's (filtered) pixel bytes that differ from its most common byte: ~0 for a blank
 * or single-colour image, a few percent for a page with text and charts. Reads the format
 * directly (IHDR, IDAT) so that the check needs no image library.
 */
export function pngInkShare(png: Buffer): number {
  let pos = 8;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    if (type === 'IDAT') idat.push(png.subarray(pos + 8, pos + 8 + len));
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const counts = new Uint32Array(256);
  for (const b of raw) counts[b]!++;
  return 1 - Math.max(...counts) / raw.length;
}
