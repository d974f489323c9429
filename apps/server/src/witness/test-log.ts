/**
 * A log in memory for witness tests and benchmarks: leaves, roots, consistency proofs, and
 * checkpoints signed as the Valise log signs them (Ed25519 note + ML-DSA-44 cosignature, time 0).
 */
import {
  type CryptoProvider,
  consistencyProof,
  ed25519NoteSigner,
  encodeVerifierKey,
  leafHash,
  mlDsa44CosignatureSigner,
  NOTE_SIGNATURE_TYPE,
  type NoteSigner,
  rootFromLeafHashes,
  signCheckpoint,
  utf8,
} from '@valise/protocol';

export interface TestLog {
  origin: string;
  vkeys: string[];
  signers: NoteSigner[];
  leaves: Uint8Array[];
  append(n: number): void;
  root(size?: number): Uint8Array;
  /** The signed checkpoint of the first `size` leaves (default: all), or of an explicit root. */
  checkpoint(size?: number, root?: Uint8Array, signers?: NoteSigner[]): Promise<string>;
  proof(from: number, to: number): Uint8Array[];
}

export async function createTestLog(crypto: CryptoProvider, origin = 'log.example/valise-log', seed = 1): Promise<TestLog> {
  const edSeed = new Uint8Array(32).fill(seed);
  const mlSeed = new Uint8Array(32).fill(seed + 100);
  const signers = [await ed25519NoteSigner(crypto, origin, edSeed), await mlDsa44CosignatureSigner(crypto, origin, mlSeed, () => 0)];
  const vkeys = [
    encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.ed25519, (await crypto.ed25519.generateKeyPair(edSeed)).publicKey),
    encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, (await crypto.mlDsa44.generateKeyPair(mlSeed)).publicKey),
  ];
  const leaves: Uint8Array[] = [];
  const log: TestLog = {
    origin,
    vkeys,
    signers,
    leaves,
    append(n) {
      for (let i = 0; i < n; i++) leaves.push(leafHash(utf8(`${origin} entry ${leaves.length}`)));
    },
    root: (size = leaves.length) => rootFromLeafHashes(leaves.slice(0, size)),
    checkpoint: (size = leaves.length, root = log.root(size), by = signers) =>
      signCheckpoint({ origin, size, rootHash: root, extensions: [] }, by),
    proof: (from, to) => (from === 0 || from === to ? [] : consistencyProof(leaves, from, to)),
  };
  return log;
}
