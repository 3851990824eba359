import { xml } from '@xmpp/xml';
import { describe, expect, it, vi } from 'vitest';
import { InboundPresenceFrameSchema } from '../../shared/frames.js';
import { InboundCapture, presenceFrameFor } from '../../xmpp-relay/inbound.js';
import { silentLogger } from '../../xmpp-relay/log.js';
import { startRelay } from '../../xmpp-relay/relay.js';
import { FakeLink, FakeQueues, RecordingFrameSender, testRelayConfig } from '../helpers/relay-fakes.js';

const now = new Date('2026-01-02T03:04:05.000Z');
const presence = (attrs: Record<string, string>) =>
  xml('presence', { to: 'bot@localhost/noticeflow', ...attrs });

describe('presenceFrameFor', () => {
  it.each(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed'])(
    'turns a %s presence into a valid presence-in frame',
    (type) => {
      const frame = presenceFrameFor('local', presence({ from: 'Carol@localhost/phone', type }), now);
      expect(InboundPresenceFrameSchema.parse(frame)).toEqual(frame);
      expect(frame).toMatchObject({
        kind: 'presence-in',
        site: 'local',
        ts: now.toISOString(),
        payload: { from: 'Carol@localhost/phone', type, receivedAt: now.toISOString() },
      });
    },
  );

  it('takes a subscription request from a bare JID, as servers stamp it', () => {
    expect(
      presenceFrameFor('local', presence({ from: 'carol@localhost', type: 'subscribe' }), now),
    ).toMatchObject({ payload: { from: 'carol@localhost', type: 'subscribe' } });
  });

  it('gives each captured stanza a frame id of its own', () => {
    const stanza = presence({ from: 'carol@localhost', type: 'subscribe', id: 'same' });
    expect(presenceFrameFor('local', stanza, now)?.id).not.toBe(presenceFrameFor('local', stanza, now)?.id);
  });

  it.each([
    ['available presence', presence({ from: 'carol@localhost/phone' })],
    ['unavailable presence', presence({ from: 'carol@localhost/phone', type: 'unavailable' })],
    ['a probe', presence({ from: 'carol@localhost', type: 'probe' })],
    ['an error bounce', presence({ from: 'carol@localhost', type: 'error' })],
    ['an unknown type', presence({ from: 'carol@localhost', type: 'bogus' })],
    ['a request without from (our own account)', presence({ type: 'subscribe' })],
    ['a request from our own bare JID', presence({ from: 'BOT@localhost/other', type: 'subscribe' })],
  ])('ignores %s', (_name, stanza) => {
    expect(presenceFrameFor('local', stanza, now)).toBeUndefined();
  });
});

describe('InboundCapture.handlePresence', () => {
  it('puts subscription presence on xmpp-in and counts the rest as ignored', async () => {
    const sender = new RecordingFrameSender();
    const capture = new InboundCapture('local', sender, silentLogger, 1_000);
    await capture.handlePresence(presence({ from: 'carol@localhost', type: 'subscribe' }));
    await capture.handlePresence(presence({ from: 'carol@localhost/phone' }));
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]).toMatchObject({
      queue: 'xmpp-in',
      frame: { kind: 'presence-in', payload: { from: 'carol@localhost', type: 'subscribe' } },
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
    await capture.handlePresence(presence({ from: 'carol@localhost', type: 'unsubscribe' }));
    expect(capture.stats).toEqual({ captured: 0, ignored: 0, sendErrors: 1 });
  });
});

describe('Relay presence wiring', () => {
  it('forwards presence from the link to xmpp-in', async () => {
    const deps = { link: new FakeLink(), queues: new FakeQueues(), frames: new RecordingFrameSender() };
    const relay = await startRelay(testRelayConfig(), { ...deps, logger: silentLogger });
    try {
      deps.link.deliverPresence(presence({ from: 'dave@localhost/x', type: 'subscribe' }));
      await vi.waitFor(() => expect(deps.frames.sent).toHaveLength(1), { timeout: 2_000 });
      expect(deps.frames.sent[0]?.frame).toMatchObject({
        kind: 'presence-in',
        payload: { type: 'subscribe' },
      });
    } finally {
      await relay.stop();
    }
  });
});
