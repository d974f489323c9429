/** HTTP routes of identity: enrolment, authentication, the caller, the directory, revocation. */

import type { Static } from '@sinclair/typebox';
import {
  API_PREFIX,
  ChallengeRequest,
  ChallengeResponse,
  Device,
  Devices,
  EnrolRequest,
  EnrolResponse,
  Me,
  People,
  TokenRequest,
  TokenResponse,
  Units,
} from '@valise/protocol';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../http/authentication-hook.ts';
import { BEARER, errors, HandleParams, IdParams } from '../http/schemas.ts';
import type { Services } from '../services.ts';

const publicRoute = { public: true };

export async function identityRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { auth, identity } = services;
  const { organisation } = services.ctx;

  app.post<{ Body: Static<typeof EnrolRequest> }>(
    `${API_PREFIX}/enrol`,
    {
      config: publicRoute,
      schema: {
        tags: ['identity'],
        summary: 'Enrol a device with a one-time enrolment code and a proof of key possession',
        body: EnrolRequest,
        response: { 200: EnrolResponse, ...errors(401, 409) },
      },
    },
    (request) => auth.enrol(request.body),
  );

  app.post<{ Body: Static<typeof ChallengeRequest> }>(
    `${API_PREFIX}/auth/challenge`,
    {
      config: publicRoute,
      schema: {
        tags: ['identity'],
        summary: 'Get a one-time challenge (valid 60 s) for a device to sign',
        body: ChallengeRequest,
        response: { 200: ChallengeResponse, ...errors(403, 404) },
      },
    },
    (request) => auth.challenge(request.body.deviceId),
  );

  app.post<{ Body: Static<typeof TokenRequest> }>(
    `${API_PREFIX}/auth/token`,
    {
      config: publicRoute,
      schema: {
        tags: ['identity'],
        summary: 'Exchange a signed challenge for a session token (valid 1 hour)',
        body: TokenRequest,
        response: { 200: TokenResponse, ...errors(401, 403) },
      },
    },
    (request) => auth.token(request.body),
  );

  app.get(
    `${API_PREFIX}/me`,
    {
      schema: {
        tags: ['identity'],
        summary: 'The calling device, its person and the organisation',
        security: BEARER,
        response: { 200: Me, ...errors(401) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { person: actor.person, device: await identity.device(actor.deviceId), organisation };
    },
  );

  app.get(
    `${API_PREFIX}/directory/people`,
    {
      schema: { tags: ['directory'], summary: 'Everyone in the organisation', security: BEARER, response: { 200: People, ...errors(401) } },
    },
    (request) => {
      actorOf(request);
      return identity.people();
    },
  );

  app.get(
    `${API_PREFIX}/directory/units`,
    {
      schema: { tags: ['directory'], summary: 'The units of the organisation', security: BEARER, response: { 200: Units, ...errors(401) } },
    },
    (request) => {
      actorOf(request);
      return identity.units();
    },
  );

  app.get<{ Params: { handle: string } }>(
    `${API_PREFIX}/directory/people/:handle/devices`,
    {
      schema: {
        tags: ['directory'],
        summary: "A person's devices, revoked ones included",
        security: BEARER,
        params: HandleParams,
        response: { 200: Devices, ...errors(401, 404) },
      },
    },
    (request) => {
      actorOf(request);
      return identity.devicesOf(request.params.handle);
    },
  );

  app.get<{ Params: { handle: string } }>(
    `${API_PREFIX}/directory/units/:handle/members`,
    {
      schema: {
        tags: ['directory'],
        summary: 'The people of a unit',
        security: BEARER,
        params: HandleParams,
        response: { 200: People, ...errors(401, 404) },
      },
    },
    (request) => {
      actorOf(request);
      return identity.membersOf(request.params.handle);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${API_PREFIX}/devices/:id`,
    {
      schema: {
        tags: ['directory'],
        summary: 'A device by id, with its identity key (revoked ones included)',
        security: BEARER,
        params: IdParams,
        response: { 200: Device, ...errors(401, 404) },
      },
    },
    (request) => {
      actorOf(request);
      return identity.device(request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    `${API_PREFIX}/devices/:id/revoke`,
    {
      schema: {
        tags: ['identity'],
        summary: 'Revoke a device (one of your own, or any as a security officer)',
        security: BEARER,
        params: IdParams,
        response: { 200: Device, ...errors(401, 403, 404) },
      },
    },
    (request) => identity.revokeDevice(actorOf(request), request.params.id),
  );
}
