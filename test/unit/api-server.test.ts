import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../functions/site-api/http.js';
import { startApiServer } from '../../infra/local/api-server.js';
import { loadOrCreateSecrets } from '../../infra/local/secrets.js';

describe('local site API server', () => {
  it('passes method, path (without query), lower-case headers and body to the router', async () => {
    const seen: ApiRequest[] = [];
    const server = await startApiServer({
      port: 0,
      handle: async (request) => {
        seen.push(request);
        return { status: 201, body: { ok: true } };
      },
    });
    try {
      const response = await fetch(`${server.url}/users?x=1`, {
        method: 'POST',
        headers: { Authorization: 'Bearer t' },
        body: '{"nickname":"dave"}',
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ ok: true });
      expect(seen[0]).toMatchObject({
        method: 'POST',
        path: '/users',
        body: '{"nickname":"dave"}',
        headers: { authorization: 'Bearer t' },
      });
    } finally {
      await server.stop();
    }
    await expect(fetch(`${server.url}/users`)).rejects.toThrow();
  });

  it('serves a page to a browser and JSON to everyone else', async () => {
    const server = await startApiServer({
      port: 0,
      handle: async () => ({ status: 200, body: { ok: true }, html: '<p>hello</p>' }),
    });
    try {
      const browser = await fetch(`${server.url}/confirm/X`, { headers: { Accept: 'text/html,*/*' } });
      expect(browser.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await browser.text()).toBe('<p>hello</p>');
      const client = await fetch(`${server.url}/confirm/X`, { headers: { Accept: 'application/json' } });
      expect(await client.json()).toEqual({ ok: true });
    } finally {
      await server.stop();
    }
  });

  it('refuses a body over 64 KiB with 413 naming the body, without calling the router', async () => {
    let calls = 0;
    const server = await startApiServer({
      port: 0,
      handle: async () => {
        calls++;
        return { status: 200, body: {} };
      },
    });
    try {
      const response = await fetch(`${server.url}/users`, { method: 'POST', body: 'x'.repeat(70_000) });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ field: 'body' });
      expect(calls).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('answers 500 when the router throws, and reports it', async () => {
    const errors: string[] = [];
    const server = await startApiServer({
      port: 0,
      handle: () => Promise.reject(new Error('boom')),
      onError: (message) => errors.push(message),
    });
    try {
      const response = await fetch(`${server.url}/users`);
      expect(response.status).toBe(500);
      expect(errors[0]).toMatch(/GET \/users: Error: boom/);
    } finally {
      await server.stop();
    }
  });
});

describe('local secrets', () => {
  it('generate the API token once and keep it across starts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'noticeflow-secrets-'));
    try {
      const file = join(dir, 'secrets.json');
      const first = loadOrCreateSecrets(file, ['bot']);
      expect(first.apiToken).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(loadOrCreateSecrets(file, ['bot', 'alice']).apiToken).toBe(first.apiToken);
      expect(JSON.parse(await readFile(file, 'utf8')).apiToken).toBe(first.apiToken);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
