/** The scraper's errors: every one keeps its `cause`; `retryable` decides whether a fetch is tried again. */
import { MatchdayError } from '../../shared/errors.ts';

/** A source could not be fetched (network, status, size, content type, redirects). */
export class FetchError extends MatchdayError {
  constructor(
    readonly url: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A fetched document could not be parsed at all (not one row could be attempted). */
export class ParseError extends MatchdayError {}
