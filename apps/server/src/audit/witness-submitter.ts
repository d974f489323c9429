/**
 * The log asks witnesses to cosign its checkpoints (c2sp.org/tlog-witness, client side). After
 * each checkpoint the latest one goes to every configured witness with the old size the witness
 * last cosigned (from the stored cosignatures, 0 at first) and a consistency proof from it; on 409
 * the witness's size is taken and the request retried once. Cosignature lines that verify under
 * the witness's configured keys are stored (lines from other keys are ignored) and GET
 * /log/checkpoint appends them to the log's own signed note.
 *
 * A witness never holds the log up: submissions run after the checkpoint is made, each witness has
 * at most one request in flight (with a timeout), and a failure is logged and retried on the next
 * checkpoint, or for the same checkpoint after a backoff (1 s doubling to 60 s).
 */
import {
  type CryptoProvider,
  encodeAddCheckpointRequest,
  formatSignatureLine,
  type NoteVerifier,
  noteVerifierFromKey,
  parseCosignatureResponse,
  parseSignedNote,
  parseTreeSizeBody,
  TLOG_SIZE_CONTENT_TYPE,
  utf8,
} from '@valise/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/schema.ts';
import type { AuditLog } from './service.ts';
import { latestCheckpoint, type StoredCheckpoint } from './store.ts';

/** A witness the log submits to: its submission prefix and its cosignature vkeys. */
export interface WitnessEndpoint {
  readonly url: string;
  readonly vkeys: readonly string[];
}

export interface WitnessSubmitterDeps {
  db: Db;
  log: AuditLog;
  crypto: CryptoProvider;
  clock: () => Date;
  witnesses: readonly WitnessEndpoint[];
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  fetch?: typeof fetch;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

interface WitnessState {
  readonly endpoint: WitnessEndpoint;
  readonly verifiers: readonly NoteVerifier[];
  /** The size this witness last cosigned, as far as we know (undefined: ask the database). */
  known: number | undefined;
  inFlight: Promise<void> | undefined;
  failure: { size: number; at: number; count: number } | undefined;
}

class WitnessRefused extends Error {}

export class WitnessSubmitter {
  readonly #deps: WitnessSubmitterDeps;
  readonly #witnesses: WitnessState[];
  readonly #abort = new AbortController();

  constructor(deps: WitnessSubmitterDeps) {
    this.#deps = deps;
    this.#witnesses = deps.witnesses.map((endpoint) => ({
      endpoint: { url: endpoint.url.replace(/\/+$/, ''), vkeys: endpoint.vkeys },
      verifiers: endpoint.vkeys.map((v) => noteVerifierFromKey(deps.crypto, v)),
      known: undefined,
      inFlight: undefined,
      failure: undefined,
    }));
  }

  get configured(): number {
    return this.#witnesses.length;
  }

  /**
   * The size of the newest checkpoint whose witness round has finished (every witness cosigned it,
   * refused it, failed or is backing off), undefined before the first round of this process.
   * GET /log/checkpoint serves that checkpoint rather than a newer one still out with the
   * witnesses, so clients that require witness cosignatures see them whenever the witnesses are up,
   * and a witness that is down delays what is served by at most one request timeout.
   */
  get servedSize(): number | undefined {
    return this.#roundDone;
  }

  #roundDone: number | undefined;

  /** Submit the latest checkpoint to every witness that has not cosigned it; never throws. */
  async cosignLatest(): Promise<void> {
    if (this.#witnesses.length === 0 || this.#abort.signal.aborted) return;
    // A round still in flight finishes first: rounds are whole, one checkpoint each.
    if (this.#witnesses.some((w) => w.inFlight)) {
      await Promise.all(this.#witnesses.map((w) => w.inFlight));
      return;
    }
    let cp: StoredCheckpoint | undefined;
    try {
      cp = await latestCheckpoint(this.#deps.db);
    } catch (err) {
      this.#deps.logger.error({ err }, 'witness submission: cannot read the latest checkpoint');
      return;
    }
    if (cp === undefined) return;
    const checkpoint = cp;
    await Promise.all(
      this.#witnesses.map((w) => {
        w.inFlight = this.#submit(w, checkpoint).finally(() => {
          w.inFlight = undefined;
        });
        return w.inFlight;
      }),
    );
    this.#roundDone = Math.max(this.#roundDone ?? 0, checkpoint.size);
  }

  /** The stored witness cosignature lines over the checkpoint of `size`, one per witness key. */
  async cosignatureLines(size: number): Promise<string> {
    if (this.#witnesses.length === 0) return '';
    const rows = await this.#deps.db
      .selectFrom('log_witness_cosignatures')
      .select(['key_name', 'key_id', 'line'])
      .where('size', '=', size)
      .orderBy('witness')
      .orderBy('key_name')
      .execute();
    const seen = new Set<string>();
    let out = '';
    for (const r of rows) {
      const k = `${r.key_name}\n${Number(r.key_id)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out += r.line;
    }
    return out;
  }

  /** Stop submitting and wait for requests in flight (they are aborted). */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#witnesses.map((w) => w.inFlight));
  }

  async #knownSize(w: WitnessState): Promise<number> {
    if (w.known === undefined) {
      const row = await this.#deps.db
        .selectFrom('log_witness_cosignatures')
        .select((eb) => eb.fn.max('size').as('size'))
        .where('witness', '=', w.endpoint.url)
        .executeTakeFirst();
      w.known = row?.size === null || row?.size === undefined ? 0 : Number(row.size);
    }
    return w.known;
  }

  async #submit(w: WitnessState, cp: StoredCheckpoint): Promise<void> {
    const { logger, clock } = this.#deps;
    const now = clock().getTime();
    try {
      const known = await this.#knownSize(w);
      if (known === cp.size && (await this.#hasCosignature(w, cp.size))) return;
      const f = w.failure;
      if (f && f.size === cp.size && now < f.at + Math.min(60_000, 1000 * 2 ** (f.count - 1))) return;
      await this.#attempt(w, cp, known, true);
      if (w.failure) logger.info({ witness: w.endpoint.url, size: cp.size }, 'witness cosigns again');
      w.failure = undefined;
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      const count = w.failure && w.failure.size === cp.size ? w.failure.count + 1 : 1;
      w.failure = { size: cp.size, at: now, count };
      logger.warn(
        { witness: w.endpoint.url, size: cp.size, attempt: count, reason: err instanceof Error ? err.message : String(err) },
        'witness did not cosign the checkpoint (the log goes on; retried later)',
      );
    }
  }

  async #hasCosignature(w: WitnessState, size: number): Promise<boolean> {
    const row = await this.#deps.db
      .selectFrom('log_witness_cosignatures')
      .select('size')
      .where('witness', '=', w.endpoint.url)
      .where('size', '=', size)
      .executeTakeFirst();
    return row !== undefined;
  }

  async #attempt(w: WitnessState, cp: StoredCheckpoint, oldSize: number, mayRetry: boolean): Promise<void> {
    if (oldSize > cp.size) {
      throw new WitnessRefused(`the witness has cosigned size ${oldSize}, beyond this log's latest checkpoint (${cp.size})`);
    }
    const proof = oldSize === 0 || oldSize === cp.size ? [] : await this.#deps.log.consistencyProof(oldSize, cp.size);
    const fetchFn = this.#deps.fetch ?? fetch;
    const res = await fetchFn(`${w.endpoint.url}/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: encodeAddCheckpointRequest(oldSize, proof, cp.note),
      signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#deps.timeoutMs ?? 10_000)]),
    });
    const body = await res.text();
    if (res.status === 200) {
      await this.#store(w, cp, body);
      return;
    }
    if (res.status === 409 && (res.headers.get('content-type') ?? '').split(';')[0]!.trim() === TLOG_SIZE_CONTENT_TYPE) {
      const size = parseTreeSizeBody(body);
      w.known = size;
      if (mayRetry) return this.#attempt(w, cp, size, false);
      throw new WitnessRefused(`409: the witness is at size ${size}`);
    }
    throw new WitnessRefused(`${res.status}: ${body.slice(0, 200).trim()}`);
  }

  async #store(w: WitnessState, cp: StoredCheckpoint, body: string): Promise<void> {
    const text = utf8(parseSignedNote(cp.note).text);
    const accepted: { key_name: string; key_id: number; line: string }[] = [];
    for (const sig of parseCosignatureResponse(body)) {
      const verifier = w.verifiers.find((v) => v.name === sig.name && v.keyId === sig.keyId);
      if (verifier === undefined) continue; // a key of this witness we were not told to trust
      if (!(await verifier.verify(text, sig.signature))) throw new WitnessRefused(`a cosignature by ${sig.name} does not verify`);
      accepted.push({ key_name: sig.name, key_id: sig.keyId, line: formatSignatureLine(sig) });
    }
    if (accepted.length === 0) throw new WitnessRefused('no cosignature from the configured witness keys');
    const created_at = this.#deps.clock().getTime();
    await this.#deps.db.transaction().execute(async (tx) => {
      for (const a of accepted) {
        await tx
          .insertInto('log_witness_cosignatures')
          .values({ witness: w.endpoint.url, size: cp.size, ...a, created_at })
          .onConflict((oc) => oc.columns(['witness', 'size', 'key_name', 'key_id']).doNothing())
          .execute();
      }
    });
    w.known = cp.size;
  }
}
