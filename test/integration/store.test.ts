import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ALL_BUCKETS, imBucket, splitBuckets } from '../../shared/store/buckets.js';
import { StoreConflictError } from '../../shared/store/dynamo-store.js';
import { keys } from '../../shared/store/table.js';
import { useDynaliteStore } from '../helpers/dynalite-store.js';
import { notice, user } from '../helpers/fakes.js';

// DynamoStore against the embedded DynamoDB (dynalite), through the real SDK client.
const dynalite = useDynaliteStore('store-test');

describe('DynamoStore', () => {
  it('finds users by id, nickname (any case) and confirmed JID only', async () => {
    await dynalite.store.putUser(user('1', 'Alice', { im: { jid: 'alice@example.org', confirmed: true } }));
    await dynalite.store.putUser(user('2', 'bob', { im: { jid: 'bob@example.org', confirmed: false } }));
    expect(await dynalite.store.getUser('local', '1')).toMatchObject({ nickname: 'Alice', notify: true });
    expect((await dynalite.store.findUserByNickname('local', 'alice'))?.id).toBe('1');
    expect((await dynalite.store.findUserByJid('local', 'alice@example.org'))?.id).toBe('1');
    expect(await dynalite.store.findUserByJid('local', 'bob@example.org')).toBeUndefined();
    expect(await dynalite.store.findUserByNickname('other-site', 'alice')).toBeUndefined();
  });

  it('refuses a nickname or a confirmed JID that belongs to another user', async () => {
    await expect(dynalite.store.putUser(user('3', 'alice'))).rejects.toThrow(StoreConflictError);
    await expect(
      dynalite.store.putUser(user('4', 'dora', { im: { jid: 'alice@example.org', confirmed: true } })),
    ).rejects.toThrow(/confirmed by another user/);
  });

  it('stops finding a JID once its owner changed address', async () => {
    await dynalite.store.putUser(user('5', 'erin', { im: { jid: 'erin@example.org', confirmed: true } }));
    await dynalite.store.putUser(user('5', 'erin', { im: { jid: 'erin@new.example', confirmed: true } }));
    expect(await dynalite.store.findUserByJid('local', 'erin@example.org')).toBeUndefined();
    expect((await dynalite.store.findUserByJid('local', 'erin@new.example'))?.id).toBe('5');
  });

  it('pages through subscribers and reads more than one BatchGet worth of users', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      await dynalite.store.putUser(user(id, `n${id}`));
      await dynalite.store.follow('local', id, 'author');
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await dynalite.store.listSubscribers('local', 'author', cursor, 100);
      seen.push(...page.items.map((s) => s.userId));
      expect(page.items.every((s) => s.im)).toBe(true);
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);
    const users = await dynalite.store.getUsers('local', ids);
    expect(users.map((u) => u.id).sort()).toEqual(ids);
  });

  it('stores a notice once and allocates increasing ids', async () => {
    expect(await dynalite.store.saveNotice('local', notice({ id: '7' }))).toBe(true);
    expect(await dynalite.store.saveNotice('local', notice({ id: '7', text: 'changed' }))).toBe(false);
    expect((await dynalite.store.getNotice('local', '7'))?.text).toBe('hello world');
    const first = Number(await dynalite.store.nextNoticeId('seq-site'));
    const second = Number(await dynalite.store.nextNoticeId('seq-site'));
    expect(second).toBe(first + 1);
  });

  it('remembers the first value for a key until it expires', async () => {
    expect(await dynalite.store.rememberFirst('local', 'k', 'one', 60)).toBe('one');
    expect(await dynalite.store.rememberFirst('local', 'k', 'two', 60)).toBe('one');
    expect(await dynalite.store.rememberFirst('local', 'expired', 'a', -1)).toBe('a');
    expect(await dynalite.store.rememberFirst('local', 'expired', 'b', 60)).toBe('b');
  });

  it('reads the replies and echo preferences, off when a profile predates them', async () => {
    await dynalite.store.putUser(user('p1', 'prefs', { replies: true, echo: true }));
    expect(await dynalite.store.getUser('local', 'p1')).toMatchObject({ replies: true, echo: true });
    await dynalite.db.send(
      new PutCommand({
        TableName: 'store-test',
        Item: { ...keys.user('local', 'p2'), site: 'local', id: 'p2', nickname: 'old', notify: true },
      }),
    );
    expect(await dynalite.store.getUser('local', 'p2')).toMatchObject({ replies: false, echo: false });
  });

  it('finds users by many nicknames in any case, ignoring unknown ones', async () => {
    const found = await dynalite.store.findUsersByNicknames('local', ['ALICE', 'bob', 'nobody', 'alice']);
    expect(found.map((u) => u.id).sort()).toEqual(['1', '2']);
    expect(await dynalite.store.findUsersByNicknames('local', [])).toEqual([]);
  });

  it('keeps a per-subscription IM flag: on by default, off per followed author, on again when re-followed', async () => {
    await dynalite.store.follow('local', 'x1', 'author2');
    await dynalite.store.follow('local', 'x2', 'author2');
    expect(await dynalite.store.setSubscriptionIm('local', 'x1', 'author2', false)).toBe(true);
    expect(await dynalite.store.setSubscriptionIm('local', 'x3', 'author2', false)).toBe(false);
    expect((await dynalite.store.listSubscribers('local', 'author2')).items).toEqual([
      { userId: 'x1', im: false },
      { userId: 'x2', im: true },
    ]);
    const among = await dynalite.store.findSubscribers('local', 'author2', ['x1', 'x2', 'x3', 'x2']);
    expect(among.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
      { userId: 'x1', im: false },
      { userId: 'x2', im: true },
    ]);
    await dynalite.store.follow('local', 'x1', 'author2');
    expect((await dynalite.store.findSubscribers('local', 'author2', ['x1']))[0]?.im).toBe(true);
  });

  it('answers "which of these follow X" for more than one BatchGet worth of users', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `s${String(i * 2).padStart(3, '0')}`);
    const found = await dynalite.store.findSubscribers('local', 'author', ids);
    // the earlier test made s000..s229 follow `author`
    expect(found.map((s) => s.userId).sort()).toEqual(ids.filter((id) => id < 's230'));
  });

  it('creates groups with unique nicknames, pages their members and checks membership in batches', async () => {
    await dynalite.store.createGroup({ site: 'local', id: 'g1', nickname: 'Cats' });
    await dynalite.store.createGroup({ site: 'local', id: 'g1', nickname: 'Cats' }); // idempotent
    await expect(dynalite.store.createGroup({ site: 'local', id: 'g2', nickname: 'cats' })).rejects.toThrow(
      StoreConflictError,
    );
    expect(await dynalite.store.findGroupByNickname('local', 'CATS')).toEqual({
      site: 'local',
      id: 'g1',
      nickname: 'Cats',
    });
    expect(await dynalite.store.findGroupByNickname('local', 'dogs')).toBeUndefined();
    expect(await dynalite.store.findGroupByNickname('other-site', 'cats')).toBeUndefined();

    const members = Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    for (const id of members) await dynalite.store.joinGroup('local', 'g1', id);
    await dynalite.store.leaveGroup('local', 'g1', 'u03');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await dynalite.store.listGroupMembers('local', 'g1', cursor, 10);
      expect(page.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(members.filter((id) => id !== 'u03'));
    expect((await dynalite.store.findGroupMembers('local', 'g1', ['u01', 'u03', 'zz'])).sort()).toEqual([
      'u01',
    ]);
  });

  it('lists who blocks a user with one Query on the reverse items, and forgets an unblock', async () => {
    await dynalite.store.block('local', 'b1', 'victim');
    await dynalite.store.block('local', 'b2', 'victim');
    await dynalite.store.block('local', 'b1', 'someone-else');
    expect((await dynalite.store.listBlockers('local', 'victim')).sort()).toEqual(['b1', 'b2']);
    await dynalite.store.unblock('local', 'b1', 'victim');
    expect(await dynalite.store.listBlockers('local', 'victim')).toEqual(['b2']);
    expect(await dynalite.store.listBlockers('local', 'nobody')).toEqual([]);
    // block items do not leak into the user's subscriber index
    await dynalite.store.follow('local', 'f1', 'victim');
    expect((await dynalite.store.listSubscribers('local', 'victim')).items).toEqual([
      { userId: 'f1', im: true },
    ]);
  });

  it('overwrites an idempotency record with remember, so a claim can become "done"', async () => {
    expect(await dynalite.store.rememberFirst('local', 'page', 'claim:a', 60)).toBe('claim:a');
    expect(await dynalite.store.rememberFirst('local', 'page', 'claim:b', 60)).toBe('claim:a');
    await dynalite.store.remember('local', 'page', 'done', 3600);
    expect(await dynalite.store.rememberFirst('local', 'page', 'claim:b', 60)).toBe('done');
  });

  describe('the IM subscriber index', () => {
    const imSubscribers = async (author: string) =>
      (await dynalite.store.listImSubscribers('local', author)).items
        .map((s) => `${s.userId}=${s.jid}`)
        .sort();

    it('holds exactly the followers who get IM copies, with their address', async () => {
      await dynalite.store.putUser(user('i1', 'ivy', { im: { jid: 'ivy@example.org', confirmed: true } }));
      await dynalite.store.putUser(user('i2', 'jay', { im: { jid: 'jay@example.org', confirmed: false } }));
      await dynalite.store.putUser(user('i3', 'kim', { notify: false }));
      await dynalite.store.putUser(user('i4', 'lee'));
      for (const id of ['i1', 'i2', 'i3', 'i4', 'i5-no-profile'])
        await dynalite.store.follow('local', id, 'star');
      await dynalite.store.setSubscriptionIm('local', 'i4', 'star', false);
      expect(await imSubscribers('star')).toEqual(['i1=ivy@example.org']);
      // the full subscriber index is untouched by it
      expect((await dynalite.store.listSubscribers('local', 'star')).items).toHaveLength(5);
    });

    it('follows changes of address, confirmation, notify and the per-subscription flag', async () => {
      await dynalite.store.putUser(user('i2', 'jay', { im: { jid: 'jay@example.org', confirmed: true } }));
      await dynalite.store.putUser(user('i3', 'kim', { notify: true }));
      await dynalite.store.setSubscriptionIm('local', 'i4', 'star', true);
      expect(await imSubscribers('star')).toEqual([
        'i1=ivy@example.org',
        'i2=jay@example.org',
        'i3=kim@example.org',
        'i4=lee@example.org',
      ]);
      await dynalite.store.putUser(user('i1', 'ivy', { im: { jid: 'ivy@new.example', confirmed: true } }));
      await dynalite.store.putUser(user('i2', 'jay', { notify: false }));
      const { im: _removed, ...withoutAddress } = user('i3', 'kim');
      await dynalite.store.putUser(withoutAddress);
      expect(await imSubscribers('star')).toEqual(['i1=ivy@new.example', 'i4=lee@example.org']);
    });

    it('pages, and loses a follower who unfollows', async () => {
      expect(await dynalite.store.unfollow('local', 'i4', 'star')).toBe(true);
      expect(await dynalite.store.unfollow('local', 'i4', 'star')).toBe(false);
      const first = await dynalite.store.listImSubscribers('local', 'star', undefined, 1);
      expect(first.items).toEqual([{ userId: 'i1', jid: 'ivy@new.example' }]);
      expect((await dynalite.store.listImSubscribers('local', 'star', first.next, 1)).items).toEqual([]);
      expect(
        (await dynalite.store.listSubscribers('local', 'star')).items.map((s) => s.userId),
      ).not.toContain('i4');
    });

    it('reads ranges of hash buckets: together exactly the index, each row in its range, paged', async () => {
      for (let i = 0; i < 120; i++) {
        await dynalite.store.putUser(
          user(`r${i}`, `reader${i}`, { im: { jid: `r${i}@example.org`, confirmed: true } }),
        );
        await dynalite.store.follow('local', `r${i}`, 'wide');
      }
      const seen: string[] = [];
      for (const range of splitBuckets(ALL_BUCKETS, 4)) {
        let cursor: string | undefined;
        do {
          const page = await dynalite.store.listImSubscribers('local', 'wide', cursor, 7, range);
          for (const row of page.items) {
            expect(imBucket(row.userId)).toBeGreaterThanOrEqual(range.from);
            expect(imBucket(row.userId)).toBeLessThan(range.to);
            seen.push(row.userId);
          }
          cursor = page.next;
        } while (cursor);
      }
      expect(seen.sort()).toEqual(Array.from({ length: 120 }, (_, i) => `r${i}`).sort());
    });

    it('updates the index of every author a user follows, past one BatchWrite', async () => {
      const authors = Array.from({ length: 30 }, (_, i) => `a${String(i).padStart(2, '0')}`);
      await dynalite.store.putUser(user('fan', 'fan'));
      for (const author of authors) await dynalite.store.follow('local', 'fan', author);
      await dynalite.store.putUser(user('fan', 'fan', { im: { jid: 'fan@moved.example', confirmed: true } }));
      for (const author of authors) expect(await imSubscribers(author)).toEqual(['fan=fan@moved.example']);
      await dynalite.store.putUser(user('fan', 'fan', { notify: false }));
      for (const author of authors) expect(await imSubscribers(author)).toEqual([]);
    });
  });

  it('frees a nickname and an address its owner gave up, for another user to take', async () => {
    await dynalite.store.putUser(user('r1', 'rex', { im: { jid: 'rex@example.org', confirmed: true } }));
    await dynalite.store.putUser(user('r1', 'rex2', { im: { jid: 'rex@other.example', confirmed: true } }));
    await dynalite.store.putUser(user('r2', 'rex', { im: { jid: 'rex@example.org', confirmed: true } }));
    expect((await dynalite.store.findUserByNickname('local', 'rex'))?.id).toBe('r2');
    expect((await dynalite.store.findUserByJid('local', 'rex@example.org'))?.id).toBe('r2');
    expect((await dynalite.store.findUserByJid('local', 'rex@other.example'))?.id).toBe('r1');
  });

  describe('changing one part of a user', () => {
    const imSubscribers = async (author: string) =>
      (await dynalite.store.listImSubscribers('local', author)).items.map((s) => `${s.userId}=${s.jid}`);

    it('creates a user once: a second create with the id or the nickname changes nothing', async () => {
      const { im: _none, ...nia } = user('cu1', 'nia');
      expect(await dynalite.store.createUser(nia)).toBe('created');
      expect(await dynalite.store.createUser({ ...nia, nickname: 'nia2' })).toBe('id-taken');
      expect(await dynalite.store.createUser({ ...nia, id: 'cu2', nickname: 'NIA' })).toBe('nickname-taken');
      expect(await dynalite.store.getUser('local', 'cu2')).toBeUndefined();
      expect((await dynalite.store.findUserByNickname('local', 'nia'))?.id).toBe('cu1');
      expect(await dynalite.store.findUserByNickname('local', 'nia2')).toBeUndefined();
    });

    it('keeps an address confirmed meanwhile when a stale reader turns notices off, and the index follows', async () => {
      const { im: _none, ...oz } = user('cu3', 'oz');
      await dynalite.store.createUser(oz);
      await dynalite.store.follow('local', 'cu3', 'idol');
      const stale = await dynalite.store.getUser('local', 'cu3'); // read by an `off` command
      expect(
        await dynalite.store.setIm('local', 'cu3', { jid: 'oz@example.org', confirmed: true }),
      ).toMatchObject({
        im: { jid: 'oz@example.org', confirmed: true },
      });
      expect(await imSubscribers('idol')).toEqual(['cu3=oz@example.org']);
      expect(stale?.im).toBeUndefined();
      expect(await dynalite.store.setPreferences('local', 'cu3', { notify: false })).toMatchObject({
        notify: false,
        im: { jid: 'oz@example.org', confirmed: true },
      });
      expect(await dynalite.store.getUser('local', 'cu3')).toMatchObject({
        notify: false,
        im: { jid: 'oz@example.org', confirmed: true },
      });
      expect(await imSubscribers('idol')).toEqual([]);
      await dynalite.store.setPreferences('local', 'cu3', { notify: true, replies: true });
      expect(await imSubscribers('idol')).toEqual(['cu3=oz@example.org']);
      expect(await dynalite.store.setPreferences('local', 'nobody', { notify: true })).toBeUndefined();
      expect(await dynalite.store.getUser('local', 'nobody')).toBeUndefined();
    });

    it('takes over a claim on an address its holder no longer has confirmed', async () => {
      // What a change that failed half-way leaves: the index points at a user without the address.
      const { im: _none, ...sam } = user('cu6', 'sam');
      await dynalite.store.createUser(sam);
      await dynalite.db.send(
        new PutCommand({
          TableName: 'store-test',
          Item: { ...keys.jid('local', 'left@example.org'), userId: 'cu6' },
        }),
      );
      const { im: _also, ...tia } = user('cu7', 'tia');
      await dynalite.store.createUser(tia);
      expect(
        await dynalite.store.setIm('local', 'cu7', { jid: 'left@example.org', confirmed: true }),
      ).toBeDefined();
      expect((await dynalite.store.findUserByJid('local', 'left@example.org'))?.id).toBe('cu7');
      // A live claim still holds.
      await expect(
        dynalite.store.setIm('local', 'cu6', { jid: 'left@example.org', confirmed: true }),
      ).rejects.toThrow(StoreConflictError);
    });

    it('confirms only the address the code was for, and gives back the claim when the address changed', async () => {
      const { im: _none, ...pam } = user('cu4', 'pam');
      await dynalite.store.createUser(pam);
      await dynalite.store.setIm('local', 'cu4', { jid: 'pam@new.example', confirmed: false });
      // A code sent to pam@old.example arrives after pam changed address: nothing changes.
      expect(
        await dynalite.store.setIm(
          'local',
          'cu4',
          { jid: 'pam@old.example', confirmed: true },
          'pam@old.example',
        ),
      ).toBeUndefined();
      expect((await dynalite.store.getUser('local', 'cu4'))?.im).toEqual({
        jid: 'pam@new.example',
        confirmed: false,
      });
      // ... and the address stays free for its real owner.
      const { im: _also, ...quin } = user('cu5', 'quin');
      await dynalite.store.createUser(quin);
      expect(
        await dynalite.store.setIm('local', 'cu5', { jid: 'pam@old.example', confirmed: true }),
      ).toBeDefined();
      expect((await dynalite.store.findUserByJid('local', 'pam@old.example'))?.id).toBe('cu5');
      // Another user's confirmed address is refused; removing an address frees it.
      await expect(
        dynalite.store.setIm('local', 'cu4', { jid: 'pam@old.example', confirmed: true }),
      ).rejects.toThrow(StoreConflictError);
      expect(await dynalite.store.setIm('local', 'cu5', undefined)).not.toHaveProperty('im');
      expect(await dynalite.store.findUserByJid('local', 'pam@old.example')).toBeUndefined();
      expect(
        await dynalite.store.setIm('local', 'cu4', { jid: 'pam@old.example', confirmed: true }),
      ).toMatchObject({
        im: { jid: 'pam@old.example', confirmed: true },
      });
    });
  });
});
