import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { APP_CONFIG, AppConfig } from '@app/config';
import { redisOptions } from '@app/queues';
import { HttpCaptchaChallenge } from './captcha.challenge';
import { ProofOfWorkChallenge } from './proof-of-work.challenge';
import { SUBSCRIBE_CHALLENGES, SubscribeChallenge } from './subscribe-challenge';
import { SubscribeChallengeGuard } from './subscribe-challenge.guard';
import { SubscribeRateLimitGuard } from './subscribe-rate-limit.guard';

const ONE_MINUTE_MS = 60_000;

/**
 * Abuse protection and availability answers for the API: the Redis-backed sign-up
 * rate limit, the optional sign-up challenges, and 503s for database/Redis outages.
 * Security headers are installed in configureApp (they must wrap every response).
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'default', ttl: ONE_MINUTE_MS, limit: Math.max(config.subscribeRateLimit, 1) }],
        skipIf: () => config.subscribeRateLimit === 0,
        storage: new ThrottlerStorageRedisService({
          ...redisOptions(config.redisUrl, 'producer'),
          // Queue the first commands until connected, but give up fast during an outage (503).
          enableOfflineQueue: true,
          // Same prefix as the queues: deployments and test runs sharing a Redis never share counters.
          keyPrefix: `${config.queuePrefix}:throttle:`,
        }),
      }),
    }),
  ],
  providers: [
    ProofOfWorkChallenge,
    HttpCaptchaChallenge,
    {
      provide: SUBSCRIBE_CHALLENGES,
      inject: [APP_CONFIG, ProofOfWorkChallenge, HttpCaptchaChallenge],
      useFactory: (config: AppConfig, pow: ProofOfWorkChallenge, captcha: HttpCaptchaChallenge) => {
        const active: SubscribeChallenge[] = [];
        if (config.subscribeChallenge.powBits > 0) active.push(pow);
        if (config.subscribeChallenge.captchaVerifyUrl) active.push(captcha);
        return active;
      },
    },
    SubscribeRateLimitGuard,
    SubscribeChallengeGuard,
  ],
  exports: [SUBSCRIBE_CHALLENGES, SubscribeRateLimitGuard, SubscribeChallengeGuard],
})
export class SecurityModule {}
