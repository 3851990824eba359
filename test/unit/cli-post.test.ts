import { describe, expect, it } from 'vitest';
import { InvalidNoticeTextError, postNotice, UnknownUserError } from '../../cli/post.js';
import type { NoticeFrame } from '../../shared/frames.js';
import { defaultSiteSettings } from '../../shared/site-settings.js';
import { MemoryStore, RecordingSender, user } from '../helpers/fakes.js';

async function setup() {
  const store = new MemoryStore();
  await store.putSiteSettings('local', { ...defaultSiteSettings('local'), textLimit: 10 });
  await store.putUser(user('1', 'alice'));
  return { store, sender: new RecordingSender() };
}

const posted = (sender: RecordingSender) =>
  (sender.to('notices') as NoticeFrame[]).map((f) => f.payload.notice);

describe('noticeflow post', () => {
  it('posts the trimmed text of a known user, up to the site limit in code points', async () => {
    const deps = await setup();
    const id = await postNotice(deps, 'local', 'alice', '  🙂🙂🙂🙂🙂 abcd \n');
    expect(posted(deps.sender)).toMatchObject([
      { id, text: '🙂🙂🙂🙂🙂 abcd', author: { id: '1' }, source: 'cli' },
    ]);
  });

  it('refuses what the site API refuses, sending nothing', async () => {
    const deps = await setup();
    await expect(postNotice(deps, 'local', 'alice', '\u0001\u0002 \uFFFE')).rejects.toThrow(
      new InvalidNoticeTextError('not posted: must contain visible text'),
    );
    await expect(postNotice(deps, 'local', 'alice', 'x'.repeat(11))).rejects.toThrow(
      'not posted: text is 11 characters; the limit is 10',
    );
    await expect(postNotice(deps, 'local', 'nobody', 'hello')).rejects.toThrow(UnknownUserError);
    expect(deps.sender.sent).toEqual([]);
  });
});
