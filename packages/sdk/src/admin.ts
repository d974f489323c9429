/** Administration through the API: units, people, enrolment codes. The server checks the roles. */
import type { CreatePersonRequest, EnrolmentCodeResponse, Person, Unit } from '@valise/protocol';
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
}
