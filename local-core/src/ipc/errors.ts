import type { IpcErrorShape } from '../nucleus/services.ts';

/**
 * A modeled GreengrassCoreIPC error (`aws.greengrass#<errorCode>`), thrown by operation handlers and sent
 * as the nucleus sends it: APPLICATION_ERROR, TERMINATE_STREAM, JSON body with the base-class fields.
 */
export class IpcError extends Error implements IpcErrorShape {
  override readonly name = 'IpcError';
  readonly extra: Record<string, unknown>;

  constructor(
    readonly errorCode: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.extra = extra;
  }
}

export const serviceError = (message: string, extra?: Record<string, unknown>) =>
  new IpcError('ServiceError', message, extra);
export const unauthorizedError = (message: string) => new IpcError('UnauthorizedError', message);
export const invalidArgumentsError = (message: string) => new IpcError('InvalidArgumentsError', message);
export const resourceNotFoundError = (message: string, extra?: Record<string, unknown>) =>
  new IpcError('ResourceNotFoundError', message, extra);

/** Anything thrown that carries `errorCode` + `message` (IpcErrorShape) counts as modeled. */
export function asModeledError(error: unknown): IpcErrorShape | undefined {
  if (error instanceof IpcError) return error;
  if (typeof error === 'object' && error !== null) {
    const candidate = error as Partial<IpcErrorShape>;
    if (typeof candidate.errorCode === 'string' && typeof candidate.message === 'string') {
      return candidate as IpcErrorShape;
    }
  }
  return undefined;
}

/** The JSON body the nucleus sends for a modeled error (own fields + EventStreamOperationError fields). */
export function modeledErrorBody(error: IpcErrorShape): Record<string, unknown> {
  return {
    ...(error.extra ?? {}),
    message: error.message,
    _service: 'aws.greengrass#GreengrassCoreIPC',
    _message: error.message,
    _errorCode: error.errorCode,
  };
}
