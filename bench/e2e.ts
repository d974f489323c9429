/**
 * End to end on loopback: cables per second from the sender's first byte to the decrypted text at
 * the recipient, with p50/p99 latency, for 1, 10 and 100 concurrent senders. The server runs as
 * its own process (SQLite, synchronous=FULL); all clients run in this process, so client-side
 * post-quantum MLS work is inside the figures, as it is for real users.
 *
 *   node bench/e2e.ts [--senders 1,10,100]
 * Prints one JSON line per figure.
 */
import { performance } from 'node:perf_hooks';
import type { ValiseClient } from '@valise/sdk';
import { enrolClient } from '../test/helpers/clients.ts';
import { startDemoServer, waitFor } from '../test/helpers/server.ts';

const arg = process.argv.indexOf('--senders');
const levels = (arg > 0 ? process.argv[arg + 1]! : '1,10,100').split(',').map(Number);
const cablesPerSender = (n: number) => (n === 1 ? 20 : n === 10 ? 5 : 2);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const server = await startDemoServer();
try {
  const adminPerson = server.people.find((p) => p.roles.includes('admin'))!;
  const admin = await enrolClient(server.url, adminPerson.code, 'bench-admin');
  const unit = adminPerson.unit;

  async function person(handle: string): Promise<ValiseClient> {
    await admin.admin.createPerson({
      handle,
      name: handle.split('@')[0]!,
      unit,
      roles: ['user'],
      clearance: 'SECRET',
      compartments: [],
      nationality: 'FRD',
    });
    const { code } = await admin.admin.issueEnrolmentCode(handle);
    return enrolClient(server.url, code, `bench-${handle}`);
  }

  for (const n of levels) {
    const setupStart = performance.now();
    const senders: ValiseClient[] = [];
    const recipients: ValiseClient[] = [];
    for (let i = 0; i < n; i++) {
      senders.push(await person(`bench-s${n}-${i}@mfa.freedonia.example`));
      recipients.push(await person(`bench-r${n}-${i}@mfa.freedonia.example`));
    }
    process.stderr.write(`bench e2e: ${n} senders ready in ${((performance.now() - setupStart) / 1000).toFixed(1)} s\n`);

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const total = n * cablesPerSender(n);
    let lastReceived = 0;
    const early = new Map<string, number>();
    for (const r of recipients) {
      r.connect((ev) => {
        if (ev.type !== 'synced') return;
        const now = performance.now();
        for (const m of ev.result.messages) {
          const start = sentAt.get(m.subject);
          if (start === undefined) early.set(m.subject, now);
          else latencies.push(now - start);
          lastReceived = now;
        }
      });
    }
    await new Promise((r) => setTimeout(r, 500)); // sockets authenticated

    const runStart = performance.now();
    await Promise.all(
      senders.map(async (s, i) => {
        for (let k = 0; k < cablesPerSender(n); k++) {
          const subject = `bench ${n}/${i}/${k}`;
          const start = performance.now();
          sentAt.set(subject, start);
          await s.sendCable({
            to: [recipients[i]!.identity.person.handle],
            subject,
            body: 'x'.repeat(1024),
            label: 'SECRET',
            precedence: 'ROUTINE',
          });
          const got = early.get(subject);
          if (got !== undefined) latencies.push(got - start);
        }
      }),
    );
    await waitFor(`${total} cables decrypted`, async () => (latencies.length >= total ? true : undefined), 600_000);
    const seconds = (lastReceived - runStart) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        bench: 'e2e-cables',
        senders: n,
        cables: total,
        cablesPerSec: Number((total / seconds).toFixed(2)),
        p50ms: Number(percentile(latencies, 50).toFixed(1)),
        p99ms: Number(percentile(latencies, 99).toFixed(1)),
        suite: 'pq',
      }),
    );
    for (const c of [...senders, ...recipients]) c.close();
  }
  admin.close();
} finally {
  await server.stop();
}
