/** Pure text helpers: plain-text clean-up, name normalisation for alias matching, and slugs. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
const CONTROL = /[\u0000-\u001f\u007f]+/g;
const MAX_TEXT = 200;

/** Collapses whitespace, drops control characters and caps the length, so a value fits `ShortText`. */
export function cleanText(text: string): string {
  const cleaned = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.length > MAX_TEXT ? cleaned.slice(0, MAX_TEXT).trimEnd() : cleaned;
}

/**
 * A name reduced for comparison: diacritics removed, lower case, every run of non-alphanumerics one
 * space. `GHELAMCO-arena` and `Ghelamco Arena` both become `ghelamco arena`.
 */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * A slug (`Slug` in the contracts) from any name, at most `max` characters; `fallback` when nothing usable
 * remains.
 */
export function slugify(name: string, fallback = 'unknown', max = 64): string {
  const slug = normaliseName(name).replace(/ /g, '-').slice(0, max).replace(/-+$/, '');
  return slug.length > 0 ? slug : fallback;
}

/** Maps names to canonical ids through an alias table; unknown names become their slug. */
export class AliasTable {
  private readonly byName = new Map<string, string>();

  /** `table` maps a canonical id to its aliases (the id itself always matches too). */
  constructor(table: Readonly<Record<string, readonly string[]>>) {
    for (const [id, aliases] of Object.entries(table)) {
      this.byName.set(normaliseName(id.replace(/-/g, ' ')), id);
      for (const alias of aliases) this.byName.set(normaliseName(alias), id);
    }
  }

  /** The canonical id for `name`, if the table knows it. */
  lookup(name: string): string | undefined {
    return this.byName.get(normaliseName(name));
  }

  /**
   * The canonical id for `name`, or its slug (at most 30 characters, so a fixture key stays a usable event
   * id of at most 100) when the table does not know it.
   */
  canonical(name: string, fallback = 'unknown'): string {
    return this.lookup(name) ?? slugify(name, fallback, 30);
  }
}

/**
 * Whether a venue text names one of our venues: equal after normalisation, or containing an alias as whole
 * words (`Planet Group Arena, Gent`).
 */
export function matchesVenue(venue: string, normalisedAliases: readonly string[]): boolean {
  const v = ` ${normaliseName(venue)} `;
  return normalisedAliases.some((alias) => alias.length > 0 && v.includes(` ${alias} `));
}
