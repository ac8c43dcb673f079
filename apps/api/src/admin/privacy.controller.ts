import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Res, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PrivacyService, SuppressionService } from '@app/subscriptions';
import { AdminOnly } from '../common/admin-auth.guard';
import { SubscriberNotFoundFilter } from '../privacy/subscriber-not-found.filter';

/** Operator side of the readers' privacy rights: access, erasure, consent proof, suppression lifts. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin')
@UseFilters(SubscriberNotFoundFilter)
export class PrivacyAdminController {
  constructor(
    private readonly privacy: PrivacyService,
    private readonly suppression: SuppressionService,
  ) {}

  /** Everything held about the reader (GDPR art. 15 / 20). */
  @Get('subscribers/:id/export')
  async export(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    return this.privacy.export(id);
  }

  /** Proof of consent for each active subscription (GDPR art. 7). */
  @Get('subscribers/:id/consent')
  async consent(@Param('id') id: string) {
    return this.privacy.consentProof(id);
  }

  /** Erasure (GDPR art. 17); repeating it is harmless. */
  @Delete('subscribers/:id')
  @HttpCode(200)
  async erase(@Param('id') id: string) {
    const result = await this.privacy.erase(id, 'admin');
    return { ...result, status: 'erased' };
  }

  /** Lets an address be mailed again (after a bounce was fixed, or a complaint withdrawn). */
  @Delete('suppressions/:email')
  @HttpCode(204)
  async lift(@Param('email') email: string): Promise<void> {
    if (!(await this.suppression.lift(email))) throw new NotFoundException('this address is not suppressed');
  }
}
