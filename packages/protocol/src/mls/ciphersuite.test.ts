import * as nodeCrypto from 'node:crypto';
import { XWing } from '@hpke/hybridkem-x-wing';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { generateHybridKeyPair } from '../identity/hybrid.ts';
import { xWingKem } from './ciphersuite.ts';
import {
  addDevices,
  createGroup,
  createKeyPackage,
  decryptMessage,
  encryptMessage,
  joinFromWelcome,
  MLS_SUITES,
  type MlsContext,
  nativeMlsPrimitives,
  processCommit,
  selfUpdate,
} from './index.ts';

const bytes = (b: ArrayBuffer) => new Uint8Array(b);

describe('X-Wing on Valise providers matches @hpke/hybridkem-x-wing (what ts-mls uses)', () => {
  const reference = new XWing();
  for (const crypto of [nodeCryptoProvider, webCryptoProvider]) {
    const ours = xWingKem(crypto);
    it(`${crypto.name}: same key pair from the same input keying material`, async () => {
      for (const length of [32, 64, 17]) {
        const ikm = nodeCryptoProvider.randomBytes(length);
        const a = await ours.deriveKeyPair(ikm);
        const b = await reference.deriveKeyPair(ikm);
        expect(bytes(await ours.serializePublicKey(a.publicKey))).toEqual(bytes(await reference.serializePublicKey(b.publicKey)));
        expect(bytes(await ours.serializePrivateKey(a.privateKey))).toEqual(bytes(await reference.serializePrivateKey(b.privateKey)));
      }
    });

    it(`${crypto.name}: encapsulates to the reference and decapsulates from it`, async () => {
      const ikm = nodeCryptoProvider.randomBytes(32);
      const mine = await ours.deriveKeyPair(ikm);
      const theirs = await reference.deriveKeyPair(ikm);
      const toRef = await ours.encap({ recipientPublicKey: theirs.publicKey });
      expect(bytes(await reference.decap({ recipientKey: theirs.privateKey, enc: toRef.enc }))).toEqual(bytes(toRef.sharedSecret));
      const fromRef = await reference.encap({ recipientPublicKey: theirs.publicKey });
      expect(bytes(await ours.decap({ recipientKey: mine.privateKey, enc: fromRef.enc }))).toEqual(bytes(fromRef.sharedSecret));
      const generated = await ours.generateKeyPair();
      const sk = await ours.serializePrivateKey(generated.privateKey);
      const again = await reference.deserializePrivateKey(sk);
      const enc = await reference.encap({
        recipientPublicKey: await reference.deserializePublicKey(await ours.serializePublicKey(generated.publicKey)),
      });
      expect(bytes(await reference.decap({ recipientKey: again, enc: enc.enc }))).toEqual(bytes(enc.sharedSecret));
      await expect(ours.decap({ recipientKey: mine.privateKey, enc: new Uint8Array(10) })).rejects.toThrow();
    });
  }
});

describe('groups across providers (native in Node, noble in the browser)', () => {
  for (const suite of [MLS_SUITES.postQuantum, MLS_SUITES.classic]) {
    it(`suite ${suite}: members on different providers add, join, commit and talk to each other`, async () => {
      const keys = new Map<string, Uint8Array>();
      const resolveDeviceKey = async (d: string) => keys.get(d);
      const enrol = async (deviceId: string, person: string) => {
        const kp = await generateHybridKeyPair(nodeCryptoProvider);
        keys.set(deviceId, kp.publicKey);
        return { deviceId, person, identitySecretKey: kp.secretKey };
      };
      // Node with native primitives, Node on WebCrypto, and the browser's provider: one group.
      const nodeCtx: MlsContext = { crypto: nodeCryptoProvider, native: nativeMlsPrimitives(nodeCrypto), resolveDeviceKey };
      const plainNodeCtx: MlsContext = { crypto: nodeCryptoProvider, resolveDeviceKey };
      const webCtx: MlsContext = { crypto: webCryptoProvider, resolveDeviceKey };
      const alice = await enrol('alice-server-side', 'alice');
      const bob = await enrol('bob-browser', 'bob');
      const carol = await enrol('carol-cli', 'carol');
      const bk = await createKeyPackage(webCtx, bob, suite);
      const ck = await createKeyPackage(plainNodeCtx, carol, suite);
      const add = await addDevices(nodeCtx, await createGroup(nodeCtx, alice, suite, utf8('mixed')), [bk.keyPackage, ck.keyPackage]);
      const b = await joinFromWelcome(webCtx, add.welcome, bk.keyPackage, bk.privatePackage, add.ratchetTree);
      let c = await joinFromWelcome(plainNodeCtx, add.welcome, ck.keyPackage, ck.privatePackage, add.ratchetTree);
      const up = await selfUpdate(webCtx, b);
      const a = (await processCommit(nodeCtx, add.group, up.commit)).group;
      c = (await processCommit(plainNodeCtx, c, up.commit)).group;
      const m1 = await encryptMessage(nodeCtx, a, utf8('from node'));
      expect(fromUtf8((await decryptMessage(webCtx, up.group, m1.message)).plaintext)).toBe('from node');
      expect(fromUtf8((await decryptMessage(plainNodeCtx, c, m1.message)).plaintext)).toBe('from node');
      const m2 = await encryptMessage(webCtx, up.group, utf8('from the browser'));
      expect(fromUtf8((await decryptMessage(nodeCtx, m1.group, m2.message)).plaintext)).toBe('from the browser');
      const m3 = await encryptMessage(plainNodeCtx, c, utf8('from the cli'));
      expect(fromUtf8((await decryptMessage(nodeCtx, m1.group, m3.message)).plaintext)).toBe('from the cli');
    });
  }
});
