import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestServer, errorCode, type TestServer } from './testing/http.ts';
import { ORG } from './testing/world.ts';

describe('the server', () => {
  let server: TestServer;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'valise-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Valise</title>');
    writeFileSync(join(webRoot, 'app.js'), 'console.log("valise")');
    server = await createTestServer('sqlite', { webRoot });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('reports health', async () => {
    const res = await call(server.app, 'GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version: expect.any(String), organisation: ORG });
  });

  it('publishes an OpenAPI document of every API route', async () => {
    const res = await call(server.app, 'GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/v1/enrol',
      '/api/v1/auth/challenge',
      '/api/v1/auth/token',
      '/api/v1/me',
      '/api/v1/directory/people/{handle}/devices',
      '/api/v1/admin/enrolment-codes',
      '/api/v1/key-packages/claim',
      '/api/v1/conversations/{id}/commits',
      '/api/v1/conversations/{id}/blobs/{blobId}',
      '/api/v1/queue',
      '/api/v1/queue/ack',
      '/api/v1/conversations/{id}/messages/{messageId}/read',
      '/api/v1/transparency/devices/{id}',
      '/log/checkpoint',
      '/log/vkey',
      '/log/proof/inclusion',
      '/log/proof/consistency',
      '/health',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.components.schemas).toHaveProperty('ErrorBody');
    const upload = doc.paths['/api/v1/conversations/{id}/blobs']!.post as { requestBody: { content: Record<string, unknown> } };
    expect(Object.keys(upload.requestBody.content)).toEqual(['application/octet-stream']);
  });

  it('answers unknown API routes with 404 NOT_FOUND in the error format', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/nothing-here'],
      ['POST', '/api/v1/nothing-here'],
      ['DELETE', '/api/v1/me'],
      ['GET', '/api/v2/me'],
    ] as const) {
      const res = await call(server.app, method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(errorCode(res)).toBe('NOT_FOUND');
    }
  });

  it('serves the web app with a single-page fallback outside /api', async () => {
    const index = await call(server.app, 'GET', '/');
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>Valise</title>');
    expect((await call(server.app, 'GET', '/app.js')).body).toContain('valise');
    const deep = await call(server.app, 'GET', '/conversations/abc');
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['content-type']).toContain('text/html');
    expect(errorCode(await call(server.app, 'GET', '/api/v1/unknown'))).toBe('NOT_FOUND');
  });

  it('sets protective headers on API responses', async () => {
    const res = await call(server.app, 'GET', '/api/v1/me');
    expect(res.statusCode).toBe(401);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
