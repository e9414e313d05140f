// The JSON API client: same-origin cookie session plus the CSRF token on every change.

let csrfToken = null;

/** Remembers the session's CSRF token (from sign-in or GET /api/auth/session). */
export function setCsrf(token) {
  csrfToken = token;
}

/** The session's CSRF token (for requests that are not JSON, e.g. a plugin upload). */
export function csrf() {
  return csrfToken;
}

/** An error answer of the API: status, code, message and the field it names. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `request failed with status ${status}`);
    this.status = status;
    this.code = error.code || 'error';
    this.field = error.field || null;
  }
}

/** Calls the API; resolves to the JSON body (null for 204), rejects with ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Sends raw bytes (e.g. a `.wasm` upload); resolves to the JSON answer, rejects with ApiError. */
export async function postBytes(path, bytes, contentType) {
  const headers = { Accept: 'application/json', 'Content-Type': contentType };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: bytes });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);
