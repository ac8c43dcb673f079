import { forkProc, request, stop } from './children';
import { CpuMeter, CpuWindow } from './cpu';
import { Sink } from './sink';

export interface BareSendResult {
  count: number;
  elapsedMs: number;
  messagesPerSecond: number;
  bytesPerMessage: number;
  cpu: CpuWindow;
}

export type PreRendered =
  { raw: Buffer } | { parts: { subject: string; html: string; text: string; headers: Record<string, string> } };

/**
 * Sends `count` copies of `raw` through bench/procs/bare-sender.ts to the sink, timed from
 * the send command to the last message the sink accepted. `processes` > 1 splits the
 * messages and the connections between that many senders, each its own process; `via`
 * picks nodemailer's pool or the pipeline's SMTP connections (SmtpConnectionPool).
 */
export async function bareSend(
  sink: Sink,
  message: PreRendered,
  count: number,
  concurrency: number,
  processes = 1,
  via: 'pool' | 'connections' = 'pool',
): Promise<BareSendResult> {
  const senders = Array.from({ length: processes }, (_, i) =>
    forkProc(`bare-sender-${i + 1}`, 'bench/procs/bare-sender.ts'),
  );
  try {
    await Promise.all(
      senders.map(
        (sender) =>
          new Promise<void>((resolve, reject) => {
            sender.proc.once('message', () => resolve());
            sender.proc.once('exit', (code) => reject(new Error(`bare sender exited (${code})\n${sender.tail()}`)));
          }),
      ),
    );
    await sink.reset();
    const cpu = new CpuMeter();
    cpu.start();
    const startedAt = Date.now();
    const payload = 'raw' in message ? { raw: message.raw.toString('latin1') } : { parts: message.parts };
    const replies = await Promise.all(
      senders.map((sender, i) =>
        request<{ sent: number; failed: number; firstError?: string }>(
          sender,
          'send',
          {
            port: sink.port,
            count: share(count, processes, i),
            concurrency: Math.max(1, share(concurrency, processes, i)),
            via,
            ...payload,
          },
          30 * 60_000,
        ),
      ),
    );
    const failed = replies.find((r) => r.failed);
    if (failed) throw new Error(`bare sender: ${failed.failed} sends failed: ${failed.firstError}`);
    const stats = await sink.waitForCount(count, 30_000);
    const window = cpu.stop({ sender: senders.map((s) => s.proc.pid!), sink: [sink.pid!], bench: [process.pid] });
    const elapsedMs = stats.lastAt - startedAt;
    return {
      count,
      elapsedMs,
      messagesPerSecond: (count * 1000) / elapsedMs,
      bytesPerMessage: stats.bytes / stats.count,
      cpu: window,
    };
  } finally {
    await Promise.all(senders.map((s) => stop(s)));
  }
}

/** The i-th of `parts` near-equal shares of `total`. */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

/** A stand-in digest of about `size` bytes, used only when no real issue is available to copy. */
export function syntheticMessage(size: number): Buffer {
  const head = [
    'From: Dispatch <newsletters@127.0.0.1>',
    'To: reader@bench.test',
    'Subject: Bench digest',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '',
  ].join('\r\n');
  const line = '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\r\n';
  return Buffer.from(head + line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length))));
}
