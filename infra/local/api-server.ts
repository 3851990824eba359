import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiRequest, type ApiResponse, renderResponse } from '../../functions/site-api/http.js';

/**
 * The site API on the local stack: node:http on loopback in front of the router, as the
 * function URL is in AWS. Bodies are JSON, at most MAX_BODY_BYTES.
 */
export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

export async function startApiServer(options: {
  port: number;
  handle: (request: ApiRequest) => Promise<ApiResponse>;
  onError?: (message: string) => void;
}): Promise<ApiServer> {
  const server = createServer((req, res) => {
    serve(req, res, options.handle).catch((error: unknown) => {
      options.onError?.(`[api] ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) reply(res, { status: 500, body: { error: 'internal error; try again' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (request: ApiRequest) => Promise<ApiResponse>,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even when too large (keeping none of the excess): answering early and
  // dropping the rest would reset the connection under the client before it reads the answer.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) {
    reply(res, { status: 413, body: { error: `the body is over ${MAX_BODY_BYTES} bytes`, field: 'body' } });
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const url = new URL(req.url ?? '/', 'http://localhost');
  reply(
    res,
    await handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    }),
    headers.accept,
  );
}

function reply(res: ServerResponse, response: ApiResponse, accept?: string): void {
  const { contentType, body } = renderResponse(response, accept);
  res.writeHead(response.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
