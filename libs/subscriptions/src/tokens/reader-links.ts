import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ALL_NEWSLETTERS, TokenService } from './token.service';

/** Absolute links that carry a reader's identity (emails and pages use these, never hand-built URLs). */
@Injectable()
export class ReaderLinks {
  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicBaseUrl'>,
    private readonly tokens: TokenService,
  ) {}

  confirmUrl(subscriberId: string): string {
    return this.url('/confirm', this.tokens.sign({ subscriberId, newsletterId: ALL_NEWSLETTERS, purpose: 'confirm' }));
  }

  /** newsletterId null: the link unsubscribes from everything. */
  unsubscribeUrl(subscriberId: string, newsletterId: string | null): string {
    const token = this.tokens.sign({
      subscriberId,
      newsletterId: newsletterId ?? ALL_NEWSLETTERS,
      purpose: 'unsubscribe',
    });
    return this.url('/unsubscribe', token);
  }

  preferencesUrl(subscriberId: string): string {
    return this.url(
      '/preferences',
      this.tokens.sign({ subscriberId, newsletterId: ALL_NEWSLETTERS, purpose: 'preferences' }),
    );
  }

  exportUrl(subscriberId: string): string {
    return this.url(
      '/preferences/export',
      this.tokens.sign({ subscriberId, newsletterId: ALL_NEWSLETTERS, purpose: 'export' }),
    );
  }

  private url(path: string, token: string): string {
    return `${this.config.publicBaseUrl}${path}?token=${encodeURIComponent(token)}`;
  }
}
