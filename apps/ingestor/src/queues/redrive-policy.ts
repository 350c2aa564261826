/** A queue's redrive policy as SQS returns it in the RedrivePolicy attribute (a JSON string). */
export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** Parses the RedrivePolicy attribute; undefined when the queue has none (or it is unreadable). Pure. */
export function parseRedrivePolicy(attribute: string | undefined): RedrivePolicy | undefined {
  if (!attribute) return undefined;
  try {
    const p = JSON.parse(attribute) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const max = Number(p.maxReceiveCount);
    if (typeof p.deadLetterTargetArn !== 'string' || !Number.isInteger(max) || max < 1) return undefined;
    return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: max };
  } catch {
    return undefined;
  }
}

/** `arn:aws:sqs:<region>:<account>:<name>` → its parts; undefined for anything else. Pure. */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } | undefined {
  const m = /^arn:[^:]+:sqs:([^:]*):([^:]*):([^:]+)$/.exec(arn);
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}

/**
 * Whether a message received `receiveCount` times must not go back to the queue: from here on, each receive
 * that gives it back brings it closer to (or into) the dead-letter queue, which SQS moves a message to on the
 * receive after its `maxReceiveCount`-th. Such a message is held until it is handed off. Pure.
 */
export function nearMaxReceive(receiveCount: number, maxReceiveCount: number | undefined, margin: number): boolean {
  if (maxReceiveCount === undefined || !Number.isFinite(receiveCount)) return false;
  return receiveCount >= maxReceiveCount - margin;
}
