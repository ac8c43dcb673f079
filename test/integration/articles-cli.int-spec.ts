import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CliModule } from '../../apps/cli/src/cli.module';
import { COMMANDS } from '../../apps/cli/src/commands';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { atomFeed, FeedServer, startFeedServer } from '../fixtures/feeds';

describe('npm run cli -- articles:import', () => {
  let env: TestEnv;
  let app: INestApplicationContext;
  let server: FeedServer;
  let dir: string;
  let ds: DataSource;
  const command = COMMANDS.find((c) => c.name === 'articles:import')!;

  /** Runs the command as main.ts does, capturing what it prints. */
  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      return { code: await command.run(app, args), out, err };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  const count = async () => (await ds.query(`SELECT count(*)::int AS n FROM articles`))[0].n as number;

  const article = (n: number, title = `Hospital waiting lists, part ${n}`) => ({
    url: `https://news.example.com/health/story-${n}`,
    title,
    body: `Waiting lists for routine hospital treatment rose again in month ${n}.\n\nDoctors said patients were waiting longer in emergency departments.`,
    topics: ['health'],
    publishedAt: `2025-03-0${n}T08:00:00Z`,
  });

  beforeAll(async () => {
    env = await createTestEnv('articles_cli');
    server = await startFeedServer();
    server.set('/atom.xml', { body: atomFeed() });
    dir = mkdtempSync(join(tmpdir(), 'articles-cli-'));
    app = await NestFactory.createApplicationContext(CliModule, { logger: false });
    ds = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    await env?.cleanup();
  });

  it('imports a JSON file of articles with progress, then reports created and updated', async () => {
    const file = join(dir, 'articles.json');
    writeFileSync(file, JSON.stringify([article(1), article(2), article(3)]));
    const first = await run(file);
    expect(first.code).toBe(0);
    expect(first.out).toContain('articles: 3/3');
    expect(first.out).toContain('imported 3 article(s): 3 created, 0 updated');
    expect(await count()).toBe(3);

    writeFileSync(file, JSON.stringify({ articles: [article(1, 'Hospital waiting lists hit a record')] }));
    const second = await run(file);
    expect(second.out).toContain('imported 1 article(s): 0 created, 1 updated');
    expect(await count()).toBe(3);
    const [{ title }] = await ds.query(`SELECT title FROM articles WHERE url = $1`, [article(1).url]);
    expect(title).toBe('Hospital waiting lists hit a record');
  });

  it('imports nothing from a file with an invalid article, naming the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([article(4), { ...article(5), publishedAt: 'last week' }]));
    const result = await run(file);
    expect(result.code).toBe(1);
    expect(result.err).toContain('articles[1].publishedAt');
    writeFileSync(file, '{ not json');
    expect((await run(file)).code).toBe(1);
    expect((await run(join(dir, 'missing.json'))).code).toBe(1);
    expect(await count()).toBe(3);
  });

  it('imports every item of a feed URL', async () => {
    const result = await run(`${server.baseUrl}/atom.xml`);
    expect(result.code).toBe(0);
    expect(result.out).toContain('imported 2 article(s): 2 created');
    expect(await count()).toBe(5);
    const broken = await run(`${server.baseUrl}/nothing-here.xml`);
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('HTTP 404');
  });

  it('prints its usage without an argument', async () => {
    expect((await run()).code).toBe(2);
  });
});
