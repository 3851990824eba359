import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import { handleInboundChat } from '../../functions/im-inbound/im-inbound.js';
import { type InboundChat, makeFrame, type NoticeFrame, type StanzaFrame } from '../../shared/frames.js';
import { MemoryStore, RecordingSender, silentLogger, user } from '../helpers/fakes.js';

function chat(overrides: Partial<InboundChat> = {}, id = 'in-1') {
  return makeFrame('chat-in', 'local', id, {
    from: 'Bob@Example.org/laptop',
    to: 'bot@example.org/noticeflow',
    type: 'chat',
    stanzaId: 'abc',
    body: 'good morning',
    receivedAt: '2026-12-03T10:00:00.000Z',
    ...overrides,
  });
}

async function setup() {
  const store = new MemoryStore();
  await store.putUser(user('2', 'bob'));
  await store.putUser(user('9', 'mallory', { im: { jid: 'mallory@example.org', confirmed: false } }));
  const sender = new RecordingSender();
  return { store, sender, deps: { store, sender, logger: silentLogger, siteName: 'Demo' } };
}

describe('im-inbound', () => {
  it('posts a chat message from a confirmed address as a notice by its owner', async () => {
    const { sender, deps } = await setup();
    const outcome = await handleInboundChat(chat(), deps);
    expect(outcome).toEqual({ action: 'posted', noticeId: '1' });
    const [frame] = sender.to('notices') as NoticeFrame[];
    expect(frame?.payload.notice).toMatchObject({
      id: '1',
      author: { id: '2', nickname: 'bob' },
      text: 'good morning',
      source: 'xmpp',
    });
  });

  it('posts a redelivered message under the same notice id', async () => {
    const { sender, deps } = await setup();
    await handleInboundChat(chat(), deps);
    await handleInboundChat(chat(), deps);
    const ids = (sender.to('notices') as NoticeFrame[]).map((f) => f.payload.notice.id);
    expect(ids).toEqual(['1', '1']);
  });

  it('never posts for an unconfirmed or unknown address, and explains on the priority lane', async () => {
    const { sender, deps } = await setup();
    const outcome = await handleInboundChat(chat({ from: 'mallory@example.org/x' }), deps);
    expect(outcome).toEqual({ action: 'replied-unknown-sender', jid: 'mallory@example.org' });
    expect(sender.to('notices')).toHaveLength(0);
    const [reply] = sender.to('xmpp-out-priority') as StanzaFrame[];
    const stanza = reply?.payload.stanzas?.[0];
    expect(stanza?.to).toBe('mallory@example.org/x');
    expect(parse(stanza?.xml ?? '').getChildText('body')).toMatch(/^\[Demo\] This address is not linked/);
  });

  it('ignores non-chat messages and empty bodies without replying', async () => {
    const { sender, deps } = await setup();
    for (const type of ['error', 'headline', 'groupchat'] as const) {
      expect((await handleInboundChat(chat({ type }), deps)).action).toBe('ignored');
    }
    expect((await handleInboundChat(chat({ body: '  \n ' }), deps)).action).toBe('ignored');
    expect(sender.sent).toHaveLength(0);
  });
});
