/**
 * Runs the clearance expiry sweep (ClearanceService.sweepExpiredClearances) at start and then every
 * minute, so a clearance that expires takes its person out of the conversations above their new
 * level within a minute even when nobody acts. Runs never overlap; a failed run is logged and the
 * next one tries again (the sweep is idempotent).
 */
import type { Logger } from 'pino';
import { startPeriodicJob } from '../jobs/periodic.ts';
import type { ClearanceService } from './clearance-service.ts';

export const EXPIRY_SWEEP_INTERVAL_MS = 60_000;

/** Start sweeping; the returned function stops it and waits for a run in progress. */
export function startExpirySweeper(
  clearances: Pick<ClearanceService, 'sweepExpiredClearances'>,
  logger: Pick<Logger, 'info' | 'error'>,
  intervalMs = EXPIRY_SWEEP_INTERVAL_MS,
): () => Promise<void> {
  return startPeriodicJob(
    'clearance expiry sweep',
    () => clearances.sweepExpiredClearances(),
    ({ grants, people }) => {
      if (grants > 0) logger.info({ grants, people: people.length }, 'clearance expiry sweep');
    },
    logger,
    intervalMs,
  );
}
