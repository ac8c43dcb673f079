import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { QUEUE_BOARD_ROUTE } from './queue-board';

/**
 * OpenAPI document generated from the controllers and DTO decorators, served at
 * /docs (Swagger UI) and /docs-json. Operators authenticate with the admin token.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Dispatch')
    .setDescription(
      'Newsletter subscriptions and delivery. Reader routes carry identity in signed tokens; ' +
        'admin routes need `Authorization: Bearer $ADMIN_TOKEN` (browser pages also accept basic auth admin:$ADMIN_TOKEN).',
    )
    .setVersion('1')
    .addTag('readers', 'hosted pages, sign-up, and the links in every email (no authentication: tokens carry identity)')
    .addTag('admin', 'the operator API (admin token)')
    .addTag('webhooks', "mail providers' delivery events (signed bodies)")
    .addTag('ops', 'health probes (internal network), dashboard and queue board (admin token)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'user admin, password ADMIN_TOKEN' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Bull Board is an express sub-app, not a controller: described here so that every operator route is listed.
  document.paths[QUEUE_BOARD_ROUTE] = {
    get: {
      tags: ['ops'],
      summary: 'Bull Board: every queue with its jobs, their state and their errors',
      security: [{ bearer: [] }, { basic: [] }],
      responses: {
        '200': { description: 'the board (HTML)', content: { 'text/html': {} } },
        '401': { description: 'missing or wrong admin token' },
      },
    },
  };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
