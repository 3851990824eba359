import { describe, expect, it } from 'vitest';
import { sendLimitedChat } from '../../functions/im-inbound/outbound.js';
import { MemoryStore, RecordingSender } from '../helpers/fakes.js';

describe('sendLimitedChat', () => {
  const at = new Date('2026-12-04T10:00:00Z');
  const message = (frameId: string, onBehalfOf?: string) => ({
    site: 'local',
    to: 'alice@example.org',
    text: 'hi',
    kind: 'reply',
    frameId,
    at,
    ...(onBehalfOf ? { onBehalfOf } : {}),
  });

  it('sends at most the limit to one JID a minute', async () => {
    const deps = { store: new MemoryStore(), sender: new RecordingSender(), repliesPerMinute: 2 };
    const sent = [];
    for (const id of ['f1', 'f2', 'f3']) sent.push(await sendLimitedChat(deps, message(id)));
    expect(sent).toEqual([true, true, false]);
    expect(deps.sender.to('xmpp-out-priority')).toHaveLength(2);
  });

  it("counts what another user causes apart, so nobody can use up someone else's replies", async () => {
    const deps = { store: new MemoryStore(), sender: new RecordingSender(), repliesPerMinute: 2 };
    const nudges = [];
    for (const id of ['n1', 'n2', 'n3']) nudges.push(await sendLimitedChat(deps, message(id, 'carol')));
    expect(nudges).toEqual([true, true, false]);
    // alice's own replies still go out, and bob's direct message has its own allowance.
    expect(await sendLimitedChat(deps, message('r1'))).toBe(true);
    expect(await sendLimitedChat(deps, message('d1', 'bob'))).toBe(true);
  });
});
