/**
 * Storage of the short-lived secrets of enrolment and authentication. Only SHA-256 digests are
 * stored: a copy of the database gives no usable code, challenge or session token. Lookups are by
 * digest, so a timing difference in the index lookup reveals bits of a digest, never of a secret.
 */
import type { Db } from '../db/schema.ts';

// ---- enrolment codes ---------------------------------------------------------------------------
export async function insertEnrolmentCode(
  db: Db,
  code: { hash: Uint8Array; person: string; issuedBy: string | null; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db
    .insertInto('enrolment_codes')
    .values({
      code_hash: code.hash,
      person_handle: code.person,
      issued_by: code.issuedBy,
      created_at: now.getTime(),
      expires_at: code.expiresAt.getTime(),
      used_at: null,
      device_id: null,
    })
    .execute();
}

/**
 * Consume an unused, unexpired code in one statement, so two enrolments racing with the same code
 * cannot both win. Returns the person the code was issued for.
 */
export async function consumeEnrolmentCode(db: Db, hash: Uint8Array, now: Date): Promise<string | undefined> {
  const row = await db
    .updateTable('enrolment_codes')
    .set({ used_at: now.getTime() })
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.getTime())
    .returning('person_handle')
    .executeTakeFirst();
  return row?.person_handle;
}

export async function recordEnrolledDevice(db: Db, hash: Uint8Array, deviceId: string): Promise<void> {
  await db.updateTable('enrolment_codes').set({ device_id: deviceId }).where('code_hash', '=', hash).execute();
}

// ---- authentication challenges -----------------------------------------------------------------
export async function insertChallenge(db: Db, challenge: { hash: Uint8Array; deviceId: string; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('auth_challenges')
    .values({ challenge_hash: challenge.hash, device_id: challenge.deviceId, expires_at: challenge.expiresAt.getTime() })
    .execute();
}

/** Remove a challenge and return its expiry: a challenge is spent by any attempt, good or bad. */
export async function takeChallenge(db: Db, hash: Uint8Array, deviceId: string): Promise<number | undefined> {
  const row = await db
    .deleteFrom('auth_challenges')
    .where('challenge_hash', '=', hash)
    .where('device_id', '=', deviceId)
    .returning('expires_at')
    .executeTakeFirst();
  return row?.expires_at;
}

export async function deleteExpiredChallenges(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('auth_challenges').where('expires_at', '<=', now.getTime()).execute();
}

// ---- sessions ----------------------------------------------------------------------------------
export async function insertSession(db: Db, session: { hash: Uint8Array; deviceId: string; expiresAt: Date }, now: Date): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ token_hash: session.hash, device_id: session.deviceId, created_at: now.getTime(), expires_at: session.expiresAt.getTime() })
    .execute();
}

/** The live session with this token digest, with its device's revocation state. */
export async function findSession(db: Db, hash: Uint8Array, now: Date) {
  return db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select(['sessions.token_hash', 'sessions.device_id', 'sessions.expires_at', 'devices.revoked_at', 'devices.person_handle'])
    .where('sessions.token_hash', '=', hash)
    .where('sessions.expires_at', '>', now.getTime())
    .executeTakeFirst();
}

export async function deleteSessionsOf(db: Db, deviceId: string): Promise<void> {
  await db.deleteFrom('sessions').where('device_id', '=', deviceId).execute();
  await db.deleteFrom('auth_challenges').where('device_id', '=', deviceId).execute();
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.getTime()).execute();
}
