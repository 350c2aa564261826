import { Module } from '@nestjs/common';
import { BatchWriterRepository } from './batch-writer.repository';
import { RecordConsumerService } from './record-consumer.service';
import { RetentionGuardService } from './retention-guard.service';

@Module({
  providers: [BatchWriterRepository, RecordConsumerService, RetentionGuardService],
  exports: [RecordConsumerService, BatchWriterRepository, RetentionGuardService],
})
export class IngestModule {}
