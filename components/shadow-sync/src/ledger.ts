/**
 * The edit ledger: for each shadow key (`alerts/<id>`, `events/<id>`), the metadata timestamp and value
 * fingerprint of the last edit decided, its outcome and the applied value or the reason. Written durably
 * (temp, fsync, rename, fsync dir) before the shadow is told, so an edit is applied once across restarts
 * and an older value never overwrites a newer one.
 */
import { z } from 'zod';
import { ResultError } from '../../shared/contracts/index.ts';
import type { FileSystem } from '../../shared/ports/index.ts';
import { writeFileDurably } from '../../shared/runtime/durable-file.ts';

export const LedgerEntry = z.strictObject({
  /** Epoch seconds: the newest metadata timestamp of the edit's desired value. */
  ts: z.number().int().nonnegative(),
  /** Fingerprint of the edit's value. */
  hash: z.string().min(1).max(16),
  outcome: z.enum(['applied', 'rejected']),
  /** How many edits of this key were decided so far (part of the next command id). */
  seq: z.number().int().nonnegative().optional(),
  /** Epoch ms when the outcome was decided. */
  at: z.number().int().nonnegative(),
  /** The applied value (kept in reported). */
  value: z.unknown().optional(),
  error: ResultError.optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

const LedgerFile = z.strictObject({ version: z.literal(1), entries: z.record(z.string(), LedgerEntry) });

export class Ledger {
  private entries = new Map<string, LedgerEntry>();
  private changed = false;

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
  ) {}

  /** Reads the ledger; a corrupt file is moved aside and reported, and the ledger starts empty. */
  async load(onCorrupt: (reason: string) => void): Promise<void> {
    const bytes = await this.fs.readFile(this.path);
    if (!bytes) return;
    let reason: string;
    try {
      const parsed = LedgerFile.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
      if (parsed.success) {
        this.entries = new Map(Object.entries(parsed.data.entries));
        return;
      }
      reason = parsed.error.issues[0]?.message ?? 'invalid';
    } catch (error) {
      reason = String(error);
    }
    await this.fs.rename(this.path, `${this.path}.corrupt`);
    onCorrupt(reason);
  }

  get(key: string): LedgerEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: LedgerEntry): void {
    this.entries.set(key, entry);
    this.changed = true;
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.changed = true;
  }

  all(): [string, LedgerEntry][] {
    return [...this.entries];
  }

  /** Writes the ledger durably if it changed since the last save. */
  async save(): Promise<void> {
    if (!this.changed) return;
    const content = { version: 1, entries: Object.fromEntries(this.entries) };
    await writeFileDurably(this.fs, this.path, new TextEncoder().encode(JSON.stringify(content)));
    this.changed = false;
  }
}
