/**
 * The audit log as a service: signs checkpoints (Ed25519 note signature under the origin, plus an
 * ML-DSA-44 tlog-cosignature with timestamp 0 under the same name), and reads tiles, entry
 * bundles and proofs for tree sizes up to the latest checkpoint.
 *
 * Origin: `<organisation domain>/valise-log`; it is also the key name of both signatures.
 */
import {
  type CryptoProvider,
  consistencyProofFromReader,
  ed25519NoteSigner,
  encodeEntryBundle,
  encodeVerifierKey,
  inclusionProofFromReader,
  mlDsa44CosignatureSigner,
  NOTE_SIGNATURE_TYPE,
  type NoteSigner,
  rootFromReader,
  signCheckpoint,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileWidth,
} from '@valise/protocol';
import type { Db } from '../db/schema.ts';
import { serverError } from '../errors.ts';
import type { LogKeys } from './keys.ts';
import {
  checkpointOfSize,
  insertCheckpoint,
  latestCheckpoint,
  leavesRange,
  logSize,
  type StoredCheckpoint,
  storedHashReader,
  storedHashRun,
} from './store.ts';

export function logOrigin(domain: string): string {
  return `${domain}/valise-log`;
}

export interface AuditLogDeps {
  db: Db;
  crypto: CryptoProvider;
  clock: () => Date;
  domain: string;
  keys: LogKeys;
}

export class AuditLog {
  readonly origin: string;
  readonly #deps: AuditLogDeps;
  readonly #signers: NoteSigner[];
  readonly vkey: string;
  readonly vkeyMlDsa: string;
  /** Checkpoints are made one at a time per process (the DB ignores a duplicate size anyway). */
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(deps: AuditLogDeps, origin: string, signers: NoteSigner[], vkey: string, vkeyMlDsa: string) {
    this.#deps = deps;
    this.origin = origin;
    this.#signers = signers;
    this.vkey = vkey;
    this.vkeyMlDsa = vkeyMlDsa;
  }

  static async create(deps: AuditLogDeps): Promise<AuditLog> {
    const origin = logOrigin(deps.domain);
    const ed = await deps.crypto.ed25519.generateKeyPair(deps.keys.ed25519Seed);
    const ml = await deps.crypto.mlDsa44.generateKeyPair(deps.keys.mlDsa44Seed);
    const signers = [
      await ed25519NoteSigner(deps.crypto, origin, deps.keys.ed25519Seed),
      // A log's own cosignature makes no freshness statement: timestamp 0 (tlog-cosignature).
      await mlDsa44CosignatureSigner(deps.crypto, origin, deps.keys.mlDsa44Seed, () => 0),
    ];
    return new AuditLog(
      deps,
      origin,
      signers,
      encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.ed25519, ed.publicKey),
      encodeVerifierKey(origin, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, ml.publicKey),
    );
  }

  /** Sign a checkpoint of the committed log unless the latest already covers its size. */
  checkpoint(): Promise<StoredCheckpoint> {
    const run = this.#pending.then(() => this.#checkpointNow());
    this.#pending = run.catch(() => undefined);
    return run;
  }

  async #checkpointNow(): Promise<StoredCheckpoint> {
    const { db } = this.#deps;
    const size = await logSize(db);
    const latest = await latestCheckpoint(db);
    if (latest && latest.size >= size) return latest;
    const root = await rootFromReader(storedHashReader(db), size);
    const note = await signCheckpoint({ origin: this.origin, size, rootHash: root, extensions: [] }, this.#signers);
    const made = { size, root, note };
    await insertCheckpoint(db, made, this.#deps.clock().getTime());
    return made;
  }

  /** The checkpoint of exactly `size` entries, if one was made. */
  checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    return checkpointOfSize(this.#deps.db, size);
  }

  /** The latest checkpoint (making the first one if there is none yet). */
  async latest(): Promise<StoredCheckpoint> {
    return (await latestCheckpoint(this.#deps.db)) ?? this.checkpoint();
  }

  async #servedWidth(level: number, index: number, width: number): Promise<void> {
    const { size } = await this.latest();
    if (tileWidth(level, index, size) < width) throw serverError('NOT_FOUND', 'no such tile in the latest checkpoint');
  }

  /** Tile bytes (level, index, width): the stored hashes at Merkle level 8·level. */
  async tile(level: number, index: number, width: number): Promise<Uint8Array> {
    await this.#servedWidth(level, index, width);
    const hashes = await storedHashRun(this.#deps.db, level * TILE_HEIGHT, index * TILE_WIDTH, width);
    return Buffer.concat(hashes);
  }

  /** Entry bundle (index, width): the commitments. */
  async entries(index: number, width: number): Promise<Uint8Array> {
    await this.#servedWidth(0, index, width);
    return encodeEntryBundle(await leavesRange(this.#deps.db, index * TILE_WIDTH, width));
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    const latest = await this.latest();
    if (size > latest.size) throw serverError('NOT_FOUND', 'size is beyond the latest checkpoint');
    if (index >= size) throw serverError('BAD_REQUEST', 'index must be below size');
    return inclusionProofFromReader(storedHashReader(this.#deps.db), index, size);
  }

  async consistencyProof(from: number, to: number): Promise<Uint8Array[]> {
    const latest = await this.latest();
    if (to > latest.size) throw serverError('NOT_FOUND', 'size is beyond the latest checkpoint');
    if (from < 1 || from > to) throw serverError('BAD_REQUEST', 'from must be between 1 and to');
    return consistencyProofFromReader(storedHashReader(this.#deps.db), from, to);
  }
}
