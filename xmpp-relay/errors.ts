import { PermanentError, TransientError } from '../shared/errors.js';

/**
 * The relay's error classes. Transient ones leave the SQS message in place so it is
 * received again after its visibility timeout; permanent ones say retrying cannot help.
 */

/** The XMPP connection is not online, so nothing can be written now. */
export class NotConnectedError extends TransientError {}

/** The server did not acknowledge every stanza within the wait. */
export class AckTimeoutError extends TransientError {
  constructor(
    readonly unacknowledged: number,
    readonly timeoutMs: number,
  ) {
    super(`${unacknowledged} stanza(s) not acknowledged within ${timeoutMs} ms`);
  }
}

/** Stream management reported a stanza as not delivered (the session ended or failed to resume). */
export class StanzaFailedError extends TransientError {
  constructor(readonly stanzaId: string | undefined) {
    super(`stanza ${stanzaId ?? '(no id)'} was not acknowledged before the session ended`);
  }
}

/** A stanza in a frame that must never be written to the stream. */
export class InvalidStanzaError extends PermanentError {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`stanza ${index}: ${reason}`);
  }
}

/**
 * The connection cannot heal by reconnecting: wrong credentials, another session took the
 * resource, the server refuses us, or it does not offer stream management (no way to
 * confirm delivery). The relay stops and the process exits non-zero.
 */
export class XmppFatalError extends PermanentError {
  constructor(
    readonly condition: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The first connection did not come online in time. */
export class ConnectTimeoutError extends TransientError {
  constructor(readonly timeoutMs: number) {
    super(`XMPP connection not online within ${timeoutMs} ms`);
  }
}
