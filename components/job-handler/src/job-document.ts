/**
 * The job document, version 1: what a fleet admin may ask a device to do through IoT Jobs. Either one
 * operation (`{ version: 1, operation, args }`) or up to ten steps run in order
 * (`{ version: 1, steps: [{ operation, args }, …] }`). Arguments reuse the contracts' command schemas, so a
 * document that passes here is one the scheduler, scraper and relay accept.
 */
import { z } from 'zod';
import { CommandArgs, describeZodError, RelayTestRequest } from '../../shared/contracts/index.ts';

/** Versions this component understands. */
export const JOB_DOCUMENT_VERSIONS = [1] as const;
/** At most this many steps per document. */
export const MAX_STEPS = 10;

/** One step of a job: an operation and its arguments. */
export const JobStep = z.discriminatedUnion('operation', [
  z.strictObject({ operation: z.literal('upsertCustomEvent'), args: CommandArgs.upsertCustomEvent }),
  z.strictObject({ operation: z.literal('deleteEvent'), args: CommandArgs.deleteEvent }),
  z.strictObject({ operation: z.literal('snoozeEvent'), args: CommandArgs.snoozeEvent }),
  z.strictObject({ operation: z.literal('ignoreEvent'), args: CommandArgs.ignoreEvent }),
  z.strictObject({ operation: z.literal('setAlertPolicy'), args: CommandArgs.setAlertPolicy }),
  z.strictObject({ operation: z.literal('rescrape'), args: z.strictObject({}).optional() }),
  z.strictObject({
    operation: z.literal('testLight'),
    args: z.strictObject({ durationS: RelayTestRequest.shape.durationS }),
  }),
]);
export type JobStep = z.infer<typeof JobStep>;
export type JobOperation = JobStep['operation'];

/** Operations that go to the scheduler as `matchday/commands` (idempotent by command id there). */
export const SCHEDULER_OPERATIONS: ReadonlySet<JobOperation> = new Set([
  'upsertCustomEvent',
  'deleteEvent',
  'snoozeEvent',
  'ignoreEvent',
  'setAlertPolicy',
]);

const StepsV1 = z.strictObject({ version: z.literal(1), steps: z.array(JobStep).min(1).max(MAX_STEPS) });

/** Why a document was refused; becomes the REJECTED execution's statusDetails. */
export interface DocumentProblem {
  readonly reason: 'INVALID_DOCUMENT' | 'UNSUPPORTED_VERSION';
  readonly path: string;
  readonly message: string;
}

export type ParsedDocument =
  | { readonly ok: true; readonly steps: readonly JobStep[] }
  | { readonly ok: false; readonly problem: DocumentProblem };

/** Validates a job document from IoT Jobs (hostile input) and returns its steps. */
export function parseJobDocument(raw: unknown): ParsedDocument {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return invalid('(root)', 'the job document must be a JSON object');
  }
  const version = (raw as { version?: unknown }).version;
  if (!(JOB_DOCUMENT_VERSIONS as readonly unknown[]).includes(version)) {
    return {
      ok: false,
      problem: {
        reason: 'UNSUPPORTED_VERSION',
        path: 'version',
        message: `\`version\` must be one of ${JOB_DOCUMENT_VERSIONS.join(', ')}, got \`${String(JSON.stringify(version)).slice(0, 40)}\``,
      },
    };
  }
  if ('steps' in raw) {
    const parsed = StepsV1.safeParse(raw);
    if (!parsed.success) return invalid(...pathAndMessage(parsed.error));
    return { ok: true, steps: parsed.data.steps };
  }
  const { version: _v, ...step } = raw as Record<string, unknown>;
  const parsed = JobStep.safeParse(step);
  if (!parsed.success) return invalid(...pathAndMessage(parsed.error));
  return { ok: true, steps: [parsed.data] };
}

function pathAndMessage(error: z.ZodError): [string, string] {
  const { path, message } = describeZodError(error);
  return [path, message];
}

function invalid(path: string, message: string): ParsedDocument {
  return { ok: false, problem: { reason: 'INVALID_DOCUMENT', path, message } };
}
