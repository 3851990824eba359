import { timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { RefusedError } from '../../shared/confirmation/errors.js';

/** The site API's view of HTTP, the same behind a Lambda function URL and node:http. */
export interface ApiRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/users/alice`. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  /** A page for a person's browser (the confirmation link); served instead of the JSON body. */
  readonly html?: string;
}

/**
 * The bytes to send: the page when there is one and the client is a browser (it accepts
 * text/html), the JSON body otherwise, so API clients always get JSON.
 */
export function renderResponse(
  response: ApiResponse,
  accept: string | undefined,
): { readonly contentType: string; readonly body: string } {
  if (response.html !== undefined && accept?.includes('text/html'))
    return { contentType: 'text/html; charset=utf-8', body: response.html };
  return { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(response.body)}\n` };
}

/** The JSON body of every 4xx answer: what is wrong, and which input, when one is at fault. */
export interface ApiErrorBody {
  readonly error: string;
  readonly field?: string;
}

export function errorResponse(status: number, error: string, field?: string): ApiResponse {
  const body: ApiErrorBody = field ? { error, field } : { error };
  return { status, body };
}

/** Parses a JSON body with `schema`; a bad body is a 400 naming the first field at fault. */
export function parseBody<T>(request: ApiRequest, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = request.body?.trim() ? JSON.parse(request.body) : {};
  } catch {
    throw new RefusedError(400, 'the body is not JSON', 'body');
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // An unexpected key is named itself, not the object that holds it.
  const unexpected = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field = [...(issue?.path ?? []), ...(unexpected ? [unexpected] : [])].join('.') || 'body';
  throw new RefusedError(400, `${field}: ${issue?.message ?? 'invalid'}`, field);
}

/** A bearer-token check for the local stack, in constant time. */
export function bearerTokenCheck(token: string): (headers: ApiRequest['headers']) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (headers) => {
    const given = Buffer.from(headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
