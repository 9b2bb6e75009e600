/** Property tests: whatever a page or feed says, the scraper yields valid fixtures or reports a problem. */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../components/scraper/src/errors.ts';
import { FixtureIdentity } from '../../components/scraper/src/fixtures.ts';
import { compileProfile, parseHtmlProfile } from '../../components/scraper/src/html-profile.ts';
import { parseIcs } from '../../components/scraper/src/ics.ts';
import { EventId, Fixture } from '../../components/shared/contracts/index.ts';
import { configWith, icsSource } from './helpers.ts';

const config = configWith([icsSource('x', 'file:x.ics')]);
const identity = new FixtureIdentity({
  ourTeams: config.home.teams,
  venues: config.home.venues,
  teamAliases: config.teamAliases,
  competitionAliases: config.competitionAliases,
  mergeWindowDays: config.mergeWindowDays,
});
const anyText = fc.string({ unit: 'grapheme', maxLength: 300 });

describe('hostile input', () => {
  it('turns any home row into a fixture that passes the contract, with a key usable as an event id', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.option(anyText),
        fc.option(anyText),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }),
        (away, venue, competition, when) => {
          const row = {
            home: 'KAA Gent',
            away: away.trim() === '' ? 'x' : away,
            ...(venue ? { venue: `Planet Group Arena ${venue}` } : {}),
            ...(competition ? { competition } : {}),
            kickoffDate: when.toISOString().slice(0, 10),
            kickoff: when.toISOString(),
            kickoffConfirmed: true,
            status: 'scheduled' as const,
          };
          const fixtures = identity.build(
            [{ sourceId: 'x', teams: ['kaa-gent'], rows: [row] }],
            [],
            [],
            '2026-01-01',
          );
          for (const f of fixtures) {
            expect(Fixture.safeParse(f).success).toBe(true);
            expect(EventId.safeParse(f.key).success).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but a ParseError on arbitrary iCalendar-looking text', () => {
    const line = fc.oneof(
      anyText,
      fc.constantFrom(
        'BEGIN:VEVENT',
        'END:VEVENT',
        'DTSTART:20261003T184500Z',
        'DTSTART;TZID=Nowhere/City:20261003T184500',
        'SUMMARY:Gent - Genk',
        ' folded',
        'DTSTART;VALUE=DATE:20261399',
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const text = ['BEGIN:VCALENDAR', ...lines, 'END:VCALENDAR'].join('\r\n');
        try {
          const result = parseIcs(text, {
            timeZone: 'Europe/Brussels',
            floatingTimeZone: 'Europe/Brussels',
            titleFormat: 'auto',
            statusMarkers: { postponed: ['postponed'], cancelled: ['afgelast'] },
          });
          for (const r of result.rows) expect(r.kickoffDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary markup with the card profile', () => {
    const raw = configWith([icsSource('x', 'file:x.ics')]).profiles['maker-match-card']!;
    const compiled = compileProfile(raw);
    const now = DateTime.fromISO('2026-09-01T12:00', { zone: 'Europe/Brussels' });
    const piece = fc.oneof(
      anyText,
      fc.constantFrom(
        '<article class="MkFootballMatchCard">',
        '</article>',
        '<span class="MkFootballMatchCard__date">',
        '12/09/2026',
        '</span>',
        '<div class="MkFootballMatchCard--homeTeam"><span class="MkFootballMatchCard__teamName">',
        '<script>',
        '</div>',
        '&amp;',
        '-- : --',
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const result = parseHtmlProfile(pieces.join(''), compiled, 'Europe/Brussels', now);
        expect(result.rows.length + result.issues.length).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});
