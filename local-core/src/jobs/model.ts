/**
 * The persisted model of local-core's IoT Jobs: jobs, their per-thing executions, and the state file's
 * schema (validated on load so a corrupt or foreign file is reported, never half-read).
 */
import { z } from 'zod';

/** Execution states of AWS IoT Jobs (greengrass-v2.md §8.1). */
export const EXECUTION_STATUSES = [
  'QUEUED',
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'TIMED_OUT',
  'CANCELED',
  'REMOVED',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** States after which nothing changes an execution any more. */
export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'TIMED_OUT',
  'CANCELED',
  'REMOVED',
]);

/** Statuses a device may set with UpdateJobExecution. */
export const DEVICE_STATUSES = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED'] as const;

export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED';

const Millis = z.number().int().nonnegative();

export const ExecutionRecord = z.object({
  jobId: z.string(),
  thingName: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  statusDetails: z.record(z.string(), z.string()),
  queuedAt: Millis,
  startedAt: Millis.optional(),
  lastUpdatedAt: Millis,
  versionNumber: z.number().int().positive(),
  executionNumber: z.number().int().positive(),
  forceCanceled: z.boolean().optional(),
  /** Wall-clock instant (ms) when the job's in-progress timer expires. */
  inProgressDeadline: Millis.optional(),
  /** Wall-clock instant (ms) when the device's step timer expires. */
  stepDeadline: Millis.optional(),
});
export type ExecutionRecord = z.infer<typeof ExecutionRecord>;

export const JobRecord = z.object({
  jobId: z.string(),
  jobArn: z.string(),
  /** Creation order, so per-thing queues stay stable when two jobs share a millisecond. */
  seq: z.number().int().nonnegative(),
  targets: z.array(z.string()),
  targetSelection: z.enum(['SNAPSHOT', 'CONTINUOUS']),
  document: z.string(),
  description: z.string().optional(),
  status: z.enum(['IN_PROGRESS', 'CANCELED', 'COMPLETED']),
  forceCanceled: z.boolean().optional(),
  reasonCode: z.string().optional(),
  comment: z.string().optional(),
  createdAt: Millis,
  lastUpdatedAt: Millis,
  completedAt: Millis.optional(),
  inProgressTimeoutInMinutes: z.number().int().positive().optional(),
  /** Stored and returned as given; local-core queues every execution at once. */
  jobExecutionsRolloutConfig: z.record(z.string(), z.unknown()).optional(),
  /** Thing name → its execution, in target order. */
  executions: z.record(z.string(), ExecutionRecord),
});
export type JobRecord = z.infer<typeof JobRecord>;

export const JobsState = z.object({
  version: z.literal(1),
  nextSeq: z.number().int().nonnegative(),
  jobs: z.record(z.string(), JobRecord),
});
export type JobsState = z.infer<typeof JobsState>;

export function emptyJobsState(): JobsState {
  return { version: 1, nextSeq: 0, jobs: {} };
}

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
