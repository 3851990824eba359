import { connect, createServer } from 'node:net';

/** TCP helpers for the local stack: free ports, readiness of a listener. */

/** Asks the OS for a free port. Another process may take it before we bind it: fine for tests. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** True when nothing listens on the port, on any local address. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Throws a message naming the port and its use when it is taken. */
export async function assertPortsFree(ports: Readonly<Record<string, number>>): Promise<void> {
  const taken: string[] = [];
  for (const [use, port] of Object.entries(ports)) {
    if (port !== 0 && !(await isPortFree(port))) taken.push(`${port} (${use})`);
  }
  if (taken.length > 0) {
    throw new Error(
      `port ${taken.join(', ')} already in use: is noticeflow (or another server) already running? ` +
        'Stop it, or choose other ports (NOTICEFLOW_*_PORT).',
    );
  }
}
