/**
 * The codes a command's handler refuses with, and the one error class that carries them. The messaging module answers
 * a failed handler with `{ error: { code, message } }` and the `x-error-code` header, taking the code from the error;
 * the api maps every code to an HTTP status (a code added here without a status there does not compile).
 */
export const COMMAND_ERROR_CODES = [
  /** the request does not match its contract class, or a rule of the command refuses it */
  'VALIDATION',
  /** the request body is not JSON (answered by the messaging module itself) */
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'UNPROCESSABLE',
  /** a reprocess run is running; the message starts `reprocess run <id> is running` */
  'REPROCESS_RUNNING',
  /** the answering app cannot do it now: the Ads API connection has no credentials or needs the user's consent again */
  'UNAVAILABLE',
  /** Amazon refused or failed after retries; the message carries Amazon's status, code and request id */
  'UPSTREAM',
  /** an unexpected failure: the caller gets an error id, the replier's log the details */
  'INTERNAL',
] as const;
export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];

export function isCommandErrorCode(code: unknown): code is CommandErrorCode {
  return typeof code === 'string' && (COMMAND_ERROR_CODES as readonly string[]).includes(code);
}

/** A command refused: thrown by a handler (or by the messaging module's validation), answered with its code. */
export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}
