import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { AgentConfig, defaultAgentConfig } from '../../src/agent/reference/agent-config.js';
import { recordReferenceTraining } from '../../src/harness/reference-training.js';
import { showDecision } from '../../src/show/show-decision.js';
import type { MctsNodeView, MctsTreeView } from '../../src/show/show-mcts-tree.js';
import { SqliteEventStore } from '../../src/store/sqlite-event-store.js';
import type { UiServer } from '../../src/ui/ui-server.js';
import { pngInkShare } from '../helpers/png-blank.js';
import { tempDir } from '../helpers/temp-database.js';
import { openViewer, type OpenViewer } from './ui-fixture.js';

const SIMULATIONS = 8;
const DECISION = 5;

/** What the page should list under a node: its visited children, most visited first (the viewer's tie-break). */
function visitedChildren(t: MctsTreeView, n: MctsNodeView): MctsNodeView[] {
  return t.nodes.filter((c) => c.parent === n.node && c.visits > 0).sort((a, b) => b.visits - a.visits || b.q - a.q || a.action - b.action);
}

/** The drawn nodes of the tree, in document order: node id, visits figure, chosen mark. */
async function drawnNodes(page: Page): Promise<{ node: number; visits: number; shownN: number; chosen: boolean }[]> {
  return page.$$eval('#mcts-tree [data-node]', (els) =>
    els.map((el) => {
      const line = el.tagName === 'DETAILS' ? el.querySelector(':scope > summary')! : el;
      return { node: Number(el.getAttribute('data-node')), visits: Number(el.getAttribute('data-visits')), shownN: Number(/ N (\d+) /.exec(line.textContent ?? '')?.[1] ?? NaN), chosen: line.classList.contains('chosen') };
    }),
  );
}

/**
 * The decision page of an MCTS run (issue 14): the recorded search drawn as a tree of visited
 * nodes (N, Q, P), children most visited first, the chosen path open and marked, unvisited
 * children summarised, and the rest unfolding on a click as the beam tree's nodes do.
 */
describe('flightrec ui: the MCTS tree on the decision page', () => {
  const tmp = tempDir();
  const db = tmp.file('mcts.db');
  let run = '';
  let server: UiServer;
  let store: SqliteEventStore;
  let viewer: OpenViewer | undefined;
  let page: Page;
  let errors: string[];

  before(async () => {
    const base = defaultAgentConfig('gridworld', 'mcts');
    const config = AgentConfig.parse({ ...base, checkpointEvery: 20, planner: { ...base.planner, simulations: SIMULATIONS } });
    run = (await recordReferenceTraining({ db, env: 'gridworld', episodes: 1, seed: 4, config })).run;
    viewer = await openViewer(db);
    ({ store, server, page, errors } = viewer);
  });

  after(async () => {
    await viewer?.close();
    tmp.cleanup();
  });

  it('draws the chosen path open and marked with its visits, every visited node once unfolded, and the unvisited children summarised', async () => {
    const t = (await showDecision(store, run, DECISION)).mcts!;
    assert.ok(t !== null, 'the decision recorded a search');
    const byId = new Map(t.nodes.map((n) => [n.node, n]));
    const visited = t.nodes.filter((n) => n.visits > 0);
    assert.ok(visited.length > 1 + 4, `the search went deeper than the root's children (${visited.length} visited nodes)`);
    await page.goto(`${server.url}#/run/${encodeURIComponent(run)}/decision/${DECISION}`);
    await page.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 });
    assert.match((await page.textContent('#mcts p'))!, new RegExp(`mcts over ${SIMULATIONS} simulations, ${t.nodes.length} nodes \\(${visited.length} visited\\), root visits ${SIMULATIONS + 1},`));
    assert.match((await page.textContent('#mcts p + p'))!, t.explored ? /an ε-exploration step/ : /the most visited action/);
    assert.equal(await page.textContent('#choice th.num'), 'visits', "the choice's scores are the root's visit counts");

    // At first only the chosen path is unfolded: the root, and under each node of the path its visited children.
    const expected = 1 + t.chosen_path.reduce((a, n) => a + visitedChildren(t, byId.get(n)!).length, 0);
    let drawn = await drawnNodes(page);
    assert.equal(drawn.length, expected, 'nodes drawn with the chosen path open');
    assert.deepEqual(drawn.filter((d) => d.chosen).map((d) => d.node), t.chosen_path, 'the chosen path marked, root first');
    assert.deepEqual(await page.$$eval('#mcts-tree details[open]', (els) => els.map((e) => Number(e.getAttribute('data-node')))), t.chosen_path.filter((n) => t.nodes.some((c) => c.parent === n)), 'the chosen path open, nothing else');

    // Unfold every closed node until none is left: then every visited node is drawn exactly once.
    for (let round = 0; round < 50; round++) {
      const closed = await page.$$('#mcts-tree details:not([open]) > summary');
      if (closed.length === 0) break;
      for (const s of closed) await s.click();
    }
    drawn = await drawnNodes(page);
    assert.deepEqual(drawn.map((d) => d.node).sort((a, b) => a - b), visited.map((n) => n.node), 'every visited node drawn once');
    for (const d of drawn) {
      assert.equal(d.visits, byId.get(d.node)!.visits, `node ${d.node}: visits attribute`);
      assert.equal(d.shownN, byId.get(d.node)!.visits, `node ${d.node}: the N figure shown`);
    }
    // Children most visited first, under each parent, as the page lists them.
    const order = await page.$$eval('#mcts-tree details', (els) => els.map((e) => ({ node: Number(e.getAttribute('data-node')), kids: [...e.children].filter((c) => c.hasAttribute('data-node')).map((c) => Number(c.getAttribute('data-node'))) })));
    for (const o of order) assert.deepEqual(o.kids, visitedChildren(t, byId.get(o.node)!).map((c) => c.node), `children of node ${o.node} by visits`);
    // One summary line per visited node with unvisited children, naming how many.
    const withUnvisited = visited.filter((n) => t.nodes.some((c) => c.parent === n.node && c.visits === 0));
    const unvisitedLines = await page.$$eval('#mcts-tree .unvisited', (els) => els.map((e) => e.textContent ?? ''));
    assert.equal(unvisitedLines.length, withUnvisited.length);
    assert.equal(unvisitedLines.reduce((a, l) => a + Number(/… (\d+) unvisited/.exec(l)![1]), 0), t.nodes.filter((n) => n.visits === 0).length, 'every unvisited node summarised');

    // A node folds back on a click, like the beam tree's.
    const root = page.locator('#mcts-tree details[data-node="0"] > summary');
    await root.click();
    assert.equal(await page.$$eval('#mcts-tree details[data-node="0"][open]', (els) => els.length), 0);
    assert.equal(await page.locator('#mcts-tree [data-node]:visible').count(), 1, 'only the root visible once folded');
    await root.click();
    assert.ok(pngInkShare(await page.screenshot({ fullPage: true })) > 0.003, 'screenshot is not blank');
    assert.deepEqual(errors, [], 'console errors');
  });
});
