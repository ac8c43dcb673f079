import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PAGES_DIR = join(process.cwd(), 'templates', 'pages');

export interface PageOptions {
  title: string;
  /** Compact pages (embeddable forms) drop the site header and footer. */
  bare?: boolean;
}

/**
 * Server-rendered hosted pages: templates/pages/<name>.hbs inside layout.hbs.
 * Handlebars escapes every {{value}}, so reader-supplied text can't inject markup.
 * Pages carry no inline script or style, so a strict CSP holds.
 */
@Injectable()
export class PageRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  constructor() {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('formatDate', (d: unknown) =>
      d instanceof Date || typeof d === 'string'
        ? new Date(d).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
        : '',
    );
  }

  render(name: string, data: Record<string, unknown>, options: PageOptions): string {
    const body = this.template(name)(data);
    // The doctype lives here, not in layout.hbs: Prettier's Handlebars printer drops it, and without it
    // browsers render in quirks mode.
    return (
      '<!doctype html>\n' +
      this.template('layout')({
        ...options,
        bodyClass: options.bare ? 'bare' : '',
        body: new Handlebars.SafeString(body),
      })
    );
  }

  private template(name: string): Handlebars.TemplateDelegate {
    let t = this.cache.get(name);
    if (!t) {
      if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad page name ${name}`);
      t = this.hbs.compile(readFileSync(join(PAGES_DIR, `${name}.hbs`), 'utf8'), { strict: false });
      this.cache.set(name, t);
    }
    return t;
  }
}
