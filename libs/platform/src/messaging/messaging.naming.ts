import { natsNames } from '@ams/contracts';

/** Applies the test/run prefix to subjects and stream names (see MessagingOptions.prefix and natsNames). */
export class MessagingNaming {
  private readonly subjectPrefix: string;
  private readonly streamPrefix: string;

  constructor(prefix: string) {
    const names = natsNames(prefix);
    this.subjectPrefix = names.subjectPrefix;
    this.streamPrefix = names.streamPrefix;
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
