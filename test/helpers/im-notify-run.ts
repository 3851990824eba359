import type { ImNotifyFrame } from '../../functions/im-notify/frame.js';
import { type ImNotifyDeps, notifyPage, type PageOutcome } from '../../functions/im-notify/im-notify.js';
import {
  makeFrame,
  type Notice,
  type NoticeFrame,
  type OutboundStanza,
  type StanzaFrame,
} from '../../shared/frames.js';
import { DEFAULT_PACKING } from '../../shared/packing.js';
import { defaultSiteSettings } from '../../shared/site-settings.js';
import { type MemoryStore, notice, RecordingSender, silentLogger } from './fakes.js';
import { writtenStanzas } from './written.js';

/** im-notify's dependencies over a MemoryStore, with a sender that records. */
export function notifyDeps(store: MemoryStore, overrides: Partial<Omit<ImNotifyDeps, 'sender'>> = {}) {
  const sender = new RecordingSender();
  const warnings: Record<string, unknown>[] = [];
  const deps: ImNotifyDeps & { sender: RecordingSender } = {
    store,
    sender,
    settings: { get: async (site) => defaultSiteSettings(site) },
    logger: {
      ...silentLogger,
      warn: (_message: unknown, ...data: unknown[]) => {
        warnings.push((data[0] ?? {}) as Record<string, unknown>);
      },
    },
    limits: { pageSize: 1000, parallelism: 1, claimSeconds: 120, packing: DEFAULT_PACKING },
    ...overrides,
  };
  return { deps, sender, warnings };
}

export function noticeFrame(overrides: Partial<Notice> = {}, site = 'local'): NoticeFrame {
  const body = notice(overrides);
  return makeFrame('notice', site, `notice-${body.id}`, { notice: body });
}

let attempts = 0;
/** A fresh SQS message id, as each new message gets. */
export function messageId(): string {
  attempts += 1;
  return `message-${attempts}`;
}

/**
 * Runs a frame and then every continuation it produces, one after the other, the way the
 * event-source mapping would; returns each invocation's outcome.
 */
export async function fanOut(frame: ImNotifyFrame, deps: ImNotifyDeps & { sender: RecordingSender }) {
  const outcomes: PageOutcome[] = [];
  let consumed = deps.sender.to('im-notify').length;
  let next: ImNotifyFrame | undefined = frame;
  while (next) {
    outcomes.push(await notifyPage(next, messageId(), deps));
    const queued = deps.sender.to('im-notify');
    next = queued[consumed] as ImNotifyFrame | undefined;
    if (next) consumed += 1;
  }
  return outcomes;
}

export function stanzasOf(sender: RecordingSender): OutboundStanza[] {
  return sender.to('xmpp-out').flatMap((frame) => writtenStanzas(frame as StanzaFrame));
}

export function recipientsOf(sender: RecordingSender): string[] {
  return stanzasOf(sender)
    .map((s) => s.to)
    .sort();
}
