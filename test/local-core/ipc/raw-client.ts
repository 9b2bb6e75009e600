/** A bare eventstream client over net.Socket, for the protocol cases the real client never produces. */
import { connect, type Socket } from 'node:net';
import {
  encodeMessage,
  FrameDecoder,
  intHeader,
  type Message,
  type MessageHeaders,
  MessageType,
  stringHeader,
} from '../../../local-core/src/ipc/frame-codec.ts';

export class RawClient {
  readonly received: Message[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.received.push(...this.decoder.push(chunk).messages);
      for (const waiter of this.waiters.splice(0)) waiter();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
  }

  static open(socketPath: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(type: number, flags: number, streamId: number, extra: MessageHeaders = {}, body = ''): void {
    this.sendBytes(
      encodeMessage(
        {
          ...extra,
          ':message-type': intHeader(type),
          ':message-flags': intHeader(flags),
          ':stream-id': intHeader(streamId),
        },
        Buffer.from(body),
      ),
    );
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async handshake(token: string): Promise<Message> {
    this.send(
      MessageType.Connect,
      0,
      0,
      { ':version': stringHeader('0.1.0') },
      JSON.stringify({ authToken: token }),
    );
    return this.next();
  }

  /** The next message not yet taken, waiting up to 5 s. */
  async next(): Promise<Message> {
    const deadline = Date.now() + 5000;
    while (this.received.length === 0) {
      if (Date.now() > deadline) throw new Error('no message received');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received.shift() as Message;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function header(message: Message, name: string): unknown {
  return message.headers[name]?.value;
}

export function bodyText(message: Message): string {
  return Buffer.from(message.body).toString('utf8');
}
