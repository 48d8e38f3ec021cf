import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (installed by .ci/run): browser downloads are blocked on this network. */
export const CHROMIUM = process.env.FLIGHTREC_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless chromium with a fresh profile, and without the background connections that this
 * machine's closed network refuses (they would be slow, and noisy in the console).
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'flightrec-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects every console error and uncaught page error, for a test to assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return errors;
}

/** Per chart element of the page: how many of its canvas pixels are painted (uPlot's canvas is transparent). */
export async function paintedPixels(page: Page, selector: string): Promise<Record<string, number>> {
  return page.$$eval(selector, (els) => {
    const out: Record<string, number> = {};
    els.forEach((el, i) => {
      const canvas = el.querySelector('canvas');
      let n = 0;
      if (canvas) {
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let p = 3; p < d.length; p += 4) if (d[p]! > 0) n++;
      }
      out[el.id || `#${i}`] = n;
    });
    return out;
  });
}
