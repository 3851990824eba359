import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type ConfirmationDeps,
  confirmByCode,
  describeCode,
  imState,
  removeImAddress,
  resendConfirmation,
  setImAddress,
} from '../../shared/confirmation/confirmation.js';
import { RefusedError } from '../../shared/confirmation/errors.js';
import { describeError } from '../../shared/errors.js';
import { makeFrame, Nickname } from '../../shared/frames.js';
import { noticeTextProblem } from '../../shared/notice-text.js';
import { StoreConflictError } from '../../shared/store/dynamo-store.js';
import type { Store, User } from '../../shared/store/types.js';
import { escapeXml } from '../../shared/xml.js';
import { type ApiRequest, type ApiResponse, errorResponse, parseBody } from './http.js';

/**
 * The site API (issue 4): what a site backend does to users, follows, groups, notices and IM
 * settings, as JSON over HTTP. A plain function from request to response; the edges
 * (functions/site-api/handler.ts in AWS, infra/local/api-server.ts locally) do the I/O.
 * Every route but the confirmation link needs `authorize` to pass.
 */
export interface SiteApiDeps extends ConfirmationDeps {
  readonly site: string;
  readonly store: ConfirmationDeps['store'] &
    Pick<
      Store,
      | 'findUserByNickname'
      | 'createUser'
      | 'setPreferences'
      | 'follow'
      | 'unfollow'
      | 'createGroup'
      | 'findGroupByNickname'
      | 'joinGroup'
      | 'leaveGroup'
      | 'nextNoticeId'
    >;
  readonly authorize: (headers: ApiRequest['headers']) => boolean;
  readonly newId?: () => string;
  readonly log?: (message: string) => void;
}

const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - (1 to 128 characters)');
const CreateBody = z.strictObject({ nickname: Nickname, id: Id.optional() });
const NoticeBody = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty'),
});
const ImBody = z.strictObject({ jid: z.string().min(1, 'must not be empty').max(3071) });
const PreferencesBody = z
  .strictObject({
    notify: z.boolean().optional(),
    replies: z.boolean().optional(),
    echo: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'give at least one of notify, replies, echo' });

type Handler = (deps: SiteApiDeps, request: ApiRequest, params: string[]) => Promise<ApiResponse>;
interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: Handler;
  readonly open?: boolean;
}

const SEGMENT = '([^/]+)';
const route = (method: string, path: string, handle: Handler, open = false): Route => ({
  method,
  pattern: new RegExp(`^${path.replace(/:\w+/g, SEGMENT)}/?$`),
  handle,
  open,
});

const ROUTES: readonly Route[] = [
  // The link opens a page (GET, no change); its button confirms (POST). Link previews only GET.
  route('GET', '/confirm/:code', confirmPage, true),
  route('POST', '/confirm/:code', confirmLink, true),
  route('POST', '/users', createUser),
  route('GET', '/users/:nickname', readUser),
  route('PUT', '/users/:nickname/following/:target', (d, _r, [n, t]) => setFollowing(d, n, t, true)),
  route('DELETE', '/users/:nickname/following/:target', (d, _r, [n, t]) => setFollowing(d, n, t, false)),
  route('POST', '/users/:nickname/notices', postNotice),
  route('PUT', '/users/:nickname/im', setIm),
  route('DELETE', '/users/:nickname/im', removeIm),
  route('POST', '/users/:nickname/im/resend', resendIm),
  route('PATCH', '/users/:nickname/preferences', setPreferences),
  route('POST', '/groups', createGroup),
  route('PUT', '/groups/:group/members/:nickname', (d, _r, [g, n]) => setMembership(d, g, n, true)),
  route('DELETE', '/groups/:group/members/:nickname', (d, _r, [g, n]) => setMembership(d, g, n, false)),
];

export async function handleApiRequest(deps: SiteApiDeps, request: ApiRequest): Promise<ApiResponse> {
  const path = request.path.split('?')[0] ?? '';
  const matches = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m);
  const found = matches.find((x) => x.r.method === request.method.toUpperCase());
  // Credentials first: without them, nothing about the routes is told (only the link is open).
  if (!found?.r.open && !deps.authorize(request.headers))
    return errorResponse(
      401,
      'missing or wrong credentials (Authorization: Bearer <token>)',
      'authorization',
    );
  if (!found?.m) {
    return matches.length > 0
      ? errorResponse(405, `${request.method} is not allowed on ${path}`, 'method')
      : errorResponse(404, `no route ${request.method} ${path}`);
  }
  try {
    return await found.r.handle(deps, request, found.m.slice(1).map(decodeSegment));
  } catch (error) {
    if (error instanceof RefusedError) return errorResponse(error.status, error.message, error.field);
    if (error instanceof StoreConflictError) return errorResponse(409, error.message);
    deps.log?.(`site API ${request.method} ${path} failed: ${describeError(error)}`);
    return errorResponse(500, 'internal error; try again');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RefusedError(400, `"${segment}" is not a valid path segment`, 'path');
  }
}

async function confirmPage(deps: SiteApiDeps, _request: ApiRequest, [code]: string[]): Promise<ApiResponse> {
  const { nickname, jid } = await describeCode(deps, deps.site, code ?? '');
  const { name } = await deps.settings.get(deps.site);
  const question = `Confirm ${jid} as the IM address of ${nickname} on ${name}?`;
  return {
    status: 200,
    body: { confirmed: false, nickname, jid, message: `${question} POST to this URL to confirm.` },
    html: page(
      `Confirm ${jid}`,
      `<p>${escapeXml(question)}</p><form method="post"><button type="submit">Confirm</button></form>` +
        '<p>If you did not ask for this, close this page.</p>',
    ),
  };
}

async function confirmLink(deps: SiteApiDeps, _request: ApiRequest, [code]: string[]): Promise<ApiResponse> {
  const user = await confirmByCode(deps, deps.site, code ?? '');
  return {
    status: 200,
    body: {
      confirmed: true,
      nickname: user.nickname,
      jid: user.im?.jid,
      message: `${user.im?.jid} is now the IM address of ${user.nickname}.`,
    },
    html: page(
      'Confirmed',
      `<p>${escapeXml(`${user.im?.jid} is now the IM address of ${user.nickname}.`)}</p>`,
    ),
  };
}

/** A minimal page for a person's browser; every text in it is escaped by the caller. */
function page(title: string, content: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(title)}</title></head><body>${content}</body></html>\n`;
}

async function createUser(deps: SiteApiDeps, request: ApiRequest): Promise<ApiResponse> {
  const { nickname, id = (deps.newId ?? randomUUID)() } = parseBody(request, CreateBody);
  if (await deps.store.getUser(deps.site, id)) throw new RefusedError(409, `user id ${id} exists`, 'id');
  if (await deps.store.findUserByNickname(deps.site, nickname))
    throw new RefusedError(409, `nickname ${nickname} is taken`, 'nickname');
  // StatusNet's defaults: IM notices on once an address is confirmed, replies and echo off.
  const user: User = { site: deps.site, id, nickname, notify: true, replies: false, echo: false };
  // The checks above give the usual answer; this one holds when two requests race.
  const outcome = await deps.store.createUser(user);
  if (outcome === 'id-taken') throw new RefusedError(409, `user id ${id} exists`, 'id');
  if (outcome === 'nickname-taken') throw new RefusedError(409, `nickname ${nickname} is taken`, 'nickname');
  return { status: 201, body: await userView(deps, user) };
}

async function readUser(deps: SiteApiDeps, _request: ApiRequest, [nickname]: string[]): Promise<ApiResponse> {
  return { status: 200, body: await userView(deps, await userNamed(deps, nickname, 'nickname')) };
}

async function setFollowing(
  deps: SiteApiDeps,
  nickname = '',
  target = '',
  on: boolean,
): Promise<ApiResponse> {
  const user = await userNamed(deps, nickname, 'nickname');
  const author = await userNamed(deps, target, 'target');
  if (user.id === author.id) throw new RefusedError(400, 'a user cannot follow themselves', 'target');
  if (on) await deps.store.follow(deps.site, user.id, author.id);
  else await deps.store.unfollow(deps.site, user.id, author.id);
  return { status: 200, body: { nickname: user.nickname, target: author.nickname, following: on } };
}

async function postNotice(
  deps: SiteApiDeps,
  request: ApiRequest,
  [nickname]: string[],
): Promise<ApiResponse> {
  const { text } = parseBody(request, NoticeBody);
  const author = await userNamed(deps, nickname, 'nickname');
  const { textLimit } = await deps.settings.get(deps.site);
  const problem = noticeTextProblem(text, textLimit);
  if (problem) throw new RefusedError(400, problem, 'text');
  const id = await deps.store.nextNoticeId(deps.site);
  const now = deps.now?.() ?? new Date();
  const notice = {
    id,
    author: { id: author.id, nickname: author.nickname },
    text,
    createdAt: now.toISOString(),
    source: 'api',
    scope: 'public' as const,
    local: true,
  };
  await deps.sender.send('notices', [makeFrame('notice', deps.site, `notice-${id}`, { notice }, now)]);
  return { status: 202, body: { id } };
}

async function setIm(deps: SiteApiDeps, request: ApiRequest, [nickname]: string[]): Promise<ApiResponse> {
  const { jid } = parseBody(request, ImBody);
  const user = await userNamed(deps, nickname, 'nickname');
  return { status: 202, body: { im: await setImAddress(deps, deps.site, user.id, jid) } };
}

async function removeIm(deps: SiteApiDeps, _request: ApiRequest, [nickname]: string[]): Promise<ApiResponse> {
  const user = await userNamed(deps, nickname, 'nickname');
  return { status: 200, body: { im: await removeImAddress(deps, deps.site, user.id) } };
}

async function resendIm(deps: SiteApiDeps, _request: ApiRequest, [nickname]: string[]): Promise<ApiResponse> {
  const user = await userNamed(deps, nickname, 'nickname');
  return { status: 202, body: { im: await resendConfirmation(deps, deps.site, user.id) } };
}

async function setPreferences(
  deps: SiteApiDeps,
  request: ApiRequest,
  [nickname]: string[],
): Promise<ApiResponse> {
  const preferences = parseBody(request, PreferencesBody);
  const user = await userNamed(deps, nickname, 'nickname');
  const updated = await deps.store.setPreferences(deps.site, user.id, preferences);
  if (!updated) throw new RefusedError(404, `no user ${nickname}`, 'nickname');
  return { status: 200, body: await userView(deps, updated) };
}

async function createGroup(deps: SiteApiDeps, request: ApiRequest): Promise<ApiResponse> {
  const { nickname, id = (deps.newId ?? randomUUID)() } = parseBody(request, CreateBody);
  if (await deps.store.findGroupByNickname(deps.site, nickname))
    throw new RefusedError(409, `group nickname ${nickname} is taken`, 'nickname');
  await deps.store.createGroup({ site: deps.site, id, nickname });
  return { status: 201, body: { id, nickname } };
}

async function setMembership(
  deps: SiteApiDeps,
  groupName = '',
  nickname = '',
  on: boolean,
): Promise<ApiResponse> {
  const group = await deps.store.findGroupByNickname(deps.site, groupName);
  if (!group) throw new RefusedError(404, `no group !${groupName}`, 'group');
  const user = await userNamed(deps, nickname, 'nickname');
  if (on) await deps.store.joinGroup(deps.site, group.id, user.id);
  else await deps.store.leaveGroup(deps.site, group.id, user.id);
  return { status: 200, body: { group: group.nickname, nickname: user.nickname, member: on } };
}

async function userNamed(deps: SiteApiDeps, nickname = '', field: string): Promise<User> {
  const user = await deps.store.findUserByNickname(deps.site, nickname.replace(/^@/, ''));
  if (!user) throw new RefusedError(404, `no user @${nickname}`, field);
  return user;
}

async function userView(deps: SiteApiDeps, user: User) {
  const { id, nickname, notify, replies, echo } = user;
  return { id, nickname, notify, replies, echo, im: await imState(deps, user) };
}
