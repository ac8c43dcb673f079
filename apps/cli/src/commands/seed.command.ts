import type { INestApplicationContext } from '@nestjs/common';
import { NewsletterInput, NewslettersService } from '@app/subscriptions';
import type { CliCommand } from '../command';

/** Demo newsletters for a first run (`npm start`), covering the topics of the demo articles. */
export const DEMO_NEWSLETTERS: NewsletterInput[] = [
  {
    slug: 'morning-briefing',
    name: 'Morning Briefing',
    description: 'The day’s essential stories, in your inbox before breakfast.',
    topics: ['politics', 'world', 'business', 'science', 'health'],
    schedule: '0 7 * * *',
    timezone: 'Europe/London',
    maxArticles: 8,
  },
  {
    slug: 'world-affairs',
    name: 'World Affairs',
    description: 'Foreign policy, diplomacy and conflicts, explained every weekday lunchtime.',
    topics: ['world', 'foreign-policy', 'diplomacy'],
    schedule: '0 12 * * 1-5',
    timezone: 'Europe/London',
    maxArticles: 6,
  },
  {
    slug: 'markets-weekly',
    name: 'Markets Weekly',
    description: 'A Monday read on markets, companies and the economy.',
    topics: ['markets', 'business', 'economy'],
    schedule: '0 8 * * 1',
    timezone: 'Europe/London',
    maxArticles: 10,
  },
  {
    slug: 'sport-extra',
    name: 'Sport Extra',
    description: 'Results, analysis and the weekend ahead, every Friday evening.',
    topics: ['sport', 'football', 'tennis', 'cricket'],
    schedule: '0 18 * * 5',
    timezone: 'Europe/London',
    maxArticles: 8,
  },
];

/**
 * `npm run cli -- seed`: creates the demo newsletters that are missing.
 * Idempotent, and never overwrites a newsletter an operator has changed.
 */
export const seedCommand: CliCommand = {
  name: 'seed',
  usage: 'seed',
  description: 'create the demo newsletters (idempotent)',
  async run(app: INestApplicationContext): Promise<number> {
    const newsletters = app.get(NewslettersService);
    let created = 0;
    for (const demo of DEMO_NEWSLETTERS) {
      if (await newsletters.findBySlug(demo.slug)) continue;
      try {
        await newsletters.create(demo);
        created++;
      } catch (err) {
        // Another process seeding at the same moment created it first.
        if (!(await newsletters.findBySlug(demo.slug))) throw err;
      }
    }
    process.stdout.write(
      `[seed] ${created} demo newsletter(s) created, ${DEMO_NEWSLETTERS.length - created} already present\n`,
    );
    return 0;
  },
};
