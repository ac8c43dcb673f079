export * from './render/compiled-mail';
export * from './render/mail-renderer';
export * from './headers/mail-headers';
export * from './mime/mime-template';
export * from './transport/smtp-errors';
export * from './transport/mail-transport';
export * from './transport/threaded-smtp-pool';
export * from './mail.module';
