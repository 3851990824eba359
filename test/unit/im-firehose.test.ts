import { describe, expect, it } from 'vitest';
import { listenerJids, publishToFirehose } from '../../functions/im-firehose/im-firehose.js';
import { makeFrame, type StanzaFrame } from '../../shared/frames.js';
import { packingLimitsFor, type QueueLimits } from '../../shared/queue-limits.js';
import { renderNoticeStanza } from '../../shared/render/notice-stanza.js';
import { defaultSiteSettings, type SiteSettings, SiteSettingsCache } from '../../shared/site-settings.js';
import { notice, RecordingSender } from '../helpers/fakes.js';
import { writtenStanzas } from '../helpers/written.js';

function setup(
  firehose: string[],
  limits: QueueLimits = { packing: async () => packingLimitsFor(1_048_576, 500) },
) {
  const settings = new Map<string, SiteSettings>([['local', { ...defaultSiteSettings('local'), firehose }]]);
  const sender = new RecordingSender();
  const warnings: { message: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    info() {},
    warn(message: string, fields: Record<string, unknown>) {
      warnings.push({ message, fields });
    },
  };
  const cache = new SiteSettingsCache({ getSiteSettings: async (site) => settings.get(site) }, 0);
  const deps = { settings: cache, limits, sender, logger };
  // Every sent frame goes through the codec, as it would through SQS.
  const stanzas = () => sender.to('xmpp-out').flatMap((frame) => writtenStanzas(frame as StanzaFrame));
  return { settings, sender, warnings, deps, stanzas };
}

const frameOf = (overrides: Parameters<typeof notice>[0] = {}) =>
  makeFrame('notice', 'local', 'notice-42', { notice: notice(overrides) });

describe('im-firehose', () => {
  it('sends a local public notice to every listener, at the bare JID, with the notice body', async () => {
    const { deps, stanzas } = setup(['watcher@example.org', 'Archive@Example.ORG/bot']);
    const result = await publishToFirehose(frameOf(), deps);
    expect(result).toEqual({ action: 'queued', listeners: 2, messages: 1 });
    const sent = stanzas();
    expect(sent.map((s) => s.to)).toEqual(['watcher@example.org', 'archive@example.org']);
    for (const stanza of sent) expect(stanza.xml).toContain('<body>alice: hello world [42]</body>');
    for (const stanza of sent) expect(stanza.xml).toContain(`to="${stanza.to}"`);
  });

  it.each([
    ['a remote notice', { local: false }, 'notice from another site'],
    ['a private notice', { scope: 'private' as const }, 'notice scope is private'],
  ])('never publishes %s, even if a producer routes it here', async (_name, overrides, reason) => {
    const { deps, sender } = setup(['watcher@example.org']);
    expect(await publishToFirehose(frameOf(overrides), deps)).toEqual({ action: 'ignored', reason });
    expect(sender.sent).toEqual([]);
  });

  it('sends nothing when the site has no listeners', async () => {
    const { deps, sender } = setup([]);
    expect(await publishToFirehose(frameOf(), deps)).toEqual({
      action: 'ignored',
      reason: 'no firehose listeners',
    });
    expect(sender.sent).toEqual([]);
  });

  it('skips a malformed listener JID with a logged reason and serves the others', async () => {
    const { deps, stanzas, warnings } = setup(['not a jid', 'watcher@example.org', '@example.org']);
    await publishToFirehose(frameOf(), deps);
    expect(stanzas().map((s) => s.to)).toEqual(['watcher@example.org']);
    expect(warnings.map((w) => w.fields)).toEqual([
      expect.objectContaining({ jid: 'not a jid', reason: 'malformed JID', noticeId: '42' }),
      expect.objectContaining({ jid: '@example.org', reason: 'malformed JID' }),
    ]);
  });

  it('sends one copy to a listener configured twice (different case or resource)', () => {
    expect(
      listenerJids({ firehose: ['w@example.org', 'W@example.org/phone', 'w@EXAMPLE.org'] }, () => {}),
    ).toEqual(['w@example.org']);
  });

  it('packs the stanzas by the output queue limits and gives every stanza a stable, distinct id', async () => {
    const listeners = Array.from({ length: 25 }, (_, i) => `l${i}@example.org`);
    const { deps, sender, stanzas } = setup(listeners, {
      packing: async () => ({ maxStanzas: 10, maxBytes: 1_000_000 }),
    });
    expect(await publishToFirehose(frameOf(), deps)).toMatchObject({ messages: 3 });
    const frames = sender.to('xmpp-out') as StanzaFrame[];
    expect(frames.map((f) => f.payload.broadcast?.recipients.length)).toEqual([10, 10, 5]);
    expect(new Set(frames.map((f) => f.id)).size).toBe(3);
    const ids = stanzas().map((s) => s.id);
    expect(new Set(ids).size).toBe(25);

    // A redelivered notice frame renders the same ids, so the relay can spot the repeat.
    const again = setup(listeners, { packing: async () => ({ maxStanzas: 10, maxBytes: 1_000_000 }) });
    await publishToFirehose(frameOf(), again.deps);
    expect(again.stanzas().map((s) => s.id)).toEqual(ids);
  });

  it('renders the full notice stanza: body, XHTML-IM with links, Atom entry, text escaped once', async () => {
    const { deps, stanzas } = setup(['watcher@example.org']);
    await publishToFirehose(frameOf({ text: 'a & b <c> "d" 🙂 http://x.example/?q=1&r=2' }), deps);
    const xml = stanzas()[0]?.xml ?? '';
    // As written to the socket: the relay re-serializes, so quotes in text need no escaping.
    expect(xml).toContain(
      '<body>alice: a &amp; b &lt;c&gt; "d" 🙂 http://x.example/?q=1&amp;r=2 [42]</body>',
    );
    expect(xml).toContain('<html xmlns="http://jabber.org/protocol/xhtml-im">');
    expect(xml).toContain('<a href="https://local.invalid/alice">alice</a>');
    expect(xml).toContain(
      '<entry xmlns="http://www.w3.org/2005/Atom"><id>https://local.invalid/notice/42</id>',
    );
    expect(xml).not.toContain('&amp;amp;');
  });

  it('uses the id of the subscriber copy, so a listener who follows the author gets one copy', async () => {
    const { deps, stanzas } = setup(['bob@example.org']);
    await publishToFirehose(frameOf(), deps);
    expect(stanzas()[0]?.id).toBe(
      renderNoticeStanza({
        site: 'local',
        settings: defaultSiteSettings('local'),
        notice: notice(),
        to: 'bob@example.org',
      }).id,
    );
  });

  it('picks up a listener added in the store once the cache entry expires, without a restart', async () => {
    const { settings, deps, stanzas } = setup([]);
    let now = 0;
    const cached = {
      ...deps,
      settings: new SiteSettingsCache(
        { getSiteSettings: async (site) => settings.get(site) },
        1_000,
        () => now,
      ),
    };
    await publishToFirehose(frameOf(), cached);
    settings.set('local', { ...defaultSiteSettings('local'), firehose: ['late@example.org'] });
    now = 1_001;
    await publishToFirehose(frameOf({ id: '43' }), cached);
    expect(stanzas().map((s) => s.to)).toEqual(['late@example.org']);
  });

  it('fails the record (for a retry) when the queue limits cannot be read', async () => {
    const { deps, sender } = setup(['watcher@example.org'], {
      packing: async () => {
        throw new Error('GetQueueAttributes throttled');
      },
    });
    await expect(publishToFirehose(frameOf(), deps)).rejects.toThrow('throttled');
    expect(sender.sent).toEqual([]);
  });
});
