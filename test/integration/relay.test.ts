import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Client, client } from '@xmpp/client';
import { type Element, xml } from '@xmpp/xml';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqsClient } from '../../shared/aws/clients.js';
import { decodeFrame, encodeFrame, makeFrame, type OutboundStanza } from '../../shared/frames.js';
import { chatMessage } from '../../shared/stanza.js';
import { BOT_PRESENCE_STATUS } from '../../xmpp-relay/config.js';
import { XmppJsLink } from '../../xmpp-relay/connection.js';
import { ConnectTimeoutError, XmppFatalError } from '../../xmpp-relay/errors.js';
import { silentLogger } from '../../xmpp-relay/log.js';
import { type Lane, type QueueMessage, SqsOutputQueues } from '../../xmpp-relay/output-queues.js';
import { type Relay, startRelay } from '../../xmpp-relay/relay.js';
import { freePort, type ProsodyServer, startProsody } from '../helpers/prosody.js';
import { testRelayConfig } from '../helpers/relay-fakes.js';
import { startTestSession } from '../helpers/xmpp-session.js';

/**
 * The relay against real parts: fauxqs in-process, a real Prosody, a second real
 * @xmpp/client as the human on the other end.
 */
const RECEIVER = 'receiver@localhost';
const until = (predicate: () => boolean | Promise<boolean>, timeout = 10_000) =>
  vi.waitFor(async () => expect(await predicate()).toBe(true), { timeout, interval: 20 });

let prosody: ProsodyServer;
let fauxqs: FauxqsServer;
let sqs: SQSClient;
let urls: Record<'out' | 'outPriority' | 'in', string>;
let relay: Relay;
let link: XmppJsLink;
let receiver: Client;
let botClient: Client;
const received: Element[] = [];
const presences: Element[] = [];
/** For each SQS delete the relay made: how many stanzas the link still awaited acks for. */
const deletes: { lane: Lane; messageId: string; unconfirmed: number }[] = [];

async function createQueue(name: string): Promise<string> {
  const result = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!result.QueueUrl) throw new Error(`no URL for ${name}`);
  return result.QueueUrl;
}

async function putStanzas(url: string, frameId: string, stanzas: OutboundStanza[]): Promise<string> {
  const body = encodeFrame(makeFrame('stanzas', 'test', frameId, { stanzas }));
  const result = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  return result.MessageId ?? '';
}

async function queueCounts(url: string): Promise<{ visible: number; inFlight: number }> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

const bodies = () => received.map((m) => m.getChildText('body'));

beforeAll(async () => {
  prosody = await startProsody();
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = createSqsClient({ region: 'us-east-1', sqsEndpoint: fauxqs.address });
  urls = {
    out: await createQueue('xmpp-out'),
    outPriority: await createQueue('xmpp-out-priority'),
    in: await createQueue('xmpp-in'),
  };

  ({ xmpp: receiver } = await startTestSession(
    {
      service: prosody.service,
      domain: 'localhost',
      username: 'receiver',
      password: 'receiverpass',
      resource: 'test',
    },
    (stanza) => {
      if (stanza.is('message') && stanza.attrs.type !== 'error') received.push(stanza);
      if (stanza.is('presence')) presences.push(stanza);
    },
  ));
  await receiver.send(xml('presence'));

  const config = testRelayConfig({
    site: 'test',
    queues: urls,
    aws: { region: 'us-east-1', sqsEndpoint: fauxqs.address },
    xmpp: {
      ...testRelayConfig().xmpp,
      service: prosody.service,
      domain: 'localhost',
      username: 'bot',
      password: 'botpass',
    },
  });
  link = new XmppJsLink(config.xmpp, silentLogger, (settings) => {
    botClient = client({ ...settings });
    return botClient;
  });
  const queues = new SqsOutputQueues(sqs, { priority: urls.outPriority, bulk: urls.out });
  const recordingQueues = {
    receive: queues.receive.bind(queues),
    delete: async (lane: Lane, messages: readonly QueueMessage[], timeoutMs: number) => {
      for (const { messageId } of messages) deletes.push({ lane, messageId, unconfirmed: link.unconfirmed });
      return queues.delete(lane, messages, timeoutMs);
    },
  };
  relay = await startRelay(config, { link, queues: recordingQueues, sqs, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await relay?.stop();
  await receiver?.stop().catch(() => {});
  sqs?.destroy();
  await fauxqs?.stop();
  await prosody?.stop();
});

describe('xmpp-relay against Prosody and fauxqs', () => {
  it('delivers a bulk frame and deletes its message only after the server acknowledged it', async () => {
    const messageId = await putStanzas(urls.out, 'bulk-1', [
      chatMessage(RECEIVER, 'bulk-1a', 'alice: first [1]'),
      chatMessage(RECEIVER, 'bulk-1b', 'alice: second [2]'),
    ]);
    await until(() => bodies().includes('alice: second [2]'));
    expect(bodies()).toContain('alice: first [1]');
    await until(() => deletes.some((d) => d.messageId === messageId));
    expect(deletes.find((d) => d.messageId === messageId)).toEqual({
      lane: 'bulk',
      messageId,
      unconfirmed: 0,
    });
    await until(async () => (await queueCounts(urls.out)).inFlight === 0);
  });

  it('delivers a priority frame', async () => {
    const messageId = await putStanzas(urls.outPriority, 'reply-1', [
      chatMessage(RECEIVER, 'reply-1', '[Site] ok'),
    ]);
    await until(() => bodies().includes('[Site] ok'));
    await until(() => deletes.some((d) => d.messageId === messageId && d.lane === 'priority'));
  });

  it('puts a chat message sent to the bot on xmpp-in as a chat-in frame', async () => {
    await receiver.send(
      xml('message', { to: 'bot@localhost', type: 'chat', id: 'cmd-1' }, xml('body', {}, 'follow bob')),
    );
    let frame: ReturnType<typeof decodeFrame<'chat-in'>> | undefined;
    await until(async () => {
      const result = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: urls.in, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const body = result.Messages?.[0]?.Body;
      if (body) frame = decodeFrame('chat-in', body);
      return frame !== undefined;
    });
    expect(frame).toMatchObject({
      kind: 'chat-in',
      site: 'test',
      payload: { from: 'receiver@localhost/test', type: 'chat', stanzaId: 'cmd-1', body: 'follow bob' },
    });
    expect(frame?.payload.to).toMatch(/^bot@localhost/);
  });

  it('never lets illegal characters or markup injection break the stream', async () => {
    const invalidId = await putStanzas(urls.out, 'bad-1', [
      {
        id: 'bad-1',
        to: RECEIVER,
        xml: `<message type="chat" to="${RECEIVER}" id="bad-1"><body>ctrl \u0001 char</body></message>`,
      },
    ]);
    const unclosedId = await putStanzas(urls.out, 'bad-2', [
      { id: 'bad-2', to: RECEIVER, xml: `<message type="chat" to="${RECEIVER}" id="bad-2"><body>x</body>` },
    ]);
    const injection = '</body><iq type="set"/>\u0001<body>';
    await putStanzas(urls.out, 'inject-1', [chatMessage(RECEIVER, 'inject-1', injection)]);
    const afterId = await putStanzas(urls.out, 'after-1', [
      chatMessage(RECEIVER, 'after-1', 'still connected'),
    ]);

    await until(() => bodies().includes('still connected'));
    await until(() => deletes.some((d) => d.messageId === afterId));
    expect(bodies()).toContain('</body><iq type="set"/><body>');
    expect(bodies().some((b) => b?.includes('ctrl'))).toBe(false);
    expect(relay.status.lanes.bulk.invalid).toBeGreaterThanOrEqual(2);
    // The invalid messages are held, not deleted: SQS will redrive them to the DLQ.
    expect(deletes.some((d) => d.messageId === invalidId || d.messageId === unclosedId)).toBe(false);
    expect((await queueCounts(urls.out)).inFlight).toBe(2);
    expect(relay.status.link).toBe('online');
  });

  it('survives a dropped socket: resumes the session and keeps delivering', async () => {
    const states: string[] = [];
    const off = link.onStatus((status) =>
      states.push(`${status.state}${status.resumed ? ' (resumed)' : ''}`),
    );
    try {
      (botClient as unknown as { socket: { destroy(): void } }).socket.destroy();
      await until(() => states.includes('online (resumed)') || states.includes('online'));
      const messageId = await putStanzas(urls.outPriority, 'after-drop', [
        chatMessage(RECEIVER, 'after-drop', 'back again'),
      ]);
      await until(() => bodies().includes('back again'));
      await until(() => deletes.some((d) => d.messageId === messageId));
      expect(states).toEqual(['down', 'connecting', 'online (resumed)']);
    } finally {
      off();
    }
  });

  it('shows its available presence with the status text again in a new session, not after a resume', async () => {
    const fromBot = () => presences.filter((p) => p.attrs.from === 'bot@localhost/noticeflow');
    const available = () => fromBot().filter((p) => p.attrs.type === undefined);
    const captured = relay.status.inbound.captured;
    await receiver.send(xml('presence', { to: 'bot@localhost', type: 'subscribe' }));
    // No im-inbound here: once the relay has seen the request, approve it on the bot's stream.
    await until(() => relay.status.inbound.captured > captured);
    await botClient.send(xml('presence', { to: RECEIVER, type: 'subscribed' }));
    await until(() => available().length > 0);
    expect(available().at(-1)?.getChildText('status')).toBe(BOT_PRESENCE_STATUS);

    const states: string[] = [];
    const off = link.onStatus((status) =>
      states.push(`${status.state}${status.resumed ? ' (resumed)' : ''}`),
    );
    try {
      // A resumed session keeps its presence: nothing is sent again. The stream is ordered,
      // so a presence sent on resume would arrive before the message that follows it.
      const before = fromBot().length;
      (botClient as unknown as { socket: { destroy(): void } }).socket.destroy();
      await until(() => states.includes('online (resumed)'));
      await putStanzas(urls.outPriority, 'after-resume', [chatMessage(RECEIVER, 'after-resume', 'resumed')]);
      await until(() => bodies().includes('resumed'));
      expect(fromBot()).toHaveLength(before);

      // A resume the server refuses (unknown session, XEP-0198 §5) leads to a new session,
      // which starts unavailable: the link announces itself again.
      const availableBefore = available().length;
      botClient.streamManagement.id = 'no-such-session';
      (botClient as unknown as { socket: { destroy(): void } }).socket.destroy();
      await until(() => states.at(-1) === 'online');
      await until(() => available().length > availableBefore);
      expect(available().at(-1)?.getChildText('status')).toBe(BOT_PRESENCE_STATUS);
      expect(fromBot().at(-1)?.attrs.type).toBeUndefined();
      expect(states.slice(-3)).toEqual(['down', 'connecting', 'online']);
    } finally {
      off();
    }
  });

  it('stops cleanly: goes offline and reports stopped', async () => {
    await relay.stop();
    expect(await relay.finished).toEqual({ state: 'stopped' });
    expect(relay.status).toMatchObject({ state: 'stopped', link: 'stopped' });
    expect(link.unconfirmed).toBe(0);
  });

  it('fails fast on a wrong password instead of reconnecting for ever', async () => {
    const config = testRelayConfig({
      queues: urls,
      aws: { region: 'us-east-1', sqsEndpoint: fauxqs.address },
      xmpp: { ...testRelayConfig().xmpp, service: prosody.service, password: 'wrong' },
    });
    await expect(startRelay(config, { logger: silentLogger })).rejects.toBeInstanceOf(XmppFatalError);
  });

  it('retries an unreachable server with growing backoff, then gives up after the connect timeout', async () => {
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
    const logger = { debug: record, info: record, warn: record, error: record };
    const config = testRelayConfig({
      queues: urls,
      aws: { region: 'us-east-1', sqsEndpoint: fauxqs.address },
      xmpp: {
        ...testRelayConfig().xmpp,
        service: `xmpp://127.0.0.1:${await freePort()}`,
        connectTimeoutMs: 1_500,
        reconnect: { initialMs: 100, maxMs: 1_000, factor: 2 },
      },
    });
    await expect(startRelay(config, { logger })).rejects.toBeInstanceOf(ConnectTimeoutError);
    const delays = lines
      .filter((l) => l.message.startsWith('XMPP disconnected'))
      .map((l) => Number(l.fields?.delayMs));
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(delays[2]).toBeGreaterThanOrEqual(200);
    expect(delays.every((d) => d <= 1_000)).toBe(true);
  });

  it('runs as a process: prints its readiness line, exits 0 on SIGTERM, never logs the password', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', tsx, 'xmpp-relay/main.ts'], {
      env: {
        ...process.env,
        XMPP_SERVICE: prosody.service,
        XMPP_DOMAIN: 'localhost',
        XMPP_USERNAME: 'bot',
        XMPP_PASSWORD: 'botpass',
        XMPP_RESOURCE: 'process',
        SITE: 'test',
        QUEUE_URL_XMPP_OUT: urls.out,
        QUEUE_URL_XMPP_OUT_PRIORITY: urls.outPriority,
        QUEUE_URL_XMPP_IN: urls.in,
        AWS_ENDPOINT_URL_SQS: fauxqs.address,
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(() => output.includes('relay: online'), 20_000);
      await putStanzas(urls.outPriority, 'proc-1', [chatMessage(RECEIVER, 'proc-1', 'from the process')]);
      await until(() => bodies().includes('from the process'));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(output).toContain('relay stopped');
    expect(output).not.toContain('botpass');
  });
});
