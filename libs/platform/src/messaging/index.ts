export { JetStreamService, ERROR_CODE_HEADER, connectionSecurity, type StreamCapacity } from './jetstream.service';
export { messagingSecurity } from './messaging-security';
export { MessagingModule, type MessagingModuleAsyncOptions } from './messaging.module';
export {
  MessagingTimeoutError,
  MessagingRemoteError,
  MessagingPublishError,
  type PublishOutcome,
} from './messaging.errors';
export {
  type BroadcastEvent,
  type BroadcastHandle,
  type BroadcastMessage,
  type BroadcastOptions,
  type ConsumedEvent,
  type EventBroadcastOptions,
  type EventConsumerOptions,
  CORRELATION_ID_HEADER,
  MESSAGING_OPTIONS,
  type ConsumedMessage,
  type ConsumerDefinition,
  type ConsumerHandle,
  type MessagingAuth,
  type MessagingOptions,
  type MessagingTls,
  type PublishItem,
  type PublishOptions,
  type PublishResult,
  type ReplyHandler,
  type ReplyOptions,
  type RequestOptions,
  type StreamDefinition,
} from './messaging.types';
