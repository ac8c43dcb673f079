import { InitialSchema1764200000000 } from './1764200000000-initial-schema';
import { ArticleIndex1764300000000 } from './1764300000000-article-index';
import { EmailEventsReplayKey1764600000000 } from './1764600000000-email-events-replay-key';
import { IssueContent1764700000000 } from './1764700000000-issue-content';

/** Every migration, in order. Add new ones here (explicit list: works from ts and the build alike). */
export const MIGRATIONS = [
  InitialSchema1764200000000,
  ArticleIndex1764300000000,
  EmailEventsReplayKey1764600000000,
  IssueContent1764700000000,
];
