import type { RunningApi } from '../helpers/api-app';
import type { TestEnv } from '../helpers/test-env';

/** The PUBLIC_BASE_URL the suites run with: links in mails and pages start with it. */
export const PUBLIC_BASE = 'http://localhost:3000';

export function admin(env: TestEnv): Record<string, string> {
  return { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' };
}

export async function createNewsletter(
  api: RunningApi,
  env: TestEnv,
  body: Record<string, unknown>,
): Promise<{ id: string; slug: string }> {
  const res = await fetch(`${api.baseUrl}/admin/newsletters`, {
    method: 'POST',
    headers: admin(env),
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`newsletter not created: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; slug: string };
}

/** A public link pointed at the API under test (the suites run it on a random port). */
export function local(api: RunningApi, link: string): string {
  return link.replace(PUBLIC_BASE, api.baseUrl);
}

/** The value of a form field in a page, HTML entities decoded. */
export function field(html: string, name: string): string {
  const match = new RegExp(`name=["']${name}["'][^>]*?value=["']([^"']*)["']`).exec(html);
  if (!match) throw new Error(`no ${name} field in the page`);
  return decodeEntities(match[1]);
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A browser-like form post: urlencoded, redirects not followed. */
export function postForm(
  url: string,
  fields: Array<[string, string]> | Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** A header exactly as sent (unfolded), read from the raw header lines: what a mail client sees. */
export function rawHeader(
  mail: { parsed: { headerLines: ReadonlyArray<{ key: string; line: string }> } },
  name: string,
) {
  const found = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase());
  if (!found) return undefined;
  return found.line
    .replace(/\r?\n[ \t]+/g, ' ')
    .slice(found.line.indexOf(':') + 1)
    .trim();
}
