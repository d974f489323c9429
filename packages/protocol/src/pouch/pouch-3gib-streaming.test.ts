/**
 * A 3 GiB pouch generated on the fly, streamed through sealPouch straight into openPouch without
 * ever being stored, with the resident set size sampled along the way: it must stay flat.
 * About 40 s on two cores; kept in its own file so it can be run (or skipped) on its own.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { nodeCryptoProvider as crypto } from '../crypto/node-provider.ts';
import { openPouch } from './open.ts';
import { sealPouch } from './seal.ts';
import { makeParties, openOptions, patternBytes, sealInput } from './test-kit.ts';

const nodeSha256 = () => createHash('sha256');
const GIB = 1024 ** 3;

it('seals and opens 3 GiB in constant memory', { timeout: 300_000 }, async () => {
  const parties = await makeParties(crypto);
  const size = 3 * GIB;
  const piece = patternBytes(1 << 20, 5);
  const sent = createHash('sha256');
  const input = sealInput(
    parties,
    [
      {
        name: 'imagery.tar',
        mediaType: 'application/x-tar',
        size,
        content: (function* () {
          for (let o = 0; o < size; o += piece.length) {
            sent.update(piece);
            yield piece;
          }
        })(),
      },
    ],
    { sha256Stream: nodeSha256 },
  );
  const started = performance.now();
  const opened = await openPouch(crypto, sealPouch(crypto, input), openOptions(parties, parties.recipients[0]!, nodeSha256));
  const received = createHash('sha256');
  let length = 0;
  let nextSample = 256 * 1024 * 1024;
  const samples: number[] = [];
  for await (const document of opened.documents()) {
    for await (const bytes of document.content) {
      received.update(bytes);
      length += bytes.length;
      if (length >= nextSample) {
        samples.push(process.memoryUsage.rss());
        nextSample += 256 * 1024 * 1024;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  expect(length).toBe(size);
  expect(received.digest('hex')).toBe(sent.digest('hex'));
  expect(opened.pouchDigest).toHaveLength(32);
  // Flat: after the first quarter-gigabyte (warm-up), the RSS never rises more than 64 MiB.
  const baseline = samples[0]!;
  const peak = Math.max(...samples);
  console.log(
    JSON.stringify({
      test: 'pouch-3gib',
      seconds: Number(seconds.toFixed(1)),
      mbPerSec: Number((size / 1e6 / seconds).toFixed(0)),
      baselineRssMiB: Math.round(baseline / 2 ** 20),
      peakRssMiB: Math.round(peak / 2 ** 20),
    }),
  );
  expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
});
