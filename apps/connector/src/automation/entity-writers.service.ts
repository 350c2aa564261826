import { Injectable } from '@nestjs/common';
import { AdsEntityWriter, type EntityWriter } from '@ams/ads-api';
import type { AdsRegionCode } from '@ams/contracts';
import { AdsConnectionService } from '../connection/ads-connection.service';

/** One `AdsEntityWriter` per region (the connection keeps one client per region; the override host serves all). */
@Injectable()
export class EntityWritersService {
  private readonly writers = new Map<string, EntityWriter>();

  constructor(private readonly connection: AdsConnectionService) {}

  /** UNAVAILABLE (a CommandError) without credentials or while the user must consent again. */
  forRegion(region: AdsRegionCode): EntityWriter {
    const client = this.connection.clientFor(region);
    let w = this.writers.get(region);
    if (!w) {
      w = new AdsEntityWriter(client);
      this.writers.set(region, w);
    }
    return w;
  }
}
