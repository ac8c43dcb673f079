export * from './tokens/token.service';
export * from './tokens/reader-links';
export * from './subscriptions.module';
