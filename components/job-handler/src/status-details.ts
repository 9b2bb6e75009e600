/**
 * statusDetails within the AWS IoT Jobs limits: keys 1–128 characters of `[a-zA-Z0-9:_-]`, values 1–1024
 * characters matching `[^\p{C}]+` (no control, format, private-use, unassigned or lone surrogate code
 * points). Values are cleaned and cut rather than risking a rejected report (which would leave the
 * execution IN_PROGRESS, re-reported at every poll, ahead of every queued job); empty and undefined values
 * are left out.
 */

const KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
/** Every "other" code point (`\p{C}`): C0/C1 controls, format characters such as U+200B, lone surrogates, … */
const OTHER = /\p{C}/gu;
/** The AWS limit on one statusDetails value. */
export const MAX_DETAIL_LENGTH = 1024;

/** Builds a statusDetails map that IoT Jobs accepts. */
export function statusDetails(fields: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === undefined || !KEY.test(key)) continue;
    const value = raw.replace(OTHER, ' ').trim();
    if (value.length === 0) continue;
    out[key] = value.length > MAX_DETAIL_LENGTH ? `${cut(value, MAX_DETAIL_LENGTH - 1)}…` : value;
  }
  return out;
}

/** The first `length` UTF-16 units of `value`, one less when that would split a surrogate pair. */
function cut(value: string, length: number): string {
  const last = value.charCodeAt(length - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
