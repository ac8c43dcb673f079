export * from './tokens/token.service';
export * from './tokens/reader-links';
export * from './subscriptions.module';
export * from './suppression/suppression.service';
