export * from './base64.ts';
export * from './checkpoint.ts';
export * from './cosignature.ts';
export * from './keys.ts';
export * from './signed-note.ts';
export * from './text.ts';
export * from './verifiers.ts';
export * from './witness.ts';
