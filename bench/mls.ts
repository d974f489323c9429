/**
 * MLS group operations at 10, 100 and 1,000 devices, for the post-quantum suite (87: X-Wing,
 * ML-DSA-87) and the classic one (1: X25519, Ed25519), on the native provider (node:crypto) and on
 * the browser's provider (WebCrypto + noble) run in Node.
 *
 *   node bench/mls.ts [--sizes 10,100,1000] [--suites pq,classic] [--providers node,web] [--web-max 100] [--runs N]
 *
 * Providers: `node` = nodeCryptoProvider (native ML-DSA, ML-KEM, X25519, Ed25519) plus synchronous
 * node:crypto hashing/HMAC/AES-GCM (nativeMlsPrimitives), as Valise runs in Node; `node-webcrypto`
 * = the same provider with ts-mls's WebCrypto path for the latter; `web` = webCryptoProvider
 * (noble + WebCrypto, what browsers run). Sizes above --web-max run on `node` only.
 *
 * How a group of N is built: the creator adds the other N-1 devices from key packages in commits
 * of up to 100 (the Welcome never carries the tree; joiners get it as the delivery service would
 * serve it). Devices' key packages are made natively whatever the provider measured (they come from
 * other machines). The last device added joins (`join-after-bulk-add`) and then follows every
 * commit. The creator then repeats: add one device (which joins: `join`), self-update, remove that
 * device again; the other member processes each commit.
 *
 * Add-only commits carry no update path, so a freshly built group's parent nodes are blank and the
 * first self-updates and removes encrypt a path secret to nearly every leaf (see their `bytes`);
 * once members have committed, a commit encrypts to about log2(N) nodes. `join` runs after the
 * creator's path is populated, where ts-mls 1.6.4's parent-hash check rehashes whole subtrees per
 * leaf (quadratic; fixed upstream in 2.0.0-rc.12, ts-mls PR #442).
 *
 * One JSON line per figure, e.g.
 *   {"bench":"mls","suite":"pq","provider":"node","op":"add-member-commit","groupSize":100,"ms":12.3,"runs":3,"bytes":…}
 * Progress goes to stderr.
 */
import * as nodeCrypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { utf8 } from '../packages/protocol/src/bytes.ts';
import { nodeCryptoProvider } from '../packages/protocol/src/crypto/node-provider.ts';
import type { CryptoProvider } from '../packages/protocol/src/crypto/provider.ts';
import { webCryptoProvider } from '../packages/protocol/src/crypto/web-provider.ts';
import { generateHybridKeyPair } from '../packages/protocol/src/identity/hybrid.ts';
import {
  addDevices,
  createGroup,
  createKeyPackage,
  decodeGroup,
  decryptMessage,
  encodeGroup,
  encryptMessage,
  groupMembers,
  joinFromWelcome,
  MLS_SUITES,
  type MlsContext,
  type MlsDeviceIdentity,
  type MlsGroup,
  type MlsKeyPackage,
  nativeMlsPrimitives,
  processCommit,
  removeDevices,
  selfUpdate,
} from '../packages/protocol/src/index.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const sizes = option('sizes', '10,100,1000').split(',').map(Number);
const suiteNames = option('suites', 'pq,classic').split(',') as ('pq' | 'classic')[];
type ProviderName = 'node' | 'node-webcrypto' | 'web';
const providerNames = option('providers', 'node,web').split(',') as ProviderName[];
const webMax = Number(option('web-max', '100'));
const runsOption = option('runs', '');
const runsFor = (size: number) => (runsOption ? Number(runsOption) : size >= 1000 ? 2 : 5);
const BATCH = 100;
const MESSAGES = 200;

const suites = { pq: MLS_SUITES.postQuantum, classic: MLS_SUITES.classic } as const;

const progress = (text: string) => process.stderr.write(`[mls] ${text}\n`);

// One directory for every run: deviceId -> hybrid identity public key.
const directory = new Map<string, Uint8Array>();
const context = (crypto: CryptoProvider): MlsContext => ({ crypto, resolveDeviceKey: async (deviceId) => directory.get(deviceId) });
// node: node:crypto provider + synchronous node:crypto hashing/HMAC/AES-GCM (what Valise runs in Node);
// node-webcrypto: the same without the latter (ts-mls's WebCrypto path); web: WebCrypto + noble, as in browsers.
const contexts: Record<ProviderName, (crypto: CryptoProvider) => MlsContext> = {
  node: (crypto) => ({ ...context(crypto), native: nativeMlsPrimitives(nodeCrypto) }),
  'node-webcrypto': context,
  web: context,
};
const providers: Record<ProviderName, CryptoProvider> = {
  node: nodeCryptoProvider,
  'node-webcrypto': nodeCryptoProvider,
  web: webCryptoProvider,
};
const nativeCtx: MlsContext = { ...context(nodeCryptoProvider), native: nativeMlsPrimitives(nodeCrypto) };
let deviceCounter = 0;

async function device(): Promise<MlsDeviceIdentity> {
  const id = `dev-${++deviceCounter}`;
  const kp = await generateHybridKeyPair(nodeCryptoProvider);
  directory.set(id, kp.publicKey);
  return { deviceId: id, person: `person-${Math.ceil(deviceCounter / 2)}`, identitySecretKey: kp.secretKey };
}

async function keyPackages(n: number, suite: number): Promise<{ identity: MlsDeviceIdentity; kp: MlsKeyPackage }[]> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const identity = await device();
    out.push({ identity, kp: await createKeyPackage(nativeCtx, identity, suite) });
  }
  return out;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function report(base: Record<string, string | number>, op: string, fields: Record<string, number>): void {
  console.log(JSON.stringify({ bench: 'mls', ...base, op, ...fields }));
}

async function benchOne(suiteName: 'pq' | 'classic', providerName: ProviderName, size: number): Promise<void> {
  const suite = suites[suiteName];
  // Separate contexts for the creator, the follower and each joiner, as on separate devices (the
  // authentication service caches verified credentials per context).
  const newContext = () => contexts[providerName](providers[providerName]);
  const ctx = newContext();
  const followerCtx = newContext();
  const base = { suite: suiteName, provider: providerName, groupSize: size };
  const started = performance.now();

  // Build: creator + (size - 2) silent devices + one device that joins and follows.
  const creator = await device();
  let a = await createGroup(ctx, creator, suite, utf8(`bench-${suiteName}-${providerName}-${size}`));
  const t0 = performance.now();
  const silent = await keyPackages(size - 2, suite);
  const [follower] = await keyPackages(1, suite);
  const kpMs = performance.now() - t0;
  const pending = [...silent.map((s) => s.kp.keyPackage), follower!.kp.keyPackage];
  let b: MlsGroup | undefined;
  let buildCommitMs = 0;
  for (let i = 0; i < pending.length; i += BATCH) {
    const batch = pending.slice(i, i + BATCH);
    const add = await timed(() => addDevices(ctx, a, batch));
    buildCommitMs += add.ms;
    a = add.value.group;
    if (i + BATCH >= pending.length) {
      const join = await timed(() =>
        joinFromWelcome(followerCtx, add.value.welcome, follower!.kp.keyPackage, follower!.kp.privatePackage, add.value.ratchetTree),
      );
      b = join.value;
      report(base, 'join-after-bulk-add', {
        ms: round(join.ms),
        runs: 1,
        welcomeBytes: add.value.welcome.length,
        treeBytes: add.value.ratchetTree.length,
      });
      report(base, 'add-batch-commit', { ms: round(add.ms), runs: 1, batch: batch.length, bytes: add.value.commit.length });
    }
    progress(`${suiteName}/${providerName}/${size}: ${Math.min(i + BATCH, pending.length) + 1} members`);
  }
  if (!b || groupMembers(a).length !== size) throw new Error('group build failed');
  report(base, 'build-group', {
    ms: round(performance.now() - t0),
    keyPackagesMs: round(kpMs),
    addCommitsMs: round(buildCommitMs),
    batches: Math.ceil(pending.length / BATCH),
  });

  const figures: Record<string, { ms: number[]; bytes: number[] }> = {};
  const note = (op: string, ms: number, bytes = 0) => {
    figures[op] ??= { ms: [], bytes: [] };
    figures[op].ms.push(ms);
    figures[op].bytes.push(bytes);
  };
  const runs = runsFor(size);
  const extra = await keyPackages(runs, suite);
  for (let r = 0; r < runs; r++) {
    const newcomer = extra[r]!;
    const add = await timed(() => addDevices(ctx, a!, [newcomer.kp.keyPackage]));
    note('add-member-commit', add.ms, add.value.commit.length);
    a = add.value.group;
    const pAdd = await timed(() => processCommit(followerCtx, b!, add.value.commit));
    note('process-add-commit', pAdd.ms);
    b = pAdd.value.group;
    const join = await timed(() =>
      joinFromWelcome(newContext(), add.value.welcome, newcomer.kp.keyPackage, newcomer.kp.privatePackage, add.value.ratchetTree),
    );
    note('join', join.ms, add.value.welcome.length);

    const up = await timed(() => selfUpdate(ctx, a!));
    note('self-update-commit', up.ms, up.value.commit.length);
    a = up.value.group;
    const pUp = await timed(() => processCommit(followerCtx, b!, up.value.commit));
    note('process-update-commit', pUp.ms);
    b = pUp.value.group;

    const rm = await timed(() => removeDevices(ctx, a!, [newcomer.identity.deviceId]));
    note('remove-member-commit', rm.ms, rm.value.commit.length);
    a = rm.value.group;
    const pRm = await timed(() => processCommit(followerCtx, b!, rm.value.commit));
    note('process-remove-commit', pRm.ms);
    b = pRm.value.group;
  }
  for (const [op, f] of Object.entries(figures)) {
    const fields: Record<string, number> = { ms: round(median(f.ms)), runs: f.ms.length };
    if (f.bytes.some((x) => x > 0)) fields.bytes = median(f.bytes);
    report(base, op, fields);
  }

  // Application messages: creator -> follower, in one epoch, after a warm-up of the same.
  const plaintext = utf8('x'.repeat(1000));
  for (let i = 0; i < MESSAGES / 4; i++) {
    const m = await encryptMessage(ctx, a!, plaintext);
    a = m.group;
    b = (await decryptMessage(followerCtx, b!, m.message)).group;
  }
  const sealed: Uint8Array[] = [];
  const enc = await timed(async () => {
    for (let i = 0; i < MESSAGES; i++) {
      const m = await encryptMessage(ctx, a!, plaintext);
      a = m.group;
      sealed.push(m.message);
    }
  });
  const dec = await timed(async () => {
    for (const m of sealed) b = (await decryptMessage(followerCtx, b!, m)).group;
  });
  report(base, 'app-encrypt', {
    us: round((1000 * enc.ms) / MESSAGES, 1),
    runs: MESSAGES,
    plaintextBytes: plaintext.length,
    bytes: sealed[0]!.length,
  });
  report(base, 'app-decrypt', { us: round((1000 * dec.ms) / MESSAGES, 1), runs: MESSAGES });

  // Storing the state (which the SDK does after every operation, encrypted).
  const encoded = await timed(async () => encodeGroup(b!));
  const decoded = await timed(async () => decodeGroup(encoded.value));
  if (groupMembers(decoded.value).length !== size) throw new Error('state round trip failed');
  report(base, 'encode-state', { ms: round(encoded.ms), runs: 1, bytes: encoded.value.length });
  report(base, 'decode-state', { ms: round(decoded.ms), runs: 1 });
  progress(`${suiteName}/${providerName}/${size}: done in ${round((performance.now() - started) / 1000, 1)} s`);
}

const startAll = performance.now();
for (const providerName of providerNames) {
  for (const suiteName of suiteNames) {
    for (const size of sizes) {
      if (providerName !== 'node' && size > webMax) continue;
      await benchOne(suiteName, providerName, size);
    }
  }
}
progress(`all done in ${round((performance.now() - startAll) / 1000, 1)} s`);
