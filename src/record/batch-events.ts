import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Groups items into batches closed by count, by time since the batch's first item, by a flush
 * signal, or by completion. Unlike rxjs's bufferTime, its timer is unref'd and only armed while
 * a batch is open, so an idle recorder neither burns timers nor keeps the process alive (which
 * would stop the normal-exit flush from ever running).
 */
export function batchEvents<T>(maxCount: number, maxMs: number, flush$: Observable<void>): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let timer: NodeJS.Timeout | null = null;
      const emit = (): void => {
        if (timer !== null) {
          clearTimeout(timer);
          timer = null;
        }
        if (batch.length === 0) return;
        const out = batch;
        batch = [];
        subscriber.next(out);
      };
      const flushSub = flush$.subscribe(() => emit());
      const sourceSub = source.subscribe({
        next(item) {
          batch.push(item);
          if (batch.length >= maxCount) emit();
          else if (timer === null) {
            timer = setTimeout(emit, maxMs);
            timer.unref();
          }
        },
        error(err) {
          emit();
          subscriber.error(err);
        },
        complete() {
          emit();
          subscriber.complete();
        },
      });
      return () => {
        if (timer !== null) clearTimeout(timer);
        flushSub.unsubscribe();
        sourceSub.unsubscribe();
      };
    });
}
