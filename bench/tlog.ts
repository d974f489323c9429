/**
 * Transparency log math and signing, in memory (no storage): verification of a 1,000,000-entry
 * log from its tiles and entry bundles (what `valise audit verify` does, without the network),
 * inclusion and consistency proof generation from a HashReader, and checkpoint signing with the
 * Ed25519 note key and the ML-DSA-44 cosignature through node:crypto. Durable appends per second
 * on the server's store are measured separately (not here).
 *
 *   node bench/tlog.ts [--entries 1000000]
 * Prints one JSON line per figure, e.g.
 *   {"bench":"tlog","op":"audit-tiles","entries":1000000,"seconds":…,"entriesPerSec":…}
 */
import { performance } from 'node:perf_hooks';
import { nodeCryptoProvider } from '../packages/protocol/src/crypto/node-provider.ts';
import { signCheckpoint } from '../packages/protocol/src/note/checkpoint.ts';
import { mlDsa44CosignatureSigner } from '../packages/protocol/src/note/cosignature.ts';
import { ed25519NoteSigner } from '../packages/protocol/src/note/keys.ts';
import { encodeEntryBundle } from '../packages/protocol/src/tlog/bundle.ts';
import { leafHash } from '../packages/protocol/src/tlog/hash.ts';
import {
  consistencyProofFromReader,
  hashReaderFromLeafHashes,
  inclusionProofFromReader,
  rootFromReader,
} from '../packages/protocol/src/tlog/merkle.ts';
import { auditTiles } from '../packages/protocol/src/tlog/tile-audit.ts';
import { entriesPath, TILE_WIDTH, tileBytes, tilePath, tilesForSize } from '../packages/protocol/src/tlog/tiles.ts';

const arg = process.argv.indexOf('--entries');
const size = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
const crypto = nodeCryptoProvider;

function line(figure: Record<string, string | number>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'tlog', ...figure })}\n`);
}

function randomIndex(below: number): number {
  return Math.floor(Math.random() * below);
}

// The log: leaf data are 32-byte random commitments, as the server's entries are.
let t = performance.now();
const commitments = Array.from({ length: size }, () => crypto.randomBytes(32));
const leaves = commitments.map((c) => leafHash(c));
const reader = hashReaderFromLeafHashes(leaves);
const root = await rootFromReader(reader, size);
const store = new Map<string, Uint8Array>();
const tiles = tilesForSize(size);
for (const tile of tiles) {
  store.set(tilePath(tile.level as number, tile.index, tile.width), await tileBytes(reader, tile.level as number, tile.index, tile.width));
}
for (let index = 0; index * TILE_WIDTH < size; index++) {
  const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
  store.set(entriesPath(index, width), encodeEntryBundle(commitments.slice(index * TILE_WIDTH, index * TILE_WIDTH + width)));
}
line({ op: 'build-tiles', entries: size, tiles: tiles.length, seconds: +((performance.now() - t) / 1000).toFixed(2) });

function fetchStored(path: string): Uint8Array {
  const bytes = store.get(path);
  if (bytes === undefined) throw new Error(`no ${path}`);
  return bytes;
}

// Full audit from tiles and entry bundles (every leaf rehashed from its commitment).
for (const withBundles of [true, false]) {
  t = performance.now();
  await auditTiles(size, root, (l, i, w) => fetchStored(tilePath(l, i, w)), {
    ...(withBundles ? { fetchEntryBundle: (i: number, w: number) => fetchStored(entriesPath(i, w)) } : {}),
  });
  const seconds = (performance.now() - t) / 1000;
  line({
    op: withBundles ? 'audit-tiles-and-bundles' : 'audit-tiles-only',
    entries: size,
    seconds: +seconds.toFixed(2),
    entriesPerSec: Math.round(size / seconds),
  });
}

// Proof generation from stored subtree hashes (in memory: the math, not the database reads).
const PROOFS = 20_000;
for (const op of ['inclusion-proof', 'consistency-proof'] as const) {
  for (let i = 0; i < 1000; i++) await inclusionProofFromReader(reader, randomIndex(size), size); // warm-up
  t = performance.now();
  let hashes = 0;
  for (let i = 0; i < PROOFS; i++) {
    const proof =
      op === 'inclusion-proof'
        ? await inclusionProofFromReader(reader, randomIndex(size), size)
        : await consistencyProofFromReader(reader, 1 + randomIndex(size - 1), size);
    hashes += proof.length;
  }
  const us = ((performance.now() - t) * 1000) / PROOFS;
  line({ op, size, proofs: PROOFS, usPerProof: +us.toFixed(1), meanHashes: +(hashes / PROOFS).toFixed(1) });
}

// Checkpoint signing: Ed25519 note signature + ML-DSA-44 cosignature (timestamp 0), as the server does.
const origin = 'mfa.freedonia.example/valise-log';
const signers = [
  await ed25519NoteSigner(crypto, origin, crypto.randomBytes(32)),
  await mlDsa44CosignatureSigner(crypto, origin, crypto.randomBytes(32), () => 0),
];
const SIGNS = 500;
for (let i = 0; i < 50; i++) await signCheckpoint({ origin, size, rootHash: root, extensions: [] }, signers);
t = performance.now();
for (let i = 0; i < SIGNS; i++) await signCheckpoint({ origin, size: size + i, rootHash: root, extensions: [] }, signers);
const ms = (performance.now() - t) / SIGNS;
line({ op: 'sign-checkpoint-ed25519-mldsa44', signatures: SIGNS, msPerCheckpoint: +ms.toFixed(3), perSec: Math.round(1000 / ms) });
