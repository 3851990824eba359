import { type SiteSettings, SiteSettingsSchema } from '../../shared/site-settings.js';
import type { Store, User } from '../../shared/store/types.js';

/**
 * Demo data for the local stack: the site's settings, and three users with confirmed IM
 * addresses, following each other so a notice by alice reaches bob and carol, and one by bob
 * reaches alice.
 */
export const DEMO_SITE = 'local';
export const DEMO_NICKNAMES = ['alice', 'bob', 'carol'] as const;
export type DemoNickname = (typeof DEMO_NICKNAMES)[number];

const IDS: Record<DemoNickname, string> = { alice: '1', bob: '2', carol: '3' };
/** subscriber follows author */
const FOLLOWS: readonly [subscriber: DemoNickname, author: DemoNickname][] = [
  ['bob', 'alice'],
  ['carol', 'alice'],
  ['alice', 'bob'],
];

/** Where the demo site's links point unless the stack says where its site API listens. */
export const DEMO_BASE_URL = 'http://localhost:8080';

/** No firehose listeners: add a JID to `firehose` in the store to watch every public notice. */
export function demoSiteSettings(domain: string, botUsername = 'bot', baseUrl = DEMO_BASE_URL): SiteSettings {
  return SiteSettingsSchema.parse({
    name: 'noticeflow demo',
    baseUrl,
    firehose: [],
    botJid: `${botUsername}@${domain}`,
  });
}

export function demoUsers(site: string, domain: string): User[] {
  return DEMO_NICKNAMES.map((nickname) => ({
    site,
    id: IDS[nickname],
    nickname,
    notify: true,
    replies: false,
    echo: false,
    im: { jid: `${nickname}@${domain}`, confirmed: true },
  }));
}

/** Idempotent: the same settings, users and follows on every start. */
export async function seedDemo(
  store: Store,
  options: { site?: string; domain: string; baseUrl?: string },
): Promise<User[]> {
  const site = options.site ?? DEMO_SITE;
  await store.putSiteSettings(site, demoSiteSettings(options.domain, 'bot', options.baseUrl));
  const users = demoUsers(site, options.domain);
  for (const user of users) await store.putUser(user);
  for (const [subscriber, author] of FOLLOWS) await store.follow(site, IDS[subscriber], IDS[author]);
  return users;
}
