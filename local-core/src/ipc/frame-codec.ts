/**
 * Eventstream framing for the IPC server: a streaming decoder that survives partial and coalesced frames,
 * verifies both CRCs and the size limit, and an encoder. Owns nothing but bytes; never interprets RPC headers.
 * Decoding and encoding of complete frames is delegated to @smithy/eventstream-codec.
 */
import { crc32 } from 'node:zlib';
import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** aws-c-event-stream's AWS_EVENT_STREAM_MAX_MESSAGE_SIZE (24 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 24 * 1024 * 1024;
const PRELUDE_BYTES = 12;
const OVERHEAD_BYTES = 16;
const MAX_HEADER_NAME_BYTES = 255;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** A frame that cannot be decoded; the connection that sent it must be closed. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export type { Message, MessageHeaders };

/** What one `push` produced: complete messages, and the error that ended decoding, if any. */
export interface DecodeResult {
  readonly messages: Message[];
  readonly error: FrameError | undefined;
}

/**
 * Incremental decoder: feed socket chunks (not modified afterwards), get complete messages. Never throws:
 * a bad frame comes back as `error` (after the good messages before it), and the decoder stays failed.
 */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private failure: FrameError | undefined;

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): DecodeResult {
    if (this.failure) return { messages: [], error: this.failure };
    const incoming = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buffer = this.buffer.length === 0 ? incoming : Buffer.concat([this.buffer, incoming]);
    const messages: Message[] = [];
    let offset = 0;
    try {
      while (this.buffer.length - offset >= PRELUDE_BYTES) {
        const total = this.checkPrelude(offset);
        if (this.buffer.length - offset < total) break;
        messages.push(decodeFrame(this.buffer.subarray(offset, offset + total)));
        offset += total;
      }
    } catch (error) {
      this.failure = error instanceof FrameError ? error : new FrameError(String(error));
      this.buffer = Buffer.alloc(0);
      return { messages, error: this.failure };
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    return { messages, error: undefined };
  }

  private checkPrelude(offset: number): number {
    const total = this.buffer.readUInt32BE(offset);
    const headersLength = this.buffer.readUInt32BE(offset + 4);
    const preludeCrc = this.buffer.readUInt32BE(offset + 8);
    if (crc32(this.buffer.subarray(offset, offset + 8)) !== preludeCrc) {
      throw new FrameError(`prelude checksum mismatch: expected ${preludeCrc}`);
    }
    if (total > this.maxMessageBytes) {
      throw new FrameError(`message of ${total} bytes exceeds the maximum of ${this.maxMessageBytes} bytes`);
    }
    if (total < OVERHEAD_BYTES || headersLength > total - OVERHEAD_BYTES) {
      throw new FrameError(`invalid lengths: total ${total}, headers ${headersLength}`);
    }
    return total;
  }
}

function decodeFrame(frame: Uint8Array): Message {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headersLength = view.getUint32(4);
  checkHeaderBlock(view, PRELUDE_BYTES, headersLength);
  try {
    return codec.decode(frame);
  } catch (error) {
    throw new FrameError(error instanceof Error ? error.message : String(error));
  }
}

/** Walks the header block so malformed headers are rejected instead of read past their bounds. */
function checkHeaderBlock(view: DataView, start: number, length: number): void {
  const end = start + length;
  let position = start;
  const need = (bytes: number) => {
    if (position + bytes > end) throw new FrameError('header block truncated');
  };
  while (position < end) {
    need(1);
    const nameLength = view.getUint8(position);
    position += 1;
    if (nameLength === 0 || nameLength > MAX_HEADER_NAME_BYTES)
      throw new FrameError('invalid header name length');
    need(nameLength + 1);
    position += nameLength;
    const type = view.getUint8(position);
    position += 1;
    switch (type) {
      case 0:
      case 1:
        break;
      case 2:
        need(1);
        position += 1;
        break;
      case 3:
        need(2);
        position += 2;
        break;
      case 4:
        need(4);
        position += 4;
        break;
      case 5:
      case 8:
        need(8);
        position += 8;
        break;
      case 6:
      case 7: {
        need(2);
        const valueLength = view.getUint16(position);
        position += 2;
        need(valueLength);
        position += valueLength;
        break;
      }
      case 9:
        need(16);
        position += 16;
        break;
      default:
        throw new FrameError(`unknown header value type ${type}`);
    }
  }
}

export function encodeMessage(headers: MessageHeaders, body: Uint8Array): Uint8Array {
  return codec.encode({ headers, body });
}

const STREAM_ID_HEADER = codec.formatHeaders({ ':stream-id': { type: 'integer', value: 0 } });
const headerBlocks = new Map<string, Uint8Array>();

/**
 * Encodes an RPC message: `extra` string headers, then `:message-type`, `:message-flags`, `:stream-id` (the
 * order the CRT writes them). Header blocks come from the codec and are cached per shape; CRCs are native.
 */
export function encodeRpcMessage(
  extra: Readonly<Record<string, string>>,
  messageType: number,
  flags: number,
  streamId: number,
  body: Uint8Array,
): Buffer {
  const names = Object.keys(extra);
  const key = `${messageType}|${flags}|${names.map((name) => `${name}=${extra[name]}`).join('|')}`;
  let block = headerBlocks.get(key);
  if (!block) {
    const headers: MessageHeaders = {};
    for (const name of names) headers[name] = stringHeader(extra[name] as string);
    headers[':message-type'] = intHeader(messageType);
    headers[':message-flags'] = intHeader(flags);
    block = codec.formatHeaders(headers);
    if (headerBlocks.size < 1024) headerBlocks.set(key, block);
  }
  const headersLength = block.length + STREAM_ID_HEADER.length;
  const total = OVERHEAD_BYTES + headersLength + body.length;
  const frame = Buffer.allocUnsafe(total);
  frame.writeUInt32BE(total, 0);
  frame.writeUInt32BE(headersLength, 4);
  frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
  frame.set(block, PRELUDE_BYTES);
  frame.set(STREAM_ID_HEADER, PRELUDE_BYTES + block.length);
  frame.writeInt32BE(streamId, PRELUDE_BYTES + headersLength - 4);
  frame.set(body, PRELUDE_BYTES + headersLength);
  frame.writeUInt32BE(crc32(frame.subarray(0, total - 4)), total - 4);
  return frame;
}

/** Eventstream RPC message types (`:message-type`). */
export const MessageType = {
  ApplicationMessage: 0,
  ApplicationError: 1,
  Ping: 2,
  PingResponse: 3,
  Connect: 4,
  ConnectAck: 5,
  ProtocolError: 6,
  InternalError: 7,
} as const;

/** `:message-flags` bits. */
export const MessageFlags = { ConnectionAccepted: 1, TerminateStream: 2 } as const;

export function stringHeader(value: string) {
  return { type: 'string' as const, value };
}

export function intHeader(value: number) {
  return { type: 'integer' as const, value };
}

/** The three RPC headers every message carries, in the order the CRT writes them. */
export function rpcHeaders(messageType: number, flags: number, streamId: number): MessageHeaders {
  return {
    ':message-type': intHeader(messageType),
    ':message-flags': intHeader(flags),
    ':stream-id': intHeader(streamId),
  };
}
