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

/**
 * Sends `count` copies of `raw` through bench/procs/bare-sender.ts (its own process) to the
 * sink, timed from the send command to the last message the sink accepted.
 */
export type PreRendered =
  { raw: Buffer } | { parts: { subject: string; html: string; text: string; headers: Record<string, string> } };

export async function bareSend(
  sink: Sink,
  message: PreRendered,
  count: number,
  concurrency: number,
): Promise<BareSendResult> {
  const sender = forkProc('bare-sender', 'bench/procs/bare-sender.ts');
  try {
    await new Promise<void>((resolve, reject) => {
      sender.proc.once('message', () => resolve());
      sender.proc.once('exit', (code) => reject(new Error(`bare sender exited (${code})\n${sender.tail()}`)));
    });
    await sink.reset();
    const cpu = new CpuMeter();
    cpu.start();
    const startedAt = Date.now();
    const reply = await request<{ sent: number; failed: number; firstError?: string }>(
      sender,
      'send',
      {
        port: sink.port,
        count,
        concurrency,
        ...('raw' in message ? { raw: message.raw.toString('latin1') } : { parts: message.parts }),
      },
      30 * 60_000,
    );
    if (reply.failed) throw new Error(`bare sender: ${reply.failed} sends failed: ${reply.firstError}`);
    const stats = await sink.waitForCount(count, 30_000);
    const window = cpu.stop({ sender: [sender.proc.pid!], sink: [sink.pid!], bench: [process.pid] });
    const elapsedMs = stats.lastAt - startedAt;
    return {
      count,
      elapsedMs,
      messagesPerSecond: (count * 1000) / elapsedMs,
      bytesPerMessage: stats.bytes / stats.count,
      cpu: window,
    };
  } finally {
    await stop(sender);
  }
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
