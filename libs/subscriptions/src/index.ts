export * from './tokens/token.service';
export * from './tokens/reader-links';
export * from './subscriptions.module';
export * from './suppression/suppression.service';
export * from './events/provider-event';
export * from './events/email-events.service';
export * from './privacy/privacy.service';
export * from './privacy/scrub';
