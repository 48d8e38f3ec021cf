import { HACKING_TOLERANCE, HACKING_WINDOW } from './thresholds.js';

/** How a complete episode's returns moved against the previous HACKING_WINDOW episodes. */
export interface TrendJudgement {
  /** Reward return above the window's mean by more than the tolerance while the reference return fell below it by more. */
  hacking: boolean;
  /** Reward and reference return minus the window's means. */
  dReward: number;
  dReference: number;
}

/**
 * The hacking-episode rule (src/audit/README.md): each complete episode against the mean of the
 * HACKING_WINDOW complete episodes before it, a change counting when it exceeds HACKING_TOLERANCE
 * of that window's mean |return| (1e-9 when that mean is 0). The first HACKING_WINDOW episodes
 * are not judged.
 */
export class HackingTrend {
  private readonly previous: { reward: number; reference: number }[] = [];

  /** Judges the episode (null while the window is filling) and adds it to the window. */
  next(reward: number, reference: number): TrendJudgement | null {
    let out: TrendJudgement | null = null;
    if (this.previous.length === HACKING_WINDOW) {
      const mean = (k: 'reward' | 'reference') => this.previous.reduce((s, e) => s + e[k], 0) / HACKING_WINDOW;
      const scale = (k: 'reward' | 'reference') => Math.max(1e-9, this.previous.reduce((s, e) => s + Math.abs(e[k]), 0) / HACKING_WINDOW);
      const dReward = reward - mean('reward');
      const dReference = reference - mean('reference');
      out = { hacking: dReward > HACKING_TOLERANCE * scale('reward') && dReference < -HACKING_TOLERANCE * scale('reference'), dReward, dReference };
      this.previous.shift();
    }
    this.previous.push({ reward, reference });
    return out;
  }
}
