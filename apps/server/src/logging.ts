/**
 * The server's logs: JSON lines to DIR/logs/server.log (for machines and auditors) and one short
 * human line per event on stdout. Bodies, tokens, codes and keys are never logged: the request
 * hook logs method, path, status and time only, and a redaction list catches mistakes.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Turn one JSON log line into a concise console line. */
export function conciseLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 19);
  const level = LEVEL_NAMES[entry.level as number] ?? String(entry.level);
  let text = String(entry.msg ?? '');
  if (text === 'request') text = `${entry.method} ${entry.path} ${entry.status} ${entry.ms}ms`;
  const err = entry.err as { message?: string } | undefined;
  if (err?.message) text += `: ${err.message}`;
  return `${time} ${level.padEnd(5)} ${text}\n`;
}

/** Resolves once the log file is open, so an early exit can still flush it. */
export async function createLogger(dataDir: string, options: { level?: string; console?: boolean } = {}): Promise<Logger> {
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const file = pino.destination({ dest: join(logDir, 'server.log'), mkdir: true, sync: false });
  await once(file, 'ready');
  const streams: pino.StreamEntry[] = [{ level: 'info', stream: file }];
  if (options.console !== false) {
    streams.push({ level: 'info', stream: { write: (line: string) => process.stdout.write(conciseLine(line)) } });
  }
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'token', '*.token', 'proof', '*.proof', 'identityKey', '*.identityKey'],
        censor: '[redacted]',
      },
    },
    pino.multistream(streams),
  );
}
