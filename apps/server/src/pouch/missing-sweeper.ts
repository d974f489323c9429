/**
 * Runs the missing-pouch sweep (CustodyService.sweepMissing) at start and then every minute on
 * the injected clock's terms, so a pouch whose next hop is overdue is reported to the security
 * officers of both units within a minute. Runs never overlap; a failed run is logged and the next
 * one tries again (the sweep reports each overdue hop once).
 */
import type { Logger } from 'pino';
import type { CustodyService } from './custody-service.ts';

export const MISSING_SWEEP_INTERVAL_MS = 60_000;

/** Start sweeping; the returned function stops it and waits for a run in progress. */
export function startMissingPouchSweeper(
  custody: Pick<CustodyService, 'sweepMissing'>,
  logger: Pick<Logger, 'warn' | 'error'>,
  intervalMs = MISSING_SWEEP_INTERVAL_MS,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = custody
      .sweepMissing()
      .then(
        (reported) => {
          if (reported.length > 0) logger.warn({ pouches: reported }, 'pouches reported missing');
        },
        (err: unknown) => {
          logger.error(
            { err: { message: (err as Error)?.message, code: (err as { code?: unknown })?.code } },
            'missing pouch sweep failed',
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
