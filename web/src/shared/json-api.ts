import { apiErrorFrom } from './api-error.js';

export interface JsonApi {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/** Plain JSON calls for the owner's console and the live view, with the page's credentials. */
export function createJsonApi(options: { baseUrl: string; headers: () => Record<string, string>; fetch?: typeof fetch }): JsonApi {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const call = async <T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> => {
    const url = new URL(path, options.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    const response = await doFetch(url.toString(), {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw apiErrorFrom(response.status, text, response.headers);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body) => call('POST', path, body ?? {}),
  };
}
