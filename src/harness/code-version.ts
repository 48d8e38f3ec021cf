import { readFileSync } from 'node:fs';

/** flightrec's own version, recorded with every run it writes. */
export const CODE_VERSION = `flightrec@${(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
