/**
 * A C2SP tlog-witness (c2sp.org/tlog-witness, add-checkpoint): checks a log's checkpoint against
 * the log keys it trusts and the latest checkpoint it cosigned for that origin, and cosigns it
 * (ML-DSA-44 type 0x06, as the spec recommends, and Ed25519 cosignature/v1 type 0x04) with the
 * clock's time. The outcome carries the spec's exact status codes; routes.ts puts it on HTTP.
 *
 * The check of the old size and the write of the new state run under a per-origin lock, and the
 * state is durable before the answer, so two concurrent submissions cannot roll the record back.
 */
import {
  type CryptoProvider,
  constantTimeEqual,
  ed25519CosignatureSigner,
  emptyRoot,
  encodeCosignatureResponse,
  encodeVerifierKey,
  mlDsa44CosignatureSigner,
  NOTE_SIGNATURE_TYPE,
  type NoteSigner,
  type NoteVerifier,
  noteVerifierFromKey,
  openNote,
  parseAddCheckpointRequest,
  parseVerifierKey,
  type SecondsClock,
  utf8,
  ValiseError,
  verifyConsistency,
} from '@valise/protocol';
import type { WitnessStore } from './store.ts';

/** A log the witness follows: its origin and the vkeys of the keys it signs checkpoints with. */
export interface WitnessLogConfig {
  readonly origin: string;
  readonly vkeys: readonly string[];
}

/** The witness's secret keys: 32-byte seeds. */
export interface WitnessKeys {
  readonly ed25519Seed: Uint8Array;
  readonly mlDsa44Seed: Uint8Array;
}

export interface WitnessOptions {
  /** The witness's key name, e.g. witness.example/w1. */
  name: string;
  signingKeys: WitnessKeys;
  /** The logs followed; a function is asked on every request (the CLI reloads its config file). */
  logs: readonly WitnessLogConfig[] | (() => readonly WitnessLogConfig[]);
  store: WitnessStore;
  crypto: CryptoProvider;
  /** POSIX seconds for the cosignature timestamps; must not be 0. */
  clock: SecondsClock;
}

export type AddCheckpointOutcome =
  | { status: 200; body: string }
  | { status: 409; size: number }
  | { status: 400 | 403 | 404 | 422; message: string };

function refused(status: 400 | 403 | 404 | 422, message: string): AddCheckpointOutcome {
  return { status, message };
}

export class Witness {
  readonly name: string;
  /** The ML-DSA-44 cosignature vkey (type 0x06) and the Ed25519 cosignature vkey (type 0x04). */
  readonly vkeys: readonly string[];
  readonly #options: WitnessOptions;
  readonly #signers: readonly NoteSigner[];
  readonly #locks = new Map<string, Promise<unknown>>();
  #verifiersFor: { logs: readonly WitnessLogConfig[]; byOrigin: Map<string, NoteVerifier[]> } | undefined;

  private constructor(options: WitnessOptions, signers: NoteSigner[], vkeys: string[]) {
    this.name = options.name;
    this.#options = options;
    this.#signers = signers;
    this.vkeys = vkeys;
  }

  static async create(options: WitnessOptions): Promise<Witness> {
    const { crypto, name, signingKeys } = options;
    // The spec forbids timestamp 0 on a witness cosignature: a clock reading 0 is a fault, not a time.
    const clock: SecondsClock = () => {
      const t = options.clock();
      if (t === 0) throw new Error('the witness clock read 0');
      return t;
    };
    const ml = await crypto.mlDsa44.generateKeyPair(signingKeys.mlDsa44Seed);
    const ed = await crypto.ed25519.generateKeyPair(signingKeys.ed25519Seed);
    const signers = [
      await mlDsa44CosignatureSigner(crypto, name, signingKeys.mlDsa44Seed, clock),
      await ed25519CosignatureSigner(crypto, name, signingKeys.ed25519Seed, clock),
    ];
    const vkeys = [
      encodeVerifierKey(name, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, ml.publicKey),
      encodeVerifierKey(name, NOTE_SIGNATURE_TYPE.ed25519Cosignature, ed.publicKey),
    ];
    return new Witness(options, signers, vkeys);
  }

  #verifiers(origin: string): NoteVerifier[] | undefined {
    const logs = typeof this.#options.logs === 'function' ? this.#options.logs() : this.#options.logs;
    if (this.#verifiersFor?.logs !== logs) {
      const byOrigin = new Map<string, NoteVerifier[]>();
      for (const log of logs) {
        const verifiers = log.vkeys.map((v) => noteVerifierFromKey(this.#options.crypto, parseVerifierKey(v)));
        byOrigin.set(log.origin, [...(byOrigin.get(log.origin) ?? []), ...verifiers]);
      }
      this.#verifiersFor = { logs, byOrigin };
    }
    return this.#verifiersFor.byOrigin.get(origin);
  }

  /** Run `task` after every earlier task for the same origin (check-and-persist is atomic per origin). */
  #serialised<T>(origin: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(origin) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    this.#locks.set(origin, tail);
    void tail.then(() => {
      if (this.#locks.get(origin) === tail) this.#locks.delete(origin);
    });
    return run;
  }

  /** Handle an add-checkpoint request body. */
  async addCheckpoint(body: string | Uint8Array): Promise<AddCheckpointOutcome> {
    let request: ReturnType<typeof parseAddCheckpointRequest>;
    try {
      request = parseAddCheckpointRequest(body);
    } catch (err) {
      if (err instanceof ValiseError) return refused(400, err.message);
      throw err;
    }
    const { checkpoint, oldSize, proof, note } = request;
    const verifiers = this.#verifiers(checkpoint.origin);
    if (verifiers === undefined) return refused(404, 'unknown log origin');
    try {
      // Ignores signatures from unknown keys; every trusted key's signature must verify.
      await openNote(note, verifiers);
    } catch (err) {
      if (err instanceof ValiseError) return refused(403, 'no valid signature from a trusted key of this log');
      throw err;
    }
    if (oldSize > checkpoint.size) return refused(400, 'old size is larger than the checkpoint size');
    return this.#serialised(checkpoint.origin, async () => {
      const { store } = this.#options;
      const latest = await store.get(checkpoint.origin);
      const latestSize = latest?.size ?? 0;
      if (oldSize !== latestSize) return { status: 409, size: latestSize };
      if (checkpoint.size === 0 && !constantTimeEqual(checkpoint.rootHash, emptyRoot())) {
        return refused(422, 'a checkpoint of size 0 must have the empty tree root');
      }
      if (oldSize === 0 && proof.length > 0) return refused(422, 'the proof must be empty when the old size is 0');
      if (oldSize === checkpoint.size) {
        if (proof.length > 0 || (latest !== undefined && !constantTimeEqual(latest.root, checkpoint.rootHash))) {
          return refused(422, 'a different tree of the size already cosigned');
        }
      } else if (oldSize > 0 && !verifyConsistency(oldSize, checkpoint.size, proof, latest!.root, checkpoint.rootHash)) {
        return refused(422, 'the consistency proof does not verify');
      }
      const text = utf8(request.parsedNote.text);
      const signatures = [];
      for (const s of this.#signers) signatures.push({ name: s.name, keyId: s.keyId, signature: await s.sign(text) });
      await store.put(checkpoint.origin, { size: checkpoint.size, root: checkpoint.rootHash });
      return { status: 200, body: encodeCosignatureResponse(signatures) };
    });
  }
}
