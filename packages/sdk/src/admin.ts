/** Administration through the API: units, people, enrolment codes. The server checks the roles. */
import {
  ALERT_ACKNOWLEDGED,
  type AlertAcknowledgement,
  type ClearanceGrant,
  type CreatePersonRequest,
  cosignatureTimestamp,
  type EnrolmentCodeResponse,
  type GrantClearanceRequest,
  type Person,
  type PersonClearances,
  parseCheckpoint,
  parseSignedNote,
  type SecurityEvent,
  type SecurityEvents,
  toStdBase64,
  type Unit,
} from '@valise/protocol';
import type { ApiClient } from './api-client.ts';

/** An alert raised by the system or reported by a device, with its acknowledgement if any. */
export interface AlertRecord {
  alert: SecurityEvent;
  acknowledgement: AlertAcknowledgement | null;
}

/** The latest checkpoint of the audit log as served, read (not verified: `auditLog` and `auditEvents` verify). */
export interface CheckpointSummary {
  /** The signed note as served. */
  note: string;
  origin: string;
  size: number;
  /** Root hash, standard base64. */
  root: string;
  /** The log's own signature lines (Ed25519 and its ML-DSA-44 cosignature), by key ID. */
  logSignatures: { name: string; keyId: string }[];
  /** Cosignature lines of other keys: the witnesses, with the time they cosigned when readable. */
  witnesses: { name: string; keyId: string; cosignedAt: string | null }[];
}

const hexId = (id: number) => id.toString(16).padStart(8, '0');

/** The most alert events read by `alerts()` (1,000 a page). */
const ALERTS_MAX_PAGES = 50;

export class AdminApi {
  readonly #api: ApiClient;
  constructor(api: ApiClient) {
    this.#api = api;
  }
  createUnit(unit: Unit): Promise<Unit> {
    return this.#api.post<Unit>('/admin/units', unit);
  }
  createPerson(person: CreatePersonRequest): Promise<Person> {
    return this.#api.post<Person>('/admin/people', person);
  }
  people(): Promise<Person[]> {
    return this.#api.get<Person[]>('/admin/people');
  }
  issueEnrolmentCode(person: string, ttlSeconds?: number): Promise<EnrolmentCodeResponse> {
    return this.#api.post<EnrolmentCodeResponse>('/admin/enrolment-codes', { person, ...(ttlSeconds ? { ttlSeconds } : {}) });
  }

  /** Grant (or change) a clearance: level, compartments, nationality, expiry, reason. Security officers. */
  grantClearance(grant: GrantClearanceRequest): Promise<ClearanceGrant> {
    return this.#api.post<ClearanceGrant>('/admin/clearances', grant);
  }
  revokeClearance(grantId: string, reason: string): Promise<ClearanceGrant> {
    return this.#api.post<ClearanceGrant>(`/admin/clearances/${encodeURIComponent(grantId)}/revoke`, { reason });
  }
  /** A person's effective clearance, every grant and the full history of grants and revocations. */
  clearances(person: string): Promise<PersonClearances> {
    return this.#api.get<PersonClearances>(`/admin/people/${encodeURIComponent(person)}/clearances`);
  }
  securityEvents(query: { after?: string; limit?: number; type?: string } = {}): Promise<SecurityEvents> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.#api.get<SecurityEvents>(`/admin/security-events${qs ? `?${qs}` : ''}`);
  }

  /**
   * Alerts (security events of type 'alert', acknowledgements set apart), oldest first, each with
   * its acknowledgement if a security officer has given one. Security officers.
   */
  async alerts(): Promise<AlertRecord[]> {
    const alerts: SecurityEvent[] = [];
    const acknowledgements = new Map<string, AlertAcknowledgement>();
    let after: string | undefined;
    for (let page = 0; page < ALERTS_MAX_PAGES; page++) {
      const { events, more } = await this.securityEvents({ type: 'alert', limit: 1000, ...(after ? { after } : {}) });
      for (const e of events) {
        if (e.code !== ALERT_ACKNOWLEDGED) {
          alerts.push(e);
          continue;
        }
        const alert = typeof e.details.acknowledges === 'string' ? e.details.acknowledges : undefined;
        if (!alert || acknowledgements.has(alert)) continue;
        acknowledgements.set(alert, {
          id: e.id,
          alert,
          acknowledgedBy: e.actor.person ?? '',
          at: e.at,
          note: typeof e.details.note === 'string' ? e.details.note : '',
          already: false,
        });
      }
      after = events.at(-1)?.id;
      if (!more || !after) break;
    }
    return alerts.map((alert) => ({ alert, acknowledgement: acknowledgements.get(alert.id) ?? null }));
  }

  /** Acknowledge an alert with a note of what was checked or done; idempotent. Security officers. */
  acknowledgeAlert(alertId: string, note: string): Promise<AlertAcknowledgement> {
    return this.#api.post<AlertAcknowledgement>(`/alerts/${encodeURIComponent(alertId)}/acknowledge`, { note });
  }

  /** The latest signed checkpoint of the audit log, with its signers and witnesses by name. */
  async latestCheckpoint(): Promise<CheckpointSummary> {
    const note = await (await this.#api.getLog('checkpoint')).text();
    const parsed = parseSignedNote(note);
    const checkpoint = parseCheckpoint(parsed.text);
    const logSignatures: CheckpointSummary['logSignatures'] = [];
    const witnesses: CheckpointSummary['witnesses'] = [];
    for (const sig of parsed.signatures) {
      if (sig.name === checkpoint.origin) {
        logSignatures.push({ name: sig.name, keyId: hexId(sig.keyId) });
        continue;
      }
      let cosignedAt: string | null = null;
      try {
        cosignedAt = new Date(cosignatureTimestamp(sig) * 1000).toISOString();
      } catch {
        // Not a timestamped cosignature: shown without a time.
      }
      witnesses.push({ name: sig.name, keyId: hexId(sig.keyId), cosignedAt });
    }
    return { note, origin: checkpoint.origin, size: checkpoint.size, root: toStdBase64(checkpoint.rootHash), logSignatures, witnesses };
  }
}
