import { describe, expect, it } from 'vitest';
import { InvalidFrameError } from '../../shared/errors.js';
import { decodeFrame, encodeFrame, makeFrame } from '../../shared/frames.js';
import { notice } from '../helpers/fakes.js';

describe('frames', () => {
  it('round-trips a notice frame, defaults applied', () => {
    const frame = makeFrame('notice', 'local', 'notice-42', { notice: notice() });
    const decoded = decodeFrame('notice', encodeFrame(frame));
    expect(decoded).toEqual(frame);
    expect(decoded.v).toBe(1);
  });

  it('rejects a body that is not JSON, saying so', () => {
    expect(() => decodeFrame('notice', '{nope')).toThrowError(/not JSON/);
  });

  it('rejects a frame of another kind, naming the field', () => {
    const frame = makeFrame('notice', 'local', 'n-1', { notice: notice() });
    expect(() => decodeFrame('chat-in', encodeFrame(frame))).toThrowError(InvalidFrameError);
    expect(() => decodeFrame('chat-in', encodeFrame(frame))).toThrowError(/kind/);
  });

  it('rejects a notice without text, naming the path', () => {
    const body = JSON.stringify({
      v: 1,
      kind: 'notice',
      site: 'local',
      id: 'x',
      ts: '2026-12-03T10:00:00Z',
      payload: { notice: { ...notice(), text: undefined } },
    });
    expect(() => decodeFrame('notice', body)).toThrowError(/payload\.notice\.text/);
  });

  it('validates where produced: a bad site never becomes a frame', () => {
    expect(() => makeFrame('notice', 'Bad Site', 'n', { notice: notice() })).toThrowError(/site/);
  });

  it('encodes characters SQS refuses as JSON escapes, and decodes them back', () => {
    const text = 'a\u0001b\uFFFEc\uFFFFd\uD800e 🙂 𝄞';
    const frame = makeFrame('notice', 'local', 'n-1', { notice: notice({ text }) });
    const body = encodeFrame(frame);
    // SQS accepts #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF
    expect(body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/);
    expect(decodeFrame('notice', body).payload.notice.text).toBe(text);
  });
});
