/**
 * Boilerplate that publishers' CMSs weave into article bodies: newsletter
 * sign-up blurbs, "Read more" and "Related:" link lines, bracketed link labels
 * ("[INSIGHT]"), source and photo credits, reporting credits, share prompts.
 * None of it may reach a summary, and it is left out of the similarity index.
 */

/** Line openers that mark the whole line as furniture, whatever follows. */
const FURNITURE_OPENERS = new RegExp(
  '^[\\s\\[(\u2022*\u2013\u2014>-]*(' +
    [
      'read more',
      'read next',
      'read also',
      'also read',
      'more on this',
      'see also',
      'click here',
      'tap here',
      'advertisement',
      'sponsored',
      'all rights reserved',
      'sign up',
      'subscribe',
      'follow us',
      'follow (him|her|them|me) on',
      'share this',
      'share on',
      'editing by',
      'reporting by',
      'writing by',
      'additional reporting',
      'compiled by',
      'continue reading',
      'download (our|the) app',
      'listen to (our|the|this)',
      'watch:',
      'listen:',
      'this (article|story) (was|has been|is) (originally|first|updated|corrected)',
    ].join('|') +
    ')',
  'i',
);

/** Labels that make a line furniture when used as a label ("Source: Reuters", "Related - ..."). */
const FURNITURE_LABELS =
  /^[\s\u2022*-]*(sources?|related( stories| articles| coverage| content)?|recommended|most read|more|photos?|photograph|image|picture|pictures|credits?|video|graphic|update[d]?|correction|editor'?s note|topics|tags|filed under|copyright)\s*[:|\u2013\u2014-]/i;

/** A bracketed label anywhere: "[INSIGHT]", "[nL8N3A]", "[Read more]". */
const BRACKETED_LABEL = /\[[^\]\n]{1,40}\]/;

const SIGN_UP = /\b(sign(ing)? up|signup|subscribe|subscription|newsletters?|inbox)\b/i;
const SIGN_UP_CALL = /\b(our|your|free|now|here|today|click|tap|get|delivered|daily|weekly|straight to|don'?t miss)\b/i;
const URL = /\bhttps?:\/\/|\bwww\.[a-z0-9-]+\./i;
const COPYRIGHT = /\u00a9|\(c\)\s*\d{4}|\bcopyright\b/i;
const PHOTO_CREDIT =
  /\b(photograph|photo|image|picture|illustration)\s*(:|by\b)|\/\s*(getty( images)?|reuters|ap|afp|pa( media| wire)?|epa|shutterstock|alamy|bloomberg)\s*\.?$/i;
const REPORTING_CREDIT = /\((reporting|writing|editing|additional reporting|compiled) by\b/i;
const SOCIAL_PROMPT =
  /\b(follow us|like us on|share (this|on)|on (twitter|x|facebook|instagram|tiktok|whatsapp)\b.*\b(follow|join|share))/i;

/** True when a whole line (paragraph) is furniture rather than story. */
export function isBoilerplateLine(line: string): boolean {
  const text = line.trim();
  if (!text) return true;
  if (FURNITURE_OPENERS.test(text) || FURNITURE_LABELS.test(text)) return true;
  if (/^\s*\[[^\]]{1,40}\]/.test(text)) return true;
  return isBoilerplateSentence(text);
}

/** True when a sentence is furniture: a summary never contains it. */
export function isBoilerplateSentence(sentence: string): boolean {
  const text = sentence.trim();
  if (FURNITURE_OPENERS.test(text) || FURNITURE_LABELS.test(text)) return true;
  if (BRACKETED_LABEL.test(text) || URL.test(text) || COPYRIGHT.test(text)) return true;
  if (PHOTO_CREDIT.test(text) || REPORTING_CREDIT.test(text) || SOCIAL_PROMPT.test(text)) return true;
  return SIGN_UP.test(text) && SIGN_UP_CALL.test(text);
}
