import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { classifySmtpError, MailSendError } from '@app/mail';
import { JobData, QueueName } from '@app/queues';
import { ConfirmationBatchOutcome, TransactionalMailService, TransactionalOutcome } from '@app/subscriptions';

type TransactionalJobName =
  'send-confirmation' | 'send-confirmations' | 'send-welcome' | 'send-unsubscribed' | 'send-data-export';

/**
 * The `transactional` queue: one service call per job name. A temporary send failure
 * is thrown as is, so BullMQ retries it with exponential backoff (DEFAULT_JOB_OPTIONS);
 * a permanent one (5xx, an address we refuse) is not retried.
 */
@Processor(QueueName.transactional, { concurrency: 4 })
export class TransactionalProcessor extends WorkerHost {
  private readonly logger = new Logger(TransactionalProcessor.name);

  constructor(private readonly mails: TransactionalMailService) {
    super();
  }

  async process(
    job: Job<unknown, TransactionalOutcome | ConfirmationBatchOutcome, string>,
  ): Promise<TransactionalOutcome | ConfirmationBatchOutcome> {
    // The job id is the message's identity: a retry sends the same Message-ID.
    const options = { messageKey: job.id };
    try {
      switch (job.name as TransactionalJobName) {
        case 'send-confirmation': {
          const { subscriberId, newsletterIds } = job.data as JobData<'send-confirmation'>;
          return await this.mails.sendConfirmation(subscriberId, newsletterIds, options);
        }
        case 'send-confirmations': {
          const { readers } = job.data as JobData<'send-confirmations'>;
          return await this.mails.sendConfirmations(readers, job.id!);
        }
        case 'send-welcome': {
          const { subscriberId, newsletterIds } = job.data as JobData<'send-welcome'>;
          return await this.mails.sendWelcome(subscriberId, newsletterIds, options);
        }
        case 'send-unsubscribed': {
          const { subscriberId, newsletterId } = job.data as JobData<'send-unsubscribed'>;
          return await this.mails.sendUnsubscribed(subscriberId, newsletterId, options);
        }
        case 'send-data-export': {
          const { subscriberId } = job.data as JobData<'send-data-export'>;
          return await this.mails.sendDataExport(subscriberId, options);
        }
        default:
          throw new UnrecoverableError(`unknown transactional job "${job.name}"`);
      }
    } catch (err) {
      if (err instanceof MailSendError && classifySmtpError(err) === 'permanent') {
        this.logger.warn(`${job.name} ${job.id} failed permanently: ${err.message}`);
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
  }
}
