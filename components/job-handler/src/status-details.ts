/**
 * statusDetails within the AWS IoT Jobs limits: keys 1–128 characters of `[a-zA-Z0-9:_-]`, values 1–1024
 * characters with no control characters. Values are cleaned and cut rather than risking a rejected
 * report; empty and undefined values are left out.
 */

const KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the limit forbids
const CONTROL = /[\u0000-\u001f\u007f]/g;
/** The AWS limit on one statusDetails value. */
export const MAX_DETAIL_LENGTH = 1024;

/** Builds a statusDetails map that IoT Jobs accepts. */
export function statusDetails(fields: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === undefined || !KEY.test(key)) continue;
    const value = raw.replace(CONTROL, ' ').trim();
    if (value.length === 0) continue;
    out[key] = value.length > MAX_DETAIL_LENGTH ? `${value.slice(0, MAX_DETAIL_LENGTH - 1)}…` : value;
  }
  return out;
}
