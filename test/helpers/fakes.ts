import type { FrameKind, FrameOf, Notice } from '../../shared/frames.js';
import type { FrameSender } from '../../shared/queue.js';
import type { SiteSettings } from '../../shared/site-settings.js';
import type { Page, Store, User } from '../../shared/store/types.js';
import type { QueueName } from '../../shared/topology.js';

/** In-memory Store for unit tests; the DynamoStore is covered by integration tests. */
export class MemoryStore implements Store {
  readonly users = new Map<string, User>();
  readonly subscribers = new Map<string, string[]>();
  readonly notices = new Map<string, Notice>();
  readonly remembered = new Map<string, string>();
  readonly settings = new Map<string, SiteSettings>();
  private sequence = 0;

  async getSiteSettings(site: string): Promise<SiteSettings | undefined> {
    return this.settings.get(site);
  }
  async putSiteSettings(site: string, settings: SiteSettings): Promise<void> {
    this.settings.set(site, settings);
  }

  async putUser(user: User): Promise<void> {
    this.users.set(`${user.site}/${user.id}`, user);
  }
  async getUser(site: string, id: string): Promise<User | undefined> {
    return this.users.get(`${site}/${id}`);
  }
  async getUsers(site: string, ids: readonly string[]): Promise<User[]> {
    return ids.flatMap((id) => this.users.get(`${site}/${id}`) ?? []);
  }
  async findUserByNickname(site: string, nickname: string): Promise<User | undefined> {
    return [...this.users.values()].find(
      (u) => u.site === site && u.nickname.toLowerCase() === nickname.toLowerCase(),
    );
  }
  async findUserByJid(site: string, jid: string): Promise<User | undefined> {
    return [...this.users.values()].find((u) => u.site === site && u.im?.confirmed && u.im.jid === jid);
  }
  async follow(site: string, subscriberId: string, authorId: string): Promise<void> {
    const list = this.subscribers.get(`${site}/${authorId}`) ?? [];
    if (!list.includes(subscriberId)) list.push(subscriberId);
    this.subscribers.set(`${site}/${authorId}`, list);
  }
  async listSubscribers(
    site: string,
    authorId: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    const all = this.subscribers.get(`${site}/${authorId}`) ?? [];
    const start = cursor ? all.indexOf(cursor) + 1 : 0;
    const items = all.slice(start, start + limit);
    const last = items.at(-1);
    return start + limit < all.length && last ? { items, next: last } : { items };
  }
  async saveNotice(site: string, notice: Notice): Promise<boolean> {
    if (this.notices.has(`${site}/${notice.id}`)) return false;
    this.notices.set(`${site}/${notice.id}`, notice);
    return true;
  }
  async getNotice(site: string, id: string): Promise<Notice | undefined> {
    return this.notices.get(`${site}/${id}`);
  }
  async nextNoticeId(): Promise<string> {
    this.sequence += 1;
    return String(this.sequence);
  }
  async rememberFirst(site: string, key: string, value: string): Promise<string> {
    const existing = this.remembered.get(`${site}/${key}`);
    if (existing !== undefined) return existing;
    this.remembered.set(`${site}/${key}`, value);
    return value;
  }
}

/** Records what would have been sent to each queue. */
export class RecordingSender implements FrameSender {
  readonly sent: { queue: QueueName; frame: FrameOf<FrameKind> }[] = [];

  async send(queue: QueueName, frames: readonly FrameOf<FrameKind>[]): Promise<void> {
    for (const frame of frames) this.sent.push({ queue, frame });
  }

  to(queue: QueueName): FrameOf<FrameKind>[] {
    return this.sent.filter((s) => s.queue === queue).map((s) => s.frame);
  }
}

export const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

export function user(id: string, nickname: string, overrides: Partial<User> = {}): User {
  return {
    site: 'local',
    id,
    nickname,
    notify: true,
    im: { jid: `${nickname}@example.org`, confirmed: true },
    ...overrides,
  };
}

export function notice(overrides: Partial<Notice> = {}): Notice {
  return {
    id: '42',
    author: { id: '1', nickname: 'alice' },
    text: 'hello world',
    createdAt: '2026-12-03T10:00:00.000Z',
    source: 'web',
    scope: 'public',
    local: true,
    ...overrides,
  };
}
