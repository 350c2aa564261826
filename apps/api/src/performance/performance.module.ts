import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { PerformanceHttpController } from './performance.http.controller';
import { PerformanceRepository } from './performance.repository';
import { PerformanceService } from './performance.service';

@Module({
  controllers: [PerformanceHttpController],
  providers: [PerformanceRepository, PerformanceService, ApiKeyGuard],
})
export class PerformanceModule {}
