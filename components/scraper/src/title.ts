/** Splitting a fixture title such as `Conference League - Gent - Betis` or `Real Madrid - Malaga (4-0)`. */
import { cleanText } from './text.ts';

/**
 * How a source writes its titles: `home-away`, `competition-home-away`, or `auto` (three parts mean
 * competition first, two mean home and away).
 */
export type TitleFormat = 'auto' | 'home-away' | 'competition-home-away';

const SEPARATOR = /\s+(?:-|–|—|vs\.?|v\.?)\s+/i;
const TRAILING_SCORE = /\s*(?:\(\s*\d{1,2}\s*[-–:]\s*\d{1,2}\s*\)|\d{1,2}\s*[-–:]\s*\d{1,2})\s*$/;

/** Team names and competition from a title; the score of a played game is stripped. */
export function splitFixtureTitle(
  title: string,
  format: TitleFormat,
): { home: string; away: string; competition?: string } {
  const parts = cleanText(title)
    .split(SEPARATOR)
    .map((p) => p.trim());
  const expected = format === 'home-away' ? [2] : format === 'competition-home-away' ? [3] : [2, 3];
  if (!expected.includes(parts.length) || parts.some((p) => p.length === 0)) {
    throw new Error(
      `Expected a title like \`${format === 'home-away' ? 'Home - Away' : 'Competition - Home - Away'}\`, got \`${cleanText(title)}\``,
    );
  }
  const [a, b, c] = parts as [string, string, string?];
  const strip = (s: string) => {
    const team = s.replace(TRAILING_SCORE, '').trim();
    if (team === '') throw new Error(`Expected team names in \`${cleanText(title)}\`, got a score only`);
    return team;
  };
  if (c === undefined) return { home: strip(a), away: strip(b) };
  return { competition: a, home: strip(b), away: strip(c) };
}
