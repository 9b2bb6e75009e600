/**
 * The execution journal: for each job execution this device received, how many steps it started and
 * finished, and its outcome once decided. Written durably before every step and before every report,
 * so after a restart a job is never run twice: a decided outcome is re-reported, a finished step is
 * skipped, and a step that was interrupted is repeated only when its receiver is idempotent by id.
 */
import { z } from 'zod';
import type { FileSystem } from '../../shared/ports/index.ts';
import { writeFileDurably } from '../../shared/runtime/durable-file.ts';

export const ReportedStatus = z.enum(['SUCCEEDED', 'FAILED', 'REJECTED']);
export type ReportedStatus = z.infer<typeof ReportedStatus>;

export const Outcome = z.strictObject({
  status: ReportedStatus,
  statusDetails: z.record(z.string(), z.string()),
});
export type Outcome = z.infer<typeof Outcome>;

export const JournalEntry = z.strictObject({
  /** Steps whose request was (or may have been) sent. */
  startedSteps: z.number().int().nonnegative(),
  /** Steps whose successful answer was received. */
  completedSteps: z.number().int().nonnegative(),
  outcome: Outcome.optional(),
  /** When IoT Jobs queued the execution (epoch seconds), to recognise a job id reused after deletion. */
  queuedAt: z.number().nonnegative().optional(),
  /** IoT Jobs accepted the report (or said the execution had already ended). */
  reported: z.boolean(),
  /** Epoch ms of the last change; entries older than the retention are dropped. */
  updatedAt: z.number().int().nonnegative(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

const JournalFile = z.strictObject({ version: z.literal(1), entries: z.record(z.string(), JournalEntry) });

/** `<jobId>#<executionNumber>`: one execution of one job on this device. */
export function executionKey(jobId: string, executionNumber: number): string {
  return `${jobId}#${executionNumber}`;
}

export class Journal {
  private entries = new Map<string, JournalEntry>();

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Reads the journal. A file that is not a valid journal is moved aside (`.corrupt`) and reported
   * through `onCorrupt`; the component then starts with an empty journal rather than not at all.
   */
  async load(onCorrupt: (reason: string) => void): Promise<void> {
    const bytes = await this.fs.readFile(this.path);
    if (!bytes) return;
    let reason: string;
    try {
      const parsed = JournalFile.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
      if (parsed.success) {
        this.entries = new Map(Object.entries(parsed.data.entries));
        this.prune();
        return;
      }
      reason = parsed.error.issues[0]?.message ?? 'invalid';
    } catch (error) {
      reason = (error as Error).message;
    }
    await this.fs.rename(this.path, `${this.path}.corrupt`);
    onCorrupt(reason);
  }

  get(key: string): JournalEntry | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Starts a fresh entry for `key` (replacing any older one) and writes it durably. */
  async begin(key: string, queuedAt: number | undefined): Promise<JournalEntry> {
    this.entries.delete(key);
    return this.record(key, queuedAt === undefined ? {} : { queuedAt });
  }

  /** Records `patch` for `key` and writes the journal durably before resolving. */
  async record(key: string, patch: Partial<Omit<JournalEntry, 'updatedAt'>>): Promise<JournalEntry> {
    const current = this.entries.get(key) ?? {
      startedSteps: 0,
      completedSteps: 0,
      reported: false,
      updatedAt: 0,
    };
    const next: JournalEntry = { ...current, ...patch, updatedAt: this.now() };
    this.entries.set(key, next);
    this.prune();
    const file = { version: 1, entries: Object.fromEntries(this.entries) };
    await writeFileDurably(this.fs, this.path, new TextEncoder().encode(JSON.stringify(file)));
    return next;
  }

  private prune(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [key, entry] of this.entries) {
      if (entry.reported && entry.updatedAt < cutoff) this.entries.delete(key);
    }
  }
}
