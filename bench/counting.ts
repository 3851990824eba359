import type { SQSClient } from '@aws-sdk/client-sqs';

/** Counts the SQS API calls a client makes, by operation, as they leave the client. */
export class RequestCounter {
  readonly calls = new Map<string, number>();

  attach(client: SQSClient): SQSClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'noticeflowRequestCounter' },
    );
    return client;
  }

  count(...names: string[]): number {
    return names.reduce((sum, name) => sum + (this.calls.get(name) ?? 0), 0);
  }

  total(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
}
