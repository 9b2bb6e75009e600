/**
 * Maps what the SDK throws to our error family. A modeled nucleus error (`RpcError` type ServiceError with
 * `serviceError._errorCode`) keeps its code; client-state, network and interruption errors mean the
 * connection is gone (`Disconnected`, retryable); anything else is `Unknown`. The original is the `cause`.
 */
import { GreengrassError, type GreengrassErrorCode, MatchdayError } from '../errors.ts';

const MODELED: ReadonlySet<string> = new Set<GreengrassErrorCode>([
  'ServiceError',
  'UnauthorizedError',
  'ResourceNotFoundError',
  'InvalidArgumentsError',
  'ConflictError',
  'FailedUpdateConditionCheckError',
  'ComponentNotFoundError',
  'InvalidTokenError',
]);

/** SDK `RpcErrorType`: ClientStateError, NetworkError, InterruptionError. */
const CONNECTION_LOST_TYPES: ReadonlySet<number> = new Set([4, 5, 6]);

interface RpcErrorLike {
  type?: unknown;
  description?: unknown;
  message?: unknown;
  serviceError?: { _errorCode?: unknown; message?: unknown; _message?: unknown };
}

/** A `GreengrassError` for `error` thrown by `operation` (errors of our own family pass through). */
export function toGreengrassError(operation: string, error: unknown): MatchdayError {
  if (error instanceof MatchdayError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as RpcErrorLike;
  const serviceCode = e.serviceError?._errorCode;
  if (typeof serviceCode === 'string') {
    const code: GreengrassErrorCode = MODELED.has(serviceCode)
      ? (serviceCode as GreengrassErrorCode)
      : 'Unknown';
    const text = firstString(e.serviceError?.message, e.serviceError?._message, serviceCode);
    return new GreengrassError(
      code,
      `${operation} failed: ${text}${code === 'Unknown' ? ` (${serviceCode})` : ''}`,
      {
        cause: error,
      },
    );
  }
  const text = firstString(e.description, e.message, String(error));
  if (typeof e.type === 'number' && CONNECTION_LOST_TYPES.has(e.type)) {
    return new GreengrassError('Disconnected', `${operation} failed: ${text}`, { cause: error });
  }
  return new GreengrassError('Unknown', `${operation} failed: ${text}`, { cause: error });
}

function firstString(...values: unknown[]): string {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return 'unknown error';
}
