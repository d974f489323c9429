/**
 * Every failure that crosses a package boundary carries a stable `code` so that callers, tests and
 * the HTTP layer can act on it without parsing messages. Messages never contain secrets.
 */
export class ValiseError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ValiseError';
    this.code = code;
  }
}

/** True when `err` is a ValiseError with the given code. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof ValiseError && err.code === code;
}
