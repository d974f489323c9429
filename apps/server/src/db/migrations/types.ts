import type { Dialect } from '../schema.ts';

/** The column type for raw bytes: SQLite calls it blob, PostgreSQL bytea. */
export function binaryType(dialect: Dialect): 'blob' | 'bytea' {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}
