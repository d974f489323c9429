import { afterEach, describe, expect, it, vi } from 'vitest';
import { startExpirySweeper } from './expiry-sweeper.ts';

const silent = { info: () => {}, error: () => {} };

describe('the clearance expiry sweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sweeps at start and then every interval, never two runs at once, and stops cleanly', async () => {
    vi.useFakeTimers();
    let runs = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let release: (() => void) | undefined;
    const clearances = {
      sweepExpiredClearances: async () => {
        runs++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((r) => {
          release = r;
        });
        inFlight--;
        return { grants: 0, people: [] };
      },
    };
    const stop = startExpirySweeper(clearances, silent, 1000);
    expect(runs).toBe(1);
    // The first run is still going: the next ticks are skipped, not stacked.
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(1);
    release!();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    const stopping = stop();
    release!();
    await stopping;
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
    expect(maxInFlight).toBe(1);
  });

  it('logs a failed run and tries again at the next interval', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let runs = 0;
    const clearances = {
      sweepExpiredClearances: async () => {
        runs++;
        if (runs === 1) throw new Error('database unavailable');
        return { grants: 1, people: ['ivy@x.example'] };
      },
    };
    const stop = startExpirySweeper(clearances, { info: () => {}, error: (o: unknown) => errors.push(o) }, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
    await stop();
  });
});
