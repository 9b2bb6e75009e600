/**
 * One client connection: the eventstream RPC state machine of aws-c-event-stream's server (handshake,
 * stream-id rules, connection-level errors) plus the nucleus's continuation handling (request → response or
 * modeled error, streaming events after the response, TERMINATE_STREAM in both directions).
 * Owns the socket it is given; never touches another connection.
 */
import type { Socket } from 'node:net';
import { asModeledError, modeledErrorBody } from './errors.ts';
import {
  encodeMessage,
  encodeRpcMessage,
  FrameDecoder,
  type Message,
  MessageFlags,
  type MessageHeaders,
  MessageType,
  rpcHeaders,
} from './frame-codec.ts';
import { isRecord, type OperationContext, type OperationSpec, SERVICE_PREFIX } from './operation.ts';

const INT32_MAX = 2_147_483_647;
const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** aws-c-event-stream's canned connection-level error messages. */
export const ProtocolErrors = {
  missingFields:
    'A message was received with missing required fields. Check that your client is sending at least, :message-type, :message-flags, and :stream-id',
  connectFirst:
    'A CONNECT message must be received, and the CONNECT_ACK must be sent in response, before any other message-types can be sent on this connection. In addition, only one CONNECT message is allowed on a connection.',
  invalidStreamId:
    'non-zero stream-id field is only allowed for messages of type APPLICATION_MESSAGE. The stream id max value is INT32_MAX.',
  staleStreamId:
    'stream-id values must be monotonically incrementing. A stream-id arrived that was lower than the last seen stream-id.',
  skippedStreamId:
    'stream-id values must be monotonically incrementing. A new stream-id arrived that was incremented by more than 1.',
  invalidMessageType: 'an invalid value for message-type field was received.',
  missingOperation: 'The first message for on a non-zero :stream-id must contain an operation header value.',
} as const;

export type OperationLookup =
  | { kind: 'served'; spec: OperationSpec }
  | { kind: 'not-supported' }
  | { kind: 'unknown' };

export interface ConnectionOptions {
  maxMessageBytes: number;
  authenticate(token: string): string | undefined;
  lookup(operation: string): OperationLookup;
  makeCaller(component: string): OperationContext['caller'];
  log(event: string, fields?: Record<string, unknown>): void;
  onClosed(connection: RpcConnection): void;
}

interface Stream {
  readonly id: number;
  readonly operation: string;
  responded: boolean;
  closed: boolean;
  readonly pending: unknown[];
  readonly cleanups: Array<() => void>;
  eventShape: string | undefined;
  /** The operation's responses and events are plain JSON (no blobs or dates to convert). */
  plainJson: boolean;
}

function headerInt(headers: MessageHeaders, name: string): number | undefined {
  for (const [key, header] of Object.entries(headers)) {
    if (key.toLowerCase() === name && header.type === 'integer') return header.value;
  }
  return undefined;
}

function headerString(headers: MessageHeaders, name: string): string | undefined {
  const header = headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

const JSON_CONTENT = ':content-type';

/** JSON as the nucleus's Gson model writes it: blobs as base64, timestamps as epoch seconds. */
function toJson(value: unknown, plain: boolean): Uint8Array {
  if (plain) return Buffer.from(JSON.stringify(value) ?? '{}');
  return utf8.encode(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, current: unknown) {
      const raw = key === '' ? value : this[key];
      if (raw instanceof Uint8Array)
        return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
      if (raw instanceof Date) return raw.getTime() / 1000;
      return current;
    }) ?? '{}',
  );
}

export class RpcConnection {
  component: string | undefined;
  private readonly decoder: FrameDecoder;
  private handshake: 'none' | 'done' = 'none';
  private latestStreamId = 0;
  private readonly streams = new Map<number, Stream>();
  private closing = false;
  private corked = false;

  constructor(
    readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(options.maxMessageBytes);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => options.log('ipc.connection.socket-error', { error: error.message }));
    socket.on('close', () => this.onSocketClosed());
  }

  /** Closes the connection and every stream on it. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const { messages, error } = this.decoder.push(chunk);
    for (const message of messages) {
      if (this.closing) return;
      this.route(message);
    }
    if (error && !this.closing) {
      this.options.log('ipc.connection.bad-frame', { component: this.component, reason: error.message });
      this.connectionError(
        MessageType.ProtocolError,
        JSON.stringify({ message: `malformed frame: ${error.message}` }),
      );
    }
  }

  private onSocketClosed(): void {
    this.closing = true;
    for (const stream of [...this.streams.values()]) this.finishStream(stream);
    this.options.log('ipc.connection.closed', { component: this.component });
    this.options.onClosed(this);
  }

  private write(
    extra: Readonly<Record<string, string>>,
    type: number,
    flags: number,
    streamId: number,
    body: Uint8Array,
  ): void {
    this.writeFrame(encodeRpcMessage(extra, type, flags, streamId, body));
  }

  private writeFrame(frame: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    // Frames written in the same event-loop turn (responses to a burst of requests, a delivery batch) go out
    // in one write: fewer syscalls under load for at most one loop turn of added latency.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private connectionError(type: number, payload: string): void {
    this.write({ [JSON_CONTENT]: 'application/json' }, type, 0, 0, utf8.encode(payload));
    this.close();
  }

  private protocolError(message: string): void {
    this.options.log('ipc.connection.protocol-error', { component: this.component, message });
    this.connectionError(MessageType.ProtocolError, JSON.stringify({ message }));
  }

  private route(message: Message): void {
    const { headers, body } = message;
    const type = headerInt(headers, ':message-type');
    const flags = headerInt(headers, ':message-flags');
    const streamId = headerInt(headers, ':stream-id');
    if (type === undefined || flags === undefined || streamId === undefined) {
      this.protocolError(ProtocolErrors.missingFields);
      return;
    }
    if (this.handshake !== 'done' && type !== MessageType.Connect) {
      this.protocolError(ProtocolErrors.connectFirst);
      return;
    }
    if (streamId !== 0) {
      this.routeStreamMessage(type, flags, streamId, headers, body);
      return;
    }
    if (type <= MessageType.ApplicationError || type > MessageType.InternalError) {
      this.protocolError(ProtocolErrors.invalidMessageType);
      return;
    }
    switch (type) {
      case MessageType.Connect:
        if (this.handshake === 'done') this.protocolError(ProtocolErrors.connectFirst);
        else this.onConnect(headers, body);
        return;
      case MessageType.Ping: {
        const echoed: MessageHeaders = {};
        for (const [name, header] of Object.entries(headers))
          if (!name.startsWith(':')) echoed[name] = header;
        this.writeFrame(encodeMessage({ ...echoed, ...rpcHeaders(MessageType.PingResponse, 0, 0) }, body));
        return;
      }
      case MessageType.PingResponse:
        return;
      default:
        // The nucleus answers any other connection-level type with its (malformed) canned JSON and closes.
        this.connectionError(
          MessageType.InternalError,
          `{ "error": "Unrecognized Message Type" }"message": " message type value: ${type} is not recognized as a valid request path." }`,
        );
    }
  }

  private onConnect(headers: MessageHeaders, body: Uint8Array): void {
    const version = headerString(headers, ':version');
    let component: string | undefined;
    if (version === '0.1.0') {
      try {
        const payload: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
        const token = isRecord(payload) ? payload.authToken : undefined;
        if (typeof token === 'string' && token.length > 0) component = this.options.authenticate(token);
      } catch {
        component = undefined;
      }
    }
    this.handshake = 'done';
    if (component === undefined) {
      this.options.log('ipc.connection.rejected', { version });
      this.write({}, MessageType.ConnectAck, 0, 0, EMPTY);
      this.closing = true;
      // Give the client a moment to read the rejection before the socket goes, so it reports "invalid connack".
      setTimeout(() => {
        this.closing = false;
        this.close();
      }, 50).unref();
      return;
    }
    this.component = component;
    this.options.log('ipc.connection.accepted', { component });
    this.write({}, MessageType.ConnectAck, MessageFlags.ConnectionAccepted, 0, EMPTY);
  }

  private routeStreamMessage(
    type: number,
    flags: number,
    streamId: number,
    headers: MessageHeaders,
    body: Uint8Array,
  ): void {
    if (type > MessageType.ApplicationError || streamId < 0 || streamId > INT32_MAX) {
      this.protocolError(ProtocolErrors.invalidStreamId);
      return;
    }
    const terminate = (flags & MessageFlags.TerminateStream) !== 0;
    if (streamId <= this.latestStreamId) {
      const stream = this.streams.get(streamId);
      if (!stream) {
        if (!terminate) this.protocolError(ProtocolErrors.staleStreamId);
        return;
      }
      // Client stream events are ignored by every GreengrassCoreIPC operation; TERMINATE closes the stream.
      if (terminate) this.finishStream(stream);
      return;
    }
    if (streamId !== this.latestStreamId + 1) {
      this.protocolError(ProtocolErrors.skippedStreamId);
      return;
    }
    const operation = headerString(headers, 'operation');
    if (!operation) {
      this.protocolError(ProtocolErrors.missingOperation);
      return;
    }
    this.latestStreamId = streamId;
    // The nucleus ignores a first message that already terminates its stream.
    if (terminate) return;
    const stream: Stream = {
      id: streamId,
      operation,
      responded: false,
      closed: false,
      pending: [],
      cleanups: [],
      eventShape: undefined,
      plainJson: false,
    };
    this.streams.set(streamId, stream);
    this.startOperation(stream, body);
  }

  private startOperation(stream: Stream, body: Uint8Array): void {
    const found = this.options.lookup(stream.operation);
    if (found.kind === 'unknown') {
      this.sendStreamMessage(
        stream,
        MessageType.ApplicationError,
        MessageFlags.TerminateStream,
        { [JSON_CONTENT]: 'application/json' },
        utf8.encode(
          `{ "error": "Unsupported Operation", "message": "${stream.operation} is an unsupported operation." }`,
        ),
      );
      this.finishStream(stream);
      return;
    }
    if (found.kind === 'not-supported') {
      this.sendError(stream, {
        errorCode: 'ServiceError',
        message: `Operation ${stream.operation} is not supported by Greengrass`,
      });
      return;
    }
    let request: unknown;
    try {
      request = body.length === 0 ? {} : JSON.parse(Buffer.from(body).toString('utf8'));
    } catch {
      request = undefined;
    }
    if (!isRecord(request)) {
      this.sendInternalError(stream, new Error('request payload is not a JSON object'));
      return;
    }
    const spec = found.spec;
    stream.eventShape = spec.eventShape;
    stream.plainJson = spec.plainJson === true;
    const context = this.contextFor(stream);
    let result: Promise<Record<string, unknown>>;
    try {
      result = Promise.resolve(spec.handle(request, context));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (response) => this.sendResponse(stream, response),
      (error: unknown) => {
        const modeled = asModeledError(error);
        if (modeled) this.sendError(stream, modeled);
        else this.sendInternalError(stream, error);
      },
    );
  }

  private contextFor(stream: Stream): OperationContext {
    const component = this.component as string;
    return {
      caller: this.options.makeCaller(component),
      emit: (event) => {
        if (stream.closed) return;
        if (!stream.responded) stream.pending.push(event);
        else this.sendEvent(stream, event);
      },
      closeStream: () => {
        if (stream.closed) return;
        this.sendStreamMessage(
          stream,
          MessageType.ApplicationMessage,
          MessageFlags.TerminateStream,
          {},
          EMPTY,
        );
        this.finishStream(stream);
      },
      onClose: (cleanup) => {
        if (stream.closed) cleanup();
        else stream.cleanups.push(cleanup);
      },
      get closed() {
        return stream.closed;
      },
      get responded() {
        return stream.responded;
      },
    };
  }

  private shape(stream: Stream, suffix: string): string {
    return `${stream.operation}${suffix}`;
  }

  private sendResponse(stream: Stream, response: Record<string, unknown>): void {
    if (stream.closed) return;
    const streaming = stream.eventShape !== undefined;
    this.sendStreamMessage(
      stream,
      MessageType.ApplicationMessage,
      streaming ? 0 : MessageFlags.TerminateStream,
      { [JSON_CONTENT]: 'application/json', 'service-model-type': this.shape(stream, 'Response') },
      toJson(response, stream.plainJson),
    );
    stream.responded = true;
    if (!streaming) {
      this.finishStream(stream);
      return;
    }
    for (const event of stream.pending.splice(0)) this.sendEvent(stream, event);
  }

  private sendEvent(stream: Stream, event: unknown): void {
    this.sendStreamMessage(
      stream,
      MessageType.ApplicationMessage,
      0,
      { [JSON_CONTENT]: 'application/json', 'service-model-type': `${SERVICE_PREFIX}${stream.eventShape}` },
      toJson(event, stream.plainJson),
    );
  }

  private sendError(
    stream: Stream,
    error: { errorCode: string; message: string; extra?: Record<string, unknown> },
  ) {
    if (stream.closed) return;
    this.sendStreamMessage(
      stream,
      MessageType.ApplicationError,
      MessageFlags.TerminateStream,
      { [JSON_CONTENT]: 'application/json', 'service-model-type': `${SERVICE_PREFIX}${error.errorCode}` },
      toJson(modeledErrorBody(error), false),
    );
    this.finishStream(stream);
  }

  private sendInternalError(stream: Stream, error: unknown): void {
    this.options.log('ipc.operation.internal-error', {
      component: this.component,
      operation: stream.operation,
      error: error instanceof Error ? error.message : String(error),
    });
    if (stream.closed) return;
    this.sendStreamMessage(
      stream,
      MessageType.ApplicationError,
      MessageFlags.TerminateStream,
      { [JSON_CONTENT]: 'text/plain' },
      utf8.encode('InternalServerError'),
    );
    this.finishStream(stream);
  }

  private sendStreamMessage(
    stream: Stream,
    type: number,
    flags: number,
    headers: Readonly<Record<string, string>>,
    body: Uint8Array,
  ): void {
    this.write(headers, type, flags, stream.id, body);
  }

  private finishStream(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.pending.length = 0;
    this.streams.delete(stream.id);
    for (const cleanup of stream.cleanups.splice(0)) {
      try {
        cleanup();
      } catch (error) {
        this.options.log('ipc.stream.cleanup-failed', { operation: stream.operation, error: String(error) });
      }
    }
  }
}
