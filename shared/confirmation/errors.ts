import { PermanentError } from '../errors.js';

/**
 * A request the site cannot carry out as asked; retrying it unchanged fails the same way.
 * `status` is the HTTP status the site API answers with, `field` the input at fault.
 */
export class RefusedError extends PermanentError {
  constructor(
    readonly status: 400 | 404 | 409 | 429,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
