import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentVocabulary } from '../../src/show/show-observation.js';
import { searchTree, type SearchTree } from '../../src/show/show-search-tree.js';
import { treeLines } from '../../src/show/show-tree-lines.js';
import { makeEnvironment } from '../../src/envs/registry.js';
import type { RecordedEvent } from '../../src/events/registry.js';
import { f32, i32 } from '../../src/events/tensor.js';

const none = environmentVocabulary(null);

function level(depth: number, paths: number[][], scores: number[], o: { parents?: number[] | null; expanded?: number[]; chosen?: number[] } = {}): RecordedEvent<'planner.expanded'> {
  return {
    type: 'planner.expanded',
    component: 'planner',
    version: 'p1',
    payload: {
      depth,
      actions: i32(paths.flat(), [paths.length, depth + 1]),
      parents: o.parents === undefined || o.parents === null ? null : i32(o.parents),
      states: null,
      rewards: f32(scores.map(() => 0)),
      leaf_values: null,
      scores: f32(scores),
      expanded: o.expanded ?? [],
      chosen: o.chosen ?? [],
    },
  } as unknown as RecordedEvent<'planner.expanded'>;
}

/** 8 root nodes (score = row), all expanded, 3 children each; the chosen path is the worst root's best child. */
function wideTree(): SearchTree {
  const roots = Array.from({ length: 8 }, (_, r) => [r]);
  const kids = roots.flatMap(([r]) => [0, 1, 2].map((a) => [r!, a]));
  return searchTree(
    [
      level(0, roots, roots.map(([r]) => r!), { expanded: roots.map(([r]) => r!), chosen: [0] }),
      level(1, kids, kids.map(([, a]) => a!), { parents: kids.map(([r]) => r!), chosen: [2] }),
    ],
    none,
  )!;
}

describe('show: search tree', () => {
  it('finds parents by action prefix when none are recorded, and keeps the last search of a decision', () => {
    const first = level(0, [[0], [1]], [1, 2], { expanded: [1] });
    const tree = searchTree(
      [first, level(0, [[0], [1]], [5, 3], { expanded: [0], chosen: [0] }), level(1, [[0, 1], [0, 0]], [4, 6], { parents: null, chosen: [1] })],
      none,
    )!;
    assert.equal(tree.searches, 2);
    assert.deepEqual(tree.levels.map((l) => l.nodes), [2, 2]);
    assert.deepEqual(tree.nodes.map((n) => [n.depth, n.row, n.parent_row, n.score, n.expanded, n.chosen]), [
      [0, 0, null, 5, true, true],
      [0, 1, null, 3, false, false],
      [1, 0, 0, 4, false, false],
      [1, 1, 0, 6, false, true],
    ]);
    assert.equal(searchTree([], none), null);
  });

  it('renders depth first, best score first, with the chosen path marked', () => {
    const tree = searchTree(
      [level(0, [[0], [1]], [1, 2], { expanded: [0, 1], chosen: [0] }), level(1, [[0, 0], [0, 1], [1, 0]], [0.5, 3, -0], { parents: [0, 0, 1], chosen: [1] })],
      environmentVocabulary(makeEnvironment('gridworld')),
    )!;
    const lines = treeLines(tree, ['up', 'right', 'down', 'left']);
    assert.deepEqual(lines, [
      'action     reward  leaf v  score  imagined',
      '  right         0       -      2  expanded',
      '    up          0       -     -0',
      '* up            0       -      1  expanded',
      '  * right       0       -      3',
      '    up          0       -    0.5',
    ]);
  });

  it('shows the best children of each node, always the chosen path, and counts what it elides', () => {
    const tree = wideTree();
    const lines = treeLines(tree, null, { childrenPerNode: 3 });
    const nodes = lines.filter((l) => /^ *(\* )? *\d /.test(l));
    assert.equal(nodes.length, 12);
    assert.deepEqual(lines.filter((l) => l.includes('*')).map((l) => l.trim().split(/\s+/).slice(0, 2)), [['*', '0'], ['*', '2']]);
    assert.match(lines.find((l) => l.includes('… 5 more'))!, /… 5 more\s+20 nodes with descendants, scores 5 to 1$/);
    assert.equal(lines[lines.length - 1], '(12 of 32 nodes shown: the best 3 children of each node by score, at most 100 nodes, the chosen path always)');
  });

  it('stops at the node budget but still walks the chosen path', () => {
    const lines = treeLines(wideTree(), null, { childrenPerNode: 3, maxNodes: 4 });
    assert.equal(lines.filter((l) => l.includes('* ')).length, 2);
    assert.match(lines[lines.length - 1]!, /^\(6 of 32 nodes shown/);
  });
});
