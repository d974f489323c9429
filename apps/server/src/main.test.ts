import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LABEL_POLICY, generateHybridKeyPair, noteVerifierFromKey, openCheckpoint, toBase64Url } from '@valise/protocol';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL } from './testing/databases.ts';
import { crypto, enrolmentProof } from './testing/world.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listening = (r: Running) => until(() => /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(r.output())?.[1], 'the server to listen');

describe('the server process', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'valise-main-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('starts the demo on port 0, writes demo.json with the real port, and stops on SIGTERM', async () => {
    const data = tempDir();
    const server = run(['start', '--data', data, '--port', '0', '--demo', '--web', join(data, 'no-web')]);
    children.push(server.child);
    const url = await listening(server);
    expect(server.output()).toContain('alice@mfa.freedonia.example');
    const demo = JSON.parse(readFileSync(join(data, 'demo.json'), 'utf8')) as {
      server: string;
      people: { handle: string; code: string }[];
    };
    expect(demo.server).toBe(url);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);

    const erin = demo.people.find((p) => p.handle.startsWith('erin@'))!;
    const keys = await generateHybridKeyPair(crypto);
    const enrol = await fetch(`${url}/api/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code: erin.code,
        deviceName: 'laptop',
        identityKey: toBase64Url(keys.publicKey),
        proof: await enrolmentProof(keys, erin.code),
      }),
    });
    expect(enrol.status).toBe(200);

    // A second server on the same port explains what to do.
    const port = new URL(url).port;
    const clash = run(['start', '--data', tempDir(), '--port', port, '--demo']);
    expect(await clash.exited).toBe(1);
    expect(clash.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const log = readFileSync(join(data, 'logs', 'server.log'), 'utf8');
    expect(log).toContain('"path":"/api/v1/enrol"');
    // Codes, keys and proofs never reach the log.
    expect(log).not.toContain(erin.code);
    expect(log).not.toContain(toBase64Url(keys.publicKey).slice(0, 40));

    // Restarting on the same folder reuses the demo and gives everyone a fresh code.
    const again = run(['start', '--data', data, '--port', '0', '--demo', '--web', join(data, 'no-web')]);
    children.push(again.child);
    await listening(again);
    const second = JSON.parse(readFileSync(join(data, 'demo.json'), 'utf8')) as { people: { handle: string; code: string }[] };
    expect(second.people.find((p) => p.handle === erin.handle)!.code).not.toBe(erin.code);
    expect(second.people.every((p) => typeof p.code === 'string')).toBe(true);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('keeps its log keys in DIR/log-keys.json (0600) and signs checkpoints of the events it logs', async () => {
    const data = tempDir();
    const first = run(['start', '--data', data, '--port', '0', '--demo', '--web', join(data, 'no-web')]);
    children.push(first.child);
    const url = await listening(first);
    expect(statSync(join(data, 'log-keys.json')).mode & 0o777).toBe(0o600);
    const vkeys = (await (await fetch(`${url}/log/vkey`)).text()).trim().split('\n');
    const verifiers = vkeys.map((k) => noteVerifierFromKey(crypto, k));
    // The demo's clearance grants are security events; the checkpoint timer signs them within a second or so.
    const deadline = Date.now() + 20_000;
    let size = 0;
    while (size === 0) {
      if (Date.now() > deadline) throw new Error('timed out waiting for a checkpoint with entries');
      const opened = await openCheckpoint(await (await fetch(`${url}/log/checkpoint`)).text(), verifiers);
      expect(opened.note.verified).toHaveLength(2);
      size = opened.checkpoint.size;
      if (size === 0) await new Promise((r) => setTimeout(r, 100));
    }
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const again = run(['start', '--data', data, '--port', '0', '--web', join(data, 'no-web')]);
    children.push(again.child);
    const url2 = await listening(again);
    expect((await (await fetch(`${url2}/log/vkey`)).text()).trim().split('\n')).toEqual(vkeys);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('initialises an organisation with a first administrator', async () => {
    const data = tempDir();
    const init = run(['init', '--data', data, '--org-name', 'Ministry of Foreign Affairs of Sylvania', '--domain', 'mfa.sylvania.example']);
    expect(await init.exited).toBe(0);
    expect(init.output()).toMatch(/admin@mfa\.sylvania\.example: enrolment code [0-9A-Z]{5}-/);
    const refused = run(['start', '--data', tempDir()]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('is not initialised');
    const usage = run(['start', '--port', '99999']);
    expect(await usage.exited).toBe(2);
    expect(usage.output()).toContain('--port must be 0..65535');
  });

  it('reads DIR/label-policy.json at start-up and refuses to start on a bad one, naming the file and the problem', async () => {
    const data = tempDir();
    const file = join(data, 'label-policy.json');
    expect(
      await run(['init', '--data', data, '--org-name', 'Ministry of Foreign Affairs of Sylvania', '--domain', 'mfa.sylvania.example'])
        .exited,
    ).toBe(0);

    writeFileSync(file, '{ "id": "urn:x", ');
    const notJson = run(['start', '--data', data, '--port', '0']);
    expect(await notJson.exited).toBe(1);
    expect(notJson.output()).toContain(`the label policy ${file} is not valid JSON`);

    const levels = [
      { name: 'OPEN', colour: '#00aa00', textColour: '#ffffff' },
      { name: 'SECRET', colour: 'red', textColour: '#ffffff' },
    ];
    writeFileSync(file, JSON.stringify({ ...DEFAULT_LABEL_POLICY, levels }));
    const invalid = run(['start', '--data', data, '--port', '0']);
    expect(await invalid.exited).toBe(1);
    expect(invalid.output()).toContain(`the label policy ${file} is refused`);
    expect(invalid.output()).toContain('levels[1].colour');

    const sylvania = { ...DEFAULT_LABEL_POLICY, id: 'urn:valise:policy:sylvania', name: 'Sylvania MFA' };
    writeFileSync(file, JSON.stringify(sylvania));
    // The demo needs the demo's levels and compartments.
    const demoData = tempDir();
    const twoLevels = [
      { name: 'OPEN', colour: '#00aa00', textColour: '#ffffff' },
      { name: 'CLOSED', colour: '#aa0000', textColour: '#ffffff' },
    ];
    writeFileSync(join(demoData, 'label-policy.json'), JSON.stringify({ ...sylvania, levels: twoLevels }));
    const demo = run(['start', '--data', demoData, '--port', '0', '--demo']);
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toMatch(/the demo ministry needs the levels and compartments .*UNCLASSIFIED.*: start without --demo/);

    const good = run(['start', '--data', data, '--port', '0', '--web', join(data, 'no-web')]);
    children.push(good.child);
    await listening(good);
    expect(good.output()).toContain(`Label policy: Sylvania MFA (${file})`);
    good.child.kill('SIGTERM');
    expect(await good.exited).toBe(0);
  });

  it('runs on PostgreSQL when given a postgres:// URL', async () => {
    const schema = `valise_main_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const server = run(['start', '--data', tempDir(), '--port', '0', '--demo'], { VALISE_DATABASE_URL: url });
      children.push(server.child);
      const base = await listening(server);
      expect(server.output()).toContain('PostgreSQL');
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const people = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.people`);
      expect(people.rows[0].n).toBe(8);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });
});
