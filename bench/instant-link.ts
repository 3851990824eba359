import type { LinkState, LinkStatus, XmppLink } from '../xmpp-relay/link.js';

/**
 * An XMPP link whose server acknowledges every stanza at once. The benchmark measures the
 * queues and the fan-out, not Prosody; the relay's real link is covered by the tests.
 */
export class InstantAckLink implements XmppLink {
  state: LinkState = 'idle';
  stanzas = 0;
  readonly #statusHandlers = new Set<(status: LinkStatus) => void>();

  async start(): Promise<void> {
    this.#setState('online');
  }
  async sendAndConfirm(stanzas: readonly unknown[]): Promise<void> {
    this.stanzas += stanzas.length;
  }
  onMessage(): () => void {
    return () => {};
  }
  onPresence(): () => void {
    return () => {};
  }
  onStatus(handler: (status: LinkStatus) => void): () => void {
    this.#statusHandlers.add(handler);
    return () => this.#statusHandlers.delete(handler);
  }
  async stop(): Promise<void> {
    this.#setState('stopped');
  }

  #setState(state: LinkState): void {
    this.state = state;
    for (const handler of this.#statusHandlers) handler({ state });
  }
}
