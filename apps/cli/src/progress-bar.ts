/**
 * A byte progress bar on stderr for long pouch work: `seal [#########-----------]  45% 120.0/265.3 MB  310.2 MB/s`.
 * Drawn only for a human at a terminal (never with --json, never when stderr is not a TTY), at
 * most ten times a second.
 */

const WIDTH = 24;
const MB = 1_000_000;

export interface ByteProgressBar {
  update(bytes: number, total: number): void;
  done(): void;
}

function render(label: string, bytes: number, total: number, rateBytes: number, elapsedMs: number): string {
  const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
  const filled = Math.round(fraction * WIDTH);
  const rate = elapsedMs > 0 ? rateBytes / MB / (elapsedMs / 1000) : 0;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent} ${(bytes / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB  ${rate.toFixed(1)} MB/s`;
}

/** A progress bar for `label`; a no-op unless stderr is a terminal and the output is for humans. */
export function byteProgressBar(
  options: { json: boolean },
  label: string,
  stream: { isTTY?: boolean; write(s: string): unknown } = process.stderr,
  clock: () => number = Date.now,
): ByteProgressBar {
  if (options.json || !stream.isTTY) return { update: () => undefined, done: () => undefined };
  // The rate counts from the first report, so the directory and key checks before it do not skew it.
  let first: { at: number; bytes: number } | undefined;
  let lastDrawn = 0;
  let last = { bytes: 0, total: 0 };
  const line = (now: number) => {
    const start = first ?? { at: now, bytes: last.bytes };
    return render(label, last.bytes, last.total, last.bytes - start.bytes, now - start.at);
  };
  return {
    update(bytes, total) {
      last = { bytes, total };
      const now = clock();
      if (!first) first = { at: now, bytes };
      else if (now - lastDrawn < 100 && bytes < total) return;
      lastDrawn = now;
      stream.write(`\r\x1b[2K${line(now)}`);
    },
    done() {
      if (first) stream.write(`\r\x1b[2K${line(clock())}\n`);
    },
  };
}
