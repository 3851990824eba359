import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ConfirmationDeps,
  confirmByChat,
  confirmByCode,
  imState,
  removeImAddress,
  resendConfirmation,
  setImAddress,
} from '../../shared/confirmation/confirmation.js';
import { RefusedError } from '../../shared/confirmation/errors.js';
import type { StanzaFrame } from '../../shared/frames.js';
import { SiteSettingsSchema } from '../../shared/site-settings.js';
import { MemoryStore, RecordingSender, user } from '../helpers/fakes.js';

const SITE = 'local';
const settings = SiteSettingsSchema.parse({
  name: 'Demo',
  baseUrl: 'https://demo.example/',
  botJid: 'bot@example.org',
});
let store: MemoryStore;
let sender: RecordingSender;
let now: Date;
let deps: ConfirmationDeps;

beforeEach(async () => {
  store = new MemoryStore();
  sender = new RecordingSender();
  now = new Date('2026-01-01T00:00:00Z');
  store.now = () => now.getTime();
  deps = { store, sender, settings: { get: async () => settings }, now: () => now };
  await store.putUser(user('1', 'alice'));
  const { im: _none, ...dave } = user('4', 'dave');
  await store.putUser(dave);
});

/** Every stanza sent on the priority lane, in order. */
function sentStanzas() {
  expect(sender.sent.every((s) => s.queue === 'xmpp-out-priority')).toBe(true);
  return sender.sent.flatMap((s) => (s.frame as StanzaFrame).payload.stanzas ?? []);
}

function sentCode(): string {
  const body = sentStanzas()
    .map((s) => s.xml)
    .filter((xml) => xml.startsWith('<message'))
    .at(-1);
  const code = body?.match(/code: ([2-9A-Z]{13})/)?.[1];
  if (!code) throw new Error(`no code in ${body}`);
  return code;
}

const days = (n: number) => n * 24 * 3600 * 1000;

describe('setImAddress', () => {
  it('stores the address unconfirmed, then asks for a subscription and sends the code with the link', async () => {
    const state = await setImAddress(deps, SITE, '4', 'Dave@Example.ORG/phone');
    expect(state).toEqual({
      state: 'waiting',
      jid: 'dave@example.org',
      since: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-08T00:00:00.000Z',
    });
    expect((await store.getUser(SITE, '4'))?.im).toEqual({ jid: 'dave@example.org', confirmed: false });
    expect(sender.sent).toHaveLength(1);
    const [subscribe, message] = sentStanzas();
    expect(subscribe?.xml).toMatch(/^<presence type="subscribe" to="dave@example.org" id="[^"]+"\/>$/);
    expect(message?.to).toBe('dave@example.org');
    const code = sentCode();
    expect(message?.xml).toContain('[Demo] User &quot;dave&quot; on Demo (https://demo.example/)');
    expect(message?.xml).toContain(`https://demo.example/confirm/${code}`);
    expect(message?.xml).toContain('If you did not ask for this, ignore this message.');
  });

  it('refuses a malformed address, naming the field, and changes nothing', async () => {
    const error = await setImAddress(deps, SITE, '4', 'not an address').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedError);
    expect(error).toMatchObject({ status: 400, field: 'jid' });
    expect((await store.getUser(SITE, '4'))?.im).toBeUndefined();
    expect(sender.sent).toHaveLength(0);
  });

  it('refuses an address another user has confirmed', async () => {
    await expect(setImAddress(deps, SITE, '4', 'alice@example.org')).rejects.toMatchObject({
      status: 409,
      field: 'jid',
    });
    expect(sender.sent).toHaveLength(0);
  });

  it('refuses an unknown user', async () => {
    await expect(setImAddress(deps, SITE, '99', 'x@example.org')).rejects.toMatchObject({ status: 404 });
  });

  it('leaves an already confirmed address as it is', async () => {
    expect(await setImAddress(deps, SITE, '1', 'alice@example.org')).toEqual({
      state: 'confirmed',
      jid: 'alice@example.org',
    });
    expect(sender.sent).toHaveLength(0);
  });

  it('keeps the code when the waiting address is saved again, and sends it again', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const code = sentCode();
    now = new Date(now.getTime() + 60_000);
    const state = await setImAddress(deps, SITE, '4', 'DAVE@example.org');
    expect(state).toMatchObject({ state: 'waiting', since: '2026-01-01T00:00:00.000Z' });
    expect(sender.sent).toHaveLength(2);
    expect(sentCode()).toBe(code);
  });

  it('sends at most one code a minute to an address, however often it is asked to', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    for (let i = 0; i < 3; i++) {
      const error = await resendConfirmation(deps, SITE, '4').catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 429, field: 'jid' });
    }
    expect(sender.sent).toHaveLength(1);
    now = new Date(now.getTime() + 60_000);
    await resendConfirmation(deps, SITE, '4');
    expect(sender.sent).toHaveLength(2);
  });

  it("refuses the site's own address and addresses with control characters", async () => {
    for (const address of ['bot@example.org', 'BOT@example.org/x', 'dave\u0001@example.org']) {
      const error = await setImAddress(deps, SITE, '4', address).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400, field: 'jid' });
    }
    expect(sender.sent).toEqual([]);
  });

  it('never puts the code in stanza or frame ids (they are logged)', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const code = sentCode();
    const ids = [...sender.sent.map((s) => s.frame.id), ...sentStanzas().map((s) => s.id)];
    expect(ids.some((id) => id.includes(code))).toBe(false);
  });

  it('unlinks the previous address from the roster when the address changes', async () => {
    await setImAddress(deps, SITE, '1', 'alice@new.example');
    const types = sentStanzas().map((s) => [
      s.to,
      s.xml
        .match(/^<(\w+) type="(\w+)"/)
        ?.slice(1)
        .join(' '),
    ]);
    expect(types).toEqual([
      ['alice@example.org', 'presence unsubscribed'],
      ['alice@example.org', 'presence unsubscribe'],
      ['alice@example.org', 'iq set'],
      ['alice@new.example', 'presence subscribe'],
      ['alice@new.example', 'message chat'],
    ]);
    expect(await store.findUserByJid(SITE, 'alice@example.org')).toBeUndefined();
  });
});

describe('confirmByCode (the link)', () => {
  it('confirms the address with the code in any case', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const confirmed = await confirmByCode(deps, SITE, ` ${sentCode().toLowerCase()} `);
    expect(confirmed.im).toEqual({ jid: 'dave@example.org', confirmed: true });
    expect((await store.findUserByJid(SITE, 'dave@example.org'))?.id).toBe('4');
    expect(await imState(deps, confirmed)).toEqual({ state: 'confirmed', jid: 'dave@example.org' });
  });

  it('refuses a wrong code', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    await expect(confirmByCode(deps, SITE, 'ABCDEFGHJKMN2')).rejects.toMatchObject({
      status: 404,
      field: 'code',
    });
    await expect(confirmByCode(deps, SITE, 'nonsense')).rejects.toMatchObject({ status: 404 });
    expect((await store.getUser(SITE, '4'))?.im?.confirmed).toBe(false);
  });

  it('refuses a code after 7 days, and the state shows it expired', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const code = sentCode();
    now = new Date(now.getTime() + days(7) - 1000);
    const dave = await store.getUser(SITE, '4');
    if (!dave) throw new Error('no dave');
    expect((await imState(deps, dave)).state).toBe('waiting');
    now = new Date(now.getTime() + 1000);
    await expect(confirmByCode(deps, SITE, code)).rejects.toThrow(/unknown or has expired/);
    expect(await imState(deps, dave)).toEqual({ state: 'expired', jid: 'dave@example.org' });
  });

  it('refuses when another user confirmed the address first', async () => {
    const { im: _none, ...erin } = user('5', 'erin');
    await store.putUser(erin);
    await setImAddress(deps, SITE, '4', 'shared@example.org');
    const daveCode = sentCode();
    await setImAddress(deps, SITE, '5', 'shared@example.org');
    await confirmByCode(deps, SITE, sentCode());
    await expect(confirmByCode(deps, SITE, daveCode)).rejects.toMatchObject({
      status: 409,
      message: 'shared@example.org is already confirmed by another user',
    });
    expect((await store.getUser(SITE, '4'))?.im?.confirmed).toBe(false);
  });

  it('refuses the code of an address the user has replaced since', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const old = sentCode();
    await setImAddress(deps, SITE, '4', 'dave@other.example');
    await expect(confirmByCode(deps, SITE, old)).rejects.toMatchObject({ status: 404 });
    await confirmByCode(deps, SITE, sentCode());
    expect((await store.getUser(SITE, '4'))?.im).toEqual({ jid: 'dave@other.example', confirmed: true });
  });
});

describe('resendConfirmation', () => {
  it('sends the same code while it is valid', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const first = sentCode();
    now = new Date(now.getTime() + days(1));
    await resendConfirmation(deps, SITE, '4');
    expect(sender.sent).toHaveLength(2);
    expect(sentCode()).toBe(first);
    const ids = sentStanzas().map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends a fresh code once the old one expired, and only the fresh one works', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const first = sentCode();
    now = new Date(now.getTime() + days(8));
    const state = await resendConfirmation(deps, SITE, '4');
    const fresh = sentCode();
    expect(fresh).not.toBe(first);
    expect(state).toMatchObject({ state: 'waiting', since: now.toISOString() });
    await expect(confirmByCode(deps, SITE, first)).rejects.toMatchObject({ status: 404 });
    await confirmByCode(deps, SITE, fresh);
  });

  it('refuses when nothing waits for confirmation', async () => {
    await expect(resendConfirmation(deps, SITE, '1')).rejects.toMatchObject({ status: 409 });
    await expect(resendConfirmation(deps, SITE, '4')).rejects.toMatchObject({ status: 409 });
  });
});

describe('confirmByChat', () => {
  it('confirms when the pending code comes from its address, any case, with spaces', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const result = await confirmByChat(SITE, 'dave@example.org', `  ${sentCode().toLowerCase()}\n`, deps);
    expect(result).toEqual({
      handled: true,
      confirmed: true,
      reply:
        '[Demo] Confirmed: dave@example.org is now the IM address of dave. Send me a message to post a notice.',
    });
    expect((await store.findUserByJid(SITE, 'dave@example.org'))?.id).toBe('4');
  });

  it('does not handle other text; answers a wrong code or the code from another address, confirming nothing', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const code = sentCode();
    expect(await confirmByChat(SITE, 'dave@example.org', 'hello there', deps)).toEqual({ handled: false });
    const refused = {
      handled: true,
      confirmed: false,
      reply: expect.stringMatching(/^\[Demo\] Not confirmed: /),
    };
    expect(await confirmByChat(SITE, 'dave@example.org', 'ABCDEFGHJKMN2', deps)).toEqual(refused);
    expect(await confirmByChat(SITE, 'mallory@example.org', code, deps)).toEqual(refused);
    expect((await store.getUser(SITE, '4'))?.im?.confirmed).toBe(false);
  });

  it('confirms nothing with an expired code, and says so', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    now = new Date(now.getTime() + days(7));
    expect(await confirmByChat(SITE, 'dave@example.org', sentCode(), deps)).toMatchObject({
      handled: true,
      confirmed: false,
    });
  });

  it('replies with the refusal when another user confirmed the address first', async () => {
    const { im: _none, ...erin } = user('5', 'erin');
    await store.putUser(erin);
    await setImAddress(deps, SITE, '4', 'shared@example.org');
    const daveCode = sentCode();
    await setImAddress(deps, SITE, '5', 'shared@example.org');
    await confirmByChat(SITE, 'shared@example.org', sentCode(), deps);
    expect(await confirmByChat(SITE, 'shared@example.org', daveCode, deps)).toEqual({
      handled: true,
      confirmed: false,
      reply: '[Demo] Not confirmed: shared@example.org is already confirmed by another user.',
    });
  });
});

describe('removeImAddress', () => {
  it('removes the address at once and unlinks it from the roster', async () => {
    const state = await removeImAddress(deps, SITE, '1');
    expect(state).toEqual({ state: 'none' });
    expect((await store.getUser(SITE, '1'))?.im).toBeUndefined();
    expect(await store.findUserByJid(SITE, 'alice@example.org')).toBeUndefined();
    const stanzas = sentStanzas();
    expect(stanzas.map((s) => s.to)).toEqual(Array(3).fill('alice@example.org'));
    expect(stanzas[0]?.xml).toMatch(/^<presence type="unsubscribed" to="alice@example.org"/);
    expect(stanzas[1]?.xml).toMatch(/^<presence type="unsubscribe" to="alice@example.org"/);
    expect(stanzas[2]?.xml).toMatch(
      /^<iq type="set" id="[^"]+"><query xmlns="jabber:iq:roster"><item jid="alice@example.org" subscription="remove"\/><\/query><\/iq>$/,
    );
  });

  it('forgets a pending code, and is quiet when there is no address', async () => {
    await setImAddress(deps, SITE, '4', 'dave@example.org');
    const code = sentCode();
    await removeImAddress(deps, SITE, '4');
    await expect(confirmByCode(deps, SITE, code)).rejects.toMatchObject({ status: 404 });
    const sent = sender.sent.length;
    expect(await removeImAddress(deps, SITE, '4')).toEqual({ state: 'none' });
    expect(sender.sent).toHaveLength(sent);
  });
});
