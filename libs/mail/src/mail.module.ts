import { Module } from '@nestjs/common';
import { MailHeaders } from './headers/mail-headers';
import { MailRenderer } from './render/mail-renderer';
import { MailTransport } from './transport/mail-transport';

/** Rendering, headers and the transport. Needs ConfigModule (global). */
@Module({
  providers: [MailRenderer, MailHeaders, MailTransport],
  exports: [MailRenderer, MailHeaders, MailTransport],
})
export class MailModule {}
