/**
 * Messages no one typed to us (statusnet.md §2.4 step 5): another program's auto-reply,
 * or an Off-the-Record negotiation. They are dropped before anything, including the
 * unknown-sender reply, so two bots cannot talk to each other for ever (§4.B.9).
 */
// "[Auto-Reply]", "(auto response)", "[AutoReply]" anywhere (StatusNet's pattern), and a
// leading "Auto-Reply:" as some clients write it; not the words in a sentence.
const AUTO_REPLY = /[[(]\s*auto[-\s]?re(?:ply|sponse)\s*[\])]|^auto[-\s]?re(?:ply|sponse)\s*:/i;
// The one bounce text StatusNet matched exactly: an offline-storage overflow notice.
const OFFLINE_STORAGE_BOUNCE = /^System: Message wasn't delivered\. Offline storage size was exceeded\.$/;
// OTR messages start with "?OTR" (query, whitespace tag aside, and data messages).
const OTR = /^\?OTR/;

export function isAutoReply(body: string): boolean {
  const text = body.trim();
  return AUTO_REPLY.test(text) || OFFLINE_STORAGE_BOUNCE.test(text);
}

export function isOtr(body: string): boolean {
  return OTR.test(body.trim());
}
