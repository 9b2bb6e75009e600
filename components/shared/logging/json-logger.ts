/**
 * The Logger port as JSON lines on stdout: one object per line `{time, level, component, event, ...fields}`,
 * which the nucleus captures and LogManager ships. Errors anywhere in the fields are serialised with their
 * name, message, own properties (code, field, path…) and `cause` chain.
 */
import type { LogFields, Logger } from '../ports/index.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = new Set(['time', 'level', 'component', 'event']);
const MAX_DEPTH = 8;
const MAX_STRING = 4_000;

export interface JsonLoggerOptions {
  /** Lowest level written. @default 'info' */
  readonly level?: LogLevel;
  /** Where a line (without newline) goes. @default a synchronous write to stdout */
  readonly write?: (line: string) => void;
  /** Clock for `time`, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** True when `value` names a log level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** Writes each entry as one JSON line; keys `time`, `level`, `component`, `event` in a field become `_time`…. */
export class JsonLogger implements Logger {
  private readonly minRank: number;
  private readonly write: (line: string) => void;
  private readonly now: () => number;

  constructor(
    readonly component: string,
    options: JsonLoggerOptions = {},
  ) {
    this.minRank = RANK[options.level ?? 'info'];
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? Date.now;
  }

  debug(event: string, fields?: LogFields): void {
    this.log('debug', event, fields);
  }

  info(event: string, fields?: LogFields): void {
    this.log('info', event, fields);
  }

  warn(event: string, fields?: LogFields): void {
    this.log('warn', event, fields);
  }

  error(event: string, fields?: LogFields): void {
    this.log('error', event, fields);
  }

  private log(level: LogLevel, event: string, fields: LogFields | undefined): void {
    if (RANK[level] < this.minRank) return;
    const entry: Record<string, unknown> = {
      time: new Date(this.now()).toISOString(),
      level,
      component: this.component,
      event,
    };
    for (const [key, value] of Object.entries(fields ?? {})) {
      entry[RESERVED.has(key) ? `_${key}` : key] = toJsonSafe(value, 0, new WeakSet());
    }
    // toJsonSafe leaves nothing JSON.stringify can throw on (no cycles, no bigints).
    this.write(JSON.stringify(entry));
  }
}

/**
 * A JSON-safe copy of `value`: errors become `{name, message, …own props, stack, cause}`, byte arrays
 * `{bytes: n}`, bigints strings, cycles `[circular]`, anything deeper than 8 levels `[depth]`.
 */
export function toJsonSafe(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'undefined') return undefined;
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (depth >= MAX_DEPTH) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, depth, seen);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) return { bytes: value.byteLength };
    if (Array.isArray(value)) return value.map((v) => toJsonSafe(v, depth + 1, seen) ?? null);
    if (value instanceof Map) return toJsonSafe(Object.fromEntries(value), depth, seen);
    if (value instanceof Set) return toJsonSafe([...value], depth, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonSafe(v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

const MAX_ISSUES = 5;

function serializeError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) {
    // A ZodError's message and stack repeat every issue as pretty-printed JSON: keep the issues only.
    return {
      name: error.name,
      issues: issues
        .slice(0, MAX_ISSUES)
        .map((issue: { path?: unknown; message?: unknown; code?: unknown }) => ({
          path: Array.isArray(issue.path) ? issue.path.map(String).join('.') : undefined,
          code: issue.code,
          message: issue.message,
        })),
      ...(issues.length > MAX_ISSUES ? { moreIssues: issues.length - MAX_ISSUES } : {}),
    };
  }
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [k, v] of Object.entries(error)) {
    if (k === 'cause' || k === 'stack' || k === 'name' || k === 'message') continue;
    out[k] = toJsonSafe(v, depth + 1, seen);
  }
  if (error.stack) out.stack = error.stack;
  if (error.cause !== undefined) out.cause = toJsonSafe(error.cause, depth + 1, seen);
  return out;
}
