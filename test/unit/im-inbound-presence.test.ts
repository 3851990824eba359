import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import { decodeImInboundFrame } from '../../functions/im-inbound/frame.js';
import {
  handleInboundPresence,
  PRESENCE_ANSWER_INTERVAL_SECONDS,
} from '../../functions/im-inbound/presence.js';
import { InvalidFrameError } from '../../shared/errors.js';
import { encodeFrame, type InboundPresence, makeFrame, type StanzaFrame } from '../../shared/frames.js';
import { checkStanzaFrame } from '../../xmpp-relay/stanza-check.js';
import { MemoryStore, RecordingSender, silentLogger, user } from '../helpers/fakes.js';

let sequence = 0;
function presence(type: InboundPresence['type'], from = 'Carol@Example.org/phone') {
  return makeFrame('presence-in', 'local', `presence-in-${++sequence}`, {
    from,
    type,
    receivedAt: '2026-12-03T10:00:00.000Z',
  });
}

async function setup() {
  const store = new MemoryStore();
  await store.putUser(user('3', 'carol'));
  await store.putUser(user('9', 'mallory', { im: { jid: 'mallory@example.org', confirmed: false } }));
  const sender = new RecordingSender();
  return { store, sender, deps: { store, sender, logger: silentLogger } };
}

/** The answers as the relay would write them: type and to of each stanza. */
function answers(sender: RecordingSender): { type?: string; to?: string }[] {
  return (sender.to('xmpp-out-priority') as StanzaFrame[]).flatMap((frame) =>
    (frame.payload.stanzas ?? []).map((stanza) => {
      const element = parse(stanza.xml);
      expect(element.name).toBe('presence');
      expect(element.attrs.to).toBe(stanza.to);
      return { type: element.attrs.type, to: element.attrs.to };
    }),
  );
}

describe('im-inbound presence', () => {
  it('approves a confirmed address and subscribes back, in one frame on the priority lane', async () => {
    const { sender, deps } = await setup();
    const outcome = await handleInboundPresence(presence('subscribe'), deps);
    expect(outcome).toEqual({ action: 'approved', jid: 'carol@example.org', subscribedBack: true });
    expect(sender.sent).toHaveLength(1);
    expect(answers(sender)).toEqual([
      { type: 'subscribed', to: 'carol@example.org' },
      { type: 'subscribe', to: 'carol@example.org' },
    ]);
  });

  it('approves anyone else without subscribing back', async () => {
    const { sender, deps } = await setup();
    expect(await handleInboundPresence(presence('subscribe', 'stranger@elsewhere.net/x'), deps)).toEqual({
      action: 'approved',
      jid: 'stranger@elsewhere.net',
      subscribedBack: false,
    });
    expect(answers(sender)).toEqual([{ type: 'subscribed', to: 'stranger@elsewhere.net' }]);
  });

  it('does not subscribe back to an address that is not confirmed', async () => {
    const { sender, deps } = await setup();
    await handleInboundPresence(presence('subscribe', 'mallory@example.org'), deps);
    expect(answers(sender)).toEqual([{ type: 'subscribed', to: 'mallory@example.org' }]);
  });

  it('acknowledges an unsubscribe with unsubscribed', async () => {
    const { sender, deps } = await setup();
    expect(await handleInboundPresence(presence('unsubscribe'), deps)).toEqual({
      action: 'confirmed-unsubscribe',
      jid: 'carol@example.org',
    });
    expect(answers(sender)).toEqual([{ type: 'unsubscribed', to: 'carol@example.org' }]);
  });

  it.each(['subscribed', 'unsubscribed'] as const)(
    'takes %s as an answer and replies nothing',
    async (type) => {
      const { sender, deps } = await setup();
      expect(await handleInboundPresence(presence(type), deps)).toEqual({
        action: 'acknowledged',
        jid: 'carol@example.org',
      });
      expect(sender.sent).toEqual([]);
    },
  );

  it('ignores a malformed sender', async () => {
    const { sender, deps } = await setup();
    expect(await handleInboundPresence(presence('subscribe', 'no-domain@'), deps)).toEqual({
      action: 'ignored',
      reason: 'malformed sender JID',
    });
    expect(sender.sent).toEqual([]);
  });

  it('answers the same JID and type at most once a minute, whatever the resource or case', async () => {
    const { store, sender, deps } = await setup();
    const start = Date.now();
    store.now = () => start;
    await handleInboundPresence(presence('subscribe', 'carol@example.org/a'), deps);
    expect(await handleInboundPresence(presence('subscribe', 'CAROL@example.org/b'), deps)).toEqual({
      action: 'ignored',
      reason: 'subscribe already answered within a minute',
    });
    // another type is another question
    await handleInboundPresence(presence('unsubscribe', 'carol@example.org/a'), deps);
    expect(answers(sender).map((a) => a.type)).toEqual(['subscribed', 'subscribe', 'unsubscribed']);

    store.now = () => start + PRESENCE_ANSWER_INTERVAL_SECONDS * 1000 + 1;
    await handleInboundPresence(presence('subscribe', 'carol@example.org/a'), deps);
    expect(answers(sender).map((a) => a.type)).toEqual([
      'subscribed',
      'subscribe',
      'unsubscribed',
      'subscribed',
      'subscribe',
    ]);
  });

  it('keys the once-a-minute record by a digest, so the longest JIDs fit a DynamoDB key', async () => {
    const { store, deps } = await setup();
    const keys: string[] = [];
    const recording = {
      findUserByJid: store.findUserByJid.bind(store),
      rememberFirst: (site: string, key: string, value: string, ttl: number) => {
        keys.push(key);
        return store.rememberFirst(site, key, value, ttl);
      },
    };
    const longest = `${'a'.repeat(1023)}@${'b'.repeat(1023)}`;
    expect(
      await handleInboundPresence(presence('subscribe', longest), { ...deps, store: recording }),
    ).toMatchObject({
      action: 'approved',
    });
    expect(keys).toHaveLength(1);
    expect(keys[0]?.length).toBeLessThan(100);
  });

  it('answers a redelivery of the same frame again, so a failed send is retried', async () => {
    const { sender, deps } = await setup();
    const frame = presence('subscribe');
    let fail = true;
    const flaky = {
      send: async (...args: Parameters<RecordingSender['send']>) => {
        if (fail) throw new Error('SQS unavailable');
        await sender.send(...args);
      },
    };
    await expect(handleInboundPresence(frame, { ...deps, sender: flaky })).rejects.toThrow('SQS unavailable');
    fail = false;
    await handleInboundPresence(frame, { ...deps, sender: flaky });
    expect(answers(sender).map((a) => a.type)).toEqual(['subscribed', 'subscribe']);
  });

  it('renders answers that pass the relay stanza check', async () => {
    const { sender, deps } = await setup();
    await handleInboundPresence(presence('subscribe'), deps);
    const [frame] = sender.to('xmpp-out-priority');
    if (!frame) throw new Error('no frame sent');
    const checked = checkStanzaFrame(encodeFrame(frame));
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.elements.map((e) => e.attrs.type)).toEqual(['subscribed', 'subscribe']);
  });
});

describe('decodeImInboundFrame', () => {
  it('decodes both kinds the xmpp-in queue carries', () => {
    const subscribe = presence('subscribe');
    expect(decodeImInboundFrame(encodeFrame(subscribe))).toEqual(subscribe);
    const chat = makeFrame('chat-in', 'local', 'in-1', {
      from: 'carol@example.org/x',
      to: 'bot@example.org',
      type: 'chat',
      body: 'hi',
      receivedAt: '2026-12-03T10:00:00.000Z',
    });
    expect(decodeImInboundFrame(encodeFrame(chat))).toEqual(chat);
  });

  it.each([
    ['not JSON', '{'],
    ['another kind', JSON.stringify({ v: 1, kind: 'notice', site: 'local', id: 'x', ts: 'y', payload: {} })],
    [
      'a presence-in frame with a presence type it does not carry',
      JSON.stringify({
        ...presence('subscribe'),
        payload: { from: 'a@b.c', type: 'probe', receivedAt: 'x' },
      }),
    ],
  ])('refuses %s with an InvalidFrameError', (_name, body) => {
    expect(() => decodeImInboundFrame(body)).toThrowError(InvalidFrameError);
  });
});
