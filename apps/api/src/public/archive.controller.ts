import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ArchiveService } from '@app/digests';
import { HtmlPage } from '../common/api-docs';
import { PageRenderer } from '../common/page-renderer';

/**
 * Public pages of issues: the web version ("view in browser", no personal links), the
 * archive of a newsletter and its RSS feed. Nothing here knows who is reading.
 */
@ApiTags('readers')
@Controller()
export class ArchiveController {
  constructor(
    private readonly archive: ArchiveService,
    private readonly pages: PageRenderer,
  ) {}

  @Get('issues/:id/:slug')
  @HtmlPage('the web version of a sent issue (301 to the canonical slug, 404 page when there is none)')
  async webVersion(@Param('id') id: string, @Param('slug') slug: string, @Res() res: Response): Promise<void> {
    return this.showIssue(id, slug, res);
  }

  @Get('issues/:id')
  @HtmlPage('301 to the web version at its canonical address')
  async webVersionWithoutSlug(@Param('id') id: string, @Res() res: Response): Promise<void> {
    return this.showIssue(id, null, res);
  }

  @Get('archive/:newsletter')
  @HtmlPage("a newsletter's sent issues, newest first")
  async archivePage(@Param('newsletter') slug: string, @Res() res: Response): Promise<void> {
    const newsletter = await this.archive.newsletter(slug);
    if (!newsletter) return this.notFound(res, 'There is no newsletter at this address.');
    const entries = await this.archive.entries(slug);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res
      .type('html')
      .send(this.pages.render('archive', { newsletter, entries }, { title: `${newsletter.name}: archive` }));
  }

  @Get('archive/:newsletter/feed.xml')
  @ApiProduces('application/rss+xml')
  async feed(@Param('newsletter') slug: string, @Res() res: Response): Promise<void> {
    const xml = await this.archive.rss(slug);
    if (xml === null) return this.notFound(res, 'There is no newsletter at this address.');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/rss+xml; charset=utf-8').send(xml);
  }

  private async showIssue(id: string, slug: string | null, res: Response): Promise<void> {
    const issue = await this.archive.webIssue(id);
    if (!issue) return this.notFound(res, 'This issue does not exist or has not been sent.');
    // One address per issue: old or mistyped slugs lead to the canonical one.
    if (slug !== issue.webSlug) return res.redirect(301, issue.path);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('html').send(this.pages.render('issue', { ...issue }, { title: issue.subject }));
  }

  private notFound(res: Response, message: string): void {
    res
      .status(404)
      .type('html')
      .send(
        this.pages.render('reader-error', { heading: 'Not found', message, linkHome: true }, { title: 'Not found' }),
      );
  }
}
