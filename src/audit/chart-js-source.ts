import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FlightrecError } from '../errors/flightrec-error.js';

/**
 * chart.js's UMD bundle as text, to inline into a self-contained HTML report (no network). The
 * package exports no subpath for it, so it is found beside the package's main file. The source-map
 * comment is dropped so that nothing asks for a file that is not there.
 */
export function chartJsSource(): string {
  let file: string;
  try {
    file = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    return readFileSync(file, 'utf8')
      .replace(/\/\/# sourceMappingURL=\S+\s*$/, '')
      .replace(/<\/script/gi, '<\\/script');
  } catch (e) {
    throw new FlightrecError('CHART_JS_MISSING', `chart.js 4 is needed for --html and could not be read: ${e instanceof Error ? e.message : String(e)}`, { hint: 'reinstall flightrec with its dependencies' });
  }
}
