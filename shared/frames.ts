import { z } from 'zod';
import { InvalidFrameError } from './errors.js';
import { IM_BUCKETS } from './store/buckets.js';

/**
 * Frames: the body of every SQS message. A small versioned envelope around one payload.
 * The same zod schemas validate where a frame is produced and where it is consumed, and
 * `npm run schemas` publishes them as JSON Schema (schemas/) for producers in other
 * languages.
 */
export const FRAME_VERSION = 1;

const Identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - (1 to 128 characters)');
export const SiteId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -');
export const Nickname = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, '1 to 64 letters, digits or _');
const Timestamp = z.iso.datetime({ offset: true });

const NoticeRef = z.object({
  id: Identifier,
  author: z.object({ id: Identifier, nickname: Nickname }),
});

export const NoticeSchema = z.object({
  id: Identifier.describe('The notice id, stable for the life of the notice; shown to users as [id]'),
  author: z.object({ id: Identifier, nickname: Nickname }),
  text: z.string().max(20_000),
  createdAt: Timestamp,
  source: z.string().max(64).default('web').describe('Where the notice was posted: web, api, xmpp, ...'),
  scope: z.enum(['public', 'private']).default('public'),
  local: z.boolean().default(true).describe('False for notices that arrived from another site'),
  inReplyTo: NoticeRef.optional().describe('The notice this one replies to'),
  repeatOf: NoticeRef.optional().describe('For a repeat: the original notice'),
  mentions: z
    .array(Nickname)
    .max(100)
    .optional()
    .describe('Nicknames addressed with @; derived from the text when absent'),
  groups: z
    .array(Nickname)
    .max(20)
    .optional()
    .describe('Group nicknames addressed with !; derived from the text when absent'),
});
export type Notice = z.infer<typeof NoticeSchema>;

export const OutboundStanzaSchema = z.object({
  id: z.string().min(1).max(256).describe('Stable stanza id derived from the business ids'),
  to: z.string().min(3).max(3071),
  xml: z.string().min(1).max(200_000).describe('One serialized <message/>, <presence/> or <iq/> stanza'),
});
export type OutboundStanza = z.infer<typeof OutboundStanzaSchema>;

/** Most stanzas one frame may carry, whole or as a broadcast's recipients. */
export const MAX_STANZAS_PER_FRAME = 10_000;

export const RecipientSchema = z.object({
  id: OutboundStanzaSchema.shape.id,
  to: OutboundStanzaSchema.shape.to,
});

/**
 * One stanza for many recipients: a fan-out page sends the same notice to everyone in it,
 * so the stanza travels once and only the envelope is listed per recipient. The relay writes
 * one copy per recipient, with `to` and `id` set from the list.
 */
export const BroadcastSchema = z.object({
  xml: z
    .string()
    .min(1)
    .max(200_000)
    .describe('One serialized <message/> without to and id attributes; the relay sets both per recipient'),
  recipients: z.array(RecipientSchema).min(1).max(MAX_STANZAS_PER_FRAME),
});
export type Broadcast = z.infer<typeof BroadcastSchema>;

export const StanzaBatchSchema = z
  .object({
    stanzas: z
      .array(OutboundStanzaSchema)
      .min(1)
      .max(MAX_STANZAS_PER_FRAME)
      .optional()
      .describe('Stanzas rendered whole, each for its own recipient'),
    broadcast: BroadcastSchema.optional(),
  })
  .describe('Carries exactly one of stanzas or broadcast')
  .refine((batch) => (batch.stanzas === undefined) !== (batch.broadcast === undefined), {
    message: 'carries exactly one of stanzas or broadcast',
  });

/** Most characters (UTF-16 code units) of a chat body a frame carries; a longer one is cut. */
export const MAX_INBOUND_BODY = 100_000;

export const InboundChatSchema = z.object({
  from: z.string().min(3).max(3071).describe('Full JID of the sender, as the server stamped it'),
  to: z.string().max(3071),
  type: z.enum(['chat', 'normal', 'groupchat', 'headline', 'error']),
  stanzaId: z.string().max(256).optional(),
  body: z.string().max(MAX_INBOUND_BODY),
  bodyLength: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Set when the body was cut to fit: the length of the whole body, in code points'),
  receivedAt: Timestamp,
});
export type InboundChat = z.infer<typeof InboundChatSchema>;

function envelope<K extends string, P extends z.ZodType>(kind: K, payload: P) {
  return z.object({
    v: z.literal(FRAME_VERSION),
    kind: z.literal(kind),
    site: SiteId,
    id: z.string().min(1).max(512).describe('Stable id of this frame, derived from business ids'),
    ts: Timestamp,
    payload,
  });
}

export const NoticeFrameSchema = envelope('notice', z.object({ notice: NoticeSchema }));
/**
 * A continuation of a large fan-out: which audience (stage) and where in it (cursor) the
 * next invocation carries on, so no invocation grows with the audience.
 */
export const FanoutFrameSchema = envelope(
  'fanout',
  z.object({
    notice: NoticeSchema,
    stage: z.enum(['direct', 'subscribers', 'groups']),
    /** Index into the notice's groups, for the `groups` stage. */
    group: z.number().int().min(0).default(0),
    cursor: z.string().max(1024).optional(),
    /** The range of subscriber buckets this chain reads (store/buckets.ts); absent: all. */
    buckets: z
      .object({
        from: z
          .number()
          .int()
          .min(0)
          .max(IM_BUCKETS - 1),
        to: z.number().int().min(1).max(IM_BUCKETS),
      })
      .refine((range) => range.from < range.to, { message: 'from must be below to' })
      .optional(),
    /** Sequence number of this page within the fan-out; part of every id derived from it. */
    page: z.number().int().min(0),
  }),
);
export const StanzaFrameSchema = envelope('stanzas', StanzaBatchSchema);
export const InboundChatFrameSchema = envelope('chat-in', InboundChatSchema);

/**
 * Presence subscription traffic (RFC 6121 §3) captured by the relay: only the four
 * subscription types travel; available, unavailable, probe and error presence stay in the relay.
 */
export const InboundPresenceSchema = z.object({
  from: z.string().min(3).max(3071).describe('Full or bare JID of the sender, as the server stamped it'),
  type: z.enum(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']),
  receivedAt: Timestamp,
});
export type InboundPresence = z.infer<typeof InboundPresenceSchema>;
export const InboundPresenceFrameSchema = envelope('presence-in', InboundPresenceSchema);
export type InboundPresenceFrame = z.infer<typeof InboundPresenceFrameSchema>;

export type NoticeFrame = z.infer<typeof NoticeFrameSchema>;
export type FanoutFrame = z.infer<typeof FanoutFrameSchema>;
export type StanzaFrame = z.infer<typeof StanzaFrameSchema>;
export type InboundChatFrame = z.infer<typeof InboundChatFrameSchema>;

/** Every frame schema by kind; also the list that `npm run schemas` publishes. */
export const FRAME_SCHEMAS = {
  notice: NoticeFrameSchema,
  fanout: FanoutFrameSchema,
  stanzas: StanzaFrameSchema,
  'chat-in': InboundChatFrameSchema,
  'presence-in': InboundPresenceFrameSchema,
} as const;
export type FrameKind = keyof typeof FRAME_SCHEMAS;
export type FrameOf<K extends FrameKind> = z.infer<(typeof FRAME_SCHEMAS)[K]>;

export function makeFrame<K extends FrameKind>(
  kind: K,
  site: string,
  id: string,
  payload: FrameOf<K>['payload'],
  now: Date = new Date(),
): FrameOf<K> {
  return validateFrame(kind, { v: FRAME_VERSION, kind, site, id, ts: now.toISOString(), payload });
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

export function validateFrame<K extends FrameKind>(kind: K, value: unknown): FrameOf<K> {
  const result = FRAME_SCHEMAS[kind].safeParse(value);
  if (!result.success) throw new InvalidFrameError(`${kind} frame: ${describeIssues(result.error)}`);
  return result.data as FrameOf<K>;
}

/**
 * JSON that every SQS implementation takes. JSON.stringify already escapes C0 controls and
 * lone surrogates; SQS also refuses U+FFFE and U+FFFF, and fauxqs 2.4 (the local stack)
 * refuses every character beyond U+FFFF, emoji included, although AWS takes them. So those
 * are escaped too (`\ud83d\ude42`), which JSON.parse reads back as the same text.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\uD800-\uDFFF\uFFFE\uFFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}

/** Serializes a frame for SQS (see encodeJson). */
export function encodeFrame(frame: FrameOf<FrameKind>): string {
  return encodeJson(frame);
}

/** Parses and validates a message body; throws InvalidFrameError with the reason. */
export function decodeFrame<K extends FrameKind>(kind: K, body: string): FrameOf<K> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new InvalidFrameError(`body is not JSON (${(error as Error).message})`, { cause: error });
  }
  return validateFrame(kind, value);
}
