/**
 * The server must never hold plaintext. After a real exchange (cable with attachment, group
 * messages), search every byte the server wrote — database, WAL, logs — for the subject, body and
 * attachment content, raw and base64-encoded.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { toBase64Url, utf8 } from '@valise/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { enrolClient } from '../helpers/clients.ts';
import { type RunningServer, startDemoServer } from '../helpers/server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startDemoServer();
});
afterAll(async () => {
  await server?.stop();
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle));
}

it('keeps no byte of any subject, body or attachment in the server’s files', async () => {
  const [a, b] = [server.people[0]!, server.people.find((p) => p.unit !== server.people[0]!.unit)!];
  const alice = await enrolClient(server.url, a.code, 'alice');
  const bob = await enrolClient(server.url, b.code, 'bob');
  const marker = toBase64Url(alice.core.crypto.randomBytes(12));
  const secrets = {
    subject: `Subject-${marker}-talks`,
    body: `Body-${marker}: the negotiating position is firm on article 4.`,
    attachment: `Attachment-${marker}: annex with the red lines`,
    groupMessage: `Group-${marker}: meet at the residence`,
  };
  const cable = await alice.sendCable({
    to: [b.handle],
    subject: secrets.subject,
    body: secrets.body,
    label: 'UNCLASSIFIED',
    attachments: [{ name: 'annex.txt', mediaType: 'text/plain', bytes: utf8(secrets.attachment) }],
  });
  const conv = await alice.createConversation({ kind: 'group', with: [b.handle], label: 'UNCLASSIFIED' });
  await alice.sendMessage(conv.id, { body: secrets.groupMessage });
  await bob.sync();
  expect((await bob.read(cable.id)).body).toBe(secrets.body);
  expect(new TextDecoder().decode((await bob.attachment(cable.id, 0)).bytes)).toBe(secrets.attachment);
  alice.close();
  bob.close();
  await server.stop(); // flush and close the database so every byte is on disk

  const files = await filesUnder(server.dataDir);
  expect(files.some((f) => f.endsWith('.log'))).toBe(true);
  let scanned = 0;
  let controlFound = false;
  for (const file of files) {
    const bytes = new Uint8Array(await readFile(file));
    scanned += (await stat(file)).size;
    // Positive control: what the server legitimately stores in clear (a handle) must be findable,
    // or this scan could pass by reading nothing.
    if (indexOf(bytes, utf8(b.handle)) >= 0) controlFound = true;
    for (const [what, text] of Object.entries(secrets)) {
      for (const needle of [utf8(text), utf8(toBase64Url(utf8(text))), utf8(marker)]) {
        expect(indexOf(bytes, needle), `${what} found in ${file}`).toBe(-1);
      }
    }
  }
  expect(scanned).toBeGreaterThan(0);
  expect(controlFound).toBe(true);
});
