import { describe, expect, it } from 'vitest';
import { useDynaliteStore } from '../helpers/dynalite-store.js';
import { notice, user } from '../helpers/fakes.js';

// The store methods the IM commands added, on the embedded DynamoDB (dynalite).
const dynalite = useDynaliteStore('store-commands-test');

describe('DynamoStore for IM commands', () => {
  it("counts a user's stored notices and keeps the latest by time, even out of order", async () => {
    expect(await dynalite.store.getUserActivity('local', '1')).toEqual({ notices: 0 });
    await dynalite.store.saveNotice('local', notice({ id: '11', createdAt: '2026-12-03T11:00:00.000Z' }));
    await dynalite.store.saveNotice('local', notice({ id: '10', createdAt: '2026-12-03T10:00:00.000Z' }));
    // a notice stored again is not counted again
    await dynalite.store.saveNotice('local', notice({ id: '11', createdAt: '2026-12-03T11:00:00.000Z' }));
    expect(await dynalite.store.getUserActivity('local', '1')).toEqual({ notices: 2, latestNoticeId: '11' });
    await dynalite.store.saveNotice('local', notice({ id: '12', createdAt: '2026-12-03T12:00:00.000Z' }));
    expect(await dynalite.store.getUserActivity('local', '1')).toEqual({ notices: 3, latestNoticeId: '12' });
  });

  it('lists the users someone follows, paged', async () => {
    for (const id of ['a1', 'a2', 'a3']) await dynalite.store.follow('local', 'fan', id);
    const first = await dynalite.store.listSubscriptions('local', 'fan', undefined, 2);
    expect(first.items).toEqual(['a1', 'a2']);
    const second = await dynalite.store.listSubscriptions('local', 'fan', first.next, 2);
    expect(second.items).toEqual(['a3']);
    await dynalite.store.unfollow('local', 'fan', 'a2');
    expect((await dynalite.store.listSubscriptions('local', 'fan')).items).toEqual(['a1', 'a3']);
  });

  it("keeps a user's groups beside the group's members", async () => {
    await dynalite.store.createGroup({ site: 'local', id: 'g1', nickname: 'devs' });
    await dynalite.store.createGroup({ site: 'local', id: 'g2', nickname: 'cooks' });
    await dynalite.store.joinGroup('local', 'g1', 'u1');
    await dynalite.store.joinGroup('local', 'g2', 'u1');
    expect((await dynalite.store.listUserGroups('local', 'u1')).items).toEqual(['g1', 'g2']);
    const groups = await dynalite.store.getGroups('local', ['g1', 'g2', 'missing']);
    expect(groups.map((g) => g.nickname).sort()).toEqual(['cooks', 'devs']);
    await dynalite.store.leaveGroup('local', 'g1', 'u1');
    expect((await dynalite.store.listUserGroups('local', 'u1')).items).toEqual(['g2']);
    expect((await dynalite.store.listGroupMembers('local', 'g1')).items).toEqual([]);
  });

  it('marks a favourite once', async () => {
    expect(await dynalite.store.isFavorite('local', 'u1', '10')).toBe(false);
    expect(await dynalite.store.addFavorite('local', 'u1', '10')).toBe(true);
    expect(await dynalite.store.addFavorite('local', 'u1', '10')).toBe(false);
    expect(await dynalite.store.isFavorite('local', 'u1', '10')).toBe(true);
  });

  it('keeps the first repeat of a notice by a user', async () => {
    expect(await dynalite.store.claimRepeat('local', 'u1', '10', '50')).toBe('50');
    expect(await dynalite.store.claimRepeat('local', 'u1', '10', '51')).toBe('50');
    expect(await dynalite.store.claimRepeat('local', 'u2', '10', '52')).toBe('52');
  });

  it('stores a direct message once and lists them oldest first', async () => {
    const message = {
      id: 'chat-in-x',
      from: { id: '1', nickname: 'alice' },
      to: { id: '2', nickname: 'bob' },
      text: 'hi',
      createdAt: '2026-12-03T10:00:01.000Z',
    };
    expect(await dynalite.store.saveDirectMessage('local', message)).toBe(true);
    expect(await dynalite.store.saveDirectMessage('local', message)).toBe(false);
    await dynalite.store.saveDirectMessage('local', {
      ...message,
      id: 'chat-in-y',
      createdAt: '2026-12-03T09:00:00.000Z',
    });
    const inbox = await dynalite.store.listDirectMessages('local', '2');
    expect(inbox.map((m) => m.id)).toEqual(['chat-in-y', 'chat-in-x']);
    expect(inbox[1]).toEqual(message);
    expect(await dynalite.store.listDirectMessages('local', '1')).toEqual([]);
  });

  it('counts in a window and starts again once the counter expired', async () => {
    expect(await dynalite.store.incrementCounter('local', 'k', 60)).toBe(1);
    expect(await dynalite.store.incrementCounter('local', 'k', 60)).toBe(2);
    expect(await dynalite.store.incrementCounter('local', 'k', 60)).toBe(3);
    // a zero-second counter has expired by the next second
    expect(await dynalite.store.incrementCounter('local', 'gone', -1)).toBe(1);
    expect(await dynalite.store.incrementCounter('local', 'gone', -1)).toBe(1);
    // reading: the live count, 0 for an expired or unknown counter
    expect(await dynalite.store.readCounter('local', 'k')).toBe(3);
    expect(await dynalite.store.readCounter('local', 'gone')).toBe(0);
    expect(await dynalite.store.readCounter('local', 'never')).toBe(0);
  });

  it('turning notify off through putUser still works beside the new items', async () => {
    await dynalite.store.putUser(user('u9', 'nina'));
    await dynalite.store.follow('local', 'u9', 'author9');
    await dynalite.store.putUser(user('u9', 'nina', { notify: false }));
    expect((await dynalite.store.listImSubscribers('local', 'author9')).items).toEqual([]);
    expect((await dynalite.store.listSubscriptions('local', 'u9')).items).toEqual(['author9']);
  });
});
