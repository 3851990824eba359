/**
 * Error classes shared by every area. Each says whether trying again can help:
 * a `PermanentError` will fail the same way on every retry (bad frame, unknown user),
 * a `TransientError` might succeed later (throttling, a dropped connection).
 */
export abstract class NoticeflowError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class PermanentError extends NoticeflowError {
  readonly retryable = false;
}

export class TransientError extends NoticeflowError {
  readonly retryable = true;
}

/** A configuration option is missing or invalid; names the option. */
export class ConfigError extends PermanentError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`configuration ${option}: ${problem}`);
  }
}

/** A queue message that is not a valid frame of the expected kind. */
export class InvalidFrameError extends PermanentError {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`invalid frame: ${reason}`, options);
  }
}

/** Some entries of an SQS batch call were refused; the caller should retry the whole record. */
export class PartialSendError extends TransientError {
  constructor(
    readonly queue: string,
    readonly failures: readonly { id: string; code: string; message: string }[],
  ) {
    super(
      `${failures.length} message(s) not accepted by ${queue}: ${failures
        .map((f) => `${f.code} ${f.message}`)
        .join('; ')}`,
    );
  }
}

/** True when an error is known to be permanent; unknown errors are treated as transient. */
export function isPermanent(error: unknown): boolean {
  return error instanceof NoticeflowError && !error.retryable;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
