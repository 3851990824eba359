import {
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Client } from '@xmpp/client';
import { xml } from '@xmpp/xml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, makeFrame } from '../../shared/frames.js';
import { MAX_RECEIVE_COUNT, type QueueName } from '../../shared/topology.js';
import { eventually } from '../helpers/eventually.js';
import { useLocalStack } from '../helpers/stack-session.js';
import { startTestSession } from '../helpers/xmpp-session.js';

// Hostile input against the whole stack on real parts (fauxqs, dynalite, Prosody, the relay
// as its own process). The relay's and the handlers' log lines are captured, not printed, so
// the tests can check that reasons are logged and that the relay's XMPP session never dropped.
let bobRaw: Client;
const logs: string[] = [];
const saved = { log: console.log, error: console.error, dev: process.env.POWERTOOLS_DEV };
const BOT = 'bot@localhost';

// Registered before the stack's hooks: capture starts before it starts, ends after it stopped.
beforeAll(() => {
  // Relay lines come through console.log; handlers log through the global console in dev mode.
  console.log = (...args: unknown[]) => void logs.push(args.map(String).join(' '));
  console.error = console.log;
  process.env.POWERTOOLS_DEV = 'true';
});
afterAll(() => {
  Object.assign(console, { log: saved.log, error: saved.error });
  process.env.POWERTOOLS_DEV = saved.dev;
});

const local = useLocalStack({ name: 'bad', users: ['alice', 'bob', 'carol'], logLevel: 'ERROR' });
const { user, post } = local;
const send = (queue: QueueName, body: string) =>
  local.sqs.send(new SendMessageCommand({ QueueUrl: local.stack.queueUrls[queue], MessageBody: body }));
const relayTrouble = () => logs.filter((l) => /XMPP error|XMPP disconnected|link failed/.test(l));

beforeAll(async () => {
  const { service, domain } = local.stack.info.xmpp;
  const bobPassword = local.stack.info.accounts.bob?.password ?? '';
  ({ xmpp: bobRaw } = await startTestSession({
    service,
    domain,
    username: 'bob',
    password: bobPassword,
    resource: 'raw',
  }));
});

afterAll(async () => {
  await bobRaw?.stop().catch(() => {});
});

describe('hostile notice text', () => {
  it('is delivered as visible text without XML-illegal characters, and the session stays up', async () => {
    // Every C0 control (CR arrives as LF, as XML parsers read it), U+FFFE, U+FFFF, lone surrogates.
    const controls = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('');
    const markup = '</body><iq type="set"/> ]]> &#1; &amp; &lt; &foo; <![CDATA[x]]> <?pi x?> <!-- c -->';
    const scripts = 'שלום مرحبا e\u0301\u0301 👍🏽 👨‍👩‍👧 "q" \'a\'';
    const text = `[${controls}] \uFFFE\uFFFF\uDFFF\uD800|\uDBFF ${markup} ${scripts}`;
    const expected = `[\t\n\n] | ${markup} ${scripts}`;
    const id = await post('alice', text);
    const message = await user('bob').waitForBody((body) => body.endsWith(`[${id}]`));
    expect(message.body).toBe(`alice: ${expected} [${id}]`);
    expect(message.stanza.getChild('iq')).toBeUndefined();

    const long = '<&>"\''.repeat(200); // 1,000 characters (the demo site's limit), all escaped
    const next = await post('alice', long);
    await user('carol').waitForBody((body) => body === `alice: ${long} [${next}]`);
    expect(relayTrouble()).toEqual([]);
  });
});

describe('bad records on notices', () => {
  it('fail alone, reach the dead-letter queue after 5 receives, and are logged with the reason', async () => {
    await local.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: local.stack.queueUrls.notices,
        Attributes: { VisibilityTimeout: '1' },
      }),
    );
    const bob = await local.store.findUserByNickname('local', 'bob');
    if (!bob) throw new Error('demo user bob is missing');
    const id = await local.store.nextNoticeId('local');
    const frame = makeFrame('notice', 'local', `notice-${id}`, {
      notice: {
        id,
        author: { id: bob.id, nickname: 'bob' },
        text: 'line\u2028separator\u2029here',
        createdAt: new Date().toISOString(),
        source: 'api',
        scope: 'public',
        local: true,
      },
    });
    // A producer on a newer minor version may add fields: they are ignored, not refused.
    const good = encodeFrame({
      ...frame,
      trace: 'x',
      payload: { ...frame.payload, hint: 1 },
    } as typeof frame);
    const badNickname = encodeFrame(frame).replace('"nickname":"bob"', '"nickname":"b\\"ob"');
    const bad = [
      `\uFEFF${encodeFrame(frame)}`,
      '[]',
      'null',
      '42',
      '"notice"',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      badNickname,
      encodeFrame(frame).replace('"v":1', '"v":2'),
    ];
    for (const body of [...bad, good]) await send('notices', body);

    await user('alice').waitForBody((body) => body === `bob: line\u2028separator\u2029here [${id}]`);
    const dead: Message[] = [];
    await eventually(
      async () => {
        const { Messages = [] } = await local.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: local.stack.dlqUrls.notices,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        dead.push(...Messages);
        return dead.length >= bad.length;
      },
      { timeoutMs: 20_000, what: `${bad.length} dead letters on notices-dlq` },
    );
    expect(dead.map((m) => m.Body).sort()).toEqual([...bad].sort());
    for (const m of dead)
      expect(Number(m.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(MAX_RECEIVE_COUNT);
    const reasons = logs.filter((l) => l.includes('record failed')).join('\n');
    for (const reason of ['not JSON', 'received array', 'received null', 'received number', 'nickname'])
      expect(reasons).toContain(reason);
  }, 40_000);
});

describe('bad stanzas frames on xmpp-out', () => {
  it('are never written, are logged with the reason, and do not hold back the next frame', async () => {
    const to = 'bob@localhost';
    const stanzas = (id: string, body: string) =>
      encodeFrame(makeFrame('stanzas', 'local', id, { stanzas: [{ id, to, xml: body }] }));
    const cases: [string, string, RegExp][] = [
      ['raw', `<message to="${to}"><body>raw \u0001</body></message>`, /U\+0001/],
      ['surrogate', `<message to="${to}"><body>surrogate \uD800</body></message>`, /U\+D800/],
      ['charref', `<message to="${to}"><body>charref &#x1;</body></message>`, /Illegal XML character/],
      ['entity', `<message to="${to}"><body>entity &foo;</body></message>`, /Illegal XML entity/],
      [
        'roots',
        `<message to="${to}"><body>roots</body></message><iq type="set" to="${to}"/>`,
        /more than one root/,
      ],
      ['cdata', `<message to="${to}"><body><![CDATA[cdata]]></body></message>`, /CDATA/],
      ['to', `<message to="carol@localhost"><body>to</body></message>`, /differs from the frame/],
      ['unclosed', `<message to="${to}"><body>unclosed</body>`, /not closed/],
    ];
    for (const [id, body] of cases) await send('xmpp-out', stanzas(`bad-${id}`, body));
    // Over the 200,000-character schema limit: put on the queue as JSON, past makeFrame.
    const huge = JSON.stringify(`<message to="${to}"><body>huge ${'x'.repeat(300_000)}</body></message>`);
    await send('xmpp-out', stanzas('bad-huge', '<m/>').replace('<m/>', huge.slice(1, -1)));
    const good = stanzas(
      'good-1',
      `<message to="${to}" type="chat"><body>after the bad ones</body></message>`,
    );
    await send('xmpp-out', good.replace('{', '{"extra":true,')); // unknown fields are ignored

    await user('bob').waitForBody((body) => body === 'after the bad ones');
    for (const reason of [...cases.map(([, , r]) => r), /xml: Too big/]) {
      await eventually(() => logs.some((l) => l.includes('invalid stanzas frame') && reason.test(l)), {
        what: `the relay's log line for ${reason}`,
      });
    }
    const leaked = /^(raw|surrogate|charref|entity|roots|cdata|unclosed|huge)/;
    expect(user('bob').received.filter((m) => leaked.test(m.body))).toEqual([]);
    expect(user('carol').received.filter((m) => m.body === 'to')).toEqual([]);
    expect(relayTrouble()).toEqual([]);
  });
});

describe('inbound chat', () => {
  const say = (type: string | undefined, body: string) =>
    bobRaw.send(
      xml(
        'message',
        { to: BOT, ...(type ? { type } : {}), id: `raw-${Math.random()}` },
        xml('body', {}, body),
      ),
    );

  it('posts only chat and normal messages with text; headline, groupchat, error and blank ones never', async () => {
    for (const type of ['headline', 'groupchat', 'error']) await say(type, `ignored ${type}`);
    await say('chat', ' \n\t ');
    await say('chat', 'markup </body><iq type="set"/> & <b>x</b>');
    const markup = await user('alice').waitForBody((body) => body.startsWith('bob: markup '));
    expect(markup.body).toMatch(/^bob: markup <\/body><iq type="set"\/> & <b>x<\/b> \[\d+\]$/);
    expect(
      user('alice').received.filter((m) => m.body.includes('ignored') || /^bob:\s+\[/.test(m.body)),
    ).toEqual([]);
  });

  it('folds case and drops the resource of the sender; illegal characters never reach followers', async () => {
    const frame = makeFrame('chat-in', 'local', 'chat-in-upper', {
      from: 'BOB@LocalHost/Some Resource',
      to: BOT,
      type: 'chat',
      stanzaId: 'upper-1',
      body: 'upper \u0001\uFFFE\uD800case',
      receivedAt: new Date().toISOString(),
    });
    await send('xmpp-in', encodeFrame(frame));
    await user('alice').waitForBody((body) => /^bob: upper case \[\d+\]$/.test(body));
  });

  it('never posts from an address that is no longer the confirmed one; the sender gets help instead', async () => {
    const carol = await local.store.findUserByNickname('local', 'carol');
    if (!carol?.im) throw new Error('demo user carol is missing');
    await local.store.putUser({ ...carol, im: { jid: 'carol-new@localhost', confirmed: true } });
    try {
      await user('carol').say(BOT, 'from the old address');
      await user('carol').waitForBody((body) => body.includes('not linked'));
      const last = await local.store.nextNoticeId('local');
      for (let id = 1; id <= Number(last); id++)
        expect((await local.store.getNotice('local', String(id)))?.text).not.toBe('from the old address');
    } finally {
      await local.store.putUser(carol);
    }
  });
});
