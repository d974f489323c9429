/**
 * Enrolment of devices and their authentication.
 *
 * Enrolment: a security officer gives a person a one-time code out of band; the device proves it
 * holds its hybrid identity key by signing (context "enrol") the code together with the key, so a
 * code seen in transit cannot bind someone else's key. The device's X-Wing pouch key travels in
 * the same request, covered by that proof and by a signature of its own (context "pouch-key") that
 * every sealer re-checks, so the server can neither substitute it nor serve another. Authentication: challenge-response with the
 * device's identity key (context "auth"), binding the challenge to the device id and to this
 * organisation's domain so a signature made for another server is useless here. Sessions are
 * random bearer tokens valid for one hour, stored only as SHA-256.
 */
import {
  concatBytes,
  constantTimeEqual,
  type EnrolRequest,
  type EnrolResponse,
  enrolmentProofMessage,
  fromBase64Url,
  HYBRID_PUBLIC_KEY_LENGTH,
  type Person,
  type TokenRequest,
  toBase64Url,
  utf8,
  verifyHybrid,
  XWING_PUBLIC_KEY_LENGTH,
} from '@valise/protocol';
import type { ServiceContext } from '../context.ts';
import { isUniqueViolation } from '../db/transactions.ts';
import { decodeField } from '../encoding.ts';
import { serverError } from '../errors.ts';
import { newUlid } from '../ids.ts';
import { recordSecurityEvent } from '../policy/security-events.ts';
import {
  consumeEnrolmentCode,
  deleteExpiredChallenges,
  deleteExpiredSessions,
  findSession,
  insertChallenge,
  insertSession,
  recordEnrolledDevice,
  takeChallenge,
} from './credentials-store.ts';
import { normaliseEnrolmentCode } from './enrolment-code.ts';
import { loadPerson, type PolicySubject } from './people.ts';
import { deviceFromRow, deviceIdWithKeyHash, getDeviceRow, insertDevice } from './store.ts';

export const CHALLENGE_TTL_MS = 60_000;
export const SESSION_TTL_MS = 3_600_000;
const TOKEN_BYTES = 32;

/**
 * Who is calling: the authenticated device (live when the request was authenticated) and its
 * person, with the person's effective clearance as it stood then. Policy decisions use this
 * snapshot, taken once per request; the expiry inside it is compared with the clock at each
 * decision, so a clearance that runs out mid-request is still refused.
 */
export interface Actor {
  deviceId: string;
  person: Person;
  /** The person as the policy engine sees them: roles and effective clearance. */
  subject: PolicySubject;
  sessionExpiresAt: number;
}

export class AuthenticationService {
  readonly #ctx: ServiceContext;

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /** Enrol a device with a one-time code; the code is spent only when everything else holds. */
  async enrol(req: EnrolRequest): Promise<EnrolResponse> {
    const { db, crypto, clock, organisation } = this.#ctx;
    const code = normaliseEnrolmentCode(req.code);
    if (code === null) throw serverError('ENROLMENT_CODE_INVALID', 'enrolment code is invalid, expired or already used');
    const identityKey = decodeField(req.identityKey, 'identityKey', HYBRID_PUBLIC_KEY_LENGTH);
    const proof = decodeField(req.proof, 'proof');
    const pouchKey = await this.#pouchKeyOf(req, identityKey);
    if (!(await verifyHybrid(crypto, identityKey, 'enrol', enrolmentProofMessage(code, identityKey, pouchKey?.publicKey), proof))) {
      throw serverError(
        'SIGNATURE_INVALID',
        'proof is not a valid hybrid signature (context "enrol") over the code, the identity key and the pouch key',
      );
    }
    const codeHash = await crypto.sha256(utf8(code));
    const keyHash = await crypto.sha256(identityKey);
    const pouchKeyHash = pouchKey ? await crypto.sha256(pouchKey.publicKey) : undefined;
    const now = clock();
    const deviceId = newUlid(now, crypto.randomBytes);
    try {
      const result = await db.transaction().execute(async (trx) => {
        const personHandle = await consumeEnrolmentCode(trx, codeHash, now);
        if (personHandle === undefined) throw serverError('ENROLMENT_CODE_INVALID', 'enrolment code is invalid, expired or already used');
        if ((await deviceIdWithKeyHash(trx, keyHash)) !== undefined) {
          throw serverError('CONFLICT', 'this identity key is already enrolled');
        }
        await insertDevice(
          trx,
          {
            id: deviceId,
            person: personHandle,
            name: req.deviceName,
            identityKey,
            identityKeyHash: keyHash,
            ...(pouchKey ? { pouchKey } : {}),
          },
          now,
        );
        await recordEnrolledDevice(trx, codeHash, deviceId);
        // Key transparency: the new key is published in the audit log with the enrolment itself.
        await recordSecurityEvent(trx, this.#ctx, {
          type: 'device-enrol',
          actor: { person: personHandle, device: deviceId },
          target: `device:${deviceId}`,
          code: null,
          details: {
            deviceId,
            person: personHandle,
            keyFingerprint: toBase64Url(keyHash),
            ...(pouchKeyHash ? { pouchKeyFingerprint: toBase64Url(pouchKeyHash) } : {}),
            enrolledAt: now.toISOString(),
          },
        });
        const person = await loadPerson(trx, this.#ctx.labelPolicy, now, personHandle);
        const device = await getDeviceRow(trx, deviceId);
        if (!person || !device) throw serverError('INTERNAL', 'enrolled device vanished');
        return { device: deviceFromRow(device), person: person.person, organisation };
      });
      return result;
    } catch (err) {
      // Two enrolments of the same key racing each other: the loser sees a unique violation.
      if (isUniqueViolation(err)) throw serverError('CONFLICT', 'this identity key is already enrolled');
      throw err;
    }
  }

  /** The pouch key of an enrolment request, checked: both fields or neither, its signature by the identity key. */
  async #pouchKeyOf(req: EnrolRequest, identityKey: Uint8Array): Promise<{ publicKey: Uint8Array; signature: Uint8Array } | undefined> {
    if (req.pouchKey === undefined && req.pouchKeySignature === undefined) return undefined;
    if (req.pouchKey === undefined || req.pouchKeySignature === undefined) {
      throw serverError('BAD_REQUEST', 'pouchKey and pouchKeySignature go together');
    }
    const publicKey = decodeField(req.pouchKey, 'pouchKey', XWING_PUBLIC_KEY_LENGTH);
    const signature = decodeField(req.pouchKeySignature, 'pouchKeySignature');
    if (!(await verifyHybrid(this.#ctx.crypto, identityKey, 'pouch-key', publicKey, signature))) {
      throw serverError('SIGNATURE_INVALID', 'pouchKeySignature is not a valid hybrid signature (context "pouch-key") by the identity key');
    }
    return { publicKey, signature };
  }

  /** A fresh one-time challenge for a device, valid for 60 seconds. */
  async challenge(deviceId: string): Promise<{ challenge: string; expiresAt: string }> {
    const { db, crypto, clock } = this.#ctx;
    const now = clock();
    const device = await getDeviceRow(db, deviceId);
    if (!device) throw serverError('NOT_FOUND', 'no such device');
    if (device.revoked_at !== null) throw serverError('DEVICE_REVOKED', 'this device has been revoked');
    const challenge = crypto.randomBytes(32);
    const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
    await deleteExpiredChallenges(db, now);
    await insertChallenge(db, { hash: await crypto.sha256(challenge), deviceId, expiresAt });
    return { challenge: toBase64Url(challenge), expiresAt: expiresAt.toISOString() };
  }

  /** Exchange a signed challenge for a session token. */
  async token(req: TokenRequest): Promise<{ token: string; expiresAt: string }> {
    const { db, crypto, clock, organisation } = this.#ctx;
    const challenge = decodeField(req.challenge, 'challenge', 32);
    const signature = decodeField(req.signature, 'signature');
    const now = clock();
    const expiresAt = await takeChallenge(db, await crypto.sha256(challenge), req.deviceId);
    if (expiresAt === undefined || expiresAt <= now.getTime()) {
      throw serverError('CHALLENGE_INVALID', 'challenge is unknown, expired or already used');
    }
    const device = await getDeviceRow(db, req.deviceId);
    if (!device) throw serverError('CHALLENGE_INVALID', 'challenge is unknown, expired or already used');
    if (device.revoked_at !== null) throw serverError('DEVICE_REVOKED', 'this device has been revoked');
    const message = concatBytes(challenge, utf8(req.deviceId), utf8(organisation.domain));
    if (!(await verifyHybrid(crypto, device.identity_key, 'auth', message, signature))) {
      throw serverError('SIGNATURE_INVALID', 'signature is not a valid hybrid signature (context "auth") by this device');
    }
    const token = crypto.randomBytes(TOKEN_BYTES);
    const sessionExpiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await deleteExpiredSessions(db, now);
    await insertSession(db, { hash: await crypto.sha256(token), deviceId: device.id, expiresAt: sessionExpiresAt }, now);
    return { token: toBase64Url(token), expiresAt: sessionExpiresAt.toISOString() };
  }

  /** The actor behind a bearer token; UNAUTHENTICATED for anything but a live session of a live device. */
  async authenticate(token: string): Promise<Actor> {
    const { db, crypto, clock } = this.#ctx;
    // A token is 32 bytes: 43 base64url characters. Anything else is not worth a lookup.
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw serverError('UNAUTHENTICATED', 'missing or invalid session token');
    let tokenBytes: Uint8Array;
    try {
      tokenBytes = fromBase64Url(token);
    } catch {
      throw serverError('UNAUTHENTICATED', 'missing or invalid session token');
    }
    const hash = await crypto.sha256(tokenBytes);
    const now = clock();
    const session = await findSession(db, hash, now);
    if (!session || !constantTimeEqual(session.token_hash, hash) || session.revoked_at !== null) {
      throw serverError('UNAUTHENTICATED', 'missing, expired or revoked session token');
    }
    const person = await loadPerson(db, this.#ctx.labelPolicy, now, session.person_handle);
    if (!person) throw serverError('UNAUTHENTICATED', 'missing, expired or revoked session token');
    return { deviceId: session.device_id, person: person.person, subject: person.subject, sessionExpiresAt: session.expires_at };
  }
}
