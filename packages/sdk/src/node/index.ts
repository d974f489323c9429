export { nodeCryptoProvider } from '@valise/protocol/crypto-node';
export * from './file-store.ts';
export { nodeMlsNative } from './mls-native.ts';
export * from './passphrase.ts';
export * from './pouch-files.ts';
export * from './pouch-transfer.ts';
export * from './profile.ts';
