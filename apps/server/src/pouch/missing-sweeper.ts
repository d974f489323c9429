/**
 * Runs the missing-pouch sweep (CustodyService.sweepMissing) at start and then every minute on
 * the injected clock's terms, so a pouch whose next hop is overdue is reported to the security
 * officers of both units within a minute. Runs never overlap; a failed run is logged and the next
 * one tries again (the sweep reports each overdue hop once).
 */
import type { Logger } from 'pino';
import { startPeriodicJob } from '../jobs/periodic.ts';
import type { CustodyService } from './custody-service.ts';

export const MISSING_SWEEP_INTERVAL_MS = 60_000;

/** Start sweeping; the returned function stops it and waits for a run in progress. */
export function startMissingPouchSweeper(
  custody: Pick<CustodyService, 'sweepMissing'>,
  logger: Pick<Logger, 'warn' | 'error'>,
  intervalMs = MISSING_SWEEP_INTERVAL_MS,
): () => Promise<void> {
  return startPeriodicJob(
    'missing pouch sweep',
    () => custody.sweepMissing(),
    (reported) => {
      if (reported.length > 0) logger.warn({ pouches: reported }, 'pouches reported missing');
    },
    logger,
    intervalMs,
  );
}
