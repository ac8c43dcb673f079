import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { isValidReaderEmail, plainTextProblem } from '@app/subscriptions';

/** class-validator's IsEmail plus the checks storage needs (length, a domain that converts to ASCII). */
export function IsReaderEmail(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isReaderEmail',
      validator: { validate: (v) => isValidReaderEmail(v), defaultMessage: () => 'must be a valid email address' },
    },
    options,
  );
}

/** Single-line plain text: no CR/LF or other control characters, at most `max` characters. */
export function IsPlainText(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPlainText',
      validator: {
        validate: (v) => typeof v === 'string' && plainTextProblem(v, max) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string' ? (plainTextProblem(args.value, max) ?? 'is invalid') : 'must be text',
      },
    },
    options,
  );
}

/** Forms send one value as a string and several as an array; JSON clients may do either. */
export const ToArray = () =>
  Transform(({ value }) =>
    value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value],
  );

export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));
