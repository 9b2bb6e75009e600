/**
 * Stable log event codes of the shared runtime. Operators and alarms grep for these, so a code never
 * changes meaning; add a new code instead of reusing one.
 */
export const LOG_EVENTS = {
  /** The runtime is reading its environment and connecting (fields: component, thingName). */
  componentStarting: 'component.starting',
  /** The core started and RUNNING was reported. */
  componentStarted: 'component.started',
  /** A required environment variable is missing (field: variable). Exit 78. */
  componentEnvMissing: 'component.env.missing',
  /** The configuration failed its schema (fields: field, error). ERRORED; exit 78 at start. */
  componentConfigInvalid: 'component.config.invalid',
  /** `create` or `start` threw (field: error). ERRORED; exit by error type. */
  componentStartFailed: 'component.start.failed',
  /** A configuration change was applied (fields: mode `in-place` | `restart`). */
  componentReconfigured: 'component.reconfigured',
  /** A configuration change was valid but applying it failed (field: error). ERRORED. */
  componentReconfigureFailed: 'component.reconfigure.failed',
  /** SIGTERM / SIGINT received; orderly stop begins (field: signal). */
  componentStopping: 'component.stopping',
  /** The core did not stop within its budget (field: timeoutMs). */
  componentStopTimeout: 'component.stop.timeout',
  /** The core's stop threw (field: error). */
  componentStopFailed: 'component.stop.failed',
  /** Orderly stop finished; the process exits 0. */
  componentStopped: 'component.stopped',
  /** Reporting RUNNING / ERRORED to the nucleus failed (fields: state, error). */
  componentStateReportFailed: 'component.state.failed',
  /** An unhandled error ends the process (fields: error, exitCode). */
  componentFatal: 'component.fatal',
  /** Connected to the nucleus IPC socket. */
  ipcConnected: 'ipc.connected',
  /** The IPC connection dropped (field: reason); a reconnect is scheduled. */
  ipcDisconnected: 'ipc.disconnected',
  /** A reconnect attempt failed (fields: attempt, nextDelayMs, error). */
  ipcReconnectFailed: 'ipc.reconnect.failed',
  /** A new client connected after a disconnection (fields: attempts, subscriptions). */
  ipcReconnected: 'ipc.reconnected',
  /** A live subscription could not be re-established (fields: subscription, error). Retried. */
  ipcResubscribeFailed: 'ipc.resubscribe.failed',
  /** The nucleus ended a subscription stream while connected (field: subscription). Re-established. */
  ipcStreamEnded: 'ipc.stream.ended',
  /** An incoming message failed validation and was dropped (fields: topic, path, error). */
  ipcMessageDropped: 'ipc.message.dropped',
  /** An outgoing typed event or result failed its schema and was not sent (fields: topic, path, error). */
  ipcPublishRefused: 'ipc.publish.refused',
  /** A subscription handler threw (fields: subscription, error). The next message is still delivered. */
  ipcHandlerFailed: 'ipc.handler.failed',
  /** A subscription's handler fell behind: new messages are dropped (fields: subscription, limit). */
  ipcQueueFull: 'ipc.queue.full',
  /** A subscription's backlog was handled again (fields: subscription, dropped). */
  ipcQueueDrained: 'ipc.queue.drained',
  /** Closing the IPC client failed or timed out (field: error). */
  ipcCloseFailed: 'ipc.close.failed',
  /** Publishing a metric failed; its count is kept for the next interval (fields: metric, error). */
  metricsPublishFailed: 'metrics.publish.failed',
  /** A metric call was ignored because its value was not a finite number (fields: metric, value). */
  metricsValueInvalid: 'metrics.value.invalid',
} as const;

/** One of the runtime's event codes. */
export type LogEventCode = (typeof LOG_EVENTS)[keyof typeof LOG_EVENTS];
