import { Controller, Get, Header, HttpCode, Logger, type OnModuleInit } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** `/` when the api runs without the dashboard's build: a plain answer instead of a 404. */
@ApiExcludeController()
@Controller()
export class WebNotBuiltHttpController implements OnModuleInit {
  onModuleInit(): void {
    new Logger('WebModule').warn('the dashboard is not built (npx nx build web, or WEB_DIST_DIR): / says so');
  }

  @Get()
  @HttpCode(503)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  notBuilt(): string {
    return 'The dashboard is not built: run `npx nx build web` (or set WEB_DIST_DIR) and restart the api. The REST API is at /v1, its documentation at /docs.\n';
  }
}
