/** One top-level element of a JSON array: its source text and the line it starts on (1-based). */
export interface JsonArrayElement {
  text: string;
  line: number;
}

export class JsonStreamError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`${message} (line ${line})`);
  }
}

type State = 'before-array' | 'before-element' | 'in-element' | 'done';

/**
 * Cuts a streamed JSON array into its elements without holding the whole
 * document: feed chunks to push(), which returns the elements completed so far
 * (JSON.parse each one). It tracks only strings, escapes and nesting; parsing
 * is left to JSON.parse, so a malformed element fails alone and the rest of the
 * array still goes through. Structural damage (no array, unclosed array) throws.
 */
export class JsonArraySplitter {
  private state: State = 'before-array';
  private line = 1;
  private pending = '';
  private elementLine = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elements = 0;

  /** Refuses a single element larger than this (a row is a few hundred bytes). */
  constructor(private readonly maxElementLength = 1_000_000) {}

  push(chunk: string): JsonArrayElement[] {
    const out: JsonArrayElement[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === '\n') this.line++;
      if (this.state === 'in-element') {
        const boundary = this.scanElementChar(c);
        if (boundary) {
          out.push({ text: this.pending + chunk.slice(start, i), line: this.elementLine });
          this.pending = '';
          this.state = boundary === ']' ? 'done' : 'before-element';
        }
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\ufeff') continue;
      if (this.state === 'before-array') {
        if (c !== '[') throw new JsonStreamError(this.line, 'expected a JSON array of rows');
        this.state = 'before-element';
      } else if (this.state === 'before-element') {
        if (c === ']' && this.elements === 0) {
          this.state = 'done';
          continue;
        }
        if (c === ',' || c === ']') throw new JsonStreamError(this.line, `unexpected "${c}"`);
        this.startElement(c);
        start = i;
      } else {
        throw new JsonStreamError(this.line, 'unexpected data after the closing "]"');
      }
    }
    if (this.state === 'in-element') {
      this.pending += chunk.slice(start);
      if (this.pending.length > this.maxElementLength) throw new JsonStreamError(this.elementLine, 'row too large');
    }
    return out;
  }

  /** Call at the end of the stream: throws when the array was never closed. */
  end(): void {
    if (this.state !== 'done') throw new JsonStreamError(this.line, 'unexpected end of the JSON array');
  }

  private startElement(first: string): void {
    this.state = 'in-element';
    this.elements++;
    this.elementLine = this.line;
    this.depth = first === '{' || first === '[' ? 1 : 0;
    this.inString = first === '"';
    this.escaped = false;
  }

  /** Advances over one character of an element; returns "," or "]" when the element ends there. */
  private scanElementChar(c: string): ',' | ']' | null {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === '\\') this.escaped = true;
      else if (c === '"') this.inString = false;
      return null;
    }
    if (c === '"') this.inString = true;
    else if (c === '{' || c === '[') this.depth++;
    else if ((c === ',' || c === ']') && this.depth === 0) return c;
    else if (c === '}' || c === ']') this.depth = Math.max(0, this.depth - 1);
    return null;
  }
}
