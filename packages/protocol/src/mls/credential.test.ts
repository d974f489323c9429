import fc from 'fast-check';
import { defaultCapabilities, defaultLifetime, encodeMlsMessage, generateKeyPackageWithKey } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { ValiseError } from '../errors.ts';
import { mlsCiphersuite } from './ciphersuite.ts';
import { decodeKeyPackageMessage } from './codec.ts';
import {
  bindingMessage,
  credentialIsBound,
  decodeCredentialIdentity,
  encodeCredentialIdentity,
  type MlsContext,
  makeCredential,
} from './credential.ts';
import {
  addDevices,
  createGroup,
  createKeyPackage,
  decodeGroup,
  encodeGroup,
  joinFromWelcome,
  MLS_SUITES,
  processCommit,
  selfUpdate,
  welcomeKeyPackageRefs,
} from './index.ts';
import { testDirectory } from './test-directory.ts';

const crypto = nodeCryptoProvider;

const directory = () => testDirectory(crypto);

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

for (const suite of [MLS_SUITES.postQuantum, MLS_SUITES.classic]) {
  describe(`the Valise authentication service, suite ${suite}`, () => {
    it('rejects a key package whose binding was signed by another device key', async () => {
      const dir = directory();
      const alice = await dir.enrol('alice-laptop', 'alice');
      await dir.enrol('bob-phone', 'bob');
      const mallory = await dir.enrol('mallory-phone', 'mallory');
      const group = await createGroup(dir.ctx, alice, suite, utf8('g'));
      // Mallory claims to be Bob's phone, signing the binding with her own (enrolled) key.
      const forged = await createKeyPackage(
        dir.ctx,
        { deviceId: 'bob-phone', person: 'bob', identitySecretKey: mallory.identitySecretKey },
        suite,
      );
      expect(await code(addDevices(dir.ctx, group, [forged.keyPackage]))).toBe('MLS_CREDENTIAL_REJECTED');
      // ... or claims Bob as the person on her own device.
      const misattributed = await createKeyPackage(dir.ctx, { ...mallory, person: 'bob' }, suite);
      expect(await code(addDevices(dir.ctx, group, [misattributed.keyPackage]))).toBe('MLS_CREDENTIAL_REJECTED');
    });

    it('rejects an unknown device and a revoked one', async () => {
      const dir = directory();
      const elsewhere = directory();
      const alice = await dir.enrol('alice-laptop', 'alice');
      const stranger = await elsewhere.enrol('stranger-phone', 'stranger');
      const group = await createGroup(dir.ctx, alice, suite, utf8('g'));
      const kp = await createKeyPackage(elsewhere.ctx, stranger, suite);
      expect(await code(addDevices(dir.ctx, group, [kp.keyPackage]))).toBe('MLS_CREDENTIAL_REJECTED');
      const bob = await dir.enrol('bob-phone', 'bob');
      const bk = await createKeyPackage(dir.ctx, bob, suite);
      dir.entries.delete('bob-phone');
      expect(await code(addDevices(dir.ctx, group, [bk.keyPackage]))).toBe('MLS_CREDENTIAL_REJECTED');
    });

    it('rejects a credential copied onto another signature key, and tampered credentials', async () => {
      const dir = directory();
      const alice = await dir.enrol('alice-laptop', 'alice');
      const bob = await dir.enrol('bob-phone', 'bob');
      const cs = await mlsCiphersuite(crypto, suite);
      const bobs = decodeKeyPackageMessage((await createKeyPackage(dir.ctx, bob, suite)).keyPackage);
      const cred = bobs.leafNode.credential;
      const sigKey = bobs.leafNode.signaturePublicKey;
      expect(await credentialIsBound(dir.ctx, suite, cred, sigKey)).toBe(true);

      // Bob's genuine credential on a leaf key Mallory holds: a well-formed, self-signed key package.
      const malloryKeys = await cs.signature.keygen();
      const stolen = await generateKeyPackageWithKey(cred, defaultCapabilities(), defaultLifetime, [], malloryKeys, cs);
      const stolenBytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: stolen.publicPackage });
      const group = await createGroup(dir.ctx, alice, suite, utf8('g'));
      expect(await code(addDevices(dir.ctx, group, [stolenBytes]))).toBe('MLS_CREDENTIAL_REJECTED');

      if (cred.credentialType !== 'basic') throw new Error('expected a basic credential');
      const id = decodeCredentialIdentity(cred.identity);
      const variants = [
        { ...id, person: 'mallory' },
        { ...id, deviceId: 'bob-desk' },
        { ...id, binding: id.binding.map((b, i) => (i === 10 ? b ^ 1 : b)) }, // Ed25519 half
        { ...id, binding: id.binding.map((b, i) => (i === 1000 ? b ^ 1 : b)) }, // ML-DSA-65 half
      ];
      for (const v of variants) {
        expect(await credentialIsBound(dir.ctx, suite, { credentialType: 'basic', identity: encodeCredentialIdentity(v) }, sigKey)).toBe(
          false,
        );
      }
      const truncated = cred.identity.subarray(0, cred.identity.length - 1);
      expect(await credentialIsBound(dir.ctx, suite, { credentialType: 'basic', identity: truncated }, sigKey)).toBe(false);
      expect(await credentialIsBound(dir.ctx, suite, { credentialType: 'x509', certificates: [] }, sigKey)).toBe(false);
      // The binding names the suite: it does not carry over to the other one.
      const other = suite === MLS_SUITES.postQuantum ? MLS_SUITES.classic : MLS_SUITES.postQuantum;
      expect(await credentialIsBound(dir.ctx, other, cred, sigKey)).toBe(false);
    });

    it('judges every member on join, and every committer afterwards', async () => {
      const dir = directory();
      const alice = await dir.enrol('alice-laptop', 'alice');
      const bob = await dir.enrol('bob-phone', 'bob');
      let a = await createGroup(dir.ctx, alice, suite, utf8('g'));
      const bk = await createKeyPackage(dir.ctx, bob, suite);
      const add = await addDevices(dir.ctx, a, [bk.keyPackage]);
      a = add.group;
      expect(welcomeKeyPackageRefs(add.welcome)).toEqual([bk.ref]);
      // Bob's view of the directory does not know Alice: he refuses to join her group.
      const bobsDirectory: MlsContext = {
        crypto,
        resolveDeviceKey: async (d, p) => (d === 'alice-laptop' ? undefined : dir.ctx.resolveDeviceKey(d, p)),
      };
      expect(await code(joinFromWelcome(bobsDirectory, add.welcome, bk.keyPackage, bk.privatePackage, add.ratchetTree))).toBe(
        'MLS_CREDENTIAL_REJECTED',
      );
      const b = await joinFromWelcome(dir.ctx, add.welcome, bk.keyPackage, bk.privatePackage, add.ratchetTree);
      // A stored state has no authentication service of its own: the caller's context judges.
      const restored = decodeGroup(encodeGroup(b));
      const up = await selfUpdate(dir.ctx, a);
      expect(await code(processCommit(bobsDirectory, restored, up.commit))).toBe('MLS_CREDENTIAL_REJECTED');
      // A directory that fails is an error of its own, not a verdict on the credential.
      const broken: MlsContext = {
        crypto,
        resolveDeviceKey: async () => {
          throw new ValiseError('DIRECTORY_UNAVAILABLE', 'directory down');
        },
      };
      expect(await code(processCommit(broken, b, up.commit))).toBe('DIRECTORY_UNAVAILABLE');
      expect((await processCommit(dir.ctx, b, up.commit)).removedSelf).toBe(false);
    });
  });
}

describe('credential identity encoding', () => {
  const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0'));

  it('round-trips', () => {
    fc.assert(
      fc.property(name, name, fc.uint8Array({ minLength: 1, maxLength: 200 }), (deviceId, person, binding) => {
        expect(decodeCredentialIdentity(encodeCredentialIdentity({ deviceId, person, binding }))).toEqual({ deviceId, person, binding });
      }),
    );
  });

  it('refuses arbitrary bytes with MLS_BAD_CREDENTIAL and nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        try {
          decodeCredentialIdentity(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ValiseError);
          expect((err as ValiseError).code).toBe('MLS_BAD_CREDENTIAL');
        }
      }),
    );
  });

  it('refuses names that would make the binding ambiguous', () => {
    expect(() => bindingMessage(MLS_SUITES.classic, new Uint8Array(32), 'a\0b', 'c')).toThrow(
      expect.objectContaining({ code: 'MLS_BAD_IDENTITY' }),
    );
    expect(() => bindingMessage(MLS_SUITES.classic, new Uint8Array(32), '', 'c')).toThrow(
      expect.objectContaining({ code: 'MLS_BAD_IDENTITY' }),
    );
  });

  it('makes a credential whose binding verifies under the device key', async () => {
    const dir = directory();
    const d = await dir.enrol('dev', 'pers');
    const sig = new Uint8Array(32).fill(7);
    const cred = await makeCredential(crypto, d, MLS_SUITES.classic, sig);
    expect(await credentialIsBound(dir.ctx, MLS_SUITES.classic, cred, sig)).toBe(true);
    expect(await credentialIsBound(dir.ctx, MLS_SUITES.classic, cred, new Uint8Array(32).fill(8))).toBe(false);
  });
});
