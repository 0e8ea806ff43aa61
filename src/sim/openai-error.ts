/** The body OpenAI sends with every error: `{"error":{message,type,param,code}}`. */
export interface OpenAiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/**
 * An error the simulator answers with, in OpenAI's shape. `status` is the HTTP status;
 * `wire` is the exact error body; `headers` go on the response (retry hints).
 *
 * Deliberately not a ConciergeError: these are the provider's errors, in the provider's wire
 * format and with OpenAI's own codes, which Concierge's LLM layer reads as any client of the
 * real provider would (src/shared/error-catalogue.ts has Concierge's codes).
 */
export class OpenAiApiError extends Error {
  readonly status: number;
  readonly wire: OpenAiErrorBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, wire: OpenAiErrorBody, headers: Record<string, string> = {}) {
    super(wire.message);
    this.name = 'OpenAiApiError';
    this.status = status;
    this.wire = wire;
    this.headers = headers;
  }

  toBody(): { error: OpenAiErrorBody } {
    return { error: this.wire };
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): OpenAiApiError {
  return new OpenAiApiError(400, { message, type: 'invalid_request_error', param, code });
}

export const INVALID_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

export function insufficientQuota(): OpenAiApiError {
  return new OpenAiApiError(429, {
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    type: 'insufficient_quota',
    param: null,
    code: 'insufficient_quota',
  });
}

export function injectedServerError(status: 500 | 503): OpenAiApiError {
  return status === 500
    ? new OpenAiApiError(500, {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      })
    : new OpenAiApiError(503, { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null });
}

export function routeNotFound(method: string, url: string): OpenAiApiError {
  return new OpenAiApiError(404, { message: `Invalid URL (${method} ${url})`, type: 'invalid_request_error', param: null, code: null });
}

/** JSON type names as OpenAI's validation messages spell them. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a decimal';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
