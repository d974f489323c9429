/**
 * Runs the clearance expiry sweep (ClearanceService.sweepExpiredClearances) at start and then every
 * minute, so a clearance that expires takes its person out of the conversations above their new
 * level within a minute even when nobody acts. Runs never overlap; a failed run is logged and the
 * next one tries again (the sweep is idempotent).
 */
import type { Logger } from 'pino';
import type { ClearanceService } from './clearance-service.ts';

export const EXPIRY_SWEEP_INTERVAL_MS = 60_000;

/** Start sweeping; the returned function stops it and waits for a run in progress. */
export function startExpirySweeper(
  clearances: Pick<ClearanceService, 'sweepExpiredClearances'>,
  logger: Pick<Logger, 'info' | 'error'>,
  intervalMs = EXPIRY_SWEEP_INTERVAL_MS,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = clearances
      .sweepExpiredClearances()
      .then(
        ({ grants, people }) => {
          if (grants > 0) logger.info({ grants, people: people.length }, 'clearance expiry sweep');
        },
        (err: unknown) => {
          logger.error(
            { err: { message: (err as Error)?.message, code: (err as { code?: unknown })?.code } },
            'clearance expiry sweep failed',
          );
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
