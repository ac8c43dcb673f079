import { z } from 'zod';

const DEV_SECRET = 'dev-only-app-secret-change-me';
const DEV_ADMIN_TOKEN = 'dev-admin-token';

const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}:`).join(' or ')}`,
    });

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  DATABASE_URL: url(['postgres', 'postgresql']).default('postgres://postgres@localhost:5432/dispatch'),
  REDIS_URL: url(['redis', 'rediss']).default('redis://localhost:6379'),
  QUEUE_PREFIX: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, _ . - { } only')
    .default('dispatch'),
  PUBLIC_BASE_URL: url(['http', 'https'])
    .default('http://localhost:3000')
    .transform((v) => v.replace(/\/+$/, '')),
  SMTP_URL: url(['smtp', 'smtps']).optional(),
  OUTBOX_DIR: z.string().min(1).default('var/outbox'),
  MAIL_FROM: z.string().min(3).default('Dispatch <newsletters@localhost>'),
  POSTAL_ADDRESS: z.string().min(1).default('Dispatch Demo Publisher, 1 Example Street, London EC1A 1AA, UK'),
  APP_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  APP_SECRET_PREVIOUS: list.optional(),
  ADMIN_TOKEN: z.string().min(12, 'must be at least 12 characters').optional(),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  ALLOWED_ORIGINS: list.default(''),
  DKIM_DOMAIN: z.string().min(1).optional(),
  DKIM_SELECTOR: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY: z.string().min(1).optional(),
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  SEND_RATE_PER_SECOND: z.coerce.number().int().min(0).default(0),
  SUBSCRIBE_RATE_LIMIT: z.coerce.number().int().min(0).default(10),
  // true/false, or the number of proxies in front of the API (each appends to X-Forwarded-For).
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|yes|no|on|off|[0-9])$/, 'must be true, false or a number of proxy hops (0-9)')
    .default('false'),
  SUBSCRIBE_POW_BITS: z.coerce.number().int().min(0).max(32).default(0),
  CAPTCHA_VERIFY_URL: url(['http', 'https']).optional(),
  CAPTCHA_SECRET: z.string().min(1).optional(),
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
  FIRST_ISSUE_LOOKBACK_HOURS: z.coerce.number().int().min(1).default(24),
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  FEED_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(15000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface DkimConfig {
  domain: string;
  selector: string;
  privateKey: string;
}

export interface AppConfig {
  nodeEnv: string;
  port: number;
  /** API processes sharing the port (node:cluster); 1 runs the API in the started process itself. */
  apiProcesses: number;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  publicBaseUrl: string;
  smtpUrl?: string;
  outboxDir: string;
  mailFrom: string;
  postalAddress: string;
  /** Current signing secret first, then previous ones still accepted for verification. */
  appSecrets: string[];
  adminToken: string;
  webhookSecret: string;
  allowedOrigins: string[];
  dkim?: DkimConfig;
  sendConcurrency: number;
  /** 0 means unlimited. */
  sendRatePerSecond: number;
  /** Sign-ups per client IP per minute; 0 turns the limit off. */
  subscribeRateLimit: number;
  trustProxy: boolean;
  /**
   * Proxies in front of the API whose X-Forwarded-For entries are trusted (0: none). The
   * client IP is the entry that many hops from the right: entries further left are
   * whatever the client sent, and trusting them would let anyone dodge the rate limit.
   */
  trustProxyHops: number;
  /** Optional anti-bot checks on POST /subscriptions; every configured one must pass. */
  subscribeChallenge: SubscribeChallengeConfig;
  /** Mailgun's webhook signing key; set, it enables POST /webhooks/mailgun. */
  mailgunWebhookSigningKey?: string;
  firstIssueLookbackHours: number;
  /** How often the delivery reconciler runs (and workers re-check their job schedulers). */
  reconcileIntervalSeconds: number;
  /** How long one feed fetch may take before it is abandoned (and recorded as failed). */
  feedTimeoutMs: number;
  logLevel: string;
}

export interface SubscribeChallengeConfig {
  /** Hashcash-style proof of work: leading zero bits required; 0 turns it off. */
  powBits: number;
  /** A CAPTCHA provider's siteverify endpoint (hCaptcha, Turnstile, reCAPTCHA all fit); unset turns it off. */
  captchaVerifyUrl?: string;
  captchaSecret?: string;
}

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

/** Parses and validates configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env, warn: (msg: string) => void = defaultWarn): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const appSecret = requiredInProduction('APP_SECRET', e.APP_SECRET, DEV_SECRET, production, warn);
  const adminToken = requiredInProduction('ADMIN_TOKEN', e.ADMIN_TOKEN, DEV_ADMIN_TOKEN, production, warn);
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    apiProcesses: e.API_PROCESSES,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    smtpUrl: e.SMTP_URL,
    outboxDir: e.OUTBOX_DIR,
    mailFrom: e.MAIL_FROM,
    postalAddress: e.POSTAL_ADDRESS,
    appSecrets: [appSecret, ...(e.APP_SECRET_PREVIOUS ?? [])],
    adminToken,
    webhookSecret: e.WEBHOOK_SECRET ?? `${appSecret}:webhooks`,
    allowedOrigins: e.ALLOWED_ORIGINS,
    dkim: dkimFrom(e),
    sendConcurrency: e.SEND_CONCURRENCY,
    sendRatePerSecond: e.SEND_RATE_PER_SECOND,
    subscribeRateLimit: e.SUBSCRIBE_RATE_LIMIT,
    trustProxy: proxyHops(e.TRUST_PROXY) > 0,
    trustProxyHops: proxyHops(e.TRUST_PROXY),
    subscribeChallenge: challengeFrom(e),
    mailgunWebhookSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY,
    firstIssueLookbackHours: e.FIRST_ISSUE_LOOKBACK_HOURS,
    reconcileIntervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
    feedTimeoutMs: e.FEED_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
}

function requiredInProduction(
  name: string,
  value: string | undefined,
  devDefault: string,
  production: boolean,
  warn: (msg: string) => void,
): string {
  if (value) return value;
  if (production) throw new ConfigError(`Invalid configuration: ${name}: required when NODE_ENV=production`);
  warn(`${name} is not set: using an insecure development default. Set ${name} before going live.`);
  return devDefault;
}

function dkimFrom(e: z.infer<typeof envSchema>): DkimConfig | undefined {
  const parts = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY];
  if (parts.every((p) => !p)) return undefined;
  if (!parts.every(Boolean)) {
    throw new ConfigError(
      'Invalid configuration: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY must be set together',
    );
  }
  // Keys pasted into env files often carry literal "\n" sequences.
  return { domain: e.DKIM_DOMAIN!, selector: e.DKIM_SELECTOR!, privateKey: e.DKIM_PRIVATE_KEY!.replace(/\\n/g, '\n') };
}

function proxyHops(value: string): number {
  if (/^[0-9]$/.test(value)) return Number(value);
  return ['true', 'yes', 'on'].includes(value) ? 1 : 0;
}

function challengeFrom(e: z.infer<typeof envSchema>): SubscribeChallengeConfig {
  if (Boolean(e.CAPTCHA_VERIFY_URL) !== Boolean(e.CAPTCHA_SECRET)) {
    throw new ConfigError('Invalid configuration: CAPTCHA_VERIFY_URL and CAPTCHA_SECRET must be set together');
  }
  return { powBits: e.SUBSCRIBE_POW_BITS, captchaVerifyUrl: e.CAPTCHA_VERIFY_URL, captchaSecret: e.CAPTCHA_SECRET };
}

const warned = new Set<string>();
let warningsSilenced = false;

/** For the API's cluster processes: their primary has printed the warnings once for all of them. */
export function silenceConfigWarnings(): void {
  warningsSilenced = true;
}

function defaultWarn(msg: string): void {
  if (warningsSilenced || warned.has(msg)) return;
  warned.add(msg);
  process.stderr.write(`[config] warning: ${msg}\n`);
}
