/**
 * Fan-out benchmark: one notice to N IM subscribers on the local stack's parts (fauxqs,
 * dynalite, the event-source harness running im-notify, the relay's output drain).
 *
 *   npm run bench -- --subscribers 100000 --page 1000 [--parallelism 8] [--rounds 3]
 *
 * Reports the fan-out wall time against the floor (paging through the same subscriber
 * index in the same run; the two alternate for `rounds` notices, and the median ratio is
 * the figure), and the SQS requests per 1,000 stanzas counted at the clients:
 * im-notify's sends, the harness's receives and deletes of im-notify pages, the relay's
 * receives and deletes of xmpp-out. The XMPP server is replaced by a link that acknowledges
 * at once, so the figures are about the pipeline, not Prosody.
 *
 * This process plays Lambda (the event-source harness running im-notify); the emulators
 * and the relay run in a child process (services.ts), as they would run apart in AWS.
 */
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { decodeImNotifyFrame as decodeFrame } from '../functions/im-notify/frame.js';
import { notifyPage } from '../functions/im-notify/im-notify.js';
import { startHarness } from '../infra/local/harness.js';
import { provision } from '../infra/local/provision.js';
import { createDocumentClient, createSqsClient } from '../shared/aws/clients.js';
import { makeFrame } from '../shared/frames.js';
import { sqsBatchHandler } from '../shared/lambda/sqs-batch.js';
import { SqsFrameSender } from '../shared/queue.js';
import { DEFAULT_MAX_STANZAS, SqsQueueLimits } from '../shared/queue-limits.js';
import { SiteSettingsCache } from '../shared/site-settings.js';
import { DynamoStore } from '../shared/store/dynamo-store.js';
import { keys } from '../shared/store/table.js';
import { HANDLERS } from '../shared/topology.js';
import { RequestCounter } from './counting.js';
import { batchWrite } from './seed.js';
import { startServices } from './services-client.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // EMF lines would drown the report
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    page: { type: 'string', default: '1000' },
    parallelism: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
  },
});
const subscribers = Number(values.subscribers);
const pageSize = Number(values.page);
const parallelism = Number(values.parallelism);
/** Floor and fan-out are measured this many times, alternately; the report gives the median ratio. */
const rounds = Number(values.rounds);
const site = 'bench';
const tableName = 'noticeflow-bench';
const silent = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });

const services = await startServices();
const endpoints = { region: 'us-east-1', ...services.endpoints };
const db = createDocumentClient(endpoints);
const setupSqs = createSqsClient(endpoints);
const { queueUrls } = await provision({ sqs: setupSqs, dynamo: db, tableName });
const store = new DynamoStore(db, tableName);

// --- seed: the author and N subscribers with confirmed IM and notify on ---
const started = Date.now();
await store.putUser({ site, id: 'author', nickname: 'author', notify: true, replies: false, echo: false });
const items: Record<string, unknown>[] = [];
for (let i = 0; i < subscribers; i++) {
  const id = `u${String(i).padStart(7, '0')}`;
  items.push({
    ...keys.user(site, id),
    type: 'user',
    site,
    id,
    nickname: id,
    notify: true,
    replies: false,
    echo: false,
    im: { jid: `${id}@example.org`, confirmed: true },
  });
  // What DynamoStore.follow writes for a follower who gets IM copies.
  items.push({ ...keys.subscriber(site, 'author', id), subscriberId: id, im: true });
  items.push({ ...keys.subscription(site, id, 'author'), authorId: 'author', im: true });
  items.push({ ...keys.imSubscriber(site, 'author', id), userId: id, jid: `${id}@example.org` });
}
await batchWrite(db, tableName, items);
console.log(`seeded ${subscribers} subscribers in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// --- the floor: page through the IM subscriber index (what fan-out reads), nothing else ---
async function measureFloor(): Promise<{ ms: number; indexed: number }> {
  const begun = Date.now();
  let cursor: string | undefined;
  let indexed = 0;
  do {
    const page = await store.listImSubscribers(site, 'author', cursor, pageSize);
    indexed += page.items.length;
    cursor = page.next;
  } while (cursor);
  return { ms: Date.now() - begun, indexed };
}

// --- the fan-out, with every SQS client counted ---
const counter = new RequestCounter();
const sqs = counter.attach(createSqsClient(endpoints));
let queuedStanzas = 0;
let queuedAt = 0;
/** Stanzas that, once queued, end the round being measured. */
let queuedTarget = subscribers;
const frameSender = new SqsFrameSender(sqs, queueUrls);
const sender: typeof frameSender = Object.assign(Object.create(frameSender), {
  async send(queue: Parameters<typeof frameSender.send>[0], frames: Parameters<typeof frameSender.send>[1]) {
    await frameSender.send(queue, frames);
    for (const frame of frames) {
      if (frame.kind !== 'stanzas') continue;
      queuedStanzas += frame.payload.broadcast?.recipients.length ?? frame.payload.stanzas?.length ?? 0;
    }
    if (queuedStanzas >= queuedTarget && !queuedAt) queuedAt = Date.now();
  },
});
const spec = HANDLERS.find((h) => h.name === 'im-notify');
if (!spec) throw new Error('im-notify is not in the topology');
const queueLimits = new SqsQueueLimits(sqs, queueUrls, DEFAULT_MAX_STANZAS);
const settings = new SiteSettingsCache(store);
const handler = sqsBatchHandler({
  logger: silent,
  metrics: new Metrics({ serviceName: 'bench', namespace: 'bench' }),
  recordHandler: async (record) => {
    const limits = {
      pageSize,
      parallelism,
      claimSeconds: spec.timeoutSeconds,
      packing: await queueLimits.packing('xmpp-out'),
    };
    await notifyPage(decodeFrame(record.body), record.messageId, {
      store,
      sender,
      settings,
      logger: silent,
      limits,
    });
  },
});
await services.startRelay(site, {
  'xmpp-out': queueUrls['xmpp-out'],
  'xmpp-out-priority': queueUrls['xmpp-out-priority'],
  'xmpp-in': queueUrls['xmpp-in'],
});
const harness = await startHarness({
  sqs,
  queueUrls,
  handlers: [{ spec, handler }],
  logger: { info: console.log, warn: console.warn, error: console.error },
  waitTimeSeconds: 1,
});

const deadline = Date.now() + 30 * 60_000;
const measured: { floorMs: number; fanoutMs: number; deliveredMs: number }[] = [];
let indexed = 0;
let acked = 0;
for (let round = 1; round <= rounds; round++) {
  const floor = await measureFloor();
  indexed = floor.indexed;
  queuedTarget = subscribers * round;
  queuedAt = 0;
  const begun = Date.now();
  const notice = {
    id: String(round),
    author: { id: 'author', nickname: 'author' },
    text: 'Hello, all of you! A notice with an emoji 🎉 and a link https://example.org/?a=1&b=2',
    createdAt: new Date().toISOString(),
    source: 'bench',
    scope: 'public' as const,
    local: true,
  };
  await sender.send('im-notify', [makeFrame('notice', site, `notice-${round}`, { notice })]);
  // The round ends when the relay has every stanza acknowledged, so the next floor is read
  // on a quiet pipeline.
  while (acked < queuedTarget && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    acked = await services.acked();
  }
  measured.push({ floorMs: floor.ms, fanoutMs: queuedAt - begun, deliveredMs: Date.now() - begun });
}

await harness.stop();
sqs.destroy();
setupSqs.destroy();
db.destroy();
const relayCalls = await services.stop();
if (process.env.BENCH_DEBUG) console.log('relay', relayCalls);
for (const [name, calls] of Object.entries(relayCalls)) {
  counter.calls.set(name, (counter.calls.get(name) ?? 0) + calls);
}

const per1000 = (n: number) => ((n * 1000) / Math.max(1, queuedStanzas)).toFixed(2);
const sends = counter.count('SendMessageCommand', 'SendMessageBatchCommand');
const receives = counter.count('ReceiveMessageCommand');
const deletes = counter.count('DeleteMessageCommand', 'DeleteMessageBatchCommand');
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const ratios = measured.map((m) => m.fanoutMs / m.floorMs);
const result = {
  subscribers,
  pageSize,
  parallelism,
  rounds,
  indexed,
  stanzasQueued: queuedStanzas,
  stanzasAcked: acked,
  floorSeconds: measured.map((m) => m.floorMs / 1000),
  fanoutSeconds: measured.map((m) => m.fanoutMs / 1000),
  deliveredSeconds: measured.map((m) => m.deliveredMs / 1000),
  fanoutToFloor: ratios.map((r) => Number(r.toFixed(2))),
  fanoutToFloorMedian: Number(median(ratios).toFixed(2)),
  sqsRequests: Object.fromEntries([...counter.calls].sort()),
  per1000Stanzas: {
    send: per1000(sends),
    receive: per1000(receives),
    delete: per1000(deletes),
    all: per1000(sends + receives + deletes),
  },
};
console.log(JSON.stringify(result, null, 2));
