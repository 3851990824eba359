import { xml } from '@xmpp/xml';
import { describe, expect, it, vi } from 'vitest';
import { describeConfig, readRelayConfig } from '../../xmpp-relay/config.js';
import { XmppFatalError } from '../../xmpp-relay/errors.js';
import { silentLogger } from '../../xmpp-relay/log.js';
import { startRelay } from '../../xmpp-relay/relay.js';
import {
  FakeLink,
  FakeQueues,
  RecordingFrameSender,
  stanzasBody,
  testRelayConfig,
} from '../helpers/relay-fakes.js';

const until = (predicate: () => boolean) =>
  vi.waitFor(() => expect(predicate()).toBe(true), { timeout: 2_000 });

function fakes() {
  return {
    link: new FakeLink(),
    queues: new FakeQueues(),
    frames: new RecordingFrameSender(),
    logger: silentLogger,
  };
}

describe('Relay', () => {
  it('drains both lanes, captures inbound chat, and stops cleanly', async () => {
    const deps = fakes();
    deps.link.autoAck = true;
    const relay = await startRelay(testRelayConfig(), deps);
    expect(relay.status).toMatchObject({ state: 'running', link: 'online' });

    const bulk = deps.queues.put('bulk', stanzasBody('b', [{ id: 'b', body: 'notice' }]));
    const priority = deps.queues.put('priority', stanzasBody('p', [{ id: 'p', body: 'reply' }]));
    await until(() => deps.queues.isDeleted(bulk) && deps.queues.isDeleted(priority));

    deps.link.deliver(
      xml(
        'message',
        { from: 'alice@localhost/x', to: 'bot@localhost', type: 'chat', id: 'i1' },
        xml('body', {}, 'hi'),
      ),
    );
    await until(() => deps.frames.sent.length === 1);

    await relay.stop();
    expect(await relay.finished).toEqual({ state: 'stopped' });
    expect(relay.status.state).toBe('stopped');
    expect(deps.link.stopped).toBe(true);
    expect(deps.link.listeners).toBe(0);
    expect(deps.queues.waiting).toBe(0);
  });

  it('on stop waits for the acks of written stanzas, then deletes their message', async () => {
    const deps = fakes();
    const relay = await startRelay(testRelayConfig(), deps);
    const id = deps.queues.put('bulk', stanzasBody('b', [{ id: 'b', body: 'notice' }]));
    await until(() => deps.link.writes.length === 1);
    const stopping = relay.stop();
    expect(deps.link.stopped).toBe(false);
    deps.link.writes[0]?.ack();
    await stopping;
    expect(deps.queues.isDeleted(id)).toBe(true);
    expect(deps.link.stopped).toBe(true);
  });

  it('pauses while the link is down and resumes on online', async () => {
    const deps = fakes();
    deps.link.autoAck = true;
    const relay = await startRelay(testRelayConfig(), deps);
    deps.link.setState({ state: 'down' });
    const id = deps.queues.put('priority', stanzasBody('p', [{ id: 'p', body: 'reply' }]));
    await until(() => deps.queues.receives.priority >= 1);
    // A poll already in progress may take the message, but nothing is written while down.
    expect(deps.link.writes).toHaveLength(0);
    deps.link.setState({ state: 'online', resumed: true });
    await until(() => deps.queues.isDeleted(id));
    await relay.stop();
  });

  it('stops and reports failure when the link fails fatally', async () => {
    const deps = fakes();
    const relay = await startRelay(testRelayConfig(), deps);
    const error = new XmppFatalError('conflict', 'replaced by another session');
    deps.link.setState({ state: 'failed', error });
    expect(await relay.finished).toEqual({ state: 'failed', error });
    expect(deps.link.stopped).toBe(true);
  });

  it('rejects start and cleans up when the link cannot start', async () => {
    const deps = fakes();
    deps.link.startError = new XmppFatalError('not-authorized', 'bad password');
    await expect(startRelay(testRelayConfig(), deps)).rejects.toThrow('bad password');
    expect(deps.link.stopped).toBe(true);
    expect(deps.queues.waiting).toBe(0);
  });
});

describe('readRelayConfig', () => {
  const env = {
    XMPP_SERVICE: 'xmpp://127.0.0.1:5222',
    XMPP_DOMAIN: 'localhost',
    XMPP_USERNAME: 'bot',
    XMPP_PASSWORD: 's3cret',
    QUEUE_URL_XMPP_OUT: 'http://localhost:4566/000000000000/xmpp-out',
    QUEUE_URL_XMPP_OUT_PRIORITY: 'http://localhost:4566/000000000000/xmpp-out-priority',
    QUEUE_URL_XMPP_IN: 'http://localhost:4566/000000000000/xmpp-in',
  };

  it('reads the environment with defaults', () => {
    const config = readRelayConfig(env);
    expect(config).toMatchObject({
      site: 'local',
      xmpp: { resource: 'noticeflow', username: 'bot', domain: 'localhost' },
      aws: { region: 'us-east-1', sqsEndpoint: undefined },
      drain: { waitSeconds: 20, batchSize: 10, visibilitySeconds: 30 },
    });
  });

  it.each([
    ['XMPP_PASSWORD', { XMPP_PASSWORD: '' }],
    ['XMPP_SERVICE', { XMPP_SERVICE: 'http://example.org' }],
    ['QUEUE_URL_XMPP_OUT_PRIORITY', { QUEUE_URL_XMPP_OUT_PRIORITY: undefined }],
    ['SITE', { SITE: 'Not A Site' }],
    ['AWS_ENDPOINT_URL_SQS', { AWS_ENDPOINT_URL_SQS: 'nope' }],
    ['XMPP_USERNAME', { XMPP_USERNAME: 'a@b' }],
  ])('fails naming %s', (option, change) => {
    expect(() => readRelayConfig({ ...env, ...change })).toThrow(option);
  });

  it('never describes the password', () => {
    expect(JSON.stringify(describeConfig(readRelayConfig(env)))).not.toContain('s3cret');
  });
});
