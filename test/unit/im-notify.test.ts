import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import { notifySubscribers } from '../../functions/im-notify/im-notify.js';
import { makeFrame, type StanzaFrame } from '../../shared/frames.js';
import { MemoryStore, notice, RecordingSender, silentLogger, user } from '../helpers/fakes.js';

async function setup() {
  const store = new MemoryStore();
  await store.putUser(user('1', 'alice'));
  await store.putUser(user('2', 'bob', { im: { jid: 'bob@example.org', confirmed: true } }));
  await store.putUser(user('3', 'carol'));
  await store.putUser(user('4', 'dave', { notify: false }));
  await store.putUser(user('5', 'erin', { im: { jid: 'erin@example.org', confirmed: false } }));
  await store.putUser(user('6', 'frank', { im: undefined }));
  await store.putUser(user('7', 'gina', { im: { jid: 'not a jid', confirmed: true } }));
  for (const id of ['1', '2', '3', '4', '5', '6', '7']) await store.follow('local', id, '1');
  return { store, sender: new RecordingSender() };
}

function stanzasOf(sender: RecordingSender) {
  return sender.to('xmpp-out').flatMap((frame) => (frame as StanzaFrame).payload.stanzas);
}

describe('im-notify', () => {
  it('sends one chat message per subscriber with confirmed IM and notify on, never to the author', async () => {
    const { store, sender } = await setup();
    const warnings: unknown[] = [];
    const frame = makeFrame('notice', 'local', 'notice-42', { notice: notice() });
    const result = await notifySubscribers(frame, {
      store,
      sender,
      logger: { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args) },
    });
    expect(result.queued).toBe(2);
    const stanzas = stanzasOf(sender);
    expect(stanzas.map((s) => s.to).sort()).toEqual(['bob@example.org', 'carol@example.org']);
    for (const stanza of stanzas) {
      const element = parse(stanza.xml);
      expect(element.attrs).toMatchObject({ type: 'chat', to: stanza.to, id: stanza.id });
      expect(element.getChildText('body')).toBe('alice: hello world [42]');
    }
    expect(warnings).toHaveLength(1); // gina's malformed JID is logged, not fatal
  });

  it('pages through subscribers and packs stanzas into few messages', async () => {
    const store = new MemoryStore();
    await store.putUser(user('1', 'alice'));
    for (let i = 100; i < 350; i++) {
      await store.putUser(user(String(i), `u${i}`));
      await store.follow('local', String(i), '1');
    }
    const sender = new RecordingSender();
    const frame = makeFrame('notice', 'local', 'notice-42', { notice: notice() });
    await notifySubscribers(frame, {
      store,
      sender,
      logger: silentLogger,
      pageSize: 100,
      packing: { maxStanzas: 40, maxBytes: 1_000_000 },
    });
    const frames = sender.to('xmpp-out');
    expect(stanzasOf(sender)).toHaveLength(250);
    expect(new Set(stanzasOf(sender).map((s) => s.to)).size).toBe(250);
    // 3 pages (100, 100, 50) of at most 40 stanzas each: 3 + 3 + 2 messages
    expect(frames).toHaveLength(8);
    expect(new Set(frames.map((f) => f.id)).size).toBe(8);
  });

  it('gives the same stanza ids on a redelivery', async () => {
    const { store } = await setup();
    const frame = makeFrame('notice', 'local', 'notice-42', { notice: notice() });
    const first = new RecordingSender();
    const second = new RecordingSender();
    await notifySubscribers(frame, { store, sender: first, logger: silentLogger });
    await notifySubscribers(frame, { store, sender: second, logger: silentLogger });
    expect(stanzasOf(second).map((s) => s.id)).toEqual(stanzasOf(first).map((s) => s.id));
  });
});
