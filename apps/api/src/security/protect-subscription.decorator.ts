import { applyDecorators, UseGuards } from '@nestjs/common';
import { SubscribeChallengeGuard } from './subscribe-challenge.guard';
import { SubscribeRateLimitGuard } from './subscribe-rate-limit.guard';

/** Abuse protection for a sign-up route: per-IP rate limit (429), then the optional proof-of-work/CAPTCHA check. */
export const ProtectSubscription = () => applyDecorators(UseGuards(SubscribeRateLimitGuard, SubscribeChallengeGuard));
