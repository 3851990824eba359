import { type ChildProcess, fork } from 'node:child_process';
import type { ParentMessage, ServicesMessage } from './services.js';

/** The parent's side of services.ts: starts the child and asks it for things, one at a time. */
export interface Services {
  readonly endpoints: { sqsEndpoint: string; dynamoEndpoint: string };
  startRelay(site: string, queueUrls: Extract<ParentMessage, { type: 'relay' }>['queueUrls']): Promise<void>;
  /** Stanzas the relay has had acknowledged so far. */
  acked(): Promise<number>;
  /** Stops the relay and the emulators; returns the relay's SQS requests by operation. */
  stop(): Promise<Record<string, number>>;
}

const REPLY_TIMEOUT_MS = 30_000;

export async function startServices(): Promise<Services> {
  const child = fork(new URL('./services.ts', import.meta.url), {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CHILD_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await next(child, 'ready');
  const ask = async <T extends ServicesMessage['type']>(message: ParentMessage, reply: T) => {
    const answer = next(child, reply);
    child.send(message);
    return answer;
  };
  return {
    endpoints: { sqsEndpoint: ready.sqsEndpoint, dynamoEndpoint: ready.dynamoEndpoint },
    async startRelay(site, queueUrls) {
      await ask({ type: 'relay', site, queueUrls }, 'relay-started');
    },
    async acked() {
      return (await ask({ type: 'acked' }, 'acked')).stanzas;
    },
    async stop() {
      return (await ask({ type: 'stop' }, 'stopped')).relayRequests;
    },
  };
}

/** The child's next message of the given type; rejects if it exits or stays silent. */
function next<T extends ServicesMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ServicesMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ServicesMessage) => {
      if (message.type !== type) return;
      done();
      resolve(message as Extract<ServicesMessage, { type: T }>);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`bench services exited (code ${code}) before sending "${type}"`));
    };
    const timer = setTimeout(() => {
      done();
      child.kill();
      reject(new Error(`bench services sent no "${type}" within ${REPLY_TIMEOUT_MS} ms`));
    }, REPLY_TIMEOUT_MS);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
