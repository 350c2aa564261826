/** A request got no reply in time, or nobody listens on the subject. Also thrown by publish when no stream acknowledged. */
export class MessagingTimeoutError extends Error {
  readonly code = 'MESSAGING_TIMEOUT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessagingTimeoutError';
  }
}

/** The replier's handler failed: carries the error code it replied with. */
export class MessagingRemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MessagingRemoteError';
  }
}

export type PublishOutcome = { ok: true; seq: number; duplicate: boolean } | { ok: false; error: Error };

/** Some items of a `publishMany` were not acknowledged; `outcomes` tells which (same order as the items). */
export class MessagingPublishError extends Error {
  readonly code = 'MESSAGING_PUBLISH_FAILED';

  constructor(
    message: string,
    readonly outcomes: PublishOutcome[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MessagingPublishError';
  }
}
