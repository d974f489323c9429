export * from './bytes.ts';
export * from './crypto/provider.ts';
export * from './errors.ts';
export * from './identity/hybrid.ts';
export * from './messaging/attachment.ts';
export * from './messaging/content.ts';
export * from './wire/api.ts';
export * from './wire/common.ts';
