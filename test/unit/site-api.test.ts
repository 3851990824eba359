import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleApiRequest, type SiteApiDeps } from '../../functions/site-api/api.js';
import { toApiRequest, toFunctionUrlResult } from '../../functions/site-api/function-url.js';
import { bearerTokenCheck } from '../../functions/site-api/http.js';
import type { NoticeFrame, StanzaFrame } from '../../shared/frames.js';
import { SiteSettingsSchema } from '../../shared/site-settings.js';
import { MemoryStore, RecordingSender, user } from '../helpers/fakes.js';

const TOKEN = 'sekrit-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const settings = SiteSettingsSchema.parse({ name: 'Demo', baseUrl: 'http://localhost:8080', textLimit: 10 });
let store: MemoryStore;
let sender: RecordingSender;
let deps: SiteApiDeps;
let ids: number;
let now: Date;

beforeEach(async () => {
  store = new MemoryStore();
  sender = new RecordingSender();
  ids = 100;
  now = new Date();
  deps = {
    now: () => now,
    site: 'local',
    store,
    sender,
    settings: { get: async () => settings },
    authorize: bearerTokenCheck(TOKEN),
    newId: () => String(ids++),
  };
  await store.putUser(user('1', 'alice'));
  await store.putUser(user('2', 'bob'));
});

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  return handleApiRequest(deps, {
    method,
    path,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function sentCode(): string {
  const frames = sender.to('xmpp-out-priority') as StanzaFrame[];
  const xml = frames.at(-1)?.payload.stanzas?.at(-1)?.xml ?? '';
  const code = xml.match(/code: ([2-9A-Z]{13})/)?.[1];
  if (!code) throw new Error(`no code in ${xml}`);
  return code;
}

describe('site API routes', () => {
  it('POST /users creates a user with an allocated or a given id', async () => {
    expect(await call('POST', '/users', { nickname: 'dave' })).toEqual({
      status: 201,
      body: { id: '100', nickname: 'dave', notify: true, replies: false, echo: false, im: { state: 'none' } },
    });
    expect((await call('POST', '/users', { nickname: 'erin', id: 'e-1' })).body).toMatchObject({ id: 'e-1' });
    expect((await store.findUserByNickname('local', 'erin'))?.id).toBe('e-1');
  });

  it('POST /users refuses a taken nickname or id', async () => {
    expect(await call('POST', '/users', { nickname: 'Alice' })).toMatchObject({
      status: 409,
      body: { field: 'nickname' },
    });
    expect(await call('POST', '/users', { nickname: 'zed', id: '1' })).toMatchObject({
      status: 409,
      body: { field: 'id' },
    });
  });

  it('GET /users/<nickname> reads a user with their IM state', async () => {
    expect(await call('GET', '/users/@alice')).toEqual({
      status: 200,
      body: {
        id: '1',
        nickname: 'alice',
        notify: true,
        replies: false,
        echo: false,
        im: { state: 'confirmed', jid: 'alice@example.org' },
      },
    });
    expect(await call('GET', '/users/nobody')).toMatchObject({ status: 404, body: { field: 'nickname' } });
  });

  it('PUT and DELETE /users/<nickname>/following/<target> follow and unfollow', async () => {
    expect(await call('PUT', '/users/alice/following/bob')).toEqual({
      status: 200,
      body: { nickname: 'alice', target: 'bob', following: true },
    });
    expect(await store.findSubscribers('local', '2', ['1'])).toEqual([{ userId: '1', im: true }]);
    expect((await call('DELETE', '/users/alice/following/bob')).body).toMatchObject({ following: false });
    expect(await store.findSubscribers('local', '2', ['1'])).toEqual([]);
    expect(await call('PUT', '/users/alice/following/nobody')).toMatchObject({
      status: 404,
      body: { field: 'target' },
    });
    expect(await call('PUT', '/users/alice/following/alice')).toMatchObject({
      status: 400,
      body: { field: 'target' },
    });
  });

  it('POST /groups creates a group; PUT and DELETE members join and leave', async () => {
    expect(await call('POST', '/groups', { nickname: 'cats' })).toEqual({
      status: 201,
      body: { id: '100', nickname: 'cats' },
    });
    expect(await call('POST', '/groups', { nickname: 'cats' })).toMatchObject({ status: 409 });
    expect((await call('PUT', '/groups/cats/members/bob')).body).toMatchObject({ member: true });
    expect(await store.findGroupMembers('local', '100', ['2'])).toEqual(['2']);
    expect((await call('DELETE', '/groups/cats/members/bob')).body).toMatchObject({ member: false });
    expect(await store.findGroupMembers('local', '100', ['2'])).toEqual([]);
    expect(await call('PUT', '/groups/dogs/members/bob')).toMatchObject({
      status: 404,
      body: { field: 'group' },
    });
  });

  it('POST /users/<nickname>/notices enqueues a notice frame', async () => {
    const response = await call('POST', '/users/alice/notices', { text: ' hi there ' });
    expect(response).toEqual({ status: 202, body: { id: '1' } });
    const [frame] = sender.to('notices') as NoticeFrame[];
    expect(frame?.payload.notice).toMatchObject({
      id: '1',
      author: { id: '1', nickname: 'alice' },
      text: 'hi there',
      source: 'api',
    });
  });

  it('POST notices refuses a text over the site limit, counted in characters, naming the field', async () => {
    expect((await call('POST', '/users/alice/notices', { text: '🎉'.repeat(10) })).status).toBe(202);
    // Code points, as chat posting counts: a thumb with a skin tone is two.
    expect((await call('POST', '/users/alice/notices', { text: '👍🏽'.repeat(6) })).status).toBe(400);
    expect(await call('POST', '/users/alice/notices', { text: 'x'.repeat(11) })).toEqual({
      status: 400,
      body: { error: 'text is 11 characters; the limit is 10', field: 'text' },
    });
    expect(sender.to('notices')).toHaveLength(1);
  });

  it('PUT /users/<nickname>/im starts confirmation; GET shows it waiting; resend sends it again', async () => {
    await call('POST', '/users', { nickname: 'dave' });
    const set = await call('PUT', '/users/dave/im', { jid: 'dave@example.org' });
    expect(set).toMatchObject({ status: 202, body: { im: { state: 'waiting', jid: 'dave@example.org' } } });
    const read = await call('GET', '/users/dave');
    expect(read.body).toMatchObject({ im: { state: 'waiting', since: expect.any(String) } });
    const code = sentCode();
    expect(await call('POST', '/users/dave/im/resend')).toMatchObject({
      status: 429,
      body: { field: 'jid' },
    });
    now = new Date(now.getTime() + 60_000);
    expect((await call('POST', '/users/dave/im/resend')).status).toBe(202);
    expect(sender.to('xmpp-out-priority')).toHaveLength(2);
    expect(sentCode()).toBe(code);
    expect(await call('POST', '/users/alice/im/resend')).toMatchObject({ status: 409 });
  });

  it('GET /confirm/<code> shows a page that confirms nothing; POST confirms, without credentials', async () => {
    await call('POST', '/users', { nickname: 'dave' });
    await call('PUT', '/users/dave/im', { jid: 'dave@example.org' });
    for (const method of ['GET', 'POST'])
      expect(await call(method, '/confirm/ABCDEFGHJKMN2', undefined, {})).toMatchObject({
        status: 404,
        body: { field: 'code' },
      });
    const code = sentCode();
    // What a link preview fetches: a question and a button, and the address still waits.
    const shown = await call('GET', `/confirm/${code}`, undefined, {});
    expect(shown).toMatchObject({
      status: 200,
      body: { confirmed: false, nickname: 'dave', jid: 'dave@example.org' },
    });
    expect(shown.html).toContain('<form method="post">');
    expect((await call('GET', '/users/dave')).body).toMatchObject({ im: { state: 'waiting' } });
    expect(await call('POST', `/confirm/${code}`, undefined, {})).toMatchObject({
      status: 200,
      body: {
        confirmed: true,
        nickname: 'dave',
        jid: 'dave@example.org',
        message: 'dave@example.org is now the IM address of dave.',
      },
    });
    expect((await call('GET', '/users/dave')).body).toMatchObject({ im: { state: 'confirmed' } });
  });

  it('PUT /users/<nickname>/im refuses an address confirmed by another user', async () => {
    expect(await call('PUT', '/users/bob/im', { jid: 'alice@example.org' })).toEqual({
      status: 409,
      body: { error: 'alice@example.org is already confirmed by another user', field: 'jid' },
    });
  });

  it('DELETE /users/<nickname>/im removes the address and unlinks the roster', async () => {
    expect(await call('DELETE', '/users/alice/im')).toEqual({ status: 200, body: { im: { state: 'none' } } });
    expect(await store.findUserByJid('local', 'alice@example.org')).toBeUndefined();
    expect(sender.to('xmpp-out-priority')).toHaveLength(1);
  });

  it('PATCH /users/<nickname>/preferences sets notify, replies and echo', async () => {
    const response = await call('PATCH', '/users/alice/preferences', { notify: false, echo: true });
    expect(response.body).toMatchObject({ notify: false, replies: false, echo: true });
    expect(await store.getUser('local', '1')).toMatchObject({ notify: false, echo: true });
  });
});

describe('site API refusals', () => {
  it.each([
    ['GET', '/users/alice'],
    ['POST', '/users'],
    ['PUT', '/users/alice/following/bob'],
    ['DELETE', '/users/alice/following/bob'],
    ['POST', '/users/alice/notices'],
    ['PUT', '/users/alice/im'],
    ['DELETE', '/users/alice/im'],
    ['POST', '/users/alice/im/resend'],
    ['PATCH', '/users/alice/preferences'],
    ['POST', '/groups'],
    ['PUT', '/groups/cats/members/bob'],
    ['DELETE', '/groups/cats/members/bob'],
  ])('%s %s answers 401 without the token, and with a wrong one', async (method, path) => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      expect(await call(method, path, {}, headers)).toMatchObject({
        status: 401,
        body: { field: 'authorization' },
      });
    }
    expect((await store.getUser('local', '1'))?.im?.confirmed).toBe(true);
    expect(sender.sent).toHaveLength(0);
  });

  it.each([
    ['POST', '/users', { nickname: 'bad nick' }, 'nickname'],
    ['POST', '/users', {}, 'nickname'],
    ['POST', '/users', { nickname: 'ok', id: '' }, 'id'],
    ['POST', '/users', { nickname: 'ok', colour: 'red' }, 'colour'],
    ['POST', '/users', 'not json', 'body'],
    ['POST', '/users', '[1]', 'body'],
    ['POST', '/users/alice/notices', { text: '   ' }, 'text'],
    ['POST', '/users/alice/notices', { text: 5 }, 'text'],
    ['PUT', '/users/alice/im', { jid: 'no spaces allowed' }, 'jid'],
    ['PUT', '/users/alice/im', {}, 'jid'],
    ['PATCH', '/users/alice/preferences', { notify: 'yes' }, 'notify'],
    ['PATCH', '/users/alice/preferences', {}, 'body'],
    ['POST', '/groups', { nickname: '!cats' }, 'nickname'],
  ])('%s %s with %j answers 400 naming %s', async (method, path, body, field) => {
    const response = await call(method, path, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: expect.any(String) });
    expect(response.body).toMatchObject({ field });
    expect(sender.sent).toHaveLength(0);
  });

  it('refuses text that is only characters XML cannot carry, and tells nothing of routes without credentials', async () => {
    expect(await call('POST', '/users/alice/notices', { text: '\u0001\u0002 ' })).toMatchObject({
      status: 400,
      body: { field: 'text' },
    });
    expect((await call('GET', '/nowhere', undefined, {})).status).toBe(401);
    expect((await call('DELETE', '/users/alice', undefined, {})).status).toBe(401);
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    expect(await call('GET', '/nowhere')).toEqual({ status: 404, body: { error: 'no route GET /nowhere' } });
    expect(await call('GET', '/users/alice/following/bob/extra')).toMatchObject({ status: 404 });
    expect(await call('DELETE', '/users')).toMatchObject({ status: 405, body: { field: 'method' } });
  });

  it('answers 500 without details when the store fails', async () => {
    deps = {
      ...deps,
      store: Object.assign(store, { findUserByNickname: () => Promise.reject(new Error('boom')) }),
    };
    expect(await call('GET', '/users/alice')).toEqual({
      status: 500,
      body: { error: 'internal error; try again' },
    });
  });
});

describe('function URL adapter', () => {
  it('turns a function URL event into a request and a response into a result', () => {
    const event = {
      rawPath: '/users/alice/notices',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from('{"text":"hi"}').toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST' } },
    } as unknown as APIGatewayProxyEventV2;
    expect(toApiRequest(event)).toEqual({
      method: 'POST',
      path: '/users/alice/notices',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(toFunctionUrlResult({ status: 202, body: { id: '1' } })).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"id":"1"}\n',
    });
  });
});
