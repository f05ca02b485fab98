import type { Link } from '@stack/channel-core'
import { decodePrepare, decodeReply, encodePrepare, encodeReply, type PrepareHandler } from '@stack/ilp-core'

/** Sends Prepares over a Link: the `sendPrepare` a STREAM endpoint is given. */
export function sendOver(link: Link): PrepareHandler {
  return async (prepare) => decodeReply(await link.request(encodePrepare(prepare)))
}

/** Answers the Prepares that arrive on a Link with `handler` (a STREAM server or connection). */
export function serveOn(link: Link, handler: PrepareHandler): void {
  link.setRequestHandler(async (bytes) => encodeReply(await handler(decodePrepare(bytes))))
}
