import { Module } from '@nestjs/common';
import { BatchWriterRepository } from './batch-writer.repository';
import { RecordConsumerService } from './record-consumer.service';

@Module({
  providers: [BatchWriterRepository, RecordConsumerService],
  exports: [RecordConsumerService, BatchWriterRepository],
})
export class IngestModule {}
