import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { QuarantineReplayService } from './quarantine-replay.service';

@Module({
  imports: [IngestModule],
  providers: [QuarantineReplayService],
})
export class QuarantineModule {}
