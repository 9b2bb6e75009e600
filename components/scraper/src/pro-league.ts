/**
 * Pro League JSON → source rows: the `__NEXT_DATA__` script of a proleague.be page, or the
 * `variant_b` fixtures endpoint (`{ total, data: [...] }`). Times are UTC (`Z`); a match without a time
 * is date-only (unconfirmed). Matches are found wherever they sit in the tree, so a moved module does not
 * blind us; each one is validated on its own.
 */
import { parse } from 'node-html-parser';
import { z } from 'zod';
import type { FixtureStatus } from '../../shared/contracts/index.ts';
import { ParseError } from './errors.ts';
import { localDateOf } from './local-time.ts';
import type { ParseIssue, ParseResult, SourceRow } from './types.ts';

const Team = z.looseObject({ name: z.string().min(1).max(200) });
const Match = z.looseObject({
  homeTeam: Team,
  awayTeam: Team,
  date: z.iso.date().optional(),
  time: z.iso.datetime({ offset: true }).nullish(),
  status: z.string().max(100).nullish(),
  period: z.looseObject({ type: z.string().max(100).nullish() }).nullish(),
  competition: z
    .looseObject({ name: z.string().max(200).nullish(), id: z.string().max(100).nullish() })
    .nullish(),
  venue: z.looseObject({ name: z.string().max(200).nullish() }).nullish(),
});

const MAX_DEPTH = 40;

/** Parses a proleague.be page (with `__NEXT_DATA__`) or a fixtures-endpoint JSON body. */
export function parseProLeague(
  body: string,
  zone: string,
  competitionNames: Readonly<Record<string, string>>,
): ParseResult {
  const json = readJson(body);
  const candidates: unknown[] = [];
  collectMatches(json, candidates, 0);
  const rows: SourceRow[] = [];
  const issues: ParseIssue[] = [];
  candidates.forEach((candidate, index) => {
    const parsed = Match.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      issues.push({ row: index, message: `\`${issue?.path.join('.')}\`: ${issue?.message}` });
      return;
    }
    const m = parsed.data;
    const kickoffMs = m.time ? Date.parse(m.time) : undefined;
    const kickoffDate = kickoffMs !== undefined ? localDateOf(kickoffMs, zone) : m.date;
    if (kickoffDate === undefined) {
      issues.push({ row: index, message: 'Expected a `date` or a `time`, got neither' });
      return;
    }
    const competition =
      (m.competition?.id ? competitionNames[m.competition.id] : undefined) ??
      m.competition?.name ??
      undefined;
    rows.push({
      home: m.homeTeam.name,
      away: m.awayTeam.name,
      ...(m.venue?.name ? { venue: m.venue.name } : {}),
      ...(competition ? { competition } : {}),
      kickoffDate,
      ...(kickoffMs !== undefined ? { kickoff: new Date(kickoffMs).toISOString() } : {}),
      kickoffConfirmed: kickoffMs !== undefined,
      status: statusOf(m.status ?? undefined, m.period?.type ?? undefined),
    });
  });
  return { rows, issues };
}

function readJson(body: string): unknown {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (cause) {
      throw new ParseError(`Expected a JSON body: ${(cause as Error).message}`, { cause });
    }
  }
  const script = parse(body, { blockTextElements: { script: true } }).querySelector('script#__NEXT_DATA__');
  if (!script) throw new ParseError('Expected a `<script id="__NEXT_DATA__">` in the page, found none');
  try {
    return JSON.parse(script.rawText);
  } catch (cause) {
    throw new ParseError(`Expected __NEXT_DATA__ to hold JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Anything with `homeTeam` and `awayTeam` objects is a match candidate. */
function collectMatches(node: unknown, out: unknown[], depth: number): void {
  if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) collectMatches(item, out, depth + 1);
    return;
  }
  const obj = node as Record<string, unknown>;
  if (typeof obj.homeTeam === 'object' && typeof obj.awayTeam === 'object') {
    out.push(obj);
    return;
  }
  for (const value of Object.values(obj)) collectMatches(value, out, depth + 1);
}

const POSTPONED = new Set(['postponed', 'warning', 'suspended', 'abandoned', 'interrupted', 'delayed']);
const CANCELLED = new Set(['cancelled', 'canceled']);

function statusOf(status: string | undefined, period: string | undefined): FixtureStatus {
  for (const s of [status, period]) {
    const key = s?.toLowerCase().replace(/[^a-z]/g, '') ?? '';
    if (CANCELLED.has(key)) return 'cancelled';
    if (POSTPONED.has(key)) return 'postponed';
  }
  return 'scheduled';
}
