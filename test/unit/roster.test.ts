import parse from '@xmpp/xml/lib/parse.js';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.js';
import { encodeFrame, makeFrame } from '../../shared/frames.js';
import { ROSTER_NS, rosterRemovalStanzas } from '../../shared/roster.js';
import { checkStanzaFrame } from '../../xmpp-relay/stanza-check.js';

describe('rosterRemovalStanzas', () => {
  it('is one roster remove addressed to our own account (RFC 6121 §2.5)', () => {
    const stanzas = rosterRemovalStanzas('local', 'carol@example.org', 'change-1');
    expect(stanzas).toHaveLength(1);
    const [stanza] = stanzas;
    if (!stanza) throw new Error('no stanza');
    expect(stanza.to).toBe('carol@example.org');
    const iq = parse(stanza.xml);
    expect(iq.name).toBe('iq');
    expect(iq.attrs).toEqual({ type: 'set', id: stanza.id });
    const item = iq.getChild('query', ROSTER_NS)?.getChild('item');
    expect(item?.attrs).toEqual({ jid: 'carol@example.org', subscription: 'remove' });
  });

  it('removes the bare JID, normalized as addresses are stored', () => {
    const [stanza] = rosterRemovalStanzas('local', 'Carol@Example.org/phone', 'r');
    expect(stanza?.to).toBe('carol@example.org');
    expect(
      parse(stanza?.xml ?? '')
        .getChild('query', ROSTER_NS)
        ?.getChild('item')?.attrs.jid,
    ).toBe('carol@example.org');
  });

  it('escapes what it writes into the XML', () => {
    const [stanza] = rosterRemovalStanzas('local', 'carol@x"<&.org', 'r');
    expect(
      parse(stanza?.xml ?? '')
        .getChild('query', ROSTER_NS)
        ?.getChild('item')?.attrs.jid,
    ).toBe('carol@x"<&.org');
  });

  it('refuses a malformed address with a PermanentError', () => {
    expect(() => rosterRemovalStanzas('local', 'not a jid', 'r')).toThrowError(PermanentError);
  });

  it('gives each removal its own stanza id, stable for the same removal', () => {
    const id = (removal: string, jid = 'carol@example.org') =>
      rosterRemovalStanzas('local', jid, removal)[0]?.id;
    expect(id('r1')).toBe(id('r1'));
    expect(id('r1')).not.toBe(id('r2'));
    expect(id('r1')).not.toBe(id('r1', 'dave@example.org'));
  });

  it('passes the relay stanza check as a stanzas frame', () => {
    const stanzas = rosterRemovalStanzas('local', 'carol@example.org', 'change-1');
    const checked = checkStanzaFrame(encodeFrame(makeFrame('stanzas', 'local', 'roster-1', { stanzas })));
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.elements[0]?.attrs.to).toBeUndefined();
  });
});
