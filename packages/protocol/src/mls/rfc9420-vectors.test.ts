/**
 * RFC 9420 interoperability test vectors (mlswg/mls-implementations, as vendored by ts-mls in
 * test_vectors/, commit c076374b), cipher suite 1 entries, run against OUR cipher suite
 * implementation: Valise's crypto provider for signatures and KEM, and both the node:crypto and
 * the WebCrypto paths for hashing, HMAC, HKDF and AEAD. Suite 87 has no published vectors (it is a
 * private-use id); its X-Wing KEM is cross-checked against @hpke/hybridkem-x-wing instead.
 */
import * as nodeCrypto from 'node:crypto';
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { encodeGroupContext, type GroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js';
import { describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { webCryptoProvider } from '../crypto/web-provider.ts';
import { mlsCiphersuite } from './ciphersuite.ts';
import cryptoBasics from './fixtures/rfc9420-crypto-basics.json' with { type: 'json' };
import keySchedule from './fixtures/rfc9420-key-schedule.json' with { type: 'json' };
import { nativeMlsPrimitives } from './native.ts';
import { MLS_SUITES } from './suites.ts';

const configurations = [
  ['node provider + node:crypto primitives', nodeCryptoProvider, nativeMlsPrimitives(nodeCrypto)],
  ['node provider + WebCrypto', nodeCryptoProvider, undefined],
  ['web provider (noble)', webCryptoProvider, undefined],
] as const;

for (const [name, crypto, native] of configurations) {
  describe(`RFC 9420 crypto-basics vectors, suite 1, ${name}`, () => {
    const v = cryptoBasics[0]!;
    it('RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret', async () => {
      const cs = await mlsCiphersuite(crypto, MLS_SUITES.classic, native);
      expect(await refhash(v.ref_hash.label, fromHex(v.ref_hash.value), cs.hash)).toEqual(fromHex(v.ref_hash.out));
      const e = v.expand_with_label;
      expect(await expandWithLabel(fromHex(e.secret), e.label, fromHex(e.context), e.length, cs.kdf)).toEqual(fromHex(e.out));
      expect(await deriveSecret(fromHex(v.derive_secret.secret), v.derive_secret.label, cs.kdf)).toEqual(fromHex(v.derive_secret.out));
      const t = v.derive_tree_secret;
      expect(await deriveTreeSecret(fromHex(t.secret), t.label, t.generation, t.length, cs.kdf)).toEqual(fromHex(t.out));
    });

    it('SignWithLabel / VerifyWithLabel (Ed25519 is deterministic)', async () => {
      const cs = await mlsCiphersuite(crypto, MLS_SUITES.classic, native);
      const s = v.sign_with_label;
      expect(await signWithLabel(fromHex(s.priv), s.label, fromHex(s.content), cs.signature)).toEqual(fromHex(s.signature));
      expect(await verifyWithLabel(fromHex(s.pub), s.label, fromHex(s.content), fromHex(s.signature), cs.signature)).toBe(true);
      expect(await verifyWithLabel(fromHex(s.pub), 'OtherLabel', fromHex(s.content), fromHex(s.signature), cs.signature)).toBe(false);
    });

    it('EncryptWithLabel / DecryptWithLabel', async () => {
      const cs = await mlsCiphersuite(crypto, MLS_SUITES.classic, native);
      const x = v.encrypt_with_label;
      const priv = await cs.hpke.importPrivateKey(fromHex(x.priv));
      const opened = await decryptWithLabel(priv, x.label, fromHex(x.context), fromHex(x.kem_output), fromHex(x.ciphertext), cs.hpke);
      expect(opened).toEqual(fromHex(x.plaintext));
      const sealed = await encryptWithLabel(
        await cs.hpke.importPublicKey(fromHex(x.pub)),
        x.label,
        fromHex(x.context),
        utf8('again'),
        cs.hpke,
      );
      expect(await decryptWithLabel(priv, x.label, fromHex(x.context), sealed.enc, sealed.ct, cs.hpke)).toEqual(utf8('again'));
    });
  });

  describe(`RFC 9420 key-schedule vectors, suite 1, ${name}`, () => {
    it('derives every epoch secret, the external key and the exporter', async () => {
      const cs = await mlsCiphersuite(crypto, MLS_SUITES.classic, native);
      for (const vector of keySchedule) {
        let initSecret = fromHex(vector.initial_init_secret);
        for (const [index, epoch] of vector.epochs.entries()) {
          const gc: GroupContext = {
            version: 'mls10',
            cipherSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
            groupId: fromHex(vector.group_id),
            epoch: BigInt(index),
            treeHash: fromHex(epoch.tree_hash),
            confirmedTranscriptHash: fromHex(epoch.confirmed_transcript_hash),
            extensions: [],
          };
          expect(encodeGroupContext(gc)).toEqual(fromHex(epoch.group_context));
          const secrets = await initializeEpoch(initSecret, fromHex(epoch.commit_secret), gc, fromHex(epoch.psk_secret), cs.kdf);
          const ks = secrets.keySchedule;
          expect(secrets.joinerSecret).toEqual(fromHex(epoch.joiner_secret));
          expect(secrets.welcomeSecret).toEqual(fromHex(epoch.welcome_secret));
          expect(secrets.encryptionSecret).toEqual(fromHex(epoch.encryption_secret));
          expect(ks.initSecret).toEqual(fromHex(epoch.init_secret));
          expect(ks.senderDataSecret).toEqual(fromHex(epoch.sender_data_secret));
          expect(ks.exporterSecret).toEqual(fromHex(epoch.exporter_secret));
          expect(ks.externalSecret).toEqual(fromHex(epoch.external_secret));
          expect(ks.confirmationKey).toEqual(fromHex(epoch.confirmation_key));
          expect(ks.membershipKey).toEqual(fromHex(epoch.membership_key));
          expect(ks.resumptionPsk).toEqual(fromHex(epoch.resumption_psk));
          expect(ks.epochAuthenticator).toEqual(fromHex(epoch.epoch_authenticator));
          const external = await cs.hpke.deriveKeyPair(fromHex(epoch.external_secret));
          expect(await cs.hpke.exportPublicKey(external.publicKey)).toEqual(fromHex(epoch.external_pub));
          const ex = epoch.exporter;
          // The vector's exporter label is used as text, exactly as it is spelled in the file.
          expect(await mlsExporter(ks.exporterSecret, ex.label, fromHex(ex.context), ex.length, cs)).toEqual(fromHex(ex.secret));
          initSecret = ks.initSecret;
        }
      }
    });
  });
}
