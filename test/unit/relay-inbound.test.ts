import { xml } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { InboundChatFrameSchema } from '../../shared/frames.js';
import { chatFrameFor, InboundCapture, inboundFrameId } from '../../xmpp-relay/inbound.js';
import { silentLogger } from '../../xmpp-relay/log.js';
import { RecordingFrameSender } from '../helpers/relay-fakes.js';

const now = new Date('2026-01-02T03:04:05.000Z');
const message = (attrs: Record<string, string>, body?: string) =>
  xml(
    'message',
    { to: 'bot@localhost/noticeflow', ...attrs },
    ...(body === undefined ? [] : [xml('body', {}, body)]),
  );

describe('chatFrameFor', () => {
  it('turns a chat message with a body into a valid chat-in frame', () => {
    const frame = chatFrameFor(
      'local',
      message({ from: 'Alice@localhost/phone', type: 'chat', id: 'x1' }, 'follow bob'),
      now,
    );
    expect(InboundChatFrameSchema.parse(frame)).toEqual(frame);
    expect(frame).toMatchObject({
      kind: 'chat-in',
      site: 'local',
      ts: now.toISOString(),
      payload: {
        from: 'Alice@localhost/phone',
        to: 'bot@localhost/noticeflow',
        type: 'chat',
        stanzaId: 'x1',
        body: 'follow bob',
        receivedAt: now.toISOString(),
      },
    });
  });

  it('cuts a body too long for a frame, never inside a surrogate pair, and says how long it was', () => {
    const long = `${'a'.repeat(99_999)}🙂${'b'.repeat(100)}`;
    const frame = chatFrameFor('local', message({ from: 'a@localhost/r', type: 'chat' }, long), now);
    expect(InboundChatFrameSchema.parse(frame)).toEqual(frame);
    expect(frame?.payload.body).toBe('a'.repeat(99_999));
    expect(frame?.payload.bodyLength).toBe(100_100);
    const short = chatFrameFor('local', message({ from: 'a@localhost/r', type: 'chat' }, 'hi'), now);
    expect(short?.payload).not.toHaveProperty('bodyLength');
  });

  it('treats a message without a type as normal', () => {
    expect(chatFrameFor('local', message({ from: 'a@localhost/r' }, 'hi'), now)?.payload.type).toBe('normal');
  });

  it.each([
    ['no body', message({ from: 'a@localhost/r', type: 'chat' })],
    ['an empty body', message({ from: 'a@localhost/r', type: 'chat' }, '  ')],
    ['an error bounce', message({ from: 'a@localhost/r', type: 'error' }, 'our own text')],
    ['groupchat', message({ from: 'room@muc/a', type: 'groupchat' }, 'hi')],
    ['headline', message({ from: 'news@localhost', type: 'headline' }, 'hi')],
  ])('ignores %s', (_name, stanza) => {
    expect(chatFrameFor('local', stanza, now)).toBeUndefined();
  });

  it('derives the frame id from the bare sender and stanza id, random without a stanza id', () => {
    expect(inboundFrameId('alice@localhost/phone', 'x1')).toBe(
      inboundFrameId('ALICE@localhost/laptop', 'x1'),
    );
    expect(inboundFrameId('alice@localhost/phone', 'x1')).not.toBe(
      inboundFrameId('alice@localhost/phone', 'x2'),
    );
    expect(inboundFrameId('alice@localhost/phone', 'x1')).not.toBe(
      inboundFrameId('bob@localhost/phone', 'x1'),
    );
    expect(inboundFrameId('a@localhost/r', undefined)).not.toBe(inboundFrameId('a@localhost/r', undefined));
  });
});

describe('InboundCapture', () => {
  it('puts captured messages on xmpp-in and counts the rest', async () => {
    const sender = new RecordingFrameSender();
    const capture = new InboundCapture('local', sender, silentLogger, 1_000);
    await capture.handle(message({ from: 'a@localhost/r', type: 'chat', id: '1' }, 'hello'));
    await capture.handle(message({ from: 'a@localhost/r', type: 'chat' }));
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]).toMatchObject({
      queue: 'xmpp-in',
      frame: { kind: 'chat-in', payload: { body: 'hello' } },
    });
    expect(capture.stats).toEqual({ captured: 1, ignored: 1, sendErrors: 0 });
  });

  it('logs and counts a failed send without throwing', async () => {
    const capture = new InboundCapture(
      'local',
      { send: () => Promise.reject(new Error('queue gone')) },
      silentLogger,
      1_000,
    );
    await capture.handle(message({ from: 'a@localhost/r', type: 'chat', id: '1' }, 'hello'));
    expect(capture.stats.sendErrors).toBe(1);
  });
});
