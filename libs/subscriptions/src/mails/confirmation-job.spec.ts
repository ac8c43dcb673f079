import { mergedByReader } from './confirmation-job';

describe('mergedByReader', () => {
  it('keeps one request per reader, first seen first, with the newsletters of all its requests', () => {
    expect(
      mergedByReader([
        { subscriberId: 'r1', newsletterIds: ['a'] },
        { subscriberId: 'r2', newsletterIds: ['b'] },
        { subscriberId: 'r1', newsletterIds: ['a', 'c'] },
      ]),
    ).toEqual([
      { subscriberId: 'r1', newsletterIds: ['a', 'c'] },
      { subscriberId: 'r2', newsletterIds: ['b'] },
    ]);
  });
});
