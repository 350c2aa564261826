import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { ReprocessRunRepository } from './reprocess-run.repository';
import { ReprocessService } from './reprocess.service';

@Module({
  imports: [IngestModule],
  providers: [ReprocessService, ReprocessRunRepository],
})
export class ReplayModule {}
