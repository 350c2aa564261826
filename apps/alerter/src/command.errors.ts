/**
 * Errors of the alerter's NATS commands. The messaging module answers a failed handler with
 * `{ error: { code, message } }` and the `x-error-code` header, taking the code from the error.
 */
export class CommandError extends Error {
  constructor(
    readonly code: 'VALIDATION' | 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}
