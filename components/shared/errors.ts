/**
 * The error family. Every error keeps its `cause`; its class decides the policy (retry, ERRORED, exit
 * code) so callers switch on type, never on message text.
 */

export class MatchdayError extends Error {
  /** Process exit code when this error ends a component. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Invalid configuration: the component goes ERRORED and exits 78 (EX_CONFIG) naming the field. */
export class ConfigError extends MatchdayError {
  override readonly exitCode = 78;
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid configuration \`${field}\`: ${message}`, options);
  }
}

/** Input from outside that failed validation. */
export class ValidationError extends MatchdayError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An operation did not finish in time. Retryable. */
export class TimeoutError extends MatchdayError {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`${operation} did not finish within ${timeoutMs} ms`, options);
  }
}

/** Greengrass IPC error codes (`_errorCode` of the nucleus's modeled errors). */
export type GreengrassErrorCode =
  | 'ServiceError'
  | 'UnauthorizedError'
  | 'ResourceNotFoundError'
  | 'InvalidArgumentsError'
  | 'ConflictError'
  | 'FailedUpdateConditionCheckError'
  | 'ComponentNotFoundError'
  | 'InvalidTokenError'
  | 'Disconnected'
  | 'Unknown';

/**
 * An IPC call failed. `retryable` follows the nucleus: server-side errors and disconnections may be
 * retried; client errors (unauthorized, invalid arguments, conflict) must not be retried blindly.
 */
export class GreengrassError extends MatchdayError {
  readonly retryable: boolean;
  constructor(
    readonly code: GreengrassErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.retryable = code === 'ServiceError' || code === 'Disconnected' || code === 'Unknown';
  }
}

/** The persistent store could not be read or written. */
export class StoreError extends MatchdayError {}
