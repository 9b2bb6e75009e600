/** Local wall times → instants in an IANA zone, and reading Dutch date and time forms. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  compileFormat,
  findDate,
  findTime,
  localDateOf,
  localToInstant,
} from '../../components/scraper/src/local-time.ts';

const BXL = 'Europe/Brussels';
const formats = (...f: string[]) => f.map(compileFormat);

describe('localToInstant', () => {
  it('moves a wall time inside the spring-forward gap forward by the gap', () => {
    expect(localToInstant({ year: 2026, month: 3, day: 29 }, { hour: 2, minute: 30 }, BXL)).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('takes the earlier instant for a wall time in the autumn overlap', () => {
    expect(localToInstant({ year: 2026, month: 10, day: 25 }, { hour: 2, minute: 30 }, BXL)).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it('agrees with luxon on ordinary times either side of both changes', () => {
    for (const iso of [
      '2026-03-28T20:30',
      '2026-03-29T20:30',
      '2026-10-24T20:30',
      '2026-10-25T20:30',
      '2027-01-15T14:00',
    ]) {
      const dt = DateTime.fromISO(iso, { zone: BXL });
      const got = localToInstant(
        { year: dt.year, month: dt.month, day: dt.day },
        { hour: dt.hour, minute: dt.minute },
        BXL,
      );
      expect(got).toBe(dt.toUTC().toISO());
    }
  });

  it('gives the local date of an instant late in the evening UTC', () => {
    expect(localDateOf(Date.parse('2026-07-31T22:30:00Z'), BXL)).toBe('2026-08-01');
  });
});

describe('findDate and findTime', () => {
  const now = DateTime.fromISO('2026-09-01T12:00', { zone: BXL });

  it('reads "20u30", "18u", "14:30" and "18.30 uur"', () => {
    const f = formats("H'u'mm", "H'u'", 'H:mm', 'H.mm');
    expect(['20u30', '18u', '14:30', '18.30 uur'].map((t) => findTime(t, f))).toEqual([
      { hour: 20, minute: 30 },
      { hour: 18, minute: 0 },
      { hour: 14, minute: 30 },
      { hour: 18, minute: 30 },
    ]);
  });

  it('reads dd/mm/yyyy without taking the year for a time', () => {
    const found = findDate('12/09/2026 20u00', formats('dd/MM/yyyy'), now)!;
    expect(found.date).toEqual({ year: 2026, month: 9, day: 12 });
    expect(findTime(found.rest, formats("H'u'mm"))).toEqual({ hour: 20, minute: 0 });
  });

  it('reads Dutch and French month names', () => {
    expect(findDate('zaterdag 3 okt. 2026', formats('d MMM yyyy'), now)?.date).toEqual({
      year: 2026,
      month: 10,
      day: 3,
    });
    expect(findDate('sam. 5 décembre 2026', formats('d MMM yyyy'), now)?.date).toEqual({
      year: 2026,
      month: 12,
      day: 5,
    });
  });

  it('takes the year its weekday names for a season date more than six months ahead', () => {
    // In August a season calendar runs to May: 16 May is nearer in 2026, but "zo" (Sunday) is 2027.
    const august = DateTime.fromISO('2026-08-15T12:00', { zone: BXL });
    expect(findDate('zo 16 mei', formats('d MMM'), august)?.date).toEqual({ year: 2027, month: 5, day: 16 });
    expect(findDate('dim. 16/05', formats('dd/MM'), august)?.date).toEqual({ year: 2027, month: 5, day: 16 });
  });

  it('refuses an impossible date or time', () => {
    expect(findDate('31/02/2026', formats('dd/MM/yyyy'), now)).toBeUndefined();
    expect(findTime('25:10', formats('H:mm'))).toBeUndefined();
  });
});
