/**
 * The privacy notice shown at GET /privacy, versioned like the consent text.
 * Consent events record the version in force when the reader subscribed.
 */
export interface PrivacyNotice {
  version: string;
  effectiveFrom: string;
  sections: Array<{ heading: string; paragraphs: string[] }>;
}

export const PRIVACY_NOTICE: PrivacyNotice = {
  version: '2026-11-01',
  effectiveFrom: '2026-11-01',
  sections: [
    {
      heading: 'What we keep',
      paragraphs: [
        'Your email address, the name you give us (if any), the newsletters you chose and when you chose them.',
        'A record of your consent: the wording you agreed to (its version and fingerprint), the time, the page or form you used, your IP address and your browser’s user agent. The law asks us to be able to prove consent, so we keep this record while you are subscribed.',
        'Which of our emails were sent to you, and whether they bounced.',
      ],
    },
    {
      heading: 'What we do with it',
      paragraphs: [
        'We send you the newsletters you asked for, occasional recommendations for other related newsletters, and the emails that manage your subscription (confirmation, welcome, unsubscribe receipts).',
        'We never sell your details or share them with advertisers. Our mail provider handles your address only to deliver our emails.',
      ],
    },
    {
      heading: 'How long we keep it',
      paragraphs: [
        'Sign-ups you do not confirm are deleted after 30 days.',
        'If you unsubscribe we stop mailing you at once, and keep the record of your consent and of your unsubscription as proof.',
        'If you ask us to erase your data we delete your address, name and consent details, and keep only a one-way fingerprint of your address so that it is never added again by mistake.',
      ],
    },
    {
      heading: 'Your rights',
      paragraphs: [
        'Every email has a link to unsubscribe in one click and a link to your preferences, where you can change your newsletters and ask for a copy of everything we hold about you.',
        'You may also ask us to correct or erase your data, or complain to your data protection authority.',
      ],
    },
  ],
};
