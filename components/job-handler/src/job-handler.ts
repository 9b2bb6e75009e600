/**
 * JobHandler core: owns this thing's IoT Jobs executions. Consumes its own `$aws/things/<thing>/jobs/...`
 * topics (via IoT Core MQTT) and the three result topics; produces `matchday/commands`,
 * `matchday/scraper/run`, `matchday/relay/test` and execution updates. It never runs a job twice: every
 * step and every outcome is journalled durably before it is sent or reported.
 */
import { z } from 'zod';
import { type CommandResult, isInvalidRequest, TOPICS } from '../../shared/contracts/index.ts';
import type { Closable, Timer } from '../../shared/ports/index.ts';
import type { ComponentContext, ComponentInstance } from '../../shared/runtime/component.ts';
import type { JobHandlerConfig } from './config.ts';
import { type JobStep, parseJobDocument, SCHEDULER_OPERATIONS } from './job-document.ts';
import { executionKey, Journal, type JournalEntry, type Outcome } from './journal.ts';
import { statusDetails } from './status-details.ts';

/** The journal's file name in the work folder. */
export const JOURNAL_FILE = 'job-journal.json';
/** start-next rounds per wake-up; a queue longer than this continues at the next poll. */
const MAX_ROUNDS = 50;

/** An execution as IoT Jobs sends it in start-next/accepted (validated: it comes from outside). */
const DeliveredExecution = z.object({
  jobId: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  status: z.string(),
  versionNumber: z.number().int().nonnegative(),
  executionNumber: z.number().int().positive(),
  /** Epoch seconds; tells a job id reused after DeleteJob apart from the execution the journal knows. */
  queuedAt: z.number().nonnegative().optional(),
  jobDocument: z.unknown().optional(),
});
type DeliveredExecution = z.infer<typeof DeliveredExecution>;

const Reply = z.object({
  clientToken: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  execution: z.unknown().optional(),
});
type Reply = z.infer<typeof Reply>;

type StepAnswer = { kind: 'result'; result: CommandResult } | { kind: 'timeout' } | { kind: 'stopped' };
type RequestAnswer =
  | { kind: 'accepted' | 'rejected'; reply: Reply }
  | { kind: 'timeout' }
  | { kind: 'stopped' };

export function createJobHandler(ctx: ComponentContext<JobHandlerConfig>): ComponentInstance {
  const { config, clock, logger, metrics, pubsub, iotCore, thingName } = ctx;
  const base = `$aws/things/${thingName}/jobs`;
  const journal = new Journal(
    ctx.fs,
    `${ctx.workDir.replace(/\/$/, '')}/${JOURNAL_FILE}`,
    config.journalRetentionDays * 86_400_000,
    () => clock.now(),
  );
  const subscriptions: Closable[] = [];
  const stepWaiters = new Map<string, (answer: StepAnswer) => void>();
  const requestWaiters = new Map<string, (answer: RequestAnswer) => void>();
  let pollTimer: Timer | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let tokenCounter = 0;

  // ------------------------------------------------------------------ wake-ups

  function wake(reason: string): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = drain(reason)
      .catch((error) => logger.error('jobhandler.drain.failed', { reason, error: String(error) }))
      .finally(() => {
        running = undefined;
        if (again && !stopped) wake('again');
      });
  }

  function schedulePoll(): void {
    pollTimer = clock.setTimer(config.pollIntervalS * 1000, () => {
      if (stopped) return;
      wake('poll');
      schedulePoll();
    });
  }

  /** Asks start-next until nothing is pending (or a report could not be delivered). */
  async function drain(reason: string): Promise<void> {
    logger.debug('jobhandler.wake', { reason });
    for (let round = 0; round < MAX_ROUNDS && !stopped; round++) {
      const answer = await request(`${base}/start-next`, {});
      if (answer.kind !== 'accepted') {
        if (answer.kind === 'rejected') logger.warn('jobhandler.start-next.rejected', { ...answer.reply });
        return;
      }
      if (answer.reply.execution === undefined) return;
      const parsed = DeliveredExecution.safeParse(answer.reply.execution);
      if (!parsed.success) {
        logger.error('jobhandler.execution.malformed', { error: parsed.error.issues[0]?.message });
        return;
      }
      if (!(await handleExecution(parsed.data, round === 0 ? reason : 'queue'))) return;
    }
  }

  // ------------------------------------------------------------------ one execution

  /**
   * Runs (or re-reports) one execution; true when the queue may be asked again right away. `trigger` is
   * what asked for it (`start`, `notify-next`, `poll`, `queue`, …), for the log.
   */
  async function handleExecution(execution: DeliveredExecution, trigger: string): Promise<boolean> {
    const key = executionKey(execution.jobId, execution.executionNumber);
    let entry = journal.get(key);
    if (
      entry?.queuedAt !== undefined &&
      execution.queuedAt !== undefined &&
      entry.queuedAt !== execution.queuedAt
    ) {
      // Same job id and execution number, but queued at another time: a new job, not a redelivery.
      logger.info('jobhandler.execution.reused-id', { jobId: execution.jobId, queuedAt: execution.queuedAt });
      entry = undefined;
    }
    if (!entry) entry = await journal.begin(key, execution.queuedAt);
    if (!entry.outcome) {
      logger.info('jobhandler.execution.received', {
        jobId: execution.jobId,
        executionNumber: execution.executionNumber,
        resumed: entry.startedSteps > 0,
        trigger,
      });
      const parsed = parseJobDocument(execution.jobDocument);
      let outcome: Outcome | undefined;
      if (!parsed.ok) {
        outcome = { status: 'REJECTED', statusDetails: statusDetails({ ...parsed.problem }) };
        logger.warn('jobhandler.document.rejected', { jobId: execution.jobId, ...parsed.problem });
      } else {
        outcome = await runSteps(execution, parsed.steps, entry);
        if (!outcome) return false; // stopping: no outcome is recorded, the journal resumes it later
      }
      entry = await journal.record(key, { outcome });
    } else {
      logger.info('jobhandler.execution.rereported', {
        jobId: execution.jobId,
        status: entry.outcome.status,
      });
    }
    return report(execution, key, entry);
  }

  async function runSteps(
    execution: DeliveredExecution,
    steps: readonly JobStep[],
    entry: JournalEntry | undefined,
  ): Promise<Outcome | undefined> {
    const key = executionKey(execution.jobId, execution.executionNumber);
    const done = entry?.completedSteps ?? 0;
    const started = entry?.startedSteps ?? 0;
    for (let index = done; index < steps.length; index++) {
      const step = steps[index]!;
      const stepFields = { step: String(index), operation: step.operation };
      if (index < started && !SCHEDULER_OPERATIONS.has(step.operation)) {
        logger.warn('jobhandler.step.interrupted', { jobId: execution.jobId, ...stepFields });
        return failed({
          reason: 'INTERRUPTED',
          ...stepFields,
          message: 'the device restarted while this step ran; it is not repeated (jobs run at most once)',
        });
      }
      await journal.record(key, { startedSteps: Math.max(started, index + 1), completedSteps: index });
      const id = `job:${execution.jobId}:${execution.executionNumber}:${index}`;
      const answer = await send(step, id, execution.jobId);
      if (answer.kind === 'stopped') return undefined;
      if (answer.kind === 'timeout') {
        logger.warn('jobhandler.step.timeout', { jobId: execution.jobId, id, ...stepFields });
        return failed({ reason: 'TIMEOUT', ...stepFields, message: `no answer to ${id} in time` });
      }
      if (!answer.result.ok) {
        const error = answer.result.error;
        logger.warn('jobhandler.step.failed', { jobId: execution.jobId, id, ...stepFields, error });
        return failed({
          reason: error?.code ?? 'INTERNAL',
          ...stepFields,
          message: error?.message,
          path: error?.path,
        });
      }
      await journal.record(key, { startedSteps: index + 1, completedSteps: index + 1 });
    }
    if (steps.some((s) => SCHEDULER_OPERATIONS.has(s.operation))) {
      // Ask the scheduler for its state now, so the job's effect reaches the shadow without waiting.
      await pubsub
        .publish(TOPICS.stateRequest, { id: `job:${execution.jobId}:${execution.executionNumber}:state` })
        .catch((error) => logger.warn('jobhandler.state-request.failed', { error: String(error) }));
    }
    return {
      status: 'SUCCEEDED',
      statusDetails: statusDetails({ reason: 'OK', steps: String(steps.length) }),
    };
  }

  function failed(details: Record<string, string | undefined>): Outcome {
    return { status: 'FAILED', statusDetails: statusDetails(details) };
  }

  /** Sends one step to its receiver and waits for its result (or the timeout). */
  async function send(step: JobStep, id: string, jobId: string): Promise<StepAnswer> {
    const timeoutMs =
      (config.commandTimeoutS + (step.operation === 'testLight' ? step.args.durationS : 0)) * 1000;
    const answer = new Promise<StepAnswer>((resolve) => {
      const timer = clock.setTimer(timeoutMs, () => settle({ kind: 'timeout' }));
      const settle = (a: StepAnswer) => {
        timer.cancel();
        stepWaiters.delete(id);
        resolve(a);
      };
      stepWaiters.set(id, settle);
    });
    try {
      switch (step.operation) {
        case 'rescrape':
          await pubsub.publish(TOPICS.scraperRun, { id });
          break;
        case 'testLight':
          await pubsub.publish(TOPICS.relayTest, { id, durationS: step.args.durationS });
          break;
        default:
          await pubsub.publish(TOPICS.commands, {
            id,
            type: step.operation,
            args: step.args,
            origin: { via: 'job', ref: jobId },
          } as never);
      }
    } catch (error) {
      stepWaiters.get(id)?.({
        kind: 'result',
        result: {
          id,
          ok: false,
          error: { code: 'INTERNAL', message: `publish failed: ${String(error)}`.slice(0, 500) },
        },
      });
    }
    return answer;
  }

  /** Reports the recorded outcome; true when the queue may be asked again right away. */
  async function report(execution: DeliveredExecution, key: string, entry: JournalEntry): Promise<boolean> {
    const outcome = entry.outcome!;
    const answer = await request(`${base}/${execution.jobId}/update`, {
      status: outcome.status,
      statusDetails: outcome.statusDetails,
      expectedVersion: execution.versionNumber,
      executionNumber: execution.executionNumber,
    });
    if (answer.kind === 'accepted') {
      if (!entry.reported) {
        await journal.record(key, { reported: true });
        metrics.count(
          outcome.status === 'SUCCEEDED'
            ? 'JobsSucceeded'
            : outcome.status === 'FAILED'
              ? 'JobsFailed'
              : 'JobsRejected',
        );
      }
      logger.info('jobhandler.execution.reported', { jobId: execution.jobId, status: outcome.status });
      return true;
    }
    if (answer.kind === 'rejected') {
      const code = answer.reply.code;
      logger.warn('jobhandler.report.rejected', {
        jobId: execution.jobId,
        code,
        message: answer.reply.message,
      });
      if (code === 'TerminalStateReached') {
        await journal.record(key, { reported: true });
        return true;
      }
      // Another version of the execution exists: start-next returns it again and the outcome is re-sent.
      return code === 'VersionMismatch';
    }
    return false;
  }

  // ------------------------------------------------------------------ MQTT request/reply

  async function request(topic: string, body: Record<string, unknown>): Promise<RequestAnswer> {
    tokenCounter += 1;
    const clientToken = `jh-${clock.monotonic().toString(36)}-${tokenCounter.toString(36)}`;
    const answer = new Promise<RequestAnswer>((resolve) => {
      const timer = clock.setTimer(config.requestTimeoutS * 1000, () => settle({ kind: 'timeout' }));
      const settle = (a: RequestAnswer) => {
        timer.cancel();
        requestWaiters.delete(clientToken);
        resolve(a);
      };
      requestWaiters.set(clientToken, settle);
    });
    try {
      await iotCore.publish(topic, JSON.stringify({ ...body, clientToken }), 1);
    } catch (error) {
      logger.warn('jobhandler.request.failed', { topic, error: String(error) });
      requestWaiters.get(clientToken)?.({ kind: 'timeout' });
    }
    const result = await answer;
    if (result.kind === 'timeout') logger.warn('jobhandler.request.timeout', { topic });
    return result;
  }

  function onReply(kind: 'accepted' | 'rejected', topic: string, payload: Uint8Array): void {
    let reply: Reply;
    try {
      const parsed = Reply.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message);
      reply = parsed.data;
    } catch (error) {
      logger.warn('jobhandler.reply.malformed', { topic, error: String(error) });
      return;
    }
    const waiter = reply.clientToken === undefined ? undefined : requestWaiters.get(reply.clientToken);
    if (waiter) {
      waiter({ kind, reply });
      return;
    }
    // A late answer (e.g. spooled while offline) that started an execution: pick it up now.
    if (kind === 'accepted' && topic.endsWith('/start-next/accepted') && reply.execution !== undefined) {
      wake('late-start-next');
    }
  }

  function onStepResult(message: unknown): void {
    if (isInvalidRequest(message)) return;
    const result = message as CommandResult;
    stepWaiters.get(result.id)?.({ kind: 'result', result });
  }

  return {
    async start() {
      await journal.load((reason) =>
        logger.error('jobhandler.journal.corrupt', { path: journal.path, reason }),
      );
      for (const topic of [TOPICS.commandResults, TOPICS.scraperRunResult, TOPICS.relayTestResult]) {
        subscriptions.push(await pubsub.subscribe(topic, onStepResult));
      }
      subscriptions.push(
        await iotCore.subscribe(`${base}/start-next/accepted`, (t, p) => onReply('accepted', t, p), 1),
        await iotCore.subscribe(`${base}/start-next/rejected`, (t, p) => onReply('rejected', t, p), 1),
        await iotCore.subscribe(`${base}/+/update/accepted`, (t, p) => onReply('accepted', t, p), 1),
        await iotCore.subscribe(`${base}/+/update/rejected`, (t, p) => onReply('rejected', t, p), 1),
        // QoS 0: a notification is only a hint; the poll, not a redelivery, guarantees queued jobs run.
        await iotCore.subscribe(`${base}/notify-next`, () => wake('notify-next'), 0),
      );
      logger.info('jobhandler.started', { thingName, journalEntries: journal.size });
      schedulePoll();
      wake('start');
    },
    async stop() {
      stopped = true;
      pollTimer?.cancel();
      for (const settle of [...stepWaiters.values()]) settle({ kind: 'stopped' });
      for (const settle of [...requestWaiters.values()]) settle({ kind: 'stopped' });
      await running;
      await Promise.allSettled(subscriptions.splice(0).map((s) => s.close()));
    },
  };
}
