import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FlightrecError } from '../errors/flightrec-error.js';

let cached: { js: string; css: string } | null = null;

/**
 * uPlot's IIFE build (a global `uPlot`) and its stylesheet, read once from the installed package,
 * to inline into a self-contained HTML report or to serve from the viewer: nothing comes from a network.
 */
export function uplotSource(): { js: string; css: string } {
  if (cached !== null) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
    return cached;
  } catch (e) {
    throw new FlightrecError('CHART_LIBRARY_MISSING', `uPlot is needed for charts and could not be read: ${e instanceof Error ? e.message : String(e)}`, { hint: 'reinstall flightrec with its dependencies' });
  }
}
