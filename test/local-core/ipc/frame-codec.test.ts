import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeMessage,
  FrameDecoder,
  FrameError,
  intHeader,
  type MessageHeaders,
  stringHeader,
} from '../../../local-core/src/ipc/frame-codec.ts';

const headersArb: fc.Arbitrary<MessageHeaders> = fc
  .dictionary(
    // The codec parses headers into a plain object, where a header named __proto__ cannot be represented.
    fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((name) => Buffer.byteLength(name) <= 255 && name !== '__proto__'),
    fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(intHeader),
      fc.string({ maxLength: 40 }).map(stringHeader),
      fc.boolean().map((value) => ({ type: 'boolean' as const, value })),
    ),
    { maxKeys: 6 },
  )
  .map((headers) => headers as MessageHeaders);

const frameArb = fc
  .tuple(headersArb, fc.uint8Array({ maxLength: 300 }))
  .map(([headers, body]) => ({ headers, body, bytes: encodeMessage(headers, body) }));

/** Splits `bytes` at the given cut points (each taken modulo the length). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Feeds every chunk; collects the messages and the first error. */
function feed(decoder: FrameDecoder, chunks: Uint8Array[]) {
  const messages = [];
  for (const piece of chunks) {
    const result = decoder.push(piece);
    messages.push(...result.messages);
    if (result.error) return { messages, error: result.error };
  }
  return { messages, error: undefined };
}

describe('FrameDecoder', () => {
  it('decodes frames split and coalesced at arbitrary boundaries exactly as encoded', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map((frame) => frame.bytes));
          const { messages, error } = feed(new FrameDecoder(), chunk(stream, cuts));
          expect(error).toBeUndefined();
          expect(messages.map((m) => Buffer.from(m.body).toString('hex'))).toEqual(
            frames.map((f) => Buffer.from(f.body).toString('hex')),
          );
          expect(messages.map((m) => m.headers)).toEqual(frames.map((f) => f.headers));
        },
      ),
    );
  });

  it('never throws and ends every push on random bytes, in any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const decoder = new FrameDecoder(1 << 16);
        const { error } = feed(decoder, chunk(bytes, cuts));
        // Either a FrameError, or the bytes are (a prefix of) frames the decoder still waits for.
        if (error) expect(error).toBeInstanceOf(FrameError);
        else expect(decoder.pendingBytes).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every single-byte mutation of a valid frame with FrameError', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (frame, at, xor) => {
        const mutated = Buffer.from(frame.bytes);
        const index = at % mutated.length;
        mutated[index] = (mutated[index] as number) ^ xor;
        const { messages, error } = feed(new FrameDecoder(), [mutated]);
        // CRC-32 catches every single-byte error, in the prelude or in the rest of the frame.
        expect(messages).toEqual([]);
        expect(error).toBeInstanceOf(FrameError);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps failing after the first bad frame', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.alloc(16, 0xff)).error).toBeInstanceOf(FrameError);
    expect(decoder.push(encodeMessage({}, new Uint8Array(0)))).toMatchObject({
      messages: [],
      error: expect.any(FrameError),
    });
  });

  it('returns the good frames that precede a bad one', () => {
    const good = encodeMessage({ n: stringHeader('1') }, Buffer.from('a'));
    const { messages, error } = new FrameDecoder().push(Buffer.concat([good, Buffer.alloc(16, 0xff)]));
    expect([messages.length, error?.message]).toEqual([1, expect.stringContaining('prelude checksum')]);
  });

  it('rejects a frame above the size limit from its prelude alone', () => {
    const big = encodeMessage({}, new Uint8Array(2048));
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(big.subarray(0, 12)).error?.message).toMatch(/exceeds the maximum of 1024 bytes/);
  });

  it('holds a partial frame until its last byte arrives', () => {
    const frame = encodeMessage({ a: stringHeader('b') }, Buffer.from('payload'));
    const decoder = new FrameDecoder();
    expect(decoder.push(frame.subarray(0, frame.length - 1))).toEqual({ messages: [], error: undefined });
    expect(decoder.pendingBytes).toBe(frame.length - 1);
    expect(decoder.push(frame.subarray(frame.length - 1)).messages).toHaveLength(1);
    expect(decoder.pendingBytes).toBe(0);
  });
});
