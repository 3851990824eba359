import { describeError } from '../shared/errors.js';
import { readRelayConfig } from './config.js';
import { jsonLogger } from './log.js';
import { Relay } from './relay.js';

/**
 * Process entry: read the configuration from the environment (failing fast, naming the
 * option), start the relay, stop it on SIGINT/SIGTERM. Exit code 0 after a requested stop,
 * 1 when the relay failed (bad credentials, another session took over, ...) or could not
 * start, 2 on bad configuration.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof readRelayConfig>;
  try {
    config = readRelayConfig(process.env);
  } catch (error) {
    process.stderr.write(`xmpp-relay: ${describeError(error)}\n`);
    return 2;
  }
  const logger = jsonLogger(config.logLevel);
  const relay = new Relay(config, { logger });
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('signal received; stopping', { signal });
    void relay.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await relay.start();
    // Plain readiness line, whatever the log level (infra/local/relay.ts waits for it).
    process.stdout.write(
      `relay: online as ${config.xmpp.username}@${config.xmpp.domain}/${config.xmpp.resource}\n`,
    );
  } catch (error) {
    logger.error('relay did not start', { error: describeError(error) });
  }
  const exit = await relay.finished;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  return exit.state === 'stopped' ? 0 : 1;
}

const code = await main();
process.exitCode = code;
// Everything is closed by now; this only guards against a stray handle keeping us alive.
setTimeout(() => process.exit(code), 2_000).unref();
