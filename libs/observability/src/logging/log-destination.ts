import { Global, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';

/** Where JSON log lines go: stdout in production; a test swaps in a capturing stream. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

@Global()
@Module({
  providers: [{ provide: LOG_DESTINATION, useFactory: (): DestinationStream => process.stdout }],
  exports: [LOG_DESTINATION],
})
export class LogDestinationModule {}
