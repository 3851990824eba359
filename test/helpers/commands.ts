import parse from '@xmpp/xml/lib/parse.js';
import type { CommandDeps } from '../../functions/im-inbound/commands/deps.js';
import type { StanzaFrame } from '../../shared/frames.js';
import { defaultSiteSettings, type SiteSettings } from '../../shared/site-settings.js';
import { MemoryStore, RecordingSender, user } from './fakes.js';

/** Demo-like users: bob and carol follow alice, alice follows bob; dave has IM off. */
export async function commandWorld(settings: Partial<SiteSettings> = {}) {
  const store = new MemoryStore();
  const sender = new RecordingSender();
  const alice = user('1', 'alice');
  const bob = user('2', 'bob');
  const carol = user('3', 'carol');
  const dave = user('4', 'dave', { notify: false });
  for (const u of [alice, bob, carol, dave]) await store.putUser(u);
  await store.follow('local', '2', '1');
  await store.follow('local', '3', '1');
  await store.follow('local', '1', '2');
  const chats: { to: string; body: string; kind: string }[] = [];
  let frame = 0;
  const deps = (): CommandDeps => {
    frame += 1;
    return {
      store,
      sender,
      site: 'local',
      settings: {
        ...defaultSiteSettings('local'),
        name: 'Demo',
        baseUrl: 'https://demo.example',
        ...settings,
      },
      frameId: `chat-in-${frame}`,
      receivedAt: new Date(Date.UTC(2026, 11, 3, 10, 0, frame)).toISOString(),
      sendChat: async (to, body, kind) => {
        chats.push({ to, body, kind });
        return true;
      },
    };
  };
  return { store, sender, chats, deps, alice, bob, carol, dave };
}

/** The bodies of the chat stanzas sent on the priority lane, with their recipients. */
export function priorityChats(sender: RecordingSender): { to: string; body: string }[] {
  return (sender.to('xmpp-out-priority') as StanzaFrame[]).flatMap((frame) =>
    (frame.payload.stanzas ?? []).map((s) => ({ to: s.to, body: parse(s.xml).getChildText('body') ?? '' })),
  );
}
