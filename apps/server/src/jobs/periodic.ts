/**
 * A periodic job: runs at start and then every `intervalMs`. Runs never overlap (a tick while one
 * is in progress is skipped); a failed run is logged (message and code only, never data) and the
 * next one tries again, so the job must be idempotent. The returned function stops the job and
 * waits for a run in progress.
 */
import type { Logger } from 'pino';

export function startPeriodicJob<T>(
  name: string,
  run: () => Promise<T>,
  onDone: (result: T) => void,
  logger: Pick<Logger, 'error'>,
  intervalMs: number,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = run()
      .then(onDone, (err: unknown) => {
        logger.error({ err: { message: (err as Error)?.message, code: (err as { code?: unknown })?.code } }, `${name} failed`);
      })
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
