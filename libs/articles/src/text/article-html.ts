import sanitizeHtml from 'sanitize-html';
import { escapeHtml } from '@app/common';

/**
 * What article HTML may contain once stored: structure and links only. No
 * script, style, event handler, iframe or form survives, and links and images
 * must be absolute http(s) URLs (relative ones are resolved against the
 * article's own URL; javascript:, data: and the rest are dropped).
 */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'a', 'em', 'strong', 'ul', 'ol', 'li', 'blockquote', 'h2', 'h3', 'h4', 'img'],
  allowedAttributes: { a: ['href'], img: ['src', 'alt'] },
  allowedSchemes: ['http', 'https'],
  allowedSchemesByTag: { a: ['http', 'https', 'mailto'], img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Contents of these are never text a reader should see.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'iframe', 'object', 'svg', 'math'],
};

/**
 * Sanitises article HTML; `baseUrl` (the article's URL) resolves relative
 * links and images (without one, relative URLs are dropped).
 */
export function sanitiseArticleHtml(html: string, baseUrl?: string): string {
  const absolute = (value: string | undefined): string | undefined => {
    if (!value) return undefined;
    try {
      const url = new URL(value.trim(), baseUrl);
      return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:'
        ? url.toString()
        : undefined;
    } catch {
      return undefined;
    }
  };
  return sanitizeHtml(html, {
    ...SANITIZE_OPTIONS,
    transformTags: {
      h1: 'h2',
      h5: 'h4',
      h6: 'h4',
      b: 'strong',
      i: 'em',
      a: (tagName, attribs): sanitizeHtml.Tag => {
        const href = absolute(attribs.href);
        return { tagName, attribs: href ? { href } : {} };
      },
      img: (tagName, attribs): sanitizeHtml.Tag => {
        const src = absolute(attribs.src);
        // mailto: is fine for a link, never for an image.
        const safe = src && !src.startsWith('mailto:') ? src : undefined;
        return { tagName, attribs: safe ? { src: safe, alt: attribs.alt ?? '' } : {} };
      },
    },
    // An image whose source was refused is dropped rather than kept empty.
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  }).trim();
}

/** True when the body is HTML rather than plain text. */
export function looksLikeHtml(body: string): boolean {
  return /<\/?[a-z][a-z0-9]*(\s[^>]*)?\/?>/i.test(body);
}

/** Plain text to paragraphs of HTML: blank lines separate paragraphs, single newlines become <br>. */
export function textToHtml(text: string): string {
  return splitParagraphs(text)
    .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>')}</p>`)
    .join('\n');
}

/**
 * Plain text of article HTML *as produced by sanitiseArticleHtml*: one
 * paragraph per block, separated by blank lines; list items start with "• ";
 * links keep their label only; images are dropped. The sanitiser's output has
 * a small, regular grammar (whitelisted tags, quoted attributes, text with
 * only &amp; &lt; &gt; &quot; escaped), which is what makes this safe and fast.
 */
export function articleHtmlToText(sanitisedHtml: string): string {
  const text = sanitisedHtml
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li>/gi, '\n\u2022 ')
    .replace(/<\/(p|h2|h3|h4|blockquote|li|ul|ol)>/gi, '\n\n')
    .replace(/<[^>]*>/g, '');
  return normaliseText(decodeEntities(text));
}

/** Plain text of any HTML (sanitised first). */
export function htmlToPlainText(html: string): string {
  return articleHtmlToText(sanitiseArticleHtml(html));
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const point = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(point) && point > 0 && point <= 0x10ffff ? String.fromCodePoint(point) : whole;
    }
    return NAMED_ENTITIES[code.toLowerCase()] ?? whole;
  });
}

/** Collapses runs of spaces, trims lines, keeps at most one blank line between paragraphs. */
export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function splitParagraphs(text: string): string[] {
  return normaliseText(text)
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}
