import { distinctAddressRounds } from './sign-up-writer';

describe('distinctAddressRounds', () => {
  const rounds = (...emails: string[]) => distinctAddressRounds(emails.map((email) => ({ email })));

  it('keeps distinct addresses in one statement', () => {
    expect(rounds('a@x.test', 'b@x.test', 'c@x.test')).toEqual([[0, 1, 2]]);
  });

  it('puts each repeat of an address (in any case) in a later statement, in arrival order', () => {
    expect(rounds('a@x.test', 'A@X.test', 'b@x.test', 'a@x.TEST', 'b@x.test')).toEqual([[0, 2], [1, 4], [3]]);
  });

  it('has nothing to write for no sign-ups', () => {
    expect(rounds()).toEqual([]);
  });
});
