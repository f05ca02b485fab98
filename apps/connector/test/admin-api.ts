/* eslint-disable @typescript-eslint/no-explicit-any -- parsed JSON answers, checked field by field by the assertions (and against openapi.json) */
import { expect } from 'vitest'
import { check, checkRequest } from './openapi-check.js'

/** One admin API call as JSON, its answer checked against the OpenAPI document. */
export interface AdminCall {
  (method: string, path: string, options?: { body?: unknown; token?: string | null; template?: string }): Promise<{ status: number; body: any }>
}

export function adminClient(base: () => string, defaultToken: string): AdminCall {
  return async (method, path, options = {}) => {
    const token = options.token === undefined ? defaultToken : options.token
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (token !== null) headers.authorization = `Bearer ${token}`
    const res = await fetch(`${base()}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) })
    const type = res.headers.get('content-type')
    const text = await res.text()
    const body: unknown = type?.startsWith('application/json') === true ? JSON.parse(text) : text
    const template = options.template ?? templateOf(path)
    expect(check(method, template, res.status, type, body), `${method} ${path} → ${res.status} against openapi.json`).toEqual([])
    if (res.ok) expect(checkRequest(method, template, options.body), `${method} ${path}: the body it accepted against openapi.json`).toEqual([])
    return { status: res.status, body }
  }
}

/** The document's path template of a concrete path: `/peers/bob/settle` → `/peers/{id}/settle`. */
function templateOf(path: string): string {
  const bare = path.split('?', 1)[0] ?? path
  return bare
    .replace(/^\/settlement\/[^/]+\/[^/]+$/, '/settlement/{id}/{request}')
    .replace(/^\/(peers|balances)\/[^/]+/, '/$1/{id}')
}

/** A Server-Sent Events reader of `url` (a real HTTP client): the events so far, parsed. */
export async function eventStream(url: string, token: string): Promise<{ events: { event: string; data: any }[]; close(): void }> {
  const abort = new AbortController()
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/event-stream')
  const events: { event: string; data: any }[] = []
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const fields = Object.fromEntries(block.split('\n').filter((line) => !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]))
        if (fields.event !== undefined) events.push({ event: fields.event, data: JSON.parse(fields.data ?? 'null') })
      }
    }
  })()
  return { events, close: () => abort.abort() }
}
