/**
 * The witness policy of verifyLogCheckpoint: distinct trusted witnesses (by key name) whose
 * cosignature verifies are counted; unknown, forged or repeated ones are not; too few is
 * AUDIT_WITNESSES_INSUFFICIENT; the three-argument form is unchanged.
 */
import {
  ed25519CosignatureSigner,
  ed25519NoteSigner,
  encodeVerifierKey,
  mlDsa44CosignatureSigner,
  NOTE_SIGNATURE_TYPE,
  type NoteSigner,
  signCheckpoint,
  ValiseError,
} from '@valise/protocol';
import { nodeCryptoProvider as crypto } from '@valise/protocol/crypto-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuditLogKeys, verifyLogCheckpoint } from './checkpoint-trust.ts';

const ORIGIN = 'mfa.example/valise-log';
const seed = (n: number) => new Uint8Array(32).fill(n);

let keys: AuditLogKeys;
let logSigners: NoteSigner[];
let witness: (name: string, n: number) => Promise<{ signers: NoteSigner[]; vkeys: string[] }>;

beforeAll(async () => {
  logSigners = [await ed25519NoteSigner(crypto, ORIGIN, seed(1)), await mlDsa44CosignatureSigner(crypto, ORIGIN, seed(2), () => 0)];
  keys = {
    vkey: encodeVerifierKey(ORIGIN, NOTE_SIGNATURE_TYPE.ed25519, (await crypto.ed25519.generateKeyPair(seed(1))).publicKey),
    vkeyMldsa: encodeVerifierKey(ORIGIN, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, (await crypto.mlDsa44.generateKeyPair(seed(2))).publicKey),
  };
  witness = async (name, n) => ({
    signers: [
      await mlDsa44CosignatureSigner(crypto, name, seed(n), () => 1_760_000_000),
      await ed25519CosignatureSigner(crypto, name, seed(n + 1), () => 1_760_000_000),
    ],
    vkeys: [
      encodeVerifierKey(name, NOTE_SIGNATURE_TYPE.mlDsa44Cosignature, (await crypto.mlDsa44.generateKeyPair(seed(n))).publicKey),
      encodeVerifierKey(name, NOTE_SIGNATURE_TYPE.ed25519Cosignature, (await crypto.ed25519.generateKeyPair(seed(n + 1))).publicKey),
    ],
  });
});

const checkpoint = (signers: NoteSigner[]) =>
  signCheckpoint({ origin: ORIGIN, size: 3, rootHash: seed(9), extensions: [] }, [...logSigners, ...signers]);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return err instanceof ValiseError ? err.code : 'other';
  }
}

describe('verifyLogCheckpoint with a witness policy', () => {
  it('counts distinct trusted witnesses with a verifying cosignature', async () => {
    const a = await witness('witness.a/w', 10);
    const b = await witness('witness.b/w', 20);
    const stranger = await witness('witness.c/w', 30);
    const note = await checkpoint([...a.signers, stranger.signers[0]!]);
    // The three-argument form is unchanged.
    expect((await verifyLogCheckpoint(crypto, keys, note)).size).toBe(3);
    const policy = (minimum: number) => ({ witnesses: [...a.vkeys, ...b.vkeys], minimum });
    // a's two keys count once; the stranger is not trusted; b did not cosign.
    expect((await verifyLogCheckpoint(crypto, keys, note, policy(1))).size).toBe(3);
    expect(await code(verifyLogCheckpoint(crypto, keys, note, policy(2)))).toBe('AUDIT_WITNESSES_INSUFFICIENT');
    await expect(verifyLogCheckpoint(crypto, keys, note, policy(2))).rejects.toThrow(/from 1 of the trusted witnesses; 2 are required/);
    const both = await checkpoint([a.signers[1]!, b.signers[0]!]);
    expect((await verifyLogCheckpoint(crypto, keys, both, policy(2))).size).toBe(3);
    expect(await verifyLogCheckpoint(crypto, keys, both, { witnesses: [], minimum: 0 })).toBeDefined();
  });

  it('does not count a forged cosignature and refuses invalid policies', async () => {
    const a = await witness('witness.a/w', 10);
    const impostor = await witness('witness.a/w', 40); // same name, other keys: other key IDs, unknown
    const note = await checkpoint(impostor.signers);
    expect(await code(verifyLogCheckpoint(crypto, keys, note, { witnesses: a.vkeys, minimum: 1 }))).toBe('AUDIT_WITNESSES_INSUFFICIENT');
    expect(await code(verifyLogCheckpoint(crypto, keys, note, { witnesses: ['nope'], minimum: 1 }))).toBe('AUDIT_WITNESS_POLICY_INVALID');
    expect(await code(verifyLogCheckpoint(crypto, keys, note, { witnesses: [keys.vkey], minimum: 1 }))).toBe(
      'AUDIT_WITNESS_POLICY_INVALID',
    );
    expect(await code(verifyLogCheckpoint(crypto, keys, note, { witnesses: a.vkeys, minimum: -1 }))).toBe('AUDIT_WITNESS_POLICY_INVALID');
  });
});
