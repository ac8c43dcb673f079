import type { INestApplicationContext } from '@nestjs/common';
import { maskEmail } from '@app/common';
import { PrivacyService, SuppressionService } from '@app/subscriptions';
import type { CliCommand } from '../command';

/** `npm run cli -- subscribers:erase <email>`: the CLI twin of DELETE /admin/subscribers/:id. */
export const subscribersEraseCommand: CliCommand = {
  name: 'subscribers:erase',
  usage: 'subscribers:erase <email>',
  description: "erase a reader's personal data (GDPR art. 17); the address stays suppressed as a hash",
  async run(app: INestApplicationContext, args: string[]): Promise<number> {
    const email = args[0]?.trim();
    if (!email || args.length !== 1 || !email.includes('@')) {
      process.stderr.write('usage: npm run cli -- subscribers:erase <email>\n');
      return 2;
    }
    const privacy = app.get(PrivacyService);
    const id = await privacy.findIdByEmail(email);
    if (!id) {
      const suppressed = await app.get(SuppressionService).statusOf(email);
      const hint = suppressed.suppressed ? ` (the address is on the suppression list: ${suppressed.reason})` : '';
      process.stderr.write(`no subscriber with address ${maskEmail(email)}${hint}\n`);
      return 1;
    }
    const result = await privacy.erase(id, 'cli');
    process.stdout.write(
      result.alreadyErased
        ? `subscriber ${id} was already erased\n`
        : `erased subscriber ${id} (${maskEmail(email)}): ${result.unsubscribed} subscription(s) ended; ` +
            'the address is kept only as a keyed hash on the suppression list\n',
    );
    return 0;
  },
};
