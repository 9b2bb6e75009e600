/**
 * A fake IoT Core for JobHandler unit tests: an IotCoreMqtt whose publishes go to local-core's real
 * JobsEngine (the cloud side) and whose subscribers receive the engine's replies and notifications, with a
 * switchable connection (offline: nothing goes out, nothing comes in) and the option to lose one message.
 */
import type { Closable, IotCoreMqtt } from '../../components/shared/ports/index.ts';
import { JobsEngine, type Publication } from '../../local-core/src/jobs/engine.ts';
import { emptyJobsState } from '../../local-core/src/jobs/model.ts';
import type { FakeClock } from '../fakes/index.ts';
import { topicMatches } from '../fakes/index.ts';

export const ACCOUNT_ARN = 'arn:aws:iot:us-east-1:000000000000';

interface Sub {
  filter: string;
  handler: (topic: string, payload: Uint8Array) => void | Promise<void>;
}

export class FakeIotJobs {
  readonly engine: JobsEngine;
  /** Everything devices published, in order. */
  readonly sent: { topic: string; body: Record<string, unknown> }[] = [];
  private readonly subs = new Set<Sub>();
  private online = true;
  /** Drops the next device publication whose topic ends with this suffix. */
  dropNext: string | undefined;
  /** Called for each device publication before the cloud sees it. */
  onSend: ((topic: string) => void) | undefined;

  constructor(
    clock: FakeClock,
    things: { thingName: string; thingGroups: string[] }[] = [
      { thingName: 'office-a', thingGroups: ['stadium'] },
    ],
  ) {
    this.engine = new JobsEngine(emptyJobsState(), {
      region: 'us-east-1',
      accountId: '000000000000',
      timeScale: 1,
      now: () => clock.now(),
      fleet: () => things,
    });
  }

  /** The IotCoreMqtt port of one device. */
  readonly port: IotCoreMqtt = {
    publish: async (topic, payload) => {
      const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
      this.sent.push({ topic, body: JSON.parse(text) as Record<string, unknown> });
      this.onSend?.(topic);
      if (!this.online) return;
      if (this.dropNext !== undefined && topic.endsWith(this.dropNext)) {
        this.dropNext = undefined;
        return;
      }
      const effects = this.engine.handleDeviceMessage(topic, new TextEncoder().encode(text));
      this.deliver(effects.publications);
    },
    subscribe: async (filter, handler): Promise<Closable> => {
      const sub = { filter, handler };
      this.subs.add(sub);
      return { close: async () => void this.subs.delete(sub) };
    },
  };

  setOnline(online: boolean): void {
    this.online = online;
  }

  /** CreateJob from the control plane. */
  createJob(jobId: string, document: unknown, targets = [`${ACCOUNT_ARN}:thing/office-a`]): void {
    const { effects } = this.engine.createJob(jobId, { targets, document: JSON.stringify(document) });
    this.deliver(effects.publications);
  }

  /** The execution's status and statusDetails as DescribeJobExecution returns them. */
  execution(jobId: string, thingName = 'office-a'): { status: string; details: Record<string, string> } {
    const e = this.engine.describeJobExecution(thingName, jobId, new URLSearchParams()).execution as {
      status: string;
      statusDetails: { detailsMap: Record<string, string> };
    };
    return { status: e.status, details: e.statusDetails.detailsMap };
  }

  /** Device publications on topics ending with `suffix`. */
  sentTo(suffix: string): { topic: string; body: Record<string, unknown> }[] {
    return this.sent.filter((s) => s.topic.endsWith(suffix));
  }

  private deliver(publications: readonly Publication[]): void {
    if (!this.online) return;
    for (const p of publications) {
      const bytes = new TextEncoder().encode(JSON.stringify(p.payload));
      for (const sub of [...this.subs]) {
        if (topicMatches(sub.filter, p.topic)) {
          setImmediate(() => {
            void sub.handler(p.topic, bytes);
          });
        }
      }
    }
  }
}
