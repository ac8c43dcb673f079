import { HeaderInjectionError } from '../headers/mail-headers';
import { classifySmtpError, MailSendError, redactAddresses } from './smtp-errors';

describe('classifySmtpError', () => {
  const smtp = (responseCode: number, code = 'EMESSAGE') =>
    Object.assign(new Error(`${responseCode} reply`), { responseCode, code });
  const sys = (code: string) => Object.assign(new Error(code), { code, syscall: 'connect' });

  it('treats 4xx replies and connection trouble as temporary', () => {
    expect(classifySmtpError(smtp(421, 'EPROTOCOL'))).toBe('temporary');
    expect(classifySmtpError(smtp(451))).toBe('temporary');
    expect(classifySmtpError(smtp(452, 'EENVELOPE'))).toBe('temporary');
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EDNS']) {
      expect(classifySmtpError(sys(code))).toBe('temporary');
    }
  });

  it('treats 5xx replies as permanent, except 503 and authentication set-up errors', () => {
    expect(classifySmtpError(smtp(550, 'EENVELOPE'))).toBe('permanent');
    expect(classifySmtpError(smtp(554))).toBe('permanent');
    expect(classifySmtpError(smtp(503))).toBe('temporary');
    expect(classifySmtpError(smtp(535, 'EAUTH'))).toBe('temporary');
  });

  it('treats a message we refuse to build as permanent', () => {
    expect(classifySmtpError(new HeaderInjectionError('x'))).toBe('permanent');
    expect(classifySmtpError(new MailSendError(new HeaderInjectionError('x')))).toBe('permanent');
  });
});

describe('MailSendError', () => {
  it('keeps the reply code and masks addresses quoted by the server', () => {
    const err = new MailSendError(
      Object.assign(new Error('550 5.1.1 <jane.doe@example.com>: Recipient address rejected'), { responseCode: 550 }),
    );
    expect(err.permanent).toBe(true);
    expect(err.responseCode).toBe(550);
    expect(err.message).toBe('550 5.1.1 <j***@example.com>: Recipient address rejected');
    expect(redactAddresses('to a@b.c and "x.y@z.org"')).toBe('to a***@b.c and "x***@z.org"');
  });
});
