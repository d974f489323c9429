export * from './default-policy.ts';
export * from './dominance.ts';
export * from './label.ts';
export * from './policy.ts';
