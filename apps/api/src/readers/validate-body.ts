import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { validationErrors } from '../configure-app';

export type FieldError = { field: string; message: string };

/**
 * Validates a plain body against a DTO with the same rules and error shape as
 * the global ValidationPipe, for routes that must answer errors as JSON or as
 * an HTML page depending on who asked.
 */
export function validateBody<T extends object>(
  dto: new () => T,
  body: Record<string, unknown>,
): { value: T; errors: null } | { value: null; errors: FieldError[] } {
  const value = plainToInstance(dto, body);
  // Every rule of the readers' DTOs is synchronous: no promise per rule and per body.
  const errors = validateSync(value, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) return { value: null, errors: validationErrors(errors) };
  return { value, errors: null };
}

export function errorBody(errors: FieldError[], statusCode = 400) {
  return { statusCode, message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors };
}
