/**
 * The IoT Jobs state machine of local-core: jobs and per-thing execution queues, the control-plane
 * operations (CreateJob, DescribeJob, ListJobExecutionsForJob, CancelJob, DescribeJobExecution) and the
 * device MQTT protocol (start-next, get, `<jobId>/get`, `<jobId>/update`, notify, notify-next).
 * Pure: it never touches the network, disk or timers; callers publish what it returns, persist when it
 * says the state changed, and call `expire` at `nextDeadline()`.
 */
import { z } from 'zod';
import {
  DEVICE_STATUSES,
  EXECUTION_STATUSES,
  type ExecutionRecord,
  type ExecutionStatus,
  isTerminal,
  type JobRecord,
  type JobsState,
} from './model.ts';

/** A control-plane error, sent as AWS IoT sends it (`x-amzn-ErrorType` + `{ message }`). */
export class JobsApiError extends Error {
  constructor(
    readonly type:
      | 'InvalidRequestException'
      | 'ResourceNotFoundException'
      | 'ResourceAlreadyExistsException'
      | 'InvalidStateTransitionException'
      | 'LimitExceededException',
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** An MQTT message the engine wants published on the broker (cloud side). */
export interface Publication {
  readonly topic: string;
  readonly payload: Record<string, unknown>;
}

/** What a thing is, as far as job targeting cares. */
export interface FleetThing {
  readonly thingName: string;
  readonly thingGroups: readonly string[];
}

export interface JobsEngineOptions {
  readonly region: string;
  readonly accountId: string;
  /** Multiplies every job and step timeout (`--jobs-time-scale`). */
  readonly timeScale: number;
  readonly now: () => number;
  /** The fleet, read when a job is created (group membership is resolved then). */
  readonly fleet: () => Iterable<FleetThing>;
}

/** The outcome of a mutation: messages to publish, and whether the state must be persisted. */
export interface Effects {
  readonly publications: Publication[];
  readonly changed: boolean;
}

const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const DETAILS_KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the limit forbids
const CONTROL = /[\u0000-\u001f\u007f]/;
const TARGET_ARN = /^arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:(thing|thinggroup)\/([a-zA-Z0-9:_-]{1,128})$/;
const MAX_DOCUMENT_BYTES = 32 * 1024;
const MAX_TIMEOUT_MINUTES = 10_080;
const MINUTE_MS = 60_000;
/** AWS IoT's maximum MQTT payload. */
export const MAX_MQTT_PAYLOAD_BYTES = 128 * 1024;

const CreateJobBody = z.object({
  targets: z.array(z.string()).min(1).max(1000),
  document: z.string().optional(),
  documentSource: z.string().optional(),
  description: z.string().max(2028).optional(),
  targetSelection: z.enum(['SNAPSHOT', 'CONTINUOUS']).optional(),
  timeoutConfig: z
    .object({ inProgressTimeoutInMinutes: z.number().int().min(1).max(MAX_TIMEOUT_MINUTES).optional() })
    .optional(),
  jobExecutionsRolloutConfig: z
    .object({
      maximumPerMinute: z.number().int().min(1).max(1000).optional(),
      exponentialRate: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  namespaceId: z.string().optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string().optional() })).optional(),
  presignedUrlConfig: z.unknown().optional(),
  abortConfig: z.unknown().optional(),
  jobTemplateArn: z.string().optional(),
  jobExecutionsRetryConfig: z.unknown().optional(),
  documentParameters: z.unknown().optional(),
  schedulingConfig: z.unknown().optional(),
  destinationPackageVersions: z.unknown().optional(),
});

const CancelJobBody = z.object({
  reasonCode: z.string().max(128).optional(),
  comment: z.string().max(2028).optional(),
});

const ClientToken = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-64 printable ASCII characters');
const StepTimeout = z.number().int().min(1).max(MAX_TIMEOUT_MINUTES);
const StatusDetails = z.record(z.string(), z.unknown());

const StartNextRequest = z.object({
  clientToken: ClientToken.optional(),
  stepTimeoutInMinutes: StepTimeout.optional(),
  statusDetails: StatusDetails.optional(),
});
const GetPendingRequest = z.object({ clientToken: ClientToken.optional() });
const DescribeRequest = z.object({
  clientToken: ClientToken.optional(),
  executionNumber: z.number().int().min(1).optional(),
  includeJobDocument: z.boolean().optional(),
});
const UpdateRequest = z.object({
  status: z.string(),
  statusDetails: StatusDetails.optional(),
  expectedVersion: z.number().int().min(0).optional(),
  executionNumber: z.number().int().min(1).optional(),
  includeJobExecutionState: z.boolean().optional(),
  includeJobDocument: z.boolean().optional(),
  stepTimeoutInMinutes: z.union([StepTimeout, z.literal(-1)]).optional(),
  clientToken: ClientToken.optional(),
});

/** A device-protocol rejection code (greengrass-v2.md §8.1). */
export type RejectionCode =
  | 'InvalidTopic'
  | 'InvalidJson'
  | 'InvalidRequest'
  | 'InvalidStateTransition'
  | 'ResourceNotFound'
  | 'VersionMismatch'
  | 'RequestThrottled'
  | 'InternalError'
  | 'TerminalStateReached';

class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
    readonly executionState?: ExecutionRecord,
  ) {
    super(message);
  }
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.floor(ms / 1000));
const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function describeZodIssue(error: z.ZodError, root: string): string {
  const issue = error.issues[0];
  if (!issue) return `${root} is invalid`;
  const path = issue.path.length === 0 ? root : issue.path.map(String).join('.');
  return `${path}: ${issue.message}`;
}

/**
 * Validates statusDetails against the AWS limits: keys 1–128 characters of `[a-zA-Z0-9:_-]`, values
 * strings of 1–1024 characters without control characters. Returns an error message or the map.
 */
export function validateStatusDetails(details: Record<string, unknown>): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    if (!DETAILS_KEY.test(key)) {
      return `statusDetails key \`${key.slice(0, 140)}\` must be 1-128 characters of [a-zA-Z0-9:_-]`;
    }
    if (typeof value !== 'string') return `statusDetails.${key} must be a string, got ${typeof value}`;
    if (value.length < 1 || value.length > 1024) {
      return `statusDetails.${key} must be 1-1024 characters, got ${value.length}`;
    }
    if (CONTROL.test(value)) return `statusDetails.${key} must not contain control characters`;
    out[key] = value;
  }
  return out;
}

/** The job `jobId`: an own key only, so ids such as `toString` or `constructor` are jobs like any other. */
function jobOf(state: JobsState, jobId: string): JobRecord | undefined {
  return Object.hasOwn(state.jobs, jobId) ? state.jobs[jobId] : undefined;
}

/** The job's execution on `thingName` (own key only: a thing may be called `constructor`). */
function executionOf(job: JobRecord, thingName: string): ExecutionRecord | undefined {
  return Object.hasOwn(job.executions, thingName) ? job.executions[thingName] : undefined;
}

export class JobsEngine {
  constructor(
    private state: JobsState,
    private readonly options: JobsEngineOptions,
  ) {}

  /** The whole state, for persistence. */
  snapshot(): JobsState {
    return this.state;
  }

  jobArn(jobId: string): string {
    return `arn:aws:iot:${this.options.region}:${this.options.accountId}:job/${jobId}`;
  }

  thingArn(thingName: string): string {
    return `arn:aws:iot:${this.options.region}:${this.options.accountId}:thing/${thingName}`;
  }

  // ---------------------------------------------------------------- control plane

  /** CreateJob (PUT /jobs/{jobId}). */
  createJob(jobId: string, rawBody: unknown): { response: Record<string, unknown>; effects: Effects } {
    if (!JOB_ID.test(jobId)) {
      throw new JobsApiError(
        'InvalidRequestException',
        400,
        `jobId must be 1-64 characters of [a-zA-Z0-9_-], got \`${jobId.slice(0, 80)}\``,
      );
    }
    const parsed = CreateJobBody.safeParse(rawBody ?? {});
    if (!parsed.success) {
      throw new JobsApiError('InvalidRequestException', 400, describeZodIssue(parsed.error, 'body'));
    }
    const body = parsed.data;
    for (const unsupported of [
      'documentSource',
      'presignedUrlConfig',
      'abortConfig',
      'jobTemplateArn',
      'jobExecutionsRetryConfig',
      'documentParameters',
      'schedulingConfig',
      'destinationPackageVersions',
    ] as const) {
      if (body[unsupported] !== undefined) {
        throw new JobsApiError(
          'InvalidRequestException',
          400,
          `${unsupported} is not supported by local-core's IoT Jobs; send the document inline`,
        );
      }
    }
    if (body.namespaceId !== undefined) {
      throw new JobsApiError('InvalidRequestException', 400, 'namespaceId is not supported by local-core');
    }
    if (body.document === undefined) {
      throw new JobsApiError(
        'InvalidRequestException',
        400,
        'document is required (documentSource is not supported)',
      );
    }
    if (Buffer.byteLength(body.document, 'utf8') > MAX_DOCUMENT_BYTES) {
      throw new JobsApiError(
        'InvalidRequestException',
        400,
        `document must be at most ${MAX_DOCUMENT_BYTES} bytes`,
      );
    }
    try {
      JSON.parse(body.document);
    } catch {
      throw new JobsApiError('InvalidRequestException', 400, 'document must be valid JSON');
    }
    if (jobOf(this.state, jobId)) {
      throw new JobsApiError('ResourceAlreadyExistsException', 409, `Job ${jobId} already exists`);
    }
    const things = this.resolveTargets(body.targets);
    const now = this.options.now();
    const before = this.pendingViews(things);
    const job: JobRecord = compact({
      jobId,
      jobArn: this.jobArn(jobId),
      seq: this.state.nextSeq,
      targets: body.targets,
      targetSelection: body.targetSelection ?? 'SNAPSHOT',
      document: body.document,
      description: body.description,
      status: 'IN_PROGRESS' as const,
      createdAt: now,
      lastUpdatedAt: now,
      inProgressTimeoutInMinutes: body.timeoutConfig?.inProgressTimeoutInMinutes,
      jobExecutionsRolloutConfig: body.jobExecutionsRolloutConfig,
      executions: Object.fromEntries(
        things.map((thingName) => [
          thingName,
          {
            jobId,
            thingName,
            status: 'QUEUED' as const,
            statusDetails: {},
            queuedAt: now,
            lastUpdatedAt: now,
            versionNumber: 1,
            executionNumber: 1,
          },
        ]),
      ),
    });
    this.state = {
      ...this.state,
      nextSeq: this.state.nextSeq + 1,
      jobs: { ...this.state.jobs, [jobId]: job },
    };
    return {
      response: compact({ jobArn: job.jobArn, jobId, description: job.description }),
      effects: { publications: this.notifications(before), changed: true },
    };
  }

  /** DescribeJob (GET /jobs/{jobId}). */
  describeJob(jobId: string): Record<string, unknown> {
    const job = this.requireJob(jobId);
    const counts = Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, 0])) as Record<
      ExecutionStatus,
      number
    >;
    for (const e of Object.values(job.executions)) counts[e.status]++;
    return {
      job: compact({
        jobArn: job.jobArn,
        jobId: job.jobId,
        targetSelection: job.targetSelection,
        status: job.status,
        forceCanceled: job.forceCanceled,
        reasonCode: job.reasonCode,
        comment: job.comment,
        targets: job.targets,
        description: job.description,
        jobExecutionsRolloutConfig: job.jobExecutionsRolloutConfig,
        createdAt: epochSeconds(job.createdAt),
        lastUpdatedAt: epochSeconds(job.lastUpdatedAt),
        completedAt: epochSeconds(job.completedAt),
        jobProcessDetails: {
          numberOfCanceledThings: counts.CANCELED,
          numberOfSucceededThings: counts.SUCCEEDED,
          numberOfFailedThings: counts.FAILED,
          numberOfRejectedThings: counts.REJECTED,
          numberOfQueuedThings: counts.QUEUED,
          numberOfInProgressThings: counts.IN_PROGRESS,
          numberOfRemovedThings: counts.REMOVED,
          numberOfTimedOutThings: counts.TIMED_OUT,
        },
        timeoutConfig:
          job.inProgressTimeoutInMinutes === undefined
            ? undefined
            : { inProgressTimeoutInMinutes: job.inProgressTimeoutInMinutes },
        isConcurrent: false,
      }),
    };
  }

  /** The job document, for DescribeJob's companion GetJobDocument and for tests. */
  jobDocument(jobId: string): string {
    return this.requireJob(jobId).document;
  }

  /** ListJobExecutionsForJob (GET /jobs/{jobId}/things?status&maxResults&nextToken). */
  listJobExecutionsForJob(jobId: string, query: URLSearchParams): Record<string, unknown> {
    const job = this.requireJob(jobId);
    const status = query.get('status');
    if (status !== null && !(EXECUTION_STATUSES as readonly string[]).includes(status)) {
      throw new JobsApiError(
        'InvalidRequestException',
        400,
        `status must be one of ${EXECUTION_STATUSES.join(', ')}`,
      );
    }
    const maxResults = query.has('maxResults') ? Number(query.get('maxResults')) : 250;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 250) {
      throw new JobsApiError('InvalidRequestException', 400, 'maxResults must be an integer from 1 to 250');
    }
    const token = query.get('nextToken');
    const start = token === null ? 0 : decodeToken(token);
    const all = Object.values(job.executions).filter((e) => status === null || e.status === status);
    const page = all.slice(start, start + maxResults);
    const next = start + maxResults < all.length ? encodeToken(start + maxResults) : undefined;
    return compact({
      executionSummaries: page.map((e) => ({
        thingArn: this.thingArn(e.thingName),
        jobExecutionSummary: compact({
          status: e.status,
          queuedAt: epochSeconds(e.queuedAt),
          startedAt: epochSeconds(e.startedAt),
          lastUpdatedAt: epochSeconds(e.lastUpdatedAt),
          executionNumber: e.executionNumber,
        }),
      })),
      nextToken: next,
    });
  }

  /**
   * CancelJob (PUT /jobs/{jobId}/cancel?force): QUEUED executions become CANCELED; IN_PROGRESS ones
   * only with `force`. A completed job cannot be canceled.
   */
  cancelJob(
    jobId: string,
    force: boolean,
    rawBody: unknown,
  ): { response: Record<string, unknown>; effects: Effects } {
    const job = this.requireJob(jobId);
    const parsed = CancelJobBody.safeParse(rawBody ?? {});
    if (!parsed.success) {
      throw new JobsApiError('InvalidRequestException', 400, describeZodIssue(parsed.error, 'body'));
    }
    if (job.status === 'COMPLETED') {
      throw new JobsApiError(
        'InvalidStateTransitionException',
        409,
        `Job ${jobId} is COMPLETED and cannot be canceled`,
      );
    }
    const things = Object.keys(job.executions);
    const before = this.pendingViews(things);
    const now = this.options.now();
    for (const e of Object.values(job.executions)) {
      if (e.status === 'QUEUED' || (force && e.status === 'IN_PROGRESS')) {
        this.setExecution(job, {
          ...withoutDeadlines(e),
          status: 'CANCELED',
          lastUpdatedAt: now,
          versionNumber: e.versionNumber + 1,
          ...(e.status === 'IN_PROGRESS' ? { forceCanceled: true } : {}),
        });
      }
    }
    this.replaceJob(
      compact({
        ...this.requireJob(jobId),
        status: 'CANCELED' as const,
        forceCanceled: force || job.forceCanceled,
        reasonCode: parsed.data.reasonCode ?? job.reasonCode,
        comment: parsed.data.comment ?? job.comment,
        lastUpdatedAt: now,
      }),
    );
    const final = this.requireJob(jobId);
    return {
      response: compact({ jobArn: final.jobArn, jobId, description: final.description }),
      effects: { publications: this.notifications(before), changed: true },
    };
  }

  /** DescribeJobExecution (GET /things/{thingName}/jobs/{jobId}?executionNumber). */
  describeJobExecution(thingName: string, jobId: string, query: URLSearchParams): Record<string, unknown> {
    const job = this.requireJob(jobId);
    const e = executionOf(job, thingName);
    const wanted = query.get('executionNumber');
    if (!e || (wanted !== null && Number(wanted) !== e.executionNumber)) {
      throw new JobsApiError(
        'ResourceNotFoundException',
        404,
        `No execution of job ${jobId} for thing ${thingName}`,
      );
    }
    const deadline = earliestDeadline(e);
    return {
      execution: compact({
        jobId,
        status: e.status,
        forceCanceled: e.forceCanceled ?? false,
        statusDetails: { detailsMap: e.statusDetails },
        thingArn: this.thingArn(thingName),
        queuedAt: epochSeconds(e.queuedAt),
        startedAt: epochSeconds(e.startedAt),
        lastUpdatedAt: epochSeconds(e.lastUpdatedAt),
        executionNumber: e.executionNumber,
        versionNumber: e.versionNumber,
        approximateSecondsBeforeTimedOut:
          deadline === undefined
            ? undefined
            : Math.max(0, Math.round((deadline - this.options.now()) / 1000)),
      }),
    };
  }

  // ---------------------------------------------------------------- device protocol

  /**
   * Handles one message a device published under `$aws/things/<thing>/jobs/`. Replies go to the request
   * topic + `/accepted` or `/rejected`; notifications follow any change of the pending list.
   */
  handleDeviceMessage(topic: string, payload: Uint8Array): Effects {
    const parts = topic.split('/');
    if (parts.length < 4 || parts[0] !== '$aws' || parts[1] !== 'things' || parts[3] !== 'jobs') {
      return { publications: [], changed: false };
    }
    const thingName = parts[2]!;
    const rest = parts.slice(4);
    const last = rest[rest.length - 1];
    // Our own replies and notifications come back through the same subscription.
    if (last === 'accepted' || last === 'rejected' || last === 'notify' || last === 'notify-next') {
      return { publications: [], changed: false };
    }
    const replyTo = topic;
    let clientToken: string | undefined;
    try {
      const request = parseJson(payload);
      if (typeof request.clientToken === 'string') clientToken = request.clientToken;
      if (!THING_NAME.test(thingName)) throw new Rejection('InvalidTopic', `Invalid thing name ${thingName}`);
      if (rest.length === 1 && rest[0] === 'get') return this.getPending(thingName, replyTo, request);
      if (rest.length === 1 && rest[0] === 'start-next') return this.startNext(thingName, replyTo, request);
      if (rest.length === 2 && rest[1] === 'get') return this.describe(thingName, rest[0]!, replyTo, request);
      if (rest.length === 2 && rest[1] === 'update')
        return this.update(thingName, rest[0]!, replyTo, request);
      throw new Rejection('InvalidTopic', `The topic ${topic} does not map to any Jobs API`);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      return {
        publications: [
          {
            topic: `${replyTo}/rejected`,
            payload: compact({
              code: error.code,
              message: error.message,
              clientToken,
              timestamp: seconds(this.options.now()),
              executionState: error.executionState && executionState(error.executionState),
            }),
          },
        ],
        changed: false,
      };
    }
  }

  private getPending(thingName: string, replyTo: string, raw: Record<string, unknown>): Effects {
    const request = parseRequest(GetPendingRequest, raw);
    const pending = this.pendingOf(thingName);
    return {
      publications: [
        {
          topic: `${replyTo}/accepted`,
          payload: compact({
            inProgressJobs: pending.filter((p) => p.e.status === 'IN_PROGRESS').map((p) => summary(p.e)),
            queuedJobs: pending.filter((p) => p.e.status === 'QUEUED').map((p) => summary(p.e)),
            timestamp: seconds(this.options.now()),
            clientToken: request.clientToken,
          }),
        },
      ],
      changed: false,
    };
  }

  private startNext(thingName: string, replyTo: string, raw: Record<string, unknown>): Effects {
    const request = parseRequest(StartNextRequest, raw);
    const details = request.statusDetails && checkedDetails(request.statusDetails);
    const before = this.pendingViews([thingName]);
    const next = this.pendingOf(thingName)[0];
    const now = this.options.now();
    let execution: ExecutionRecord | undefined;
    let job: JobRecord | undefined;
    if (next) {
      job = next.job;
      const e = next.e;
      if (e.status === 'QUEUED') {
        execution = this.setExecution(job, {
          ...e,
          status: 'IN_PROGRESS',
          statusDetails: details ?? e.statusDetails,
          startedAt: now,
          lastUpdatedAt: now,
          versionNumber: e.versionNumber + 1,
          ...this.inProgressDeadline(job, now),
          ...this.stepDeadline(request.stepTimeoutInMinutes, now),
        });
      } else {
        // Already IN_PROGRESS: AWS returns it again (the device may have restarted mid-job).
        execution = e;
      }
    }
    return {
      publications: [
        {
          topic: `${replyTo}/accepted`,
          payload: compact({
            execution: execution && job && this.executionData(execution, job, true),
            timestamp: seconds(now),
            clientToken: request.clientToken,
          }),
        },
        ...this.notifications(before),
      ],
      changed: execution !== next?.e,
    };
  }

  private describe(thingName: string, jobId: string, replyTo: string, raw: Record<string, unknown>): Effects {
    const request = parseRequest(DescribeRequest, raw);
    let found: { job: JobRecord; e: ExecutionRecord } | undefined;
    if (jobId === '$next') {
      found = this.pendingOf(thingName)[0];
    } else {
      const job = jobOf(this.state, jobId);
      const e = job && executionOf(job, thingName);
      if (
        !job ||
        !e ||
        (request.executionNumber !== undefined && request.executionNumber !== e.executionNumber)
      ) {
        throw new Rejection('ResourceNotFound', `Job execution ${jobId} for thing ${thingName} not found`);
      }
      found = { job, e };
    }
    return {
      publications: [
        {
          topic: `${replyTo}/accepted`,
          payload: compact({
            execution: found && this.executionData(found.e, found.job, request.includeJobDocument ?? true),
            timestamp: seconds(this.options.now()),
            clientToken: request.clientToken,
          }),
        },
      ],
      changed: false,
    };
  }

  private update(thingName: string, jobId: string, replyTo: string, raw: Record<string, unknown>): Effects {
    const request = parseRequest(UpdateRequest, raw);
    if (!(EXECUTION_STATUSES as readonly string[]).includes(request.status)) {
      throw new Rejection(
        'InvalidRequest',
        `status must be one of ${DEVICE_STATUSES.join(', ')}, got ${request.status}`,
      );
    }
    const job = jobOf(this.state, jobId);
    const e = job && executionOf(job, thingName);
    if (
      !job ||
      !e ||
      (request.executionNumber !== undefined && request.executionNumber !== e.executionNumber)
    ) {
      throw new Rejection('ResourceNotFound', `Job execution ${jobId} for thing ${thingName} not found`);
    }
    if (isTerminal(e.status)) {
      throw new Rejection('TerminalStateReached', `Job execution ${jobId} is already ${e.status}`, e);
    }
    const status = request.status as ExecutionStatus;
    if (!(DEVICE_STATUSES as readonly string[]).includes(status)) {
      throw new Rejection('InvalidStateTransition', `A device cannot set status ${status}`, e);
    }
    if (request.expectedVersion !== undefined && request.expectedVersion !== e.versionNumber) {
      throw new Rejection(
        'VersionMismatch',
        `expectedVersion ${request.expectedVersion} does not match the current version ${e.versionNumber}`,
        e,
      );
    }
    const details =
      request.statusDetails === undefined ? e.statusDetails : checkedDetails(request.statusDetails);
    const before = this.pendingViews([thingName]);
    const now = this.options.now();
    const starting = e.status === 'QUEUED' && status === 'IN_PROGRESS';
    let next: ExecutionRecord = {
      ...e,
      status,
      statusDetails: details,
      lastUpdatedAt: now,
      versionNumber: e.versionNumber + 1,
      ...(starting ? { startedAt: now, ...this.inProgressDeadline(job, now) } : {}),
    };
    if (isTerminal(status)) next = withoutDeadlines(next);
    else if (request.stepTimeoutInMinutes === -1) next = withoutStep(next);
    else if (request.stepTimeoutInMinutes !== undefined) {
      next = { ...next, ...this.stepDeadline(request.stepTimeoutInMinutes, now) };
    }
    const updated = this.setExecution(job, next);
    const jobNow = this.requireJob(jobId);
    return {
      publications: [
        {
          topic: `${replyTo}/accepted`,
          payload: compact({
            executionState: request.includeJobExecutionState ? executionState(updated) : undefined,
            jobDocument: request.includeJobDocument ? parseDocument(jobNow.document) : undefined,
            timestamp: seconds(now),
            clientToken: request.clientToken,
          }),
        },
        ...this.notifications(before),
      ],
      changed: true,
    };
  }

  // ---------------------------------------------------------------- timers

  /** The earliest in-progress or step deadline of any execution, in wall-clock ms. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const job of Object.values(this.state.jobs)) {
      for (const e of Object.values(job.executions)) {
        const d = earliestDeadline(e);
        if (d !== undefined && (earliest === undefined || d < earliest)) earliest = d;
      }
    }
    return earliest;
  }

  /** Moves every IN_PROGRESS execution whose deadline has passed to TIMED_OUT. */
  expire(): Effects & { readonly timedOut: readonly { jobId: string; thingName: string }[] } {
    const now = this.options.now();
    const due: { job: JobRecord; e: ExecutionRecord }[] = [];
    for (const job of Object.values(this.state.jobs)) {
      for (const e of Object.values(job.executions)) {
        const d = earliestDeadline(e);
        if (e.status === 'IN_PROGRESS' && d !== undefined && d <= now) due.push({ job, e });
      }
    }
    if (due.length === 0) return { publications: [], changed: false, timedOut: [] };
    const before = this.pendingViews(due.map((d) => d.e.thingName));
    for (const { job, e } of due) {
      this.setExecution(this.requireJob(job.jobId), {
        ...withoutDeadlines(e),
        status: 'TIMED_OUT',
        lastUpdatedAt: now,
        versionNumber: e.versionNumber + 1,
      });
    }
    return {
      publications: this.notifications(before),
      changed: true,
      timedOut: due.map(({ e }) => ({ jobId: e.jobId, thingName: e.thingName })),
    };
  }

  // ---------------------------------------------------------------- internals

  private resolveTargets(targets: readonly string[]): string[] {
    const fleet = [...this.options.fleet()];
    const names = new Set<string>();
    for (const arn of targets) {
      const m = TARGET_ARN.exec(arn);
      if (!m) {
        throw new JobsApiError(
          'InvalidRequestException',
          400,
          `targets: \`${arn.slice(0, 200)}\` is not a thing or thing-group ARN (arn:aws:iot:<region>:<account>:thing/<name>)`,
        );
      }
      const [, kind, name] = m as unknown as [string, 'thing' | 'thinggroup', string];
      if (kind === 'thing') {
        if (!fleet.some((t) => t.thingName === name)) {
          throw new JobsApiError('ResourceNotFoundException', 404, `Thing ${name} does not exist`);
        }
        names.add(name);
      } else {
        const members = fleet.filter((t) => t.thingGroups.includes(name));
        if (members.length === 0) {
          throw new JobsApiError('ResourceNotFoundException', 404, `Thing group ${name} does not exist`);
        }
        for (const t of members) names.add(t.thingName);
      }
    }
    return [...names];
  }

  private requireJob(jobId: string): JobRecord {
    const job = jobOf(this.state, jobId);
    if (!job) throw new JobsApiError('ResourceNotFoundException', 404, `Job ${jobId} does not exist`);
    return job;
  }

  private replaceJob(job: JobRecord): void {
    this.state = { ...this.state, jobs: { ...this.state.jobs, [job.jobId]: job } };
  }

  /** Stores an execution and recomputes the job's status; returns the stored execution. */
  private setExecution(job: JobRecord, e: ExecutionRecord): ExecutionRecord {
    const current = this.requireJob(job.jobId);
    const executions = { ...current.executions, [e.thingName]: e };
    const allDone = Object.values(executions).every((x) => isTerminal(x.status));
    const completing = current.status === 'IN_PROGRESS' && allDone;
    this.replaceJob({
      ...current,
      executions,
      lastUpdatedAt: e.lastUpdatedAt,
      ...(completing ? { status: 'COMPLETED' as const, completedAt: e.lastUpdatedAt } : {}),
    });
    return e;
  }

  /** The thing's pending executions: IN_PROGRESS first, then QUEUED, each in job-creation order. */
  private pendingOf(thingName: string): { job: JobRecord; e: ExecutionRecord }[] {
    const out: { job: JobRecord; e: ExecutionRecord }[] = [];
    for (const job of Object.values(this.state.jobs)) {
      const e = executionOf(job, thingName);
      if (e && (e.status === 'QUEUED' || e.status === 'IN_PROGRESS')) out.push({ job, e });
    }
    const rank = (s: ExecutionStatus) => (s === 'IN_PROGRESS' ? 0 : 1);
    return out.sort((a, b) => rank(a.e.status) - rank(b.e.status) || a.job.seq - b.job.seq);
  }

  private pendingViews(things: readonly string[]): Map<string, string> {
    return new Map(
      things.map((t) => [t, JSON.stringify(this.pendingOf(t).map((p) => [p.e.jobId, p.e.status]))] as const),
    );
  }

  /** notify (pending list changed) and notify-next (next execution changed) for each affected thing. */
  private notifications(before: Map<string, string>): Publication[] {
    const out: Publication[] = [];
    const timestamp = seconds(this.options.now());
    for (const [thingName, was] of before) {
      const pending = this.pendingOf(thingName);
      const now = JSON.stringify(pending.map((p) => [p.e.jobId, p.e.status]));
      if (now === was) continue;
      const wasNext = (JSON.parse(was) as [string, string][])[0]?.[0];
      const next = pending[0];
      out.push({
        topic: `$aws/things/${thingName}/jobs/notify`,
        payload: {
          timestamp,
          jobs: compact({
            IN_PROGRESS: listOrUndefined(
              pending.filter((p) => p.e.status === 'IN_PROGRESS').map((p) => summary(p.e)),
            ),
            QUEUED: listOrUndefined(pending.filter((p) => p.e.status === 'QUEUED').map((p) => summary(p.e))),
          }),
        },
      });
      if (next?.e.jobId !== wasNext) {
        out.push({
          topic: `$aws/things/${thingName}/jobs/notify-next`,
          payload: compact({ timestamp, execution: next && this.executionData(next.e, next.job, true) }),
        });
      }
    }
    return out;
  }

  private executionData(
    e: ExecutionRecord,
    job: JobRecord,
    includeDocument: boolean,
  ): Record<string, unknown> {
    return compact({
      jobId: e.jobId,
      thingName: e.thingName,
      jobDocument: includeDocument ? parseDocument(job.document) : undefined,
      status: e.status,
      statusDetails: e.statusDetails,
      queuedAt: seconds(e.queuedAt),
      startedAt: seconds(e.startedAt),
      lastUpdatedAt: seconds(e.lastUpdatedAt),
      versionNumber: e.versionNumber,
      executionNumber: e.executionNumber,
    });
  }

  private inProgressDeadline(job: JobRecord, now: number): { inProgressDeadline?: number } {
    if (job.inProgressTimeoutInMinutes === undefined) return {};
    return {
      inProgressDeadline:
        now + Math.round(job.inProgressTimeoutInMinutes * MINUTE_MS * this.options.timeScale),
    };
  }

  private stepDeadline(minutes: number | undefined, now: number): { stepDeadline?: number } {
    if (minutes === undefined) return {};
    return { stepDeadline: now + Math.round(minutes * MINUTE_MS * this.options.timeScale) };
  }
}

function listOrUndefined<T>(list: T[]): T[] | undefined {
  return list.length === 0 ? undefined : list;
}

function earliestDeadline(e: ExecutionRecord): number | undefined {
  if (e.status !== 'IN_PROGRESS') return undefined;
  const ds = [e.inProgressDeadline, e.stepDeadline].filter((d): d is number => d !== undefined);
  return ds.length === 0 ? undefined : Math.min(...ds);
}

function withoutDeadlines(e: ExecutionRecord): ExecutionRecord {
  const { inProgressDeadline: _i, stepDeadline: _s, ...rest } = e;
  return rest;
}

function withoutStep(e: ExecutionRecord): ExecutionRecord {
  const { stepDeadline: _s, ...rest } = e;
  return rest;
}

function summary(e: ExecutionRecord): Record<string, unknown> {
  return compact({
    jobId: e.jobId,
    queuedAt: seconds(e.queuedAt),
    startedAt: seconds(e.startedAt),
    lastUpdatedAt: seconds(e.lastUpdatedAt),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  });
}

function executionState(e: ExecutionRecord): Record<string, unknown> {
  return { status: e.status, statusDetails: e.statusDetails, versionNumber: e.versionNumber };
}

function parseDocument(document: string): unknown {
  return JSON.parse(document);
}

function parseJson(payload: Uint8Array): Record<string, unknown> {
  if (payload.byteLength > MAX_MQTT_PAYLOAD_BYTES) {
    throw new Rejection('InvalidRequest', `The payload exceeds ${MAX_MQTT_PAYLOAD_BYTES} bytes`);
  }
  if (payload.byteLength === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new Rejection('InvalidJson', 'The payload is not valid UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Rejection('InvalidRequest', 'The payload must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function parseRequest<T>(schema: z.ZodType<T>, raw: Record<string, unknown>): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Rejection('InvalidRequest', describeZodIssue(parsed.error, 'payload'));
  return parsed.data;
}

function checkedDetails(details: Record<string, unknown>): Record<string, string> {
  const checked = validateStatusDetails(details);
  if (typeof checked === 'string') throw new Rejection('InvalidRequest', checked);
  return checked;
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new JobsApiError('InvalidRequestException', 400, 'nextToken is invalid');
}
