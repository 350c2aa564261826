/** A bad argument: the CLI prints `error: <argument>: <reason>` and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}
