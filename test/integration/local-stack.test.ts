import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { client } from '@xmpp/client';
import { describe, expect, it } from 'vitest';
import { postNotice } from '../../cli/post.js';
import { isAlive } from '../../infra/local/child.js';
import { freePort, isPortFree } from '../../infra/local/net.js';
import { SqsFrameSender } from '../../shared/queue.js';
import { MAX_RECEIVE_COUNT, QUEUE_NAMES } from '../../shared/topology.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';

// The whole local stack on free ports in a temp folder, without the relay. Prosody must be
// installed: startLocalStack throws when it is not, so these tests fail rather than skip.
// A chosen API port, as `npm start` has: the demo site's links must point at it.
const apiPort = await freePort();
const local = useLocalStack({ name: 'stack', relay: 'none', apiPort });

describe('local stack', () => {
  it('provisions every queue of the topology with its dead-letter queue', async () => {
    for (const name of QUEUE_NAMES) {
      const { Attributes = {} } = await local.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: local.stack.queueUrls[name], AttributeNames: ['All'] }),
      );
      const dlq = await local.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: local.stack.dlqUrls[name], AttributeNames: ['QueueArn'] }),
      );
      expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlq.Attributes?.QueueArn,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      });
      expect(Number(Attributes.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * 30);
    }
  });

  it('points the demo site at its site API, so confirmation links reach it', async () => {
    const settings = await local.store.getSiteSettings('local');
    expect(settings?.baseUrl).toBe(`http://localhost:${apiPort}`);
    expect(local.stack.info.api.url).toBe(`http://127.0.0.1:${apiPort}`);
  });

  it('creates the table and seeds the demo users and follows', async () => {
    const { Table } = await local.db.send(
      new DescribeTableCommand({ TableName: local.stack.info.tableName }),
    );
    expect(Table?.TableStatus).toBe('ACTIVE');
    const store = local.store;
    const alice = await store.findUserByNickname('local', 'alice');
    expect(alice).toEqual({
      site: 'local',
      id: '1',
      nickname: 'alice',
      notify: true,
      replies: false,
      echo: false,
      im: { jid: 'alice@localhost', confirmed: true },
    });
    expect(await store.findUserByJid('local', 'carol@localhost')).toMatchObject({ id: '3' });
    expect((await store.listSubscribers('local', '1')).items.map((s) => s.userId)).toEqual(['2', '3']);
    expect((await store.listSubscribers('local', '2')).items.map((s) => s.userId)).toEqual(['1']);
  });

  it('keeps generated passwords in the data folder', async () => {
    const secrets = JSON.parse(await readFile(join(local.dataDir, 'secrets.json'), 'utf8'));
    expect(Object.keys(secrets.passwords).sort()).toEqual(['alice', 'bob', 'bot', 'carol']);
    expect(local.stack.info.accounts.alice?.password).toBe(secrets.passwords.alice);
    expect(new Set(Object.values(secrets.passwords)).size).toBe(4);
  });

  it('lets alice log in to Prosody with her password', async () => {
    const alice = local.stack.info.accounts.alice;
    const xmpp = client({
      service: local.stack.info.xmpp.service,
      domain: local.stack.info.xmpp.domain,
      username: 'alice',
      password: alice?.password,
    });
    xmpp.on('error', () => {});
    try {
      await xmpp.start();
      expect(xmpp.jid?.bare().toString()).toBe('alice@localhost');
    } finally {
      await xmpp.stop();
    }
  });

  it('runs the handlers: a posted notice comes out rendered on xmpp-out', async () => {
    const store = local.store;
    const sender = new SqsFrameSender(local.sqs, local.stack.queueUrls);
    await postNotice({ store, sender }, 'local', 'alice', 'hello from the stack test');

    const body = await eventually(
      async () => {
        const { Messages } = await local.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: local.stack.queueUrls['xmpp-out'], WaitTimeSeconds: 1 }),
        );
        return Messages?.[0]?.Body;
      },
      { what: 'a message on xmpp-out' },
    );
    expect(body).toContain('hello from the stack test');
  });
});

describe('local stack stop', () => {
  it('leaves no process or listening port behind, and restarts with the same passwords', async () => {
    const ports = [
      local.stack.endpoints.sqsEndpoint,
      local.stack.endpoints.dynamoEndpoint,
      local.stack.info.xmpp.service,
    ].map((url) => Number(new URL(url).port));
    const prosodyPid = Number((await readFile(join(local.dataDir, 'prosody', 'prosody.pid'), 'utf8')).trim());
    expect(isAlive(prosodyPid)).toBe(true);

    await local.stack.stop();

    expect(isAlive(prosodyPid)).toBe(false);
    for (const port of ports) expect(await isPortFree(port)).toBe(true);

    const passwords = local.stack.info.accounts;
    await local.restart({ handlers: [] }); // handler modules keep the configuration of their first load
    expect(local.stack.info.accounts).toEqual(passwords);
  });
});
