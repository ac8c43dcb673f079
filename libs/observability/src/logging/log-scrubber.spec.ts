import { scrubLogText, scrubUrl } from './log-scrubber';

describe('scrubLogText', () => {
  it('masks addresses wherever they appear, plain or URL-encoded', () => {
    expect(scrubLogText('sent to jane.doe+news@mail.example.co.uk ok')).toBe('sent to j***@mail.example.co.uk ok');
    expect(scrubLogText('{"msg":"bounce for \\"sam@example.org\\""}')).toBe(
      '{"msg":"bounce for \\"s***@example.org\\""}',
    );
    expect(scrubUrl('/admin/subscribers?email=jane.doe%40example.com')).toBe(
      '/admin/subscribers?email=j***@example.com',
    );
  });

  it('removes token values from query strings and secret fields', () => {
    expect(scrubUrl('/unsubscribe?token=abc.DEF-123_x&scope=all')).toBe('/unsubscribe?token=[redacted]&scope=all');
    expect(scrubUrl('/confirm?a=1&TOKEN=zzz')).toBe('/confirm?a=1&TOKEN=[redacted]');
    expect(scrubLogText('{"token":"s3cr\\"et","password":"p","other":"keep"}')).toBe(
      '{"token":"[redacted]","password":"[redacted]","other":"keep"}',
    );
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['GET /health/live 200', 'version 1.2.3 at 10:00', 'user@localhost without a domain dot']) {
      expect(scrubLogText(text)).toBe(text);
    }
  });
});
