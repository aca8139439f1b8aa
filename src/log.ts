/** JSON-lines logger on stdout. Never pass secrets: fields named like credentials are redacted. */

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEYS = /^(authorization|password|token|secret|cookie|set-cookie|credentials?)$/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Nested objects are redacted too, up to this depth (deeper values are replaced, never printed). */
const MAX_DEPTH = 6;

/** A copy of `value` with credential-named fields (at any depth) redacted and errors as their message. */
function redactValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return value.message;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  // Dates, URLs, Buffers…: what JSON.stringify would print (toJSON), never their own fields.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redactValue(v, depth + 1);
  return out;
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  return redactValue(fields, 0) as Record<string, unknown>;
}

/**
 * Stdout, one write per turn of the event loop: stdout to a file or a pipe is a blocking write on
 * Linux, and a syscall per line (an audit line per request) costs more than the rest of a cached
 * manifest GET's logging. Lines logged in one turn go out together right after it; what is pending
 * when the process exits (process.exit, a fatal error, SIGTERM's drain) is written on 'exit'.
 */
let pending: string[] = [];
let flushScheduled = false;
function flushStdout(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const text = pending.length === 1 ? pending[0]! : pending.join('');
  pending = [];
  process.stdout.write(text);
}
let exitHook = false;
export function batchedStdout(line: string): void {
  pending.push(line);
  if (!exitHook) { exitHook = true; process.once('exit', flushStdout); }
  if (!flushScheduled) { flushScheduled = true; setImmediate(flushStdout); }
}

export function createLogger(level: Level = 'info', base: Record<string, unknown> = {}, write: (line: string) => void = batchedStdout): Logger {
  const min = ORDER[level];
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const line = { time: new Date().toISOString(), level: lvl, msg, ...base, ...(fields ? redact(fields) : {}) };
    write(JSON.stringify(line) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(level, { ...base, ...redact(f) }, write),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
