import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Coalescer } from '@app/common';
import { SignUpWrite, SignUpWriteResult, writeSignUps } from './sign-up.statement';

/** Sign-ups per statement at most: a burst is written in statements of this size. */
const MAX_SIGN_UPS_PER_STATEMENT = 100;

type Settled = { ok: true; result: SignUpWriteResult } | { ok: false; error: unknown };

/**
 * Group commit for sign-ups: those that arrive together (in the same turn of the event
 * loop, or while the previous statement runs) are written by one statement, so a burst
 * costs Postgres one round trip and one commit per batch instead of per reader. Alone, a
 * sign-up waits one turn of the event loop. Each caller gets its own outcome; a statement
 * Postgres refuses (one reader's bad data, a lock conflict with another API instance's
 * batch) is run again one sign-up at a time, so only the bad one fails.
 */
@Injectable()
export class SignUpWriter {
  private readonly batches = new Coalescer<SignUpWrite, Settled>(
    (writes) => this.writeBatch(writes),
    MAX_SIGN_UPS_PER_STATEMENT,
  );

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async write(signUp: SignUpWrite): Promise<SignUpWriteResult> {
    const settled = await this.batches.submit(signUp);
    if (!settled.ok) throw settled.error;
    return settled.result;
  }

  private async writeBatch(writes: SignUpWrite[]): Promise<Settled[]> {
    const settled: Settled[] = new Array<Settled>(writes.length);
    // The same address twice (a double click) goes in a later statement, in arrival order.
    for (const round of distinctAddressRounds(writes)) {
      const results = await this.writeRound(round.map((i) => writes[i]));
      round.forEach((index, k) => (settled[index] = results[k]));
    }
    return settled;
  }

  private async writeRound(writes: SignUpWrite[]): Promise<Settled[]> {
    try {
      return (await writeSignUps(this.db, writes)).map((result) => ({ ok: true, result }));
    } catch (error) {
      // Unreachable database: every sign-up fails the same way, trying each alone would only add load.
      if (writes.length === 1 || !refusedByPostgres(error)) return writes.map(() => ({ ok: false, error }));
      return Promise.all(writes.map((write) => this.writeAlone(write)));
    }
  }

  private writeAlone(write: SignUpWrite): Promise<Settled> {
    return writeSignUps(this.db, [write]).then(
      ([result]): Settled => ({ ok: true, result }),
      (error: unknown): Settled => ({ ok: false, error }),
    );
  }
}

/** An error Postgres answered for the statement (it carries a severity), not a lost connection. */
function refusedByPostgres(error: unknown): boolean {
  return typeof (error as { severity?: unknown })?.severity === 'string';
}

/** Indexes of `writes` in rounds in which no address (lower-cased) appears twice, first come first. */
export function distinctAddressRounds(writes: Pick<SignUpWrite, 'email'>[]): number[][] {
  const rounds: Array<{ indexes: number[]; addresses: Set<string> }> = [];
  writes.forEach((write, index) => {
    const address = write.email.toLowerCase();
    let round = rounds.find((r) => !r.addresses.has(address));
    if (!round) {
      round = { indexes: [], addresses: new Set() };
      rounds.push(round);
    }
    round.indexes.push(index);
    round.addresses.add(address);
  });
  return rounds.map((r) => r.indexes);
}
