/**
 * The two crypto providers side by side in one run: node:crypto (OpenSSL 3.5, native ML-DSA and
 * ML-KEM) against WebCrypto + noble (what browsers run). Signing and verifying reuse one key, as a
 * device does with its own identity; both providers cache imported/expanded keys, so these are
 * warm-key figures. AES-256-GCM is measured on 1 MiB buffers, as the pouch sealer uses it.
 *
 *   node bench/crypto.ts [--ms 1000]   (time budget per figure, default 1000 ms; about 30 s in all)
 * Prints one JSON line per figure, e.g.
 *   {"bench":"crypto","provider":"node","op":"ml-dsa-65-sign","opsPerSec":…,"msPerOp":…,"iterations":…}
 */
import { performance } from 'node:perf_hooks';
import { nodeCryptoProvider } from '../packages/protocol/src/crypto/node-provider.ts';
import type { CryptoProvider, SignatureScheme } from '../packages/protocol/src/crypto/provider.ts';
import { webCryptoProvider } from '../packages/protocol/src/crypto/web-provider.ts';
import { generateHybridKeyPair, signHybrid, verifyHybrid } from '../packages/protocol/src/identity/hybrid.ts';

const arg = process.argv.indexOf('--ms');
const budgetMs = arg > 0 ? Number(process.argv[arg + 1]) : 1000;
const MIB = 1024 * 1024;

/** Run `op` repeatedly for about `budgetMs` (after a short warm-up) and report the rate. */
async function measure(op: () => Promise<unknown>): Promise<{ iterations: number; seconds: number }> {
  const warmUntil = performance.now() + Math.min(200, budgetMs / 5);
  while (performance.now() < warmUntil) await op();
  let iterations = 0;
  const start = performance.now();
  const end = start + budgetMs;
  do {
    await op();
    iterations++;
  } while (performance.now() < end);
  return { iterations, seconds: (performance.now() - start) / 1000 };
}

function report(provider: CryptoProvider, op: string, r: { iterations: number; seconds: number }, bytesPerOp?: number): void {
  const opsPerSec = r.iterations / r.seconds;
  const figure: Record<string, string | number> = {
    bench: 'crypto',
    provider: provider.name,
    op,
    opsPerSec: Number(opsPerSec.toFixed(1)),
    msPerOp: Number(((1000 * r.seconds) / r.iterations).toFixed(3)),
    iterations: r.iterations,
  };
  if (bytesPerOp) figure.mbPerSec = Number(((opsPerSec * bytesPerOp) / 1e6).toFixed(1));
  console.log(JSON.stringify(figure));
}

async function signatureFigures(provider: CryptoProvider, name: string, scheme: SignatureScheme, message: Uint8Array): Promise<void> {
  const kp = await scheme.generateKeyPair();
  const signature = await scheme.sign(kp.secretKey, message);
  report(provider, `${name}-sign`, await measure(() => scheme.sign(kp.secretKey, message)));
  report(
    provider,
    `${name}-verify`,
    await measure(async () => {
      if (!(await scheme.verify(kp.publicKey, message, signature))) throw new Error(`${name} signature did not verify`);
    }),
  );
}

const message = nodeCryptoProvider.randomBytes(1024);
const bulk = nodeCryptoProvider.randomBytes(MIB);

for (const provider of [nodeCryptoProvider, webCryptoProvider]) {
  await signatureFigures(provider, 'ed25519', provider.ed25519, message);
  await signatureFigures(provider, 'ml-dsa-65', provider.mlDsa65, message);
  await signatureFigures(provider, 'ml-dsa-87', provider.mlDsa87, message);

  const hybrid = await generateHybridKeyPair(provider);
  const hybridSignature = await signHybrid(provider, hybrid.secretKey, 'message', message);
  report(provider, 'hybrid-sign', await measure(() => signHybrid(provider, hybrid.secretKey, 'message', message)));
  report(
    provider,
    'hybrid-verify',
    await measure(async () => {
      if (!(await verifyHybrid(provider, hybrid.publicKey, 'message', message, hybridSignature))) throw new Error('hybrid did not verify');
    }),
  );

  const kem = await provider.mlKem768.generateKeyPair();
  const { ciphertext } = await provider.mlKem768.encapsulate(kem.publicKey);
  report(provider, 'ml-kem-768-encaps', await measure(() => provider.mlKem768.encapsulate(kem.publicKey)));
  report(provider, 'ml-kem-768-decaps', await measure(() => provider.mlKem768.decapsulate(kem.secretKey, ciphertext)));

  const key = provider.randomBytes(32);
  const nonce = provider.randomBytes(12);
  const sealed = await provider.aes256gcm.encrypt(key, nonce, bulk);
  report(provider, 'aes-256-gcm-encrypt-1MiB', await measure(() => provider.aes256gcm.encrypt(key, nonce, bulk)), MIB);
  report(provider, 'aes-256-gcm-decrypt-1MiB', await measure(() => provider.aes256gcm.decrypt(key, nonce, sealed)), MIB);
}
