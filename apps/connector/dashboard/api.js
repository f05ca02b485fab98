// The admin API from the page: the bearer token kept in sessionStorage (this tab only, gone
// when it closes), JSON calls with fetch, and GET /events read as a fetch stream — EventSource
// cannot send an Authorization header.

const KEY = 'stack-connector-admin-token'

/** The admin API answered 401: the token is missing or wrong. */
export class TokenRefusedError extends Error {
  name = 'TokenRefusedError'
}

/** Any other answer than 2xx, with the API's error text. */
export class AdminApiError extends Error {
  name = 'AdminApiError'
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
}

/**
 * A token handed over in the address's fragment (`#token=…`, as the demos print it: the fragment
 * is never sent to a server) is kept like a typed one, and taken out of the address bar.
 */
export function tokenFromFragment() {
  const given = new URLSearchParams(location.hash.slice(1)).get('token')
  if (given === null) return
  token.set(given)
  history.replaceState(null, '', location.pathname + location.search)
}

const headers = () => ({ authorization: `Bearer ${token.get() ?? ''}`, 'content-type': 'application/json' })

/** `path` is the admin API's; `base` prefixes it (the multi-node page's `/nodes/<name>`). */
export async function call(method, path, body, base = '') {
  const res = await fetch(base + path, { method, headers: headers(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  if (res.status === 401) throw new TokenRefusedError('token refused')
  const answer = await res.json().catch(() => ({}))
  if (!res.ok) throw new AdminApiError(res.status, answer.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ') || answer.error || `HTTP ${res.status}`)
  return answer
}

/**
 * Reads GET /events until `signal` aborts, calling `onEvent(type, data)` per event (WHATWG HTML
 * §9.2 framing: blocks end with a blank line; `:` lines are comments). Resolves when the stream
 * ends (the node stopped, or dropped a slow reader); the caller reconnects.
 */
export async function readEvents(signal, onOpen, onEvent, base = '') {
  const res = await fetch(`${base}/events`, { headers: headers(), signal })
  if (res.status === 401) throw new TokenRefusedError('token refused')
  if (!res.ok) throw new AdminApiError(res.status, `GET /events: HTTP ${res.status}`)
  onOpen()
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value.replace(/\r\n?/g, '\n')
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let type = 'message'
      const data = []
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') type = text
        if (field === 'data') data.push(text)
      }
      if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')))
    }
  }
}
