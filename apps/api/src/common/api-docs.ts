import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery } from '@nestjs/swagger';

/** A route answering an HTML page (hosted reader pages, the dashboard), as the OpenAPI document shows it. */
export function HtmlPage(description: string): MethodDecorator {
  return applyDecorators(ApiProduces('text/html'), ApiOkResponse({ description }));
}

/** The signed token a link from an email carries (`?token=`). */
export function LinkToken(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'token', required: true, description: 'the signed token from the email link' }),
  );
}
