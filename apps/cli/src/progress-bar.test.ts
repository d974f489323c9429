/** The pouch progress bar: drawn only at a terminal and never with --json; bytes, percent and MB/s. */
import { expect, it } from 'vitest';
import { byteProgressBar } from './progress-bar.ts';

function terminal(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

it('draws bytes, percent and rate at a terminal, at most ten times a second, and ends the line', () => {
  const t = terminal(true);
  let now = 0;
  const bar = byteProgressBar({ json: false }, 'seal', t.stream, () => now);
  now = 1000;
  bar.update(1_000_000, 100_000_000);
  now = 1050;
  bar.update(2_000_000, 100_000_000); // too soon: not drawn
  now = 2000;
  bar.update(51_000_000, 100_000_000);
  now = 3000;
  bar.update(100_000_000, 100_000_000);
  bar.done();
  expect(t.out).toHaveLength(4);
  expect(t.out[0]).toContain('seal [------------------------]   1% 1.0/100.0 MB  0.0 MB/s');
  expect(t.out[1]).toContain('seal [############------------]  51% 51.0/100.0 MB  50.0 MB/s');
  expect(t.out[2]).toContain(' 100% 100.0/100.0 MB  49.5 MB/s');
  expect(t.out[3]?.endsWith('\n')).toBe(true);
});

it('draws nothing in --json mode or when stderr is not a terminal', () => {
  for (const [json, tty] of [
    [true, true],
    [false, false],
  ] as const) {
    const t = terminal(tty);
    const bar = byteProgressBar({ json }, 'open', t.stream, () => 0);
    bar.update(1, 2);
    bar.done();
    expect(t.out).toEqual([]);
  }
});
