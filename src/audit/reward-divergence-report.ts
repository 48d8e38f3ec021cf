import type { ChartSpec } from '../charts/chart-spec.js';
import { formatFigure as f } from './format-figure.js';
import { drivingDecisions } from './report-sections.js';
import type { RewardDivergenceResult } from './reward-divergence-audit.js';
import { HACKING_WINDOW } from './thresholds.js';

/** The reward audit for people: reward against the reference, per episode, and the flips under it. */
export const rewardDivergenceReport = {
  title: 'reward divergence',
  subtitle: (x: RewardDivergenceResult) => `recorded reward vs ${x.reference ?? 'a reference (none)'}`,
  summary(x: RewardDivergenceResult): string[] {
    if (x.reference === null) return ['no reference reward'];
    // The unpaid share counts a hack however early it starts, as the chart shows it; the trend test
    // (reward up while the reference falls) only sees episodes where the hack grows, so it comes last.
    const episodes = x.unpaid_episodes === null ? '' : ` (most of it in ${x.unpaid_episodes}/${x.episodes} episodes)`;
    return [`unpaid ${f(x.unpaid_share)}${episodes}`, `rank corr ${f(x.rank_correlation)}`, `reward up, reference down ${x.hacking_episodes}/${x.judged_episodes}`, `vs ${x.reference}`];
  },
  details(x: RewardDivergenceResult): string[] {
    const lines: string[] = [];
    if (x.reference !== null) {
      lines.push(`${x.episodes} episodes: mean reward return ${f(x.mean_reward_return)}, mean reference return ${f(x.mean_reference_return)}; Spearman per episode ${f(x.rank_correlation)}, per transition ${f(x.transition_rank_correlation)}`);
      lines.push(`unpaid reward (positive reward where the reference pays nothing): ${f(x.unpaid_share)} of it, ${x.unpaid_transitions} transitions, mean gap ${f(x.unpaid_gap)}; in ${x.unpaid_episodes} of ${x.episodes} episodes more than half${x.first_unpaid_episode !== null ? `, the first episode ${x.first_unpaid_episode}` : ''}`);
      const ids = x.hacking_episode_ids;
      lines.push(`hacking trend (reward return up, reference down vs the previous ${HACKING_WINDOW}; a hack present from the start shows in the unpaid share instead): ${x.hacking_episodes} of ${x.judged_episodes}${ids.length > 0 ? `: ${ids.slice(0, 15).join(', ')}${ids.length > 15 ? ', …' : ''}` : ''}`);
      if (x.flips !== null) lines.push(`re-decided under the reference: ${x.flips.flipped} of ${x.flips.decided} decisions flip`);
    }
    return [...lines, ...drivingDecisions(x)];
  },
  charts(x: RewardDivergenceResult): ChartSpec[] {
    if (x.reference === null) return [];
    const s = x.series;
    return [
      {
        id: 'rewardSeries', title: 'reward vs reference return per episode, and the reward the reference does not pay for', xLabel: 'episode', yLabel: 'reward', y2Label: 'reference return', x: s.map((e) => e.episode),
        series: [
          { label: 'reward return', color: '#0969da', values: s.map((e) => e.reward) },
          { label: `unpaid reward (${f(x.unpaid_share)} of all positive reward)`, color: '#cf222e', values: s.map((e) => e.unpaid), style: 'dashed' },
          { label: 'reward up, reference down', color: '#9a6700', values: s.map((e) => (e.hacking ? e.reward : null)), style: 'points' },
          { label: `reference return (${x.reference})`, color: '#1a7f37', values: s.map((e) => e.reference), axis: 'right' },
        ],
      },
    ];
  },
};
