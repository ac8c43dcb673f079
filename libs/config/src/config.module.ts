import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './config';

/** Injection token for the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** Validates process.env once at boot; `overrides` lets tests pin values. */
  static forRoot(overrides: Partial<AppConfig> = {}): DynamicModule {
    return {
      module: ConfigModule,
      // A factory, so the environment is read when the app boots, not when this file is imported.
      providers: [{ provide: APP_CONFIG, useFactory: (): AppConfig => ({ ...loadConfig(), ...overrides }) }],
      exports: [APP_CONFIG],
    };
  }
}
