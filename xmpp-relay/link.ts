import type { Element } from '@xmpp/xml';

/**
 * What the relay needs from an XMPP connection, and nothing more. `connection.ts` implements
 * it over xmpp.js; unit tests use a fake.
 */
export type LinkState = 'idle' | 'connecting' | 'online' | 'down' | 'failed' | 'stopped';

export interface LinkStatus {
  readonly state: LinkState;
  /** True when `online` came from a XEP-0198 resume (same session, nothing lost). */
  readonly resumed?: boolean;
  /** Set with `failed` (fatal) and sometimes with `down` (why it dropped). */
  readonly error?: Error;
}

export interface XmppLink {
  readonly state: LinkState;
  /** Connects; resolves once online, rejects on a fatal error or after the connect timeout. */
  start(): Promise<void>;
  /**
   * Writes the stanzas in one go and resolves when the server has acknowledged every one
   * (XEP-0198). Rejects with NotConnectedError (not written), StanzaFailedError (session
   * lost before the ack) or AckTimeoutError.
   */
  sendAndConfirm(stanzas: readonly Element[], timeoutMs: number): Promise<void>;
  /** Every inbound `<message>` stanza; returns the unsubscribe function. */
  onMessage(handler: (message: Element) => void): () => void;
  /** Every inbound `<presence>` stanza; returns the unsubscribe function. */
  onPresence(handler: (presence: Element) => void): () => void;
  /** Every state change; returns the unsubscribe function. */
  onStatus(handler: (status: LinkStatus) => void): () => void;
  /** Sends unavailable presence, closes the stream (bounded), and fails what is unconfirmed. */
  stop(): Promise<void>;
}
