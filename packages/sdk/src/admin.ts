/** Administration through the API: units, people, enrolment codes. The server checks the roles. */
import type {
  ClearanceGrant,
  CreatePersonRequest,
  EnrolmentCodeResponse,
  GrantClearanceRequest,
  Person,
  PersonClearances,
  SecurityEvents,
  Unit,
} from '@valise/protocol';
import type { ApiClient } from './api-client.ts';

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
}
