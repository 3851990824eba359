import { type Client, type ClientOptions, client } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import { eventually, StopWaiting } from './eventually.js';

/**
 * Starts an @xmpp/client session for a test user and resolves once it can be used.
 *
 * xmpp.js 0.14 resolves `start()` at resource binding, before it has sent `<enable/>`
 * (XEP-0198). A stanza written in that gap and the server's answer to it are counted by the
 * client but not by the server, so the client's next `<a h/>` claims more than the server
 * sent and Prosody closes the stream ("Client acknowledged more stanzas than sent by
 * server"). The client would reconnect without its presence or roster interest, and the
 * test would wait for stanzas that the server now bounces. So nothing is sent here until
 * stream management is on; the relay does the same (xmpp-relay/connection.ts).
 *
 * A test user does not reconnect either: a dropped session should fail the test that needs
 * it, with `sessionProblem` saying why, not come back in a different state.
 */
export async function startTestSession(
  options: ClientOptions,
  onStanza: (stanza: Element) => void = () => {},
): Promise<TestSession> {
  const xmpp: Client = client(options);
  xmpp.reconnect.stop();
  xmpp.on('stanza', onStanza);
  let ended: string | undefined;
  xmpp.on('error', (error: unknown) => {
    // A failed login rejects start(); a later error is reported through sessionProblem.
    ended ??= `XMPP error: ${error instanceof Error ? error.message : String(error)}`;
  });
  xmpp.on('offline', () => {
    ended ??= 'the session went offline';
  });
  await xmpp.start();
  await eventually(() => xmpp.streamManagement.enabled, {
    what: `stream management (XEP-0198) on ${options.username}'s session`,
    intervalMs: 5,
  });
  return {
    xmpp,
    sessionProblem: () =>
      ended === undefined && xmpp.status === 'online'
        ? undefined
        : `${options.username}'s XMPP session is ${xmpp.status}${ended ? ` (${ended})` : ''}`,
  };
}

export interface TestSession {
  readonly xmpp: Client;
  /** Why the session can no longer receive anything, or undefined while it is fine. */
  sessionProblem(): string | undefined;
}

/** Wraps a check for `eventually` so the wait ends, naming the cause, once the session has ended. */
export function whileOnline<T>(session: TestSession, check: () => T): () => T {
  return () => {
    const problem = session.sessionProblem();
    if (problem) throw new StopWaiting(problem);
    return check();
  };
}
