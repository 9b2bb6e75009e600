/**
 * Every local topic, its schema, and who publishes and subscribes to it. One constant per topic; the
 * contract test checks recipes' accessControl against `publishers` and `subscribers`.
 */
import { z } from 'zod';
import {
  COMMAND_TYPES,
  Command,
  CommandEnvelope,
  CommandResult,
  type ResultError,
  ScraperRunRequest,
} from './commands.ts';
import { FixturesSnapshot } from './fixtures.ts';
import { MetricMessage } from './metrics.ts';
import { MessageId } from './primitives.ts';
import { RelaySet, RelayState, RelayTestRequest } from './relay.ts';
import { StateRequest, StateSnapshot } from './state.ts';

/** Component names, as in their recipes. */
export const COMPONENTS = {
  scraper: 'com.matchdayalert.Scraper',
  scheduler: 'com.matchdayalert.Scheduler',
  gpioRelay: 'com.matchdayalert.GpioRelay',
  jobHandler: 'com.matchdayalert.JobHandler',
  shadowSync: 'com.matchdayalert.ShadowSync',
} as const;
export type ComponentKey = keyof typeof COMPONENTS;

/**
 * `event`: a fact, validated whole and dropped when invalid. `request`: carries an id and is answered
 * exactly once on `resultTopic` by its single `answeredBy` component. `result`: an answer.
 */
export type TopicKind = 'event' | 'request' | 'result';

export interface TopicDef<T> {
  readonly name: string;
  readonly kind: TopicKind;
  readonly schema: z.ZodType<T>;
  /** For requests: the part that must be usable for the sender to get an answer. */
  readonly envelope?: z.ZodType<{ id: string }>;
  /** For requests: where the answer goes. */
  readonly resultTopic?: string;
  /** For requests: the one component that answers. */
  readonly answeredBy?: ComponentKey;
  readonly publishers: readonly ComponentKey[];
  readonly subscribers: readonly ComponentKey[];
}

const def = <T>(d: TopicDef<T>): TopicDef<T> => Object.freeze(d);
const IdEnvelope = z.looseObject({ id: MessageId });

export const TOPICS = {
  fixtures: def({
    name: 'matchday/fixtures',
    kind: 'event',
    schema: FixturesSnapshot,
    publishers: ['scraper'],
    subscribers: ['scheduler'],
  }),
  scraperRun: def({
    name: 'matchday/scraper/run',
    kind: 'request',
    schema: ScraperRunRequest,
    envelope: IdEnvelope,
    resultTopic: 'matchday/scraper/run/result',
    answeredBy: 'scraper',
    publishers: ['jobHandler'],
    subscribers: ['scraper'],
  }),
  scraperRunResult: def({
    name: 'matchday/scraper/run/result',
    kind: 'result',
    schema: CommandResult,
    publishers: ['scraper'],
    subscribers: ['jobHandler'],
  }),
  commands: def({
    name: 'matchday/commands',
    kind: 'request',
    schema: Command,
    envelope: CommandEnvelope,
    resultTopic: 'matchday/commands/result',
    answeredBy: 'scheduler',
    publishers: ['shadowSync', 'jobHandler'],
    subscribers: ['scheduler'],
  }),
  commandResults: def({
    name: 'matchday/commands/result',
    kind: 'result',
    schema: CommandResult,
    publishers: ['scheduler'],
    subscribers: ['shadowSync', 'jobHandler'],
  }),
  relaySet: def({
    name: 'matchday/relay/set',
    kind: 'event',
    schema: RelaySet,
    publishers: ['scheduler'],
    subscribers: ['gpioRelay'],
  }),
  relayState: def({
    name: 'matchday/relay/state',
    kind: 'event',
    schema: RelayState,
    publishers: ['gpioRelay'],
    subscribers: ['scheduler', 'shadowSync'],
  }),
  relayTest: def({
    name: 'matchday/relay/test',
    kind: 'request',
    schema: RelayTestRequest,
    envelope: IdEnvelope,
    resultTopic: 'matchday/relay/test/result',
    answeredBy: 'gpioRelay',
    publishers: ['jobHandler'],
    subscribers: ['gpioRelay'],
  }),
  relayTestResult: def({
    name: 'matchday/relay/test/result',
    kind: 'result',
    schema: CommandResult,
    publishers: ['gpioRelay'],
    subscribers: ['jobHandler'],
  }),
  state: def({
    name: 'matchday/state',
    kind: 'event',
    schema: StateSnapshot,
    publishers: ['scheduler'],
    subscribers: ['shadowSync'],
  }),
  stateRequest: def({
    name: 'matchday/state/request',
    kind: 'event',
    schema: StateRequest,
    publishers: ['shadowSync', 'jobHandler'],
    subscribers: ['scheduler'],
  }),
  metrics: def({
    name: 'cloudwatch/metric/put',
    kind: 'event',
    schema: MetricMessage,
    publishers: ['scraper', 'scheduler', 'gpioRelay', 'jobHandler', 'shadowSync'],
    subscribers: [],
  }),
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicValue<D> = D extends TopicDef<infer T> ? T : never;

/** A request whose envelope was usable but whose arguments were not: the core answers it with `error`. */
export interface InvalidRequest {
  readonly invalid: true;
  readonly id: string;
  readonly type?: string;
  readonly error: ResultError;
}

/** What a subscriber of a topic receives: a valid message, or (requests only) an invalid request. */
export type Inbound<T> = T | InvalidRequest;

export function isInvalidRequest(value: unknown): value is InvalidRequest {
  return typeof value === 'object' && value !== null && (value as { invalid?: unknown }).invalid === true;
}

/** The outcome of decoding one incoming message at the edge. */
export type Decoded<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'invalid'; readonly request: InvalidRequest }
  | { readonly kind: 'drop'; readonly path: string; readonly message: string };

/** `args.until`, or `(root)` for an empty path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** One readable line for a zod error: its first issue, with the path it failed at. */
export function describeZodError(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: '(root)', message: 'invalid' };
  const path = formatPath(issue.path);
  return { path, message: `\`${path}\`: ${issue.message}` };
}

/**
 * Validates an incoming message for `topic`. Events that fail are dropped (with the failing path);
 * requests without a usable id are dropped; requests with a usable id but bad arguments become an
 * `InvalidRequest` (`UNKNOWN_TYPE` for a command type nobody knows, `INVALID_ARGS` otherwise).
 */
export function decodeMessage<T>(topic: TopicDef<T>, raw: unknown): Decoded<T> {
  if (topic.envelope) {
    const envelope = topic.envelope.safeParse(raw);
    if (!envelope.success) return { kind: 'drop', ...describeZodError(envelope.error) };
    const full = topic.schema.safeParse(raw);
    if (full.success) return { kind: 'ok', value: full.data };
    const { id } = envelope.data;
    const type = (envelope.data as { type?: unknown }).type;
    const typeText = typeof type === 'string' ? type : undefined;
    const unknownType = topic === (TOPICS.commands as TopicDef<unknown>) && !isKnownCommandType(typeText);
    const { path, message } = describeZodError(full.error);
    const error: ResultError = unknownType
      ? { code: 'UNKNOWN_TYPE', message: `unknown command type \`${typeText}\``, path: 'type' }
      : { code: 'INVALID_ARGS', message, path };
    return {
      kind: 'invalid',
      request: { invalid: true, id, ...(typeText === undefined ? {} : { type: typeText }), error },
    };
  }
  const parsed = topic.schema.safeParse(raw);
  return parsed.success
    ? { kind: 'ok', value: parsed.data }
    : { kind: 'drop', ...describeZodError(parsed.error) };
}

function isKnownCommandType(type: string | undefined): boolean {
  return (COMMAND_TYPES as readonly string[]).includes(type ?? '');
}
