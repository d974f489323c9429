import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../bytes.ts';
import { nodeCryptoProvider } from '../crypto/node-provider.ts';
import { hasCode } from '../errors.ts';
import {
  addDevices,
  createGroup,
  createKeyPackage,
  decodeGroup,
  decryptMessage,
  encodeGroup,
  encryptMessage,
  groupEpoch,
  groupId,
  groupMembers,
  groupSuite,
  inspectKeyPackage,
  joinFromWelcome,
  MLS_SUITES,
  type MlsGroup,
  nativeMlsPrimitives,
  processCommit,
  removeDevices,
  selfUpdate,
  welcomeKeyPackageRefs,
} from './index.ts';
import { testDirectory } from './test-directory.ts';

const directory = testDirectory;

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  expect(hasCode(caught, code), `expected ${code}, got ${(caught as { code?: string }).code}: ${String(caught)}`).toBe(true);
}

const suites = [
  ['post-quantum', MLS_SUITES.postQuantum],
  ['classic', MLS_SUITES.classic],
] as const;
const primitives = [
  ['node:crypto primitives', nativeMlsPrimitives(nodeCrypto)],
  ['WebCrypto primitives', undefined],
] as const;

for (const [name, suite] of suites) {
  for (const [primitivesName, native] of primitives)
    describe(`MLS groups, ${name} suite (${suite}), ${primitivesName}`, () => {
      async function threeMemberGroup() {
        const dir = directory(nodeCryptoProvider, native);
        const { ctx } = dir;
        const alice = await dir.enrol('alice-laptop', 'alice');
        const bob = await dir.enrol('bob-phone', 'bob');
        const bob2 = await dir.enrol('bob-desk', 'bob');
        const carol = await dir.enrol('carol-laptop', 'carol');
        let a = await createGroup(ctx, alice, suite, utf8('conv-1'));
        const kps = await Promise.all([bob, bob2, carol].map((d) => createKeyPackage(ctx, d, suite)));
        const add = await addDevices(
          ctx,
          a,
          kps.map((k) => k.keyPackage),
        );
        a = add.group;
        const joined: MlsGroup[] = [];
        for (const k of kps) {
          expect(welcomeKeyPackageRefs(add.welcome)).toContain(k.ref);
          joined.push(await joinFromWelcome(ctx, add.welcome, k.keyPackage, k.privatePackage, add.ratchetTree));
        }
        return { dir, ctx, alice, a, joined, kps, add, carol };
      }

      it('creates a group, adds devices of different people, and joiners read messages', async () => {
        const { ctx, a, joined, add } = await threeMemberGroup();
        expect(add.added).toEqual([
          { deviceId: 'bob-phone', person: 'bob' },
          { deviceId: 'bob-desk', person: 'bob' },
          { deviceId: 'carol-laptop', person: 'carol' },
        ]);
        expect(groupEpoch(a)).toBe(1);
        expect(groupSuite(a)).toBe(suite);
        expect(fromUtf8(groupId(a))).toBe('conv-1');
        for (const g of joined) {
          expect(groupEpoch(g)).toBe(1);
          expect(groupMembers(g)).toEqual(groupMembers(a));
        }
        expect(groupMembers(a).map((m) => m.deviceId)).toEqual(['alice-laptop', 'bob-phone', 'bob-desk', 'carol-laptop']);

        const sent = await encryptMessage(ctx, a, utf8('cable 0042: proceed'));
        for (const g of joined) {
          const got = await decryptMessage(ctx, g, sent.message);
          expect(fromUtf8(got.plaintext)).toBe('cable 0042: proceed');
          expect(got.sender).toEqual({ deviceId: 'alice-laptop', person: 'alice' });
        }
        // And back: a joiner writes, the creator reads.
        const reply = await encryptMessage(ctx, joined[2]!, utf8('ack'));
        const back = await decryptMessage(ctx, sent.group, reply.message);
        expect(fromUtf8(back.plaintext)).toBe('ack');
        expect(back.sender).toEqual({ deviceId: 'carol-laptop', person: 'carol' });
      });

      it('the Welcome does not carry the ratchet tree; a device that was not added cannot join or read', async () => {
        const { dir, ctx, a, add } = await threeMemberGroup();
        // The tree alone is larger than the Welcome with the tree inline would need to be.
        expect(add.welcome.length).toBeLessThan(add.ratchetTree.length);
        const dave = await dir.enrol('dave-laptop', 'dave');
        const dk = await createKeyPackage(ctx, dave, suite);
        await rejects(joinFromWelcome(ctx, add.welcome, dk.keyPackage, dk.privatePackage, add.ratchetTree), 'MLS_NOT_A_MEMBER');
        // Dave's own group with the same id cannot read the real group's traffic.
        const daves = await createGroup(ctx, dave, suite, utf8('conv-1'));
        const sent = await encryptMessage(ctx, a, utf8('not for dave'));
        await rejects(decryptMessage(ctx, daves, sent.message), 'MLS_WRONG_EPOCH');
        const daves1 = (await selfUpdate(ctx, daves)).group; // now at epoch 1, like the real group
        await rejects(decryptMessage(ctx, daves1, sent.message), 'MLS_DECRYPT_FAILED');
      });

      it('a removed device learns it was removed and cannot decrypt anything after', async () => {
        const { ctx, a, joined } = await threeMemberGroup();
        const [bob, bob2, carol] = joined as [MlsGroup, MlsGroup, MlsGroup];
        const rm = await removeDevices(ctx, a, ['carol-laptop']);
        expect(groupEpoch(rm.group)).toBe(2);
        expect(groupMembers(rm.group).map((m) => m.deviceId)).not.toContain('carol-laptop');

        const atBob = await processCommit(ctx, bob, rm.commit);
        expect(atBob.removed).toEqual([{ deviceId: 'carol-laptop', person: 'carol' }]);
        expect(atBob.added).toEqual([]);
        expect(atBob.removedSelf).toBe(false);
        const atBob2 = await processCommit(ctx, bob2, rm.commit);

        const atCarol = await processCommit(ctx, carol, rm.commit);
        expect(atCarol.removedSelf).toBe(true);

        const after = await encryptMessage(ctx, rm.group, utf8('after carol left'));
        expect(fromUtf8((await decryptMessage(ctx, atBob.group, after.message)).plaintext)).toBe('after carol left');
        expect(fromUtf8((await decryptMessage(ctx, atBob2.group, after.message)).plaintext)).toBe('after carol left');
        await rejects(decryptMessage(ctx, atCarol.group, after.message), 'MLS_NOT_A_MEMBER');
        // Her pre-removal state cannot read the new epoch either.
        await rejects(decryptMessage(ctx, carol, after.message), 'MLS_WRONG_EPOCH');
        await rejects(encryptMessage(ctx, atCarol.group, utf8('still here?')), 'MLS_NOT_A_MEMBER');
      });

      it('self-update moves everyone to a new epoch with fresh keys', async () => {
        const { ctx, a, joined } = await threeMemberGroup();
        const [bob, bob2, carol] = joined as [MlsGroup, MlsGroup, MlsGroup];
        const up = await selfUpdate(ctx, bob2);
        expect(groupEpoch(up.group)).toBe(2);
        const others = [];
        for (const g of [a, bob, carol]) {
          const p = await processCommit(ctx, g, up.commit);
          expect(p.added).toEqual([]);
          expect(p.removed).toEqual([]);
          expect(groupEpoch(p.group)).toBe(2);
          others.push(p.group);
        }
        const sent = await encryptMessage(ctx, up.group, utf8('fresh keys'));
        for (const g of others) expect(fromUtf8((await decryptMessage(ctx, g, sent.message)).plaintext)).toBe('fresh keys');
        // A commit applies once: the same commit again is for an epoch that has passed.
        await rejects(processCommit(ctx, others[0]!, up.commit), 'MLS_WRONG_EPOCH');
        // A message from the previous epoch still decrypts (its keys are retained for a while).
        const late = await encryptMessage(ctx, bob, utf8('sent before the update'));
        expect(fromUtf8((await decryptMessage(ctx, others[0]!, late.message)).plaintext)).toBe('sent before the update');
      });

      it('processCommit reports added devices to existing members', async () => {
        const { dir, ctx, a, joined } = await threeMemberGroup();
        const dave = await dir.enrol('dave-laptop', 'dave');
        const dk = await createKeyPackage(ctx, dave, suite);
        const add = await addDevices(ctx, a, [dk.keyPackage]);
        const p = await processCommit(ctx, joined[0]!, add.commit);
        expect(p.added).toEqual([{ deviceId: 'dave-laptop', person: 'dave' }]);
        const d = await joinFromWelcome(ctx, add.welcome, dk.keyPackage, dk.privatePackage, add.ratchetTree);
        const sent = await encryptMessage(ctx, d, utf8('hello from dave'));
        expect((await decryptMessage(ctx, p.group, sent.message)).sender).toEqual({ deviceId: 'dave-laptop', person: 'dave' });
        await rejects(addDevices(ctx, add.group, [dk.keyPackage]), 'MLS_ALREADY_MEMBER');
      });

      it('encodes and decodes the group state', async () => {
        const { ctx, a, joined } = await threeMemberGroup();
        const bytes = encodeGroup(joined[1]!);
        const restored = decodeGroup(bytes);
        expect(encodeGroup(restored)).toEqual(bytes);
        expect(groupMembers(restored)).toEqual(groupMembers(joined[1]!));
        expect(groupEpoch(restored)).toBe(1);
        const sent = await encryptMessage(ctx, a, utf8('after restore'));
        expect(fromUtf8((await decryptMessage(ctx, restored, sent.message)).plaintext)).toBe('after restore');
        const up = await selfUpdate(ctx, restored);
        expect(groupEpoch((await processCommit(ctx, sent.group, up.commit)).group)).toBe(2);
        expect(() => decodeGroup(bytes.subarray(0, bytes.length - 1))).toThrow(expect.objectContaining({ code: 'MLS_BAD_STATE' }));
        expect(() => decodeGroup(new Uint8Array([9, 9, 9]))).toThrow(expect.objectContaining({ code: 'MLS_BAD_STATE' }));
      });

      it('rejects tampered ciphertexts, replays and misdirected bytes with codes', async () => {
        const { ctx, a, joined } = await threeMemberGroup();
        const sent = await encryptMessage(ctx, a, utf8('integrity'));
        const bob = joined[0]!;
        for (const at of [sent.message.length - 1, sent.message.length - 40, sent.message.length - 300]) {
          const t = sent.message.slice();
          t[at] = (t[at] as number) ^ 0x01;
          await rejects(decryptMessage(ctx, bob, t), 'MLS_DECRYPT_FAILED');
        }
        await rejects(decryptMessage(ctx, bob, sent.message.subarray(0, 20)), 'MLS_BAD_MESSAGE');
        await rejects(decryptMessage(ctx, bob, new Uint8Array([...sent.message, 0])), 'MLS_BAD_MESSAGE');
        const ok = await decryptMessage(ctx, bob, sent.message);
        await rejects(decryptMessage(ctx, ok.group, sent.message), 'MLS_DECRYPT_FAILED'); // replay
        const up = await selfUpdate(ctx, a);
        await rejects(decryptMessage(ctx, bob, up.commit), 'MLS_BAD_MESSAGE'); // a commit is not a message
        await rejects(processCommit(ctx, bob, sent.message), 'MLS_BAD_MESSAGE'); // and vice versa
        const t = up.commit.slice();
        t[t.length - 5] = (t[t.length - 5] as number) ^ 0x80;
        await rejects(processCommit(ctx, bob, t), 'MLS_DECRYPT_FAILED');
        const later = await encryptMessage(ctx, up.group, utf8('future'));
        await rejects(decryptMessage(ctx, bob, later.message), 'MLS_WRONG_EPOCH');
      });

      it('refuses bad inputs to the group operations', async () => {
        const { ctx, a, kps, add, alice } = await threeMemberGroup();
        await rejects(removeDevices(ctx, a, ['nobody']), 'MLS_NOT_A_MEMBER');
        await rejects(removeDevices(ctx, a, ['alice-laptop']), 'MLS_CANNOT_REMOVE_SELF');
        await rejects(removeDevices(ctx, a, []), 'MLS_EMPTY_COMMIT');
        await rejects(addDevices(ctx, a, []), 'MLS_EMPTY_COMMIT');
        await rejects(addDevices(ctx, a, [add.welcome]), 'MLS_BAD_KEY_PACKAGE');
        const other = suite === MLS_SUITES.classic ? MLS_SUITES.postQuantum : MLS_SUITES.classic;
        const foreign = await createKeyPackage(ctx, alice, other);
        await rejects(addDevices(ctx, a, [foreign.keyPackage]), 'MLS_BAD_KEY_PACKAGE');
        await rejects(createKeyPackage(ctx, alice, 3), 'MLS_UNSUPPORTED_SUITE');
        // A private package that is not the key package's own.
        await rejects(
          joinFromWelcome(ctx, add.welcome, kps[0]!.keyPackage, kps[1]!.privatePackage, add.ratchetTree),
          'MLS_BAD_KEY_PACKAGE',
        );
        // A served tree that is not the group's.
        const wrongTree = (await removeDevices(ctx, add.group, ['carol-laptop'])).ratchetTree;
        await rejects(joinFromWelcome(ctx, add.welcome, kps[0]!.keyPackage, kps[0]!.privatePackage, wrongTree), 'MLS_BAD_TREE');
        const info = inspectKeyPackage(kps[0]!.keyPackage);
        expect(info).toMatchObject({ deviceId: 'bob-phone', person: 'bob', suite });
        expect(info.notAfter - info.notBefore).toBeGreaterThan(80 * 24 * 3600);
      });
    });
}
