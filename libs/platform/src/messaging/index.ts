export { JetStreamService, ERROR_CODE_HEADER, type StreamCapacity } from './jetstream.service';
export { MessagingModule, type MessagingModuleAsyncOptions } from './messaging.module';
export { MessagingTimeoutError, MessagingRemoteError, MessagingPublishError, type PublishOutcome } from './messaging.errors';
export {
  type BroadcastHandle,
  type BroadcastMessage,
  type BroadcastOptions,
  CORRELATION_ID_HEADER,
  MESSAGING_OPTIONS,
  type ConsumedMessage,
  type ConsumerDefinition,
  type ConsumerHandle,
  type MessagingOptions,
  type PublishItem,
  type PublishOptions,
  type PublishResult,
  type ReplyHandler,
  type ReplyOptions,
  type RequestOptions,
  type StreamDefinition,
} from './messaging.types';
