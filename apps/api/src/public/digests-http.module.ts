import { Module } from '@nestjs/common';
import { DigestsModule } from '@app/digests';
import { IssuesAdminController } from '../admin/issues.controller';
import { PageRenderer } from '../common/page-renderer';
import { ArchiveController } from './archive.controller';

/** Issues over HTTP: the operators' admin routes and the public web versions, archive and feed. */
@Module({
  imports: [DigestsModule],
  controllers: [IssuesAdminController, ArchiveController],
  providers: [PageRenderer],
})
export class DigestsHttpModule {}
