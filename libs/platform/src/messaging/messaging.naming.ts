/** Applies the test/run prefix to subjects and stream names (see MessagingOptions.prefix). */
export class MessagingNaming {
  private readonly subjectPrefix: string;
  private readonly streamPrefix: string;

  constructor(prefix: string) {
    const p = prefix.trim();
    if (/[\s*>]/.test(p) || p.startsWith('.') || p.endsWith('.')) {
      throw new Error(`Invalid messaging prefix '${prefix}'`);
    }
    this.subjectPrefix = p ? `${p}.` : '';
    this.streamPrefix = p ? `${p.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_` : '';
  }

  subject(subject: string): string {
    return this.subjectPrefix + subject;
  }

  /** Strips the prefix from a subject received from the server. */
  unprefixSubject(subject: string): string {
    return this.subjectPrefix && subject.startsWith(this.subjectPrefix)
      ? subject.slice(this.subjectPrefix.length)
      : subject;
  }

  stream(name: string): string {
    return this.streamPrefix + name;
  }
}
