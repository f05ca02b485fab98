import {
  decodePrepare,
  encodeReject,
  encodeReply,
  IlpErrorCode,
  ILDCP_DESTINATION,
  serveIldcp,
  type IldcpInfo,
  type PrepareHandler,
} from '@stack/ilp-core'

/**
 * The parent node of the demo: it tells its child its address over ILDCP (RFC 0031)
 * and delivers packets for one local receiver. Bytes in, bytes out: it is the
 * request handler of a Link.
 */
export function createParent(options: {
  address: string
  child: IldcpInfo
  receiverAddress: string
  receiver: PrepareHandler
}) {
  const reject = (code: string, message: string) =>
    encodeReject({ code, triggeredBy: options.address, message, data: new Uint8Array(0) })

  return async (request: Uint8Array): Promise<Uint8Array> => {
    let prepare
    try {
      prepare = decodePrepare(request)
    } catch (error) {
      return reject(IlpErrorCode.F01_INVALID_PACKET, (error as Error).message)
    }
    if (prepare.destination === ILDCP_DESTINATION) return serveIldcp(request, options.child, options.address)
    if (prepare.destination !== options.receiverAddress) {
      return reject(IlpErrorCode.F02_UNREACHABLE, `no route to ${prepare.destination}`)
    }
    if (prepare.expiresAt.getTime() <= Date.now()) {
      return reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'expired')
    }
    return encodeReply(await options.receiver(prepare))
  }
}
