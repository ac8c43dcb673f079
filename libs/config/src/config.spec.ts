import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  const quiet = () => {};

  it('gives local defaults for a development machine', () => {
    const c = loadConfig({}, quiet);
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBe('postgres://postgres@localhost:5432/dispatch');
    expect(c.queuePrefix).toBe('dispatch');
    expect(c.smtpUrl).toBeUndefined();
    expect(c.outboxDir).toBe('var/outbox');
    expect(c.subscribeRateLimit).toBe(10);
    expect(c.trustProxy).toBe(false);
    expect(c.apiProcesses).toBe(1);
  });

  it('names the variable that has a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, quiet)).toThrow(/PORT/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' }, quiet)).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ QUEUE_PREFIX: 'a:b' }, quiet)).toThrow(/QUEUE_PREFIX/);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' }, quiet)).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ API_PROCESSES: '0' }, quiet)).toThrow(/API_PROCESSES/);
  });

  it('requires APP_SECRET and ADMIN_TOKEN in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(20) }, quiet)).toThrow(/APP_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', APP_SECRET: 's'.repeat(32) }, quiet)).toThrow(ConfigError);
  });

  it('warns when a development default secret is used', () => {
    const warnings: string[] = [];
    loadConfig({}, (m) => warnings.push(m));
    expect(warnings.join('\n')).toMatch(/APP_SECRET/);
  });

  it('keeps previous secrets after the current one, so old links still verify', () => {
    const c = loadConfig({ APP_SECRET: 'new-secret-0123456789', APP_SECRET_PREVIOUS: 'old-secret-0123456789' }, quiet);
    expect(c.appSecrets).toEqual(['new-secret-0123456789', 'old-secret-0123456789']);
  });

  it('requires the DKIM variables together', () => {
    expect(() => loadConfig({ DKIM_DOMAIN: 'example.com' }, quiet)).toThrow(/DKIM/);
  });
});
