import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Newsletter } from '@app/database';
import { consentText, PRIVACY_NOTICE, PreferencesView, ReaderLinks } from '@app/subscriptions';
import { PageRenderer } from '../common/page-renderer';
import { ReaderForms } from './reader-forms';
import type { FieldError } from './validate-body';

/** Form ids carried by the signed form tokens. */
export const SUBSCRIBE_PAGE_FORM = 'subscribe:page';
export const embedFormId = (slug: string) => `subscribe:embed:${slug}`;
export const isSubscribeForm = (form: string) => form.startsWith('subscribe:');
export const embedSlugOf = (form: string) => (form.startsWith('subscribe:embed:') ? form.slice(16) : null);

export interface SubscribeFormValues {
  email?: string;
  name?: string;
  newsletters?: string[];
  consent?: boolean;
  source?: string;
}

const FIELD_LABELS: Record<string, string> = {
  email: 'Email address',
  name: 'Name',
  newsletters: 'Newsletters',
  consent: 'Consent',
  formToken: 'Form',
  source: 'Source',
  token: 'Link',
  scope: 'Choice',
};

/**
 * The hosted reader pages: view models and rendering. Every value goes through
 * Handlebars' escaping; nothing here builds HTML by hand.
 */
@Injectable()
export class ReaderPages {
  constructor(
    private readonly renderer: PageRenderer,
    private readonly forms: ReaderForms,
    private readonly links: ReaderLinks,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'subscribeChallenge'>,
  ) {}

  subscribe(newsletters: Newsletter[], values: SubscribeFormValues = {}, errors: FieldError[] = []): string {
    const consent = consentText(null);
    const ticked = new Set(values.newsletters ?? []);
    return this.renderer.render(
      'subscribe',
      {
        newsletters: newsletters.map((n) => ({
          slug: n.slug,
          name: n.name,
          description: n.description,
          checked: checkedAttr(ticked.has(n.slug)),
        })),
        values,
        consentChecked: checkedAttr(values.consent),
        errors: labelled(errors),
        consentText: consent.text,
        privacyVersion: PRIVACY_NOTICE.version,
        formToken: this.forms.token(SUBSCRIBE_PAGE_FORM, consent),
        powBits: this.config.subscribeChallenge.powBits || '',
      },
      { title: 'Subscribe to our newsletters' },
    );
  }

  embed(newsletter: Newsletter, values: SubscribeFormValues = {}, errors: FieldError[] = []): string {
    const consent = consentText([newsletter.name]);
    return this.renderer.render(
      'subscribe-embed',
      {
        newsletter: { slug: newsletter.slug, name: newsletter.name, description: newsletter.description },
        values,
        consentChecked: checkedAttr(values.consent),
        errors: labelled(errors),
        consentText: consent.text,
        formToken: this.forms.token(embedFormId(newsletter.slug), consent),
        powBits: this.config.subscribeChallenge.powBits || '',
      },
      { title: `Sign up: ${newsletter.name}`, bare: true },
    );
  }

  checkInbox(embed: boolean): string {
    return this.renderer.render('check-inbox', { embed }, { title: 'Check your inbox', bare: embed });
  }

  privacy(): string {
    return this.renderer.render('privacy', { notice: PRIVACY_NOTICE }, { title: 'Privacy notice' });
  }

  confirm(token: string, pending: Newsletter[], active: Newsletter[], error?: string): string {
    return this.renderer.render(
      'confirm',
      { token, pending: pending.map(view), active: active.map(view), error, formToken: this.forms.token('confirm') },
      { title: 'Confirm your subscription' },
    );
  }

  confirmed(subscriberId: string, activated: Newsletter[], active: Newsletter[]): string {
    return this.renderer.render(
      'confirmed',
      {
        activated: activated.map(view),
        active: active.map(view),
        preferencesUrl: this.links.preferencesUrl(subscriberId),
      },
      { title: 'Subscription confirmed' },
    );
  }

  unsubscribe(token: string, newsletter: Newsletter | null, subscribed: Newsletter[], error?: string): string {
    const subscribedToIt = newsletter ? subscribed.some((n) => n.id === newsletter.id) : false;
    return this.renderer.render(
      'unsubscribe',
      {
        action: `/unsubscribe?token=${encodeURIComponent(token)}`,
        newsletter: newsletter ? view(newsletter) : null,
        subscribedToIt,
        allButtonClass: subscribedToIt ? 'secondary' : '',
        subscribed: subscribed.map(view),
        error,
        formToken: this.forms.token('unsubscribe'),
      },
      { title: 'Unsubscribe' },
    );
  }

  unsubscribed(
    subscriberId: string | null,
    removed: Newsletter[],
    scope: 'newsletter' | 'all',
    newsletter: Newsletter | null,
  ): string {
    return this.renderer.render(
      'unsubscribed',
      {
        everything: scope === 'all' || !newsletter,
        newsletter: newsletter ? view(newsletter) : null,
        removed: removed.map(view),
        preferencesUrl: subscriberId ? this.links.preferencesUrl(subscriberId) : null,
      },
      { title: 'Unsubscribed' },
    );
  }

  preferences(token: string, prefs: PreferencesView, notice?: { saved?: boolean; error?: string }): string {
    const consent = consentText(null);
    return this.renderer.render(
      'preferences',
      {
        token,
        name: prefs.name,
        newsletters: prefs.newsletters.map((s) => ({
          ...view(s.newsletter),
          checked: checkedAttr(s.status === 'active'),
          pending: s.status === 'pending',
        })),
        consentText: consent.text,
        formToken: this.forms.token('preferences', consent),
        saved: notice?.saved ?? false,
        error: notice?.error,
      },
      { title: 'Your newsletter preferences' },
    );
  }

  error(heading: string, message: string, opts: { bare?: boolean; linkHome?: boolean } = {}): string {
    return this.renderer.render(
      'reader-error',
      { heading, message, linkHome: opts.linkHome ?? true },
      { title: heading, bare: opts.bare },
    );
  }
}

function view(n: Newsletter) {
  return { id: n.id, slug: n.slug, name: n.name, description: n.description };
}

/** Templates write `<input ... {{checked}}>`: the bare attribute, or nothing. */
function checkedAttr(on: boolean | undefined): string {
  return on ? 'checked' : '';
}

function labelled(errors: FieldError[]) {
  return errors.map((e) => ({ field: e.field, label: FIELD_LABELS[e.field] ?? e.field, message: e.message }));
}
