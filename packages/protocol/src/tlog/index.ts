export * from './bundle.ts';
export * from './frontier.ts';
export * from './hash.ts';
export * from './merkle.ts';
export * from './tile-audit.ts';
export * from './tiles.ts';
export * from './verify.ts';
