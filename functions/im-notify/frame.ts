import { decodeFrame, type FanoutFrame, type NoticeFrame } from '../../shared/frames.js';

/** What the im-notify queue carries: a new notice, or the continuation of a large fan-out. */
export type ImNotifyFrame = NoticeFrame | FanoutFrame;

/** Decodes either kind; a body that is neither fails as an invalid notice frame. */
export function decodeImNotifyFrame(body: string): ImNotifyFrame {
  return peekKind(body) === 'fanout' ? decodeFrame('fanout', body) : decodeFrame('notice', body);
}

function peekKind(body: string): unknown {
  try {
    return (JSON.parse(body) as { kind?: unknown } | null)?.kind;
  } catch {
    return undefined; // decodeFrame reports the parse error
  }
}
