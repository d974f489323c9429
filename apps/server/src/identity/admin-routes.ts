/** HTTP routes of administration: units (admin), people and enrolment codes (admin or security officer). */

import type { Static } from '@sinclair/typebox';
import {
  API_PREFIX,
  CreatePersonRequest,
  CreateUnitRequest,
  EnrolmentCodeResponse,
  IssueEnrolmentCodeRequest,
  People,
  Person,
  Unit,
} from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, errors } from '../http/schemas.ts';
import type { Services } from '../services.ts';

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { identity } = services;

  app.post<{ Body: Static<typeof CreateUnitRequest> }>(
    `${API_PREFIX}/admin/units`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a unit (administrators)',
        security: BEARER,
        body: CreateUnitRequest,
        response: { 200: Unit, ...errors(401, 403, 409) },
      },
    },
    (request) => identity.createUnit(actorOf(request), request.body),
  );

  app.post<{ Body: Static<typeof CreatePersonRequest> }>(
    `${API_PREFIX}/admin/people`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a person (administrators and security officers; only administrators grant admin)',
        security: BEARER,
        body: CreatePersonRequest,
        response: { 200: Person, ...errors(401, 403, 409) },
      },
    },
    (request) => identity.createPerson(actorOf(request), request.body),
  );

  app.post<{ Body: Static<typeof IssueEnrolmentCodeRequest> }>(
    `${API_PREFIX}/admin/enrolment-codes`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Issue a one-time enrolment code for a person (security officers and administrators)',
        security: BEARER,
        body: IssueEnrolmentCodeRequest,
        response: { 200: EnrolmentCodeResponse, ...errors(401, 403, 404) },
      },
    },
    (request) => identity.issueEnrolmentCode(actorOf(request), request.body),
  );

  app.get(
    `${API_PREFIX}/admin/people`,
    {
      schema: {
        tags: ['admin'],
        summary: 'Everyone, for administration (administrators and security officers)',
        security: BEARER,
        response: { 200: People, ...errors(401, 403) },
      },
    },
    (request) => identity.listPeopleForAdmin(actorOf(request)),
  );
}
