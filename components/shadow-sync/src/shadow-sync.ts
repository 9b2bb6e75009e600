/**
 * ShadowSync core: owns the named shadow `matchday`. Consumes its desired edits (on every update by
 * someone else, on start and periodically, always from the whole document), `matchday/state`,
 * `matchday/relay/state` and `matchday/commands/result`; produces `matchday/commands`, the reported state
 * and metrics. It never writes events or alerts itself (the scheduler does), never applies an edit twice,
 * never reacts to its own shadow writes, and sends nothing before the scheduler has published its state.
 */
import { z } from 'zod';
import {
  Command,
  type CommandResult,
  isInvalidRequest,
  type RelayState,
  type ResultError,
  type StateSnapshot,
  TOPICS,
} from '../../shared/contracts/index.ts';
import { GreengrassError } from '../../shared/errors.ts';
import type { Closable, RawMessage, ShadowDocument, Timer } from '../../shared/ports/index.ts';
import type { ComponentContext, ComponentInstance } from '../../shared/runtime/component.ts';
import type { ShadowSyncConfig } from './config.ts';
import {
  canonicalJson,
  commandIdOf,
  fingerprint,
  newestTimestamp,
  parseEdit,
  SECTIONS,
  type Section,
} from './edits.ts';
import { Ledger } from './ledger.ts';
import { buildReported, bytesOf, type JsonObject, patchOf, splitLedgerKey } from './report.ts';

/** The ledger's file name in the work folder. */
export const LEDGER_FILE = 'shadow-sync-ledger.json';
/** The smallest document limit ShadowSync shrinks to when ShadowManager refuses its writes for size. */
const MIN_LIMIT_BYTES = 1024;
/** Wait after a failed reconciliation (an IPC error) before the next attempt, ms. */
const RETRY_AFTER_FAILURE_MS = 2000;
/** Every clientToken ShadowSync writes with starts with this; updates carrying it are its own. */
export const CLIENT_TOKEN_PREFIX = 'shadow-sync:';

type Answer = { kind: 'result'; result: CommandResult } | { kind: 'timeout' } | { kind: 'stopped' };

/** One desired entry found in the document. */
interface PendingEdit {
  section: Section | undefined;
  /** The desired key inside its section (or the top-level key for a stray one). */
  key: string;
  ledgerKey: string;
  value: unknown;
  ts: number;
  hash: string;
}

/** The `current` document of an `…/update/documents` message (validated: it is read from the bus). */
const DocumentView = z.object({
  state: z.object({
    desired: z.record(z.string(), z.unknown()).optional(),
    reported: z.record(z.string(), z.unknown()).optional(),
  }),
  metadata: z
    .object({
      desired: z.record(z.string(), z.unknown()).optional(),
      reported: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  version: z.number().int().nonnegative(),
});

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function createShadowSync(ctx: ComponentContext<ShadowSyncConfig>): ComponentInstance {
  const { config, clock, logger, metrics, pubsub, shadows, thingName } = ctx;
  const shadowName = config.shadowName;
  const prefix = `$aws/things/${thingName}/shadow/name/${shadowName}`;
  const ledger = new Ledger(ctx.fs, `${ctx.workDir.replace(/\/$/, '')}/${LEDGER_FILE}`);
  const subscriptions: Closable[] = [];
  const waiters = new Map<string, (answer: Answer) => void>();
  let latestState: StateSnapshot | undefined;
  let latestRelay: RelayState | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let tokenCounter = 0;
  let lastReportAt = Number.NEGATIVE_INFINITY;
  let reportTimer: Timer | undefined;
  let periodicTimer: Timer | undefined;
  let retryTimer: Timer | undefined;
  let hint: ShadowDocument | undefined;
  /** A smaller document limit learnt from ShadowManager refusing a write for size. */
  let limitBytes: number | undefined;
  /** The version our last write produced: a hint older than it is stale. */
  let writtenVersion = 0;

  // ------------------------------------------------------------------ triggers

  function wake(reason: string): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = reconcile(reason)
      .catch((error) => {
        // a refused or failed IPC call (ShadowManager busy or restarting): try again shortly
        logger.error('shadowsync.reconcile.failed', { reason, error: String(error) });
        scheduleRetry(RETRY_AFTER_FAILURE_MS);
      })
      .finally(() => {
        running = undefined;
        if (again && !stopped) wake('again');
      });
  }

  function schedulePeriodic(): void {
    periodicTimer = clock.setTimer(config.reconcileIntervalS * 1000, () => {
      wake('periodic');
      schedulePeriodic();
    });
  }

  function scheduleRetry(ms: number): void {
    if (retryTimer || stopped) return;
    retryTimer = clock.setTimer(ms, () => {
      retryTimer = undefined;
      wake('retry');
    });
  }

  /**
   * `…/update/documents` after every update: someone else's update carries the whole current document,
   * which saves a GetThingShadow; an update of reported only (no desired before or after) changes nothing.
   */
  function onShadowDocuments(message: RawMessage): void {
    let body: unknown;
    try {
      body = 'binary' in message ? JSON.parse(new TextDecoder().decode(message.binary)) : message.json;
    } catch {
      return;
    }
    if (!isObject(body)) return;
    const token = body.clientToken;
    if (typeof token === 'string' && token.startsWith(CLIENT_TOKEN_PREFIX)) return;
    const current = body.current;
    const previous = body.previous;
    const hasDesired = (doc: unknown) =>
      isObject(doc) && isObject(doc.state) && doc.state.desired !== undefined;
    if (!hasDesired(current) && !hasDesired(previous)) return;
    const parsed = DocumentView.safeParse(current);
    if (parsed.success && (!hint || parsed.data.version > hint.version)) {
      hint = { ...(parsed.data as unknown as ShadowDocument), timestamp: 0 };
    }
    wake('shadow-update');
  }

  // ------------------------------------------------------------------ commands

  /**
   * Sends a command and waits for its result, sending it again every `commandResendS` meanwhile (the
   * scheduler is idempotent by id, and a command published while it was (re)starting is lost).
   */
  async function send(command: Command): Promise<Answer> {
    let resendTimer: Timer | undefined;
    const answer = new Promise<Answer>((resolve) => {
      const timer = clock.setTimer(config.commandTimeoutS * 1000, () => {
        waiters.delete(command.id);
        resendTimer?.cancel();
        resolve({ kind: 'timeout' });
      });
      waiters.set(command.id, (a) => {
        timer.cancel();
        resendTimer?.cancel();
        waiters.delete(command.id);
        resolve(a);
      });
    });
    const resend = () => {
      resendTimer = clock.setTimer(config.commandResendS * 1000, () => {
        if (!waiters.has(command.id) || stopped) return;
        logger.debug('shadowsync.command.resent', { commandId: command.id });
        pubsub.publish(TOPICS.commands, command).catch(() => undefined);
        resend();
      });
    };
    await pubsub.publish(TOPICS.commands, command);
    if (waiters.has(command.id)) resend();
    return answer;
  }

  // ------------------------------------------------------------------ reconcile

  function collectEdits(doc: ShadowDocument | undefined): PendingEdit[] {
    const desired = doc?.state.desired ?? {};
    const metadata = (doc?.metadata?.desired ?? {}) as JsonObject;
    const edits: PendingEdit[] = [];
    for (const [top, sectionValue] of Object.entries(desired)) {
      const section = (SECTIONS as readonly string[]).includes(top) ? (top as Section) : undefined;
      const sectionMeta = metadata[top];
      if (section === undefined || !isObject(sectionValue)) {
        edits.push({
          section: undefined,
          key: top,
          ledgerKey: top,
          value: sectionValue,
          ts: newestTimestamp(sectionMeta),
          hash: fingerprint(canonicalJson(sectionValue)),
        });
        continue;
      }
      for (const [key, value] of Object.entries(sectionValue)) {
        edits.push({
          section,
          key,
          ledgerKey: `${section}/${key}`,
          value,
          ts: newestTimestamp(isObject(sectionMeta) ? sectionMeta[key] : undefined),
          hash: fingerprint(canonicalJson(value)),
        });
      }
    }
    return edits.sort((a, b) => a.ts - b.ts || (a.ledgerKey < b.ledgerKey ? -1 : 1));
  }

  /** Decides one edit; returns false when it must stay pending (no answer yet). */
  async function decide(edit: PendingEdit): Promise<boolean> {
    const seq = (ledger.get(edit.ledgerKey)?.seq ?? 0) + 1;
    const record = (outcome: 'applied' | 'rejected', extra: { value?: unknown; error?: ResultError }) => {
      ledger.set(edit.ledgerKey, { ts: edit.ts, hash: edit.hash, outcome, seq, at: clock.now(), ...extra });
      if (outcome === 'applied') metrics.count('ShadowEditsApplied');
      else metrics.count('ShadowEditsRejected');
      logger[outcome === 'applied' ? 'info' : 'warn'](`shadowsync.edit.${outcome}`, {
        key: edit.ledgerKey,
        ts: edit.ts,
        ...(extra.error ? { code: extra.error.code, message: extra.error.message } : {}),
      });
    };
    if (edit.section === undefined) {
      record('rejected', {
        error: {
          code: 'INVALID_ARGS',
          message: `\`${edit.key.slice(0, 60)}\`: desired holds only \`alerts\` and \`events\` objects`,
          path: edit.key.slice(0, 200),
        },
      });
      return true;
    }
    const parsed = parseEdit(edit.section, edit.key, edit.value);
    if (!parsed.ok) {
      record('rejected', { error: parsed.error });
      return true;
    }
    const candidate = {
      id: commandIdOf(edit.section, edit.key, edit.ts, edit.hash, seq),
      ...parsed.command,
      origin: { via: 'shadow', ref: edit.ledgerKey.slice(0, 200) },
    };
    const command = Command.safeParse(candidate);
    if (!command.success) {
      record('rejected', {
        error: {
          code: 'INVALID_ARGS',
          message: command.error.issues[0]?.message ?? 'invalid',
          path: edit.ledgerKey,
        },
      });
      return true;
    }
    const answer = await send(command.data);
    if (answer.kind !== 'result') {
      logger.warn('shadowsync.edit.unanswered', { key: edit.ledgerKey, commandId: command.data.id });
      return false;
    }
    if (answer.result.ok) record('applied', { value: edit.value });
    else record('rejected', { ...(answer.result.error ? { error: answer.result.error } : {}) });
    return true;
  }

  /** Drops ledger entries of events that are no longer upcoming, once older than the retention. */
  function collectGarbage(): void {
    if (!latestState) return;
    const upcoming = new Set(latestState.upcoming.map((e) => e.id));
    const isUpcoming = (eventId: string) =>
      upcoming.has(eventId) || [...upcoming].some((id) => id.startsWith(`${eventId}@`));
    const cutoff = clock.now() - config.retentionHours * 3_600_000;
    for (const [key, entry] of ledger.all()) {
      if (entry.at >= cutoff) continue;
      const split = splitLedgerKey(key);
      let eventId: string | undefined;
      if (split?.[0] === 'alerts') eventId = split[1].slice(0, Math.max(0, split[1].lastIndexOf(':')));
      else if (split?.[0] === 'events') eventId = split[1];
      if (eventId === undefined || !isUpcoming(eventId)) ledger.delete(key);
    }
  }

  async function reconcile(reason: string): Promise<void> {
    // Edits wait for the scheduler's first state: a command sent before it listens would only time out.
    if (!latestState) return;
    for (let attempt = 1; attempt <= config.conflictRetries && !stopped; attempt++) {
      // the newest document someone else's update showed us, else (and after a conflict) a fresh read
      const known = attempt === 1 && hint && hint.version > writtenVersion ? hint : undefined;
      hint = undefined;
      const doc = known ?? (await shadows.get(thingName, shadowName));
      const desiredPatch: JsonObject = {};
      let decided = 0;
      let pending = false;
      for (const edit of collectEdits(doc)) {
        if (stopped) return;
        const previous = ledger.get(edit.ledgerKey);
        const done =
          previous && (edit.ts < previous.ts || (edit.ts === previous.ts && edit.hash === previous.hash));
        if (done) {
          if (edit.ts < previous.ts)
            logger.warn('shadowsync.edit.stale', { key: edit.ledgerKey, ts: edit.ts });
        } else if (!(await decide(edit))) {
          pending = true;
          continue;
        } else {
          decided++;
        }
        if (edit.section === undefined) desiredPatch[edit.key] = null;
        else sectionOf(desiredPatch, edit.section)[edit.key] = null;
      }
      // a section emptied by this write is removed whole, so a settled document has no `desired`
      for (const section of SECTIONS) {
        const current = doc?.state.desired?.[section];
        const nulls = desiredPatch[section];
        if (!isObject(current)) continue;
        const remaining = Object.keys(current).filter((k) => !(isObject(nulls) && nulls[k] === null));
        if (remaining.length === 0) desiredPatch[section] = null;
      }
      collectGarbage();
      await ledger.save();
      if (pending) scheduleRetry(config.commandTimeoutS * 1000);

      const desiredAfter = applyNulls(doc?.state.desired ?? undefined, desiredPatch);
      const hasDesiredChange = Object.keys(desiredPatch).length > 0;
      const now = clock.monotonic();
      if (!hasDesiredChange && decided === 0 && now - lastReportAt < config.reportMinIntervalMs) {
        scheduleReport(lastReportAt + config.reportMinIntervalMs - now);
        return;
      }
      const reported = buildReported({
        state: latestState,
        relay: latestRelay,
        entries: ledger.all(),
        desiredBytes: desiredAfter === undefined ? 0 : bytesOf(desiredAfter),
        limitBytes: limitBytes ?? config.documentLimitBytes,
        reserveBytes: config.reserveBytes,
        maxRejected: config.maxRejected,
        minUpcoming: config.minUpcomingEvents,
        appliedSince: clock.now() - config.retentionHours * 3_600_000,
      });
      const reportedPatch = patchOf((doc?.state.reported ?? undefined) as JsonObject | undefined, reported);
      const state: JsonObject = {};
      if (hasDesiredChange) state.desired = desiredPatch;
      if (Object.keys(reportedPatch).length > 0) state.reported = reportedPatch;
      if (Object.keys(state).length === 0) return;
      const request: JsonObject = { state, clientToken: `${CLIENT_TOKEN_PREFIX}${++tokenCounter}` };
      if (doc) request.version = doc.version;
      try {
        const accepted = await shadows.update(thingName, shadowName, request);
        writtenVersion = accepted.version;
        lastReportAt = clock.monotonic();
        logger.debug('shadowsync.shadow.written', { reason, version: doc ? doc.version + 1 : 1 });
        return;
      } catch (error) {
        if (error instanceof GreengrassError && error.code === 'InvalidArgumentsError') {
          // ShadowManager's own limit is smaller than ours: report within less until it fits
          limitBytes = Math.max(
            MIN_LIMIT_BYTES,
            Math.floor((limitBytes ?? config.documentLimitBytes) * 0.75),
          );
          logger.warn('shadowsync.shadow.too-large', { reason, attempt, limitBytes });
          continue;
        }
        if (error instanceof GreengrassError && error.code === 'ConflictError') {
          logger.info('shadowsync.shadow.conflict', { reason, attempt });
          continue;
        }
        throw error;
      }
    }
    if (!stopped) {
      logger.warn('shadowsync.shadow.conflict-retries-exhausted', { reason });
      scheduleRetry(1000);
    }
  }

  function scheduleReport(ms: number): void {
    if (reportTimer || stopped) return;
    reportTimer = clock.setTimer(Math.max(0, ms), () => {
      reportTimer = undefined;
      wake('report');
    });
  }

  return {
    async start() {
      await ledger.load((reason) => logger.error('shadowsync.ledger.corrupt', { reason }));
      subscriptions.push(
        await pubsub.subscribe(TOPICS.commandResults, (result) => {
          if (isInvalidRequest(result)) return;
          waiters.get(result.id)?.({ kind: 'result', result });
        }),
        await pubsub.subscribe(TOPICS.state, (state) => {
          if (isInvalidRequest(state)) return;
          latestState = state;
          wake('state');
        }),
        await pubsub.subscribe(TOPICS.relayState, (relay) => {
          if (isInvalidRequest(relay)) return;
          latestRelay = relay;
          wake('relay');
        }),
        await pubsub.subscribeRaw(`${prefix}/update/documents`, (message) => onShadowDocuments(message)),
      );
      await pubsub.publish(TOPICS.stateRequest, { id: `shadow-sync-start-${clock.now()}` });
      schedulePeriodic();
      wake('start');
      logger.info('shadowsync.started', { shadow: prefix });
    },

    async stop() {
      stopped = true;
      for (const timer of [periodicTimer, reportTimer, retryTimer]) timer?.cancel();
      for (const resolve of [...waiters.values()]) resolve({ kind: 'stopped' });
      await Promise.all(subscriptions.splice(0).map((s) => s.close().catch(() => undefined)));
      await running;
      await ledger.save().catch(() => undefined);
    },
  };
}

function sectionOf(target: JsonObject, section: string): JsonObject {
  const existing = target[section];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  target[section] = created;
  return created;
}

/** `desired` after the nulls of `patch` (only deletions) are applied; `undefined` when nothing is left. */
function applyNulls(desired: JsonObject | undefined, patch: JsonObject): JsonObject | undefined {
  if (!desired) return undefined;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(desired)) {
    const change = patch[key];
    if (change === null) continue;
    if (isObject(change) && isObject(value)) {
      const child = applyNulls(value, change);
      if (child) result[key] = child;
      continue;
    }
    result[key] = value;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}
