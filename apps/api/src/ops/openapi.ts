import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'user admin, password ADMIN_TOKEN' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
