export * from './protect-subscription.decorator';
export * from './subscribe-challenge';
export * from './proof-of-work.challenge';
export * from './captcha.challenge';
export * from './security-headers';
export * from './dependency-errors';
export * from './security.module';
