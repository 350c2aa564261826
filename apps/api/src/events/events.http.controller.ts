import { Controller, Get, Query, Req, Res, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, Principal } from '../auth/principal';
import { ThrottledGuard } from '../common/throttled.guard';
import { EventsQueryDto } from './dto/events-query.dto';
import { type LiveSink, LiveEventsService } from './live-events.service';

/** A stream that cannot keep up (a stalled browser): it is ended rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

@ApiTags('events')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/events')
export class EventsHttpController {
  constructor(private readonly live: LiveEventsService) {}

  /**
   * Server-sent events for one advertiser while the connection is open: `perf` {advertiserIds, campaignIds}, `budget`
   * {advertiserId, campaignIds}, `alert` {advertiserId, alertId, alertIds}, `action` {advertiserId, actionId, actionIds}
   * — at most one of each kind a second (ids merged) — and `: ping` every API_SSE_PING_SECONDS. A hint to re-read, not
   * the data: fetch the resource the event names. 503 beyond API_SSE_MAX_CONNECTIONS open streams per replica.
   */
  @Get()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream' })
  stream(
    @Query() q: EventsQueryDto,
    @CurrentPrincipal() who: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    const [advertiserId] = advertiserFilter(who, q.advertiserId) ?? [q.advertiserId];
    let ended = false;
    const sink: LiveSink = {
      advertiserId,
      write: (chunk) => {
        if (ended) return;
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          sink.end();
          return;
        }
        res.write(chunk);
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.live.remove(sink);
        res.end();
      },
    };
    if (!this.live.add(sink)) {
      res.setHeader('Retry-After', '5');
      throw new ServiceUnavailableException({
        statusCode: 503,
        code: 'TOO_MANY_STREAMS',
        message: 'this api replica has as many open event streams as API_SSE_MAX_CONNECTIONS allows; retry shortly',
      });
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx and its kin: pass each event on at once
    res.flushHeaders();
    req.socket.setKeepAlive(true);
    req.socket.setNoDelay(true);
    res.write('retry: 3000\n: connected\n\n');
    const close = () => sink.end();
    req.on('close', close);
    res.on('error', close);
  }
}
