import type { EventRef } from './batching-options.js';

/** Settles one emit in 'commit' mode: with its ref once its batch commits, or with the write's error. */
export interface CommitCallbacks {
  resolve: (ref: EventRef) => void;
  reject: (e: unknown) => void;
}

/**
 * The ref that the callbacks given to `register` settle, or what `register` throws. The batch
 * timer is unref'd, so a caller awaiting a commit needs a ref'd handle until it settles: one is
 * held meanwhile.
 */
export function untilCommitted(register: (committed: CommitCallbacks) => void): Promise<EventRef> {
  return new Promise<EventRef>((resolve, reject) => {
    const hold = setTimeout(() => undefined, 2 ** 31 - 1);
    const release = (): void => clearTimeout(hold);
    try {
      register({
        resolve: (committedRef) => {
          release();
          resolve(committedRef);
        },
        reject: (e) => {
          release();
          reject(e);
        },
      });
    } catch (e) {
      release();
      reject(e);
    }
  });
}
