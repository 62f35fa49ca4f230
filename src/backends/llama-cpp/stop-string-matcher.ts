/**
 * Finds stop strings in a stream of text pieces. Text that could still turn into a stop string (a
 * suffix that is a prefix of one) is held back until the next piece decides, so a stop string is
 * never partly streamed to the client; when one completes, the text before it (or up to its end,
 * with include_stop_str_in_output) is released and the stream ends. Pure string work.
 */

/** The outcome of one piece of text. */
export interface StopScan {
  /** Text that may be sent now. */
  text: string;
  /** Whether a stop string completed (the sequence ends). */
  stopped: boolean;
}

const NONE: ReadonlySet<string> = new Set();

/** Stop-string state of one sequence. */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  /** Stop strings kept in the output when they end it (include_stop_str_in_output). */
  private readonly included: ReadonlySet<string>;
  /** Longest stop string in UTF-16 units. */
  private readonly longest: number;
  /** Text held back because it may be the start of a stop string. */
  private held: string;

  constructor(stops: readonly string[], included: ReadonlySet<string> = NONE) {
    this.stops = stops;
    this.included = included;
    let longest = 0;
    for (const s of stops) if (s.length > longest) longest = s.length;
    this.longest = longest;
    this.held = '';
  }

  /** Whether any stop string is set. */
  get active(): boolean {
    return this.longest > 0;
  }

  /** Feeds one piece of text. */
  push(piece: string): StopScan {
    if (this.longest === 0) return { text: piece, stopped: false };
    const text = this.held + piece;
    let at = -1;
    let found = '';
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i !== -1 && (at === -1 || i < at)) {
        at = i;
        found = s;
      }
    }
    if (at !== -1) {
      this.held = '';
      return { text: text.slice(0, this.included.has(found) ? at + found.length : at), stopped: true };
    }
    const keep = this.partialSuffix(text);
    this.held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep), stopped: false };
  }

  /** Releases the held text (the sequence ended for another reason). */
  flush(): string {
    const text = this.held;
    this.held = '';
    return text;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of a stop string. */
  private partialSuffix(text: string): number {
    const max = Math.min(text.length, this.longest - 1);
    for (let n = max; n > 0; n--) {
      const suffix = text.slice(text.length - n);
      for (const s of this.stops) if (s.length > n && s.startsWith(suffix)) return n;
    }
    return 0;
  }
}
