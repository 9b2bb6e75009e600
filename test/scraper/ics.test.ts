/**
 * The iCalendar parser. The synthetic feeds below are written by us for these tests; the Málaga excerpt
 * is the real fixtur.es feed (test/fixtures/scraper/ics/PROVENANCE.md).
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { type IcsOptions, parseIcs } from '../../components/scraper/src/ics.ts';
import { fixtureText } from './helpers.ts';

const base: IcsOptions = {
  timeZone: 'Europe/Brussels',
  floatingTimeZone: 'Europe/Brussels',
  titleFormat: 'auto',
  statusMarkers: { postponed: ['postponed', 'uitgesteld'], cancelled: ['afgelast'] },
};

/** A calendar of our own around the given VEVENT bodies, with LF or CRLF line endings. */
function calendar(events: string[], header: string[] = [], eol = '\r\n'): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//matchday-alert tests//EN', ...header];
  for (const e of events) lines.push('BEGIN:VEVENT', ...e.split('\n'), 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return lines.join(eol);
}

const brussels = (iso: string) =>
  DateTime.fromISO(iso).setZone('Europe/Brussels').toFormat('yyyy-MM-dd HH:mm');

describe('times', () => {
  it('reads a UTC time as UTC', () => {
    const { rows } = parseIcs(calendar(['DTSTART:20260912T180000Z\nSUMMARY:KAA Gent - Genk']), base);
    expect(rows[0]!.kickoff).toBe('2026-09-12T18:00:00.000Z');
  });

  it('reads a TZID time in that zone (summer and winter)', () => {
    const text = calendar([
      'DTSTART;TZID=Europe/Brussels:20260912T203000\nSUMMARY:KAA Gent - Genk',
      'DTSTART;TZID=Europe/Brussels:20261212T203000\nSUMMARY:KAA Gent - Antwerp',
    ]);
    expect(parseIcs(text, base).rows.map((r) => r.kickoff)).toEqual([
      '2026-09-12T18:30:00.000Z',
      '2026-12-12T19:30:00.000Z',
    ]);
  });

  it('reads a TZID that only its VTIMEZONE names through X-LIC-LOCATION', () => {
    const text = calendar(
      ['DTSTART;TZID=Romance Standard Time:20260912T203000\nSUMMARY:KAA Gent - Genk'],
      ['BEGIN:VTIMEZONE', 'TZID:Romance Standard Time', 'X-LIC-LOCATION:Europe/Brussels', 'END:VTIMEZONE'],
    );
    expect(parseIcs(text, base).rows[0]!.kickoff).toBe('2026-09-12T18:30:00.000Z');
  });

  it('reads floating times in X-WR-TIMEZONE when the feed gives one', () => {
    const text = calendar(['DTSTART:20260912T203000\nSUMMARY:Gent - Genk'], ['X-WR-TIMEZONE:Europe/London']);
    expect(parseIcs(text, base).rows[0]!.kickoff).toBe('2026-09-12T19:30:00.000Z');
  });

  it("reads floating times in the source's zone when the feed names none", () => {
    const text = calendar(['DTSTART:20260912T203000\nSUMMARY:Gent - Genk']);
    expect(brussels(parseIcs(text, base).rows[0]!.kickoff!)).toBe('2026-09-12 20:30');
  });

  it('keeps 21:00 local across the spring DST change (CET then CEST)', () => {
    const text = calendar([
      'DTSTART:20260328T210000\nSUMMARY:Gent - Genk',
      'DTSTART:20260329T210000\nSUMMARY:Gent - Antwerp',
    ]);
    expect(parseIcs(text, base).rows.map((r) => r.kickoff)).toEqual([
      '2026-03-28T20:00:00.000Z',
      '2026-03-29T19:00:00.000Z',
    ]);
  });

  it('keeps 21:00 local across the autumn DST change (CEST then CET)', () => {
    const text = calendar([
      'DTSTART:20261024T210000\nSUMMARY:Gent - Genk',
      'DTSTART:20261025T210000\nSUMMARY:Gent - Antwerp',
    ]);
    expect(parseIcs(text, base).rows.map((r) => r.kickoff)).toEqual([
      '2026-10-24T19:00:00.000Z',
      '2026-10-25T20:00:00.000Z',
    ]);
  });

  it('gives the local date in the configured zone, not the UTC date', () => {
    const { rows } = parseIcs(calendar(['DTSTART:20261231T233000Z\nSUMMARY:Gent - Genk']), base);
    expect(rows[0]!.kickoffDate).toBe('2027-01-01');
  });

  it('reads an all-day date as a date without a confirmed time', () => {
    const { rows } = parseIcs(calendar(['DTSTART;VALUE=DATE:20261003\nSUMMARY:Gent - Genk']), base);
    expect(rows[0]).toMatchObject({ kickoffDate: '2026-10-03', kickoffConfirmed: false });
    expect(rows[0]!.kickoff).toBeUndefined();
  });
});

describe('lines and fields', () => {
  it('reads folded lines and LF line endings', () => {
    const text = calendar(
      ['DTSTART:20260912T180000Z\nSUMMARY:Jupiler Pro League - KAA G\n ent - KRC Genk'],
      [],
      '\n',
    );
    expect(parseIcs(text, base).rows[0]).toMatchObject({
      competition: 'Jupiler Pro League',
      home: 'KAA Gent',
    });
  });

  it('marks STATUS:CANCELLED as cancelled', () => {
    const { rows } = parseIcs(
      calendar(['DTSTART:20260912T180000Z\nSTATUS:CANCELLED\nSUMMARY:Gent - Genk']),
      base,
    );
    expect(rows[0]!.status).toBe('cancelled');
  });

  it('marks STATUS:TENTATIVE as an unconfirmed kick-off', () => {
    const { rows } = parseIcs(
      calendar(['DTSTART:20260912T180000Z\nSTATUS:TENTATIVE\nSUMMARY:Gent - Genk']),
      base,
    );
    expect(rows[0]).toMatchObject({ status: 'scheduled', kickoffConfirmed: false });
  });

  it('marks a postponed marker in the title as postponed and strips it from the team name', () => {
    const { rows } = parseIcs(calendar(['DTSTART:20260912T180000Z\nSUMMARY:Gent - Genk [POSTPONED]']), base);
    expect(rows[0]).toMatchObject({ status: 'postponed', away: 'Genk' });
  });

  it('reports an event without DTSTART as an unreadable row and keeps the others', () => {
    const { rows, issues } = parseIcs(
      calendar(['SUMMARY:Gent - Genk', 'DTSTART:20260912T180000Z\nSUMMARY:Gent - Antwerp']),
      base,
    );
    expect(rows.map((r) => r.away)).toEqual(['Antwerp']);
    expect(issues).toEqual([{ row: 0, message: 'Expected a DTSTART in `Gent - Genk`, got none' }]);
  });

  it('rejects a document that is not iCalendar', () => {
    expect(() => parseIcs('<html><body>Not found</body></html>', base)).toThrow(/iCalendar/);
  });
});

describe('the Málaga excerpt', () => {
  const options: IcsOptions = {
    ...base,
    timeZone: 'Europe/Madrid',
    floatingTimeZone: 'Europe/Madrid',
    titleFormat: 'home-away',
    placeholder: { times: ['18:00', '20:00'], weekdays: [7], timeZone: 'UTC', batchToleranceHours: 48 },
  };
  const rows = () => parseIcs(fixtureText('ics/fixtures-ics_malaga_20260901_EXCERPT.ics'), options).rows;

  it('marks the five games from 2026-10-11 on as placeholders and the five before as confirmed', () => {
    expect(rows().map((r) => [r.kickoffDate, r.kickoffConfirmed])).toEqual([
      ['2026-08-30', true],
      ['2026-09-06', true],
      ['2026-09-13', true],
      ['2026-09-17', true],
      ['2026-09-20', true],
      ['2026-10-11', false],
      ['2026-10-18', false],
      ['2026-10-25', false],
      ['2026-11-01', false],
      ['2026-11-08', false],
    ]);
  });

  it("strips the played game's score from its title", () => {
    expect(rows()[0]).toMatchObject({ home: 'Real Madrid', away: 'Malaga', venue: 'Santiago Bernabéu' });
  });

  it('confirms every kick-off when the source has no placeholder rule', () => {
    const plain = parseIcs(fixtureText('ics/fixtures-ics_malaga_20260901_EXCERPT.ics'), {
      ...options,
      placeholder: undefined,
    });
    expect(plain.rows.every((r) => r.kickoffConfirmed)).toBe(true);
  });
});
