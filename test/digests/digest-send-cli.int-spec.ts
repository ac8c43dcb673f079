import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { CliModule } from '../../apps/cli/src/cli.module';
import { digestSendCommand } from '../../apps/cli/src/commands/digest-send.command';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';
import { seedArticles, seedNewsletter, seedSubscribers } from './digest-fixtures';
import { testDb } from '../helpers/suite-stack';

describe('npm run cli -- digest:send <slug> [--dry-run]', () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let worker: INestApplicationContext;
  let cli: INestApplicationContext;
  let db: Pool;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('digest_cli', { SMTP_URL: sink.url });
    db = testDb(env.databaseUrl);
    worker = await startWorker();
    cli = await NestFactory.createApplicationContext(CliModule, { logger: false });
    const id = await seedNewsletter(db, { slug: 'cli-letter', name: 'CLI Letter', topics: ['cli'] });
    await seedSubscribers(db, id, 5, 'cli');
    await seedArticles(db, [{ title: 'Sent from the command line', topics: ['cli'] }]);
  });

  afterAll(async () => {
    await cli?.close();
    await worker?.close();
    await sink?.stop();
    await db?.end();
    await env?.cleanup();
  });

  /** Runs the command as main.ts does, capturing what it prints. */
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      return { code: await digestSendCommand.run(cli, args), out, err };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it('refuses bad arguments and unknown newsletters', async () => {
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringContaining('usage:') });
    expect(await run(['a', 'b'])).toMatchObject({ code: 2 });
    expect(await run(['nope'])).toMatchObject({ code: 1, err: 'no newsletter with slug "nope"\n' });
  });

  it('renders a dry run and sends nothing', async () => {
    const result = await run(['cli-letter', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/dry run .* rendered \("CLI Letter: Sent from the command line"\), nothing sent/);
    expect(sink.messages).toHaveLength(0);
  });

  it('sends an issue, printing progress until it is sent', async () => {
    const result = await run(['cli-letter']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('sending "CLI Letter: Sent from the command line" to 5 readers');
    expect(result.out).toContain('delivered: 5/5 (100%)');
    expect(result.out).toMatch(/issue \S+ sent: 5 sent, 0 failed, 0 skipped of 5 readers/);
    expect(sink.messages).toHaveLength(5);
  });
});
