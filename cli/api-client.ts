import type { ApiCall } from './api-commands.js';

/** The site API's answer: status and JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

export class ApiUnreachableError extends Error {}

/** Sends one call to the local stack's site API with its bearer token. */
export async function callApi(api: { url: string; token: string }, call: ApiCall): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(new URL(call.path, api.url), {
      method: call.method,
      headers: {
        authorization: `Bearer ${api.token}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
  } catch (error) {
    throw new ApiUnreachableError(`the site API at ${api.url} does not answer (is \`npm start\` running?)`, {
      cause: error,
    });
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: shown as it came.
  }
  return { status: response.status, body };
}
