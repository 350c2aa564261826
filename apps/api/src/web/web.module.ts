import { type DynamicModule, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { cacheControlFor, SPA_EXCLUDE } from './web-dist';
import { WebNotBuiltHttpController } from './web-not-built.http.controller';

/**
 * The dashboard (apps/web's build) at `/`: files as they are, any other path outside the api's own (SPA_EXCLUDE)
 * answered with index.html so the app's router takes it. Hashed assets are cached for a year, index.html revalidated.
 * Without a build the api still starts and `/` says so (503).
 */
@Module({})
export class WebModule {
  static register(dir: string | null): DynamicModule {
    if (!dir) {
      return { module: WebModule, controllers: [WebNotBuiltHttpController] };
    }
    return {
      module: WebModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: dir,
          exclude: SPA_EXCLUDE,
          serveStaticOptions: {
            index: false, // `/` goes through the fallback below, with its headers
            fallthrough: true,
            setHeaders: (res: { setHeader(name: string, value: string): void }, path: string) =>
              res.setHeader('Cache-Control', cacheControlFor(path)),
          },
        }),
      ],
    };
  }
}
