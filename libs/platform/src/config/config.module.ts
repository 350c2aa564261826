import { DynamicModule, Module } from '@nestjs/common';

/** Makes the app's validated env instance injectable by its own class. */
@Module({})
export class AppConfigModule {
  static forRoot<T extends object>(cls: new () => T, instance: T): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      providers: [{ provide: cls, useValue: instance }],
      exports: [cls],
    };
  }
}
