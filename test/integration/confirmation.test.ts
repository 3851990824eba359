import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as cli } from '../../cli/main.js';
import { writeLocalInfo } from '../../infra/local/info.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';
import { connectContact, type ReceivedStanza, type XmppContact } from '../helpers/xmpp-contact.js';

// Address confirmation through the site API on real parts: fauxqs, dynalite, Prosody, the
// handlers in the harness, the relay as its own process, and the API over HTTP. A fresh
// user dave gets an XMPP account of his own; bob (demo) follows alice and serves as the
// control recipient.
const local = useLocalStack({ name: 'confirm', users: ['bob'] });
const { user } = local;
let dave: XmppContact;
let bot: string;
let daveJid: string;

beforeAll(async () => {
  bot = local.stack.info.bot.jid;
  const account = local.stack.addXmppAccount('dave');
  daveJid = account.jid;
  const { service, domain } = local.stack.info.xmpp;
  dave = await connectContact({ service, domain, username: 'dave', password: account.password });
});

afterAll(async () => {
  await dave?.stop();
});
async function api(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = local.stack.info.api.token,
) {
  const response = await fetch(new URL(path, local.stack.info.api.url), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const fromBot = (stanza: ReceivedStanza) => stanza.from.split('/')[0] === bot;
const codeIn = (body: string | null) => body?.match(/send me this code: ([2-9A-Z]{13})/)?.[1];

describe('address confirmation on the local stack', () => {
  it('answers 401 without the token and 404 on an unknown route', async () => {
    expect(await api('GET', '/users/alice', undefined, null)).toMatchObject({
      status: 401,
      body: { field: 'authorization' },
    });
    expect(await api('GET', '/users/alice', undefined, 'wrong')).toMatchObject({ status: 401 });
    expect((await api('GET', '/nowhere')).status).toBe(404);
    expect(await api('POST', '/users', { nickname: 'no spaces' })).toMatchObject({
      status: 400,
      body: { field: 'nickname' },
    });
  });

  it('links dave: subscription request, then code; the link confirms; notices arrive; removal stops them', async () => {
    expect(await api('POST', '/users', { nickname: 'dave' })).toMatchObject({ status: 201 });
    expect(await api('PUT', '/users/dave/following/alice')).toMatchObject({ status: 200 });
    const set = await api('PUT', '/users/dave/im', { jid: daveJid });
    expect(set).toMatchObject({ status: 202, body: { im: { state: 'waiting', jid: daveJid } } });
    expect((await api('GET', '/users/dave')).body).toMatchObject({
      im: { state: 'waiting', jid: daveJid, since: expect.any(String) },
    });

    // RFC 6121 §3.1: the bot asks for a subscription first, then sends the code.
    const asked = await dave.waitFor(
      (s) => fromBot(s) && s.kind === 'presence' && s.type === 'subscribe',
      'a subscription request from the bot',
    );
    const coded = await dave.waitFor(
      (s) => fromBot(s) && s.kind === 'message' && /User "dave"/.test(s.body ?? ''),
      'the confirmation code for dave',
    );
    expect(asked).toBeLessThan(coded);
    const message = dave.received[coded]?.body ?? '';
    expect(message).toMatch(/^\[noticeflow demo\] User "dave" on noticeflow demo/);
    expect(message).toContain('If you did not ask for this, ignore this message.');
    const code = codeIn(message);
    expect(message).toContain(`http://localhost:8080/confirm/${code}`);
    // dave's client approves the request and asks back, as clients do.
    await dave.presence(bot, 'subscribed');
    await dave.presence(bot, 'subscribe');

    // Another user claims the same address before dave confirms: allowed while unconfirmed.
    expect(await api('POST', '/users', { nickname: 'erin' })).toMatchObject({ status: 201 });
    expect((await api('PUT', '/users/erin/im', { jid: daveJid })).status).toBe(202);
    const erinMessage = await dave.waitFor(
      (s) => fromBot(s) && s.kind === 'message' && /User "erin"/.test(s.body ?? ''),
      'the confirmation code for erin',
    );
    const erinCode = codeIn(dave.received[erinMessage]?.body ?? null);

    // The link confirms (no token needed), over HTTP.
    expect(await api('POST', `/confirm/${code}`, undefined, null)).toMatchObject({
      status: 200,
      body: { confirmed: true, nickname: 'dave', jid: daveJid },
    });
    expect((await api('GET', '/users/dave')).body).toMatchObject({
      im: { state: 'confirmed', jid: daveJid },
    });
    // erin's code now points at an address dave confirmed: refused.
    expect(await api('POST', `/confirm/${erinCode}`, undefined, null)).toEqual({
      status: 409,
      body: { error: `${daveJid} is already confirmed by another user`, field: 'jid' },
    });
    expect((await api('GET', '/users/erin')).body).toMatchObject({ im: { state: 'waiting' } });
    expect(await api('POST', '/confirm/ABCDEFGHJKMN2', undefined, null)).toMatchObject({
      status: 404,
      body: { field: 'code' },
    });

    // A notice by alice, whom dave follows, reaches him.
    const first = await api('POST', '/users/alice/notices', { text: 'welcome dave' });
    expect(first.status).toBe(202);
    await dave.waitFor(
      (s) => s.kind === 'message' && s.body === `alice: welcome dave [${first.body.id}]`,
      "alice's notice at dave",
    );

    // Removing the address stops delivery at once and prunes the bot's roster (RFC 6121 §2.5).
    const botRoster = join(local.dataDir, 'prosody', 'data', 'localhost', 'roster', 'bot.dat');
    expect(await readFile(botRoster, 'utf8')).toContain(daveJid);
    expect(await api('DELETE', '/users/dave/im')).toEqual({ status: 200, body: { im: { state: 'none' } } });
    const store = local.store;
    const index = await store.listImSubscribers(local.stack.info.site, '1');
    expect(index.items.map((item) => item.jid)).not.toContain(daveJid);
    await dave.waitFor(
      (s) => fromBot(s) && s.kind === 'presence' && s.type === 'unsubscribed',
      'unsubscribed',
    );
    await dave.waitFor((s) => fromBot(s) && s.kind === 'presence' && s.type === 'unsubscribe', 'unsubscribe');

    await eventually(async () => !(await readFile(botRoster, 'utf8')).includes(daveJid), {
      what: "dave gone from the bot's roster",
    });

    const second = await api('POST', '/users/alice/notices', { text: 'are you there' });
    const copy = `alice: are you there [${second.body.id}]`;
    await user('bob').waitForBody((body) => body === copy);
    expect(dave.received.some((s) => s.body === copy)).toBe(false);
  }, 60_000);

  it('offers the same operations through the CLI', async () => {
    const infoDir = await mkdtemp(join(tmpdir(), 'noticeflow-cli-'));
    writeLocalInfo(infoDir, local.stack.info);
    vi.stubEnv('NOTICEFLOW_LOCAL_INFO', join(infoDir, 'local.json'));
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await cli(['user', 'add', 'frank', '--id', 'f-1'])).toBe(0);
      expect(await cli(['prefs', 'frank', 'echo=on'])).toBe(0);
      expect(await cli(['user', 'show', 'frank'])).toBe(0);
      expect(JSON.parse(String(out.mock.calls.at(-1)?.[0]))).toMatchObject({
        id: 'f-1',
        nickname: 'frank',
        echo: true,
        im: { state: 'none' },
      });
      expect(await cli(['im', 'set', 'frank', daveJid])).toBe(0);
      expect(await cli(['confirm', 'ABCDEFGHJKMN2'])).toBe(1);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(
        /unknown or has expired; ask for a new one \(field: code\) \[404\]$/,
      );
      expect(await cli(['follow', 'frank'])).toBe(2);
      expect(await cli(['post', 'alice', 'from', 'the', 'cli'])).toBe(0);
    } finally {
      out.mockRestore();
      err.mockRestore();
      vi.unstubAllEnvs();
      await rm(infoDir, { recursive: true, force: true });
    }
  });

  it('stops the API listener with the stack', async () => {
    await dave.stop();
    await user('bob').stop();
    await local.stack.stop();
    await expect(fetch(new URL('/users/alice', local.stack.info.api.url))).rejects.toThrow();
  });
});
