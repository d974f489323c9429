/**
 * Valise's MLS (RFC 9420) layer: our own interface over ts-mls 1.6.4, so that nothing outside this
 * folder depends on ts-mls (whose 2.0 rewrites its API). Groups are opaque and immutable; every
 * operation takes an MlsContext (crypto provider + directory lookup) so the authentication service
 * always judges credentials against the directory.
 */
export {
  addDevices,
  type MlsAddResult,
  type MlsCommitResult,
  type MlsProcessedCommit,
  processCommit,
  removeDevices,
  selfUpdate,
} from './commit.ts';
export type { MlsContext, MlsDeviceIdentity, MlsMember } from './credential.ts';
export { MLS_ERROR_CODES, type MlsErrorCode } from './errors.ts';
export {
  createGroup,
  createKeyPackage,
  decodeGroup,
  encodeGroup,
  groupEpoch,
  groupId,
  groupMembers,
  groupOwnLeafIndex,
  groupSuite,
  inspectKeyPackage,
  joinFromWelcome,
  KEY_PACKAGE_LIFETIME_SECONDS,
  type MlsKeyPackage,
  type MlsKeyPackageInfo,
  welcomeKeyPackageRefs,
} from './group.ts';
export { decryptMessage, encryptMessage } from './message.ts';
export { type MlsNativePrimitives, type NodeCryptoSubset, nativeMlsPrimitives } from './native.ts';
export type { MlsGroup } from './state.ts';
export { DEFAULT_MLS_SUITE, isMlsSuite, MLS_SUITE_NAMES, MLS_SUITES, type MlsSuiteId, type MlsSuiteName } from './suites.ts';
