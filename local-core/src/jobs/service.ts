/**
 * AWS IoT Jobs as a local-core cloud service: the control-plane REST API (the paths and shapes
 * `@aws-sdk/client-iot` uses) on the cloud API server, the device protocol on the IoT Core stand-in's
 * reserved `$aws/things/<thing>/jobs/...` topics, timeouts scaled by `--jobs-time-scale`, and the state
 * persisted under the state folder. Every change is durable before its reply or notification is sent.
 */
import { join } from 'node:path';
import type { CloudApiHandler, CloudService, CloudServiceContext } from '../nucleus/services.ts';
import { type Effects, JobsApiError, JobsEngine } from './engine.ts';
import { JobsStore } from './store.ts';

/** The region and account in the ARNs local-core returns. */
export const LOCAL_REGION = 'eu-west-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The longest delay Node's timers accept. */
const MAX_TIMER_MS = 2_147_483_647;

export interface JobsServiceOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Wall clock; tests may replace it. */
  readonly now?: () => number;
}

export interface JobsService extends CloudService {
  /** The engine, once started (tests and the CLI's in-process uses). */
  readonly engine: JobsEngine | undefined;
  /** Resolves when every accepted change has been written and published. */
  idle(): Promise<void>;
}

export function createJobsService(options: JobsServiceOptions = {}): JobsService {
  const now = options.now ?? Date.now;
  let engine: JobsEngine | undefined;
  let store: JobsStore | undefined;
  let context: CloudServiceContext | undefined;
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Mutations run one at a time so persistence and publication keep their order. */
  let queue: Promise<unknown> = Promise.resolve();

  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function apply(effects: Effects): Promise<void> {
    if (!engine || !store || !context) return;
    if (effects.changed) {
      await store.save(engine.snapshot());
      schedule();
    }
    for (const p of effects.publications) {
      try {
        await context.broker.publish(p.topic, new TextEncoder().encode(JSON.stringify(p.payload)));
      } catch (error) {
        context.log('jobs.publish.failed', { topic: p.topic, error: String(error) });
      }
    }
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const deadline = engine?.nextDeadline();
    if (deadline === undefined || stopped) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        void serially(async () => {
          if (!engine || stopped) return;
          const effects = engine.expire();
          for (const t of effects.timedOut) context?.log('jobs.execution.timed-out', t);
          await apply(effects);
          schedule();
        });
      },
      Math.min(MAX_TIMER_MS, Math.max(0, deadline - now())),
    );
    timer.unref?.();
  }

  const handle =
    (fn: (request: Parameters<CloudApiHandler>[0]) => Promise<unknown>): CloudApiHandler =>
    async (request) => {
      try {
        return { status: 200, body: await fn(request), headers: { 'content-type': 'application/json' } };
      } catch (error) {
        if (error instanceof JobsApiError) {
          return {
            status: error.httpStatus,
            body: { message: error.message },
            headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': error.type },
          };
        }
        context?.log('jobs.api.failed', { path: request.path, error: String(error) });
        return {
          status: 500,
          body: { message: 'Internal failure' },
          headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': 'InternalFailureException' },
        };
      }
    };

  const required = () => {
    if (!engine) throw new JobsApiError('InvalidRequestException', 400, 'IoT Jobs is not running');
    return engine;
  };

  return {
    name: 'aws.iot.Jobs',
    get engine() {
      return engine;
    },
    async start(ctx) {
      context = ctx;
      stopped = false;
      store = new JobsStore(join(ctx.stateDir, 'jobs'));
      const state = await store.load((movedTo, reason) => ctx.log('jobs.state.corrupt', { movedTo, reason }));
      engine = new JobsEngine(state, {
        region: options.region ?? LOCAL_REGION,
        accountId: options.accountId ?? LOCAL_ACCOUNT_ID,
        timeScale: ctx.timeScale,
        now,
        fleet: () => ctx.things.values(),
      });

      ctx.route(
        'PUT',
        '/jobs/:jobId',
        handle((r) =>
          serially(async () => {
            const { response, effects } = required().createJob(r.params.jobId ?? '', r.body);
            await apply(effects);
            ctx.log('jobs.job.created', { jobId: r.params.jobId });
            return response;
          }),
        ),
      );
      ctx.route(
        'GET',
        '/jobs/:jobId',
        handle(async (r) => required().describeJob(r.params.jobId ?? '')),
      );
      ctx.route(
        'GET',
        '/jobs/:jobId/job-document',
        handle(async (r) => ({ document: required().jobDocument(r.params.jobId ?? '') })),
      );
      ctx.route(
        'GET',
        '/jobs/:jobId/things',
        handle(async (r) => required().listJobExecutionsForJob(r.params.jobId ?? '', r.query)),
      );
      ctx.route(
        'PUT',
        '/jobs/:jobId/cancel',
        handle((r) =>
          serially(async () => {
            const force = r.query.get('force') === 'true';
            const { response, effects } = required().cancelJob(r.params.jobId ?? '', force, r.body);
            await apply(effects);
            ctx.log('jobs.job.canceled', { jobId: r.params.jobId, force });
            return response;
          }),
        ),
      );
      ctx.route(
        'GET',
        '/things/:thingName/jobs/:jobId',
        handle(async (r) =>
          required().describeJobExecution(r.params.thingName ?? '', r.params.jobId ?? '', r.query),
        ),
      );

      unsubscribe = await ctx.broker.subscribe('$aws/things/+/jobs/#', (topic, payload) => {
        void serially(async () => {
          if (!engine || stopped) return;
          await apply(engine.handleDeviceMessage(topic, payload));
        }).catch((error) => ctx.log('jobs.device.failed', { topic, error: String(error) }));
      });
      // Deadlines that passed while local-core was down fire now.
      schedule();
      ctx.log('jobs.started', { jobs: Object.keys(state.jobs).length, timeScale: ctx.timeScale });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      await queue;
      await store?.flush();
    },
    async idle() {
      await queue;
      await store?.flush();
    },
  };
}
