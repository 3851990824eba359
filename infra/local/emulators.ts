import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { startFauxqs } from 'fauxqs';

/**
 * The AWS emulators, in-process: fauxqs for SQS, dynalite for DynamoDB. Both start in
 * milliseconds and keep their state in memory, so every start begins empty.
 */
export interface Emulators {
  readonly sqsEndpoint: string;
  readonly dynamoEndpoint: string;
  stop(): Promise<void>;
}

type Dynalite = (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

/** Port 0 picks a free port. */
export async function startEmulators(ports: { sqsPort: number; dynamoPort: number }): Promise<Emulators> {
  const sqs = await startFauxqs({ port: ports.sqsPort, logger: false });
  let dynamo: Server;
  try {
    dynamo = await listen(
      // Zero delays: the SDK's table waiter would otherwise sleep 20 s on a new table.
      dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }),
      ports.dynamoPort,
    );
  } catch (error) {
    await sqs.stop();
    throw error;
  }
  const address = dynamo.address();
  const dynamoPort = typeof address === 'object' && address ? address.port : ports.dynamoPort;
  return {
    sqsEndpoint: `http://127.0.0.1:${sqs.port}`,
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    async stop() {
      await Promise.all([sqs.stop(), close(dynamo)]);
    },
  };
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep sockets alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });
}
