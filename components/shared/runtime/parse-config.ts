/**
 * Component configuration at the edge: every config.ts validates strictly with its zod schema through
 * here, so every component reports a bad value the same way and works on a frozen value.
 */
import { z } from 'zod';
import { formatPath } from '../contracts/index.ts';
import { ConfigError } from '../errors.ts';

/** An integer in `[min, max]` (units are the field's; its TSDoc says which). */
export const intBetween = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * Validates `raw` against `schema` and returns it deeply frozen. Throws a `ConfigError` naming the first
 * failing field, what was expected and the value found (`Invalid configuration \`pin\`: Too big: expected
 * number to be <=27 (got \`40\`)`).
 */
export function parseComponentConfig<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    const value = valueAt(raw, issue?.path ?? []);
    const got = value === undefined ? 'nothing' : `\`${JSON.stringify(value)?.slice(0, 120)}\``;
    throw new ConfigError(path, `${issue?.message ?? 'invalid'} (got ${got})`, { cause: parsed.error });
  }
  return deepFreeze(parsed.data);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
