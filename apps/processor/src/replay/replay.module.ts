import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { ReprocessService } from './reprocess.service';

@Module({
  imports: [IngestModule],
  providers: [ReprocessService],
})
export class ReplayModule {}
