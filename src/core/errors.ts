/**
 * Typed domain errors. Services throw these; one hook in server/errors.plugin.ts turns
 * them into HTTP responses, so no service ever sees a Request.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export class BadInput extends AppError {
  constructor(message: string, field?: string) {
    super(400, "bad_request", message, field);
  }
}

export class Unauthorized extends AppError {
  constructor(message = "authentication required") {
    super(401, "unauthorized", message);
  }
}

export class Forbidden extends AppError {
  constructor(message: string) {
    super(403, "forbidden", message);
  }
}

export class NotFound extends AppError {
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

export class Conflict extends AppError {
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

/** Something this server depends on (a speed-test service's server list, say) failed or could not be reached. */
export class BadGateway extends AppError {
  constructor(message: string) {
    super(502, "bad_gateway", message);
  }
}

export class TooManyRequests extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, "too_many_requests", message);
  }

  /** The Retry-After header: RFC 9110 allows only whole seconds (delay-seconds = 1*DIGIT). */
  get retryAfterHeader(): string {
    return String(Math.max(1, Math.ceil(this.retryAfterSeconds)));
  }
}

/**
 * Sends the client elsewhere: a 303, or for htmx a 204 with HX-Redirect (htmx then navigates the whole page),
 * setting any `cookies` (Set-Cookie values) on the way.
 */
export class Redirect extends AppError {
  constructor(
    readonly location: string,
    readonly options: { htmx?: boolean; cookies?: readonly string[] } = {},
  ) {
    super(options.htmx ? 204 : 303, "redirect", `see ${location}`);
  }
}
