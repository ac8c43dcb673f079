import { storyParagraphs } from '../summary/summarise';
import { termCounts } from '../text/terms';
import { RELATED_SCORING } from './related-scoring';

/** Term counts of an article for the similarity index: title weighted up, boilerplate left out. */
export function articleTermCounts(title: string, text: string): Map<string, number> {
  const counts = termCounts(title, new Map(), RELATED_SCORING.titleWeight);
  for (const paragraph of storyParagraphs(text)) termCounts(paragraph, counts);
  return counts;
}
