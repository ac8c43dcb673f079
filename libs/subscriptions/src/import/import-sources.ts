import { parse } from 'csv-parse';
import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { JsonArraySplitter, JsonStreamError } from './json-array-splitter';

export type ImportFormat = 'csv' | 'json';

/** A row as read from the upload (not yet checked), or a line that could not be read at all. */
export type SourceRow = { line: number; raw: unknown } | { line: number; unreadable: string };

/** The upload broke a structural rule (not an array, no usable CSV header...): nothing after it can be read. */
export class ImportFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export class ImportTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
  }
}

/** CSV header names, matched case-insensitively, with snake_case accepted too. */
const CSV_COLUMNS: Record<string, string> = {
  email: 'email',
  name: 'name',
  newsletters: 'newsletters',
  consentedat: 'consentedAt',
  consented_at: 'consentedAt',
  consentsource: 'consentSource',
  consent_source: 'consentSource',
};
const REQUIRED_COLUMNS = ['email', 'newsletters', 'consentedAt', 'consentSource'];

/** Reads rows from an upload one by one, never holding the whole body; aborts past `maxBytes`. */
export function readRows(source: Readable, format: ImportFormat, maxBytes: number): AsyncIterable<SourceRow> {
  const limited = byteLimit(maxBytes);
  source.on('error', (err) => limited.destroy(err));
  // Past the limit, drain (not destroy) the source: an HTTP request must stay answerable with a 413.
  limited.on('error', () => source.resume());
  source.pipe(limited);
  return format === 'csv' ? csvRows(limited) : jsonRows(limited);
}

function byteLimit(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new ImportTooLargeError(maxBytes));
      else callback(null, chunk);
    },
  });
}

async function* jsonRows(stream: Readable): AsyncGenerator<SourceRow> {
  const splitter = new JsonArraySplitter();
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream) {
      for (const element of splitter.push(decoder.write(chunk as Buffer)))
        yield parseElement(element.text, element.line);
    }
    for (const element of splitter.push(decoder.end())) yield parseElement(element.text, element.line);
    splitter.end();
  } catch (err) {
    if (err instanceof JsonStreamError) throw new ImportFormatError(err.line, err.message);
    throw err;
  }
}

function parseElement(text: string, line: number): SourceRow {
  try {
    return { line, raw: JSON.parse(text) };
  } catch {
    return { line, unreadable: 'malformed JSON row' };
  }
}

async function* csvRows(stream: Readable): AsyncGenerator<SourceRow> {
  const skippedLines: SourceRow[] = [];
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: 1_000_000,
    info: true,
    columns: (header: string[]) => csvHeader(header),
  });
  // Malformed lines (bad quoting) are skipped by the parser and reported as invalid rows.
  parser.on('skip', (err: Error & { lines?: number }) => {
    skippedLines.push({ line: err.lines ?? 0, unreadable: `unreadable CSV: ${err.message.split(':')[0]}` });
  });
  stream.on('error', (err) => parser.destroy(err));
  stream.pipe(parser);
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    while (skippedLines.length > 0) yield skippedLines.shift()!;
    yield { line: info.lines, raw: record };
  }
  while (skippedLines.length > 0) yield skippedLines.shift()!;
}

function csvHeader(header: string[]): string[] {
  const columns = header.map((h) => CSV_COLUMNS[h.trim().toLowerCase()] ?? h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new ImportFormatError(1, `the CSV header line must name the columns ${missing.join(', ')}`);
  }
  return columns;
}
