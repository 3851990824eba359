import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/stack-session.js';

// A fresh user goes the whole way from a real chat client: the site saves frank's address
// (site API), the bot sends the code, frank sends it back by chat, and then uses commands.
const local = useLocalStack({ name: 'confirm-chat', newAccounts: ['frank'] });
const { user, jid } = local;
const PREFIX = '[noticeflow demo] ';

async function api(method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(new URL(path, local.stack.info.api.url), {
    method,
    headers: {
      authorization: `Bearer ${local.stack.info.api.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.body?.cancel();
  return response.status;
}

async function command(body: string, reply: string): Promise<void> {
  await user('frank').say(local.stack.info.bot.jid, body);
  await user('frank').waitForBody((text) => text === `${PREFIX}${reply}`);
}

describe('confirm by chat, then commands', () => {
  it('links an address with the code sent back by chat, then follows, gets a notice, get and whois', async () => {
    expect(await api('POST', '/users', { nickname: 'frank' })).toBe(201);
    expect(await api('PUT', '/users/frank/im', { jid: jid('frank') })).toBe(202);
    const message = await user('frank').waitForBody((text) => /send me this code: [2-9A-Z]{13}/.test(text));
    const code = /send me this code: ([2-9A-Z]{13})/.exec(message.body)?.[1] ?? '';

    // Before confirming, a command is not run: the address is not linked yet.
    await user('frank').say(local.stack.info.bot.jid, 'stats');
    await user('frank').waitForBody((text) => text.startsWith(PREFIX) && text.includes('not linked'));

    await user('frank').say(local.stack.info.bot.jid, ` ${code.toLowerCase()} `);
    await user('frank').waitForBody((text) => text.startsWith(`${PREFIX}Confirmed: ${jid('frank')}`));
    expect((await local.store.findUserByNickname('local', 'frank'))?.im).toEqual({
      jid: jid('frank'),
      confirmed: true,
    });

    await command('follow alice', 'Subscribed to alice.');
    const post = (text: string) => local.post('alice', text);
    const first = await post('welcome frank');
    await user('frank').waitForBody((text) => text === `alice: welcome frank [${first}]`);
    await command('get alice', `alice: welcome frank [${first}]`);
    await command('whois alice', 'alice (http://localhost:8080/alice)');
  });
});
