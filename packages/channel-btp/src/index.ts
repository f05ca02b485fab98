/**
 * @stack/channel-btp — BTP 2.0 (RFC 0023) over WebSocket: a client link, a server hosting many
 * accounts on one port, and the frame codec. ILP bytes ride as the `ilp` sub-protocol of
 * MESSAGE; value as TRANSFER with its claim as the `claim` sub-protocol.
 *
 * ```ts
 * import { BtpClient, BtpServer } from '@stack/channel-btp'
 *
 * const server = new BtpServer({ accounts: { alice: 'secret' } })
 * const port = await server.listen()
 * server.link('alice').setRequestHandler((packet) => packet) // echo
 *
 * const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}` })
 * await client.connect()
 * const reply = await client.request(new Uint8Array([1, 2, 3]))
 * await client.close()
 * await server.close()
 * ```
 */
export { BtpClient } from './btp-client.js'
export type { BtpClientOptions, ReconnectOptions } from './btp-client.js'
export { BtpServer, BtpServerLink, accountsAuthenticator } from './btp-server.js'
export type { BtpAuthenticator, BtpServerOptions } from './btp-server.js'
export type { AuthThrottleOptions } from './auth-throttle.js'
export { BtpLink } from './btp-link.js'
export type { BtpLinkOptions, BtpValueOptions } from './btp-link.js'
export { BtpSession } from './btp-session.js'
export { DEFAULT_LIMITS, ILP_PROTOCOL } from './session-contract.js'
export type { BtpSessionLimits, BtpSessionStats, FrameTransport } from './session-contract.js'
export { BtpAuthError } from './btp-link-errors.js'
export { BtpType, ContentType, MAX_ERROR_DATA_BYTES } from './btp-frame.js'
export type { BtpError, BtpFrame, BtpMessage, BtpResponse, BtpTransfer, ProtocolDataEntry } from './btp-frame.js'
export { encodeBtpFrame } from './encode.js'
export { decodeBtpFrame, readBtpHeader, DEFAULT_MAX_FRAME_BYTES } from './decode.js'
export type { BtpFrameHeader, DecodeOptions } from './decode.js'
export { BtpCodecError, FrameTooLargeError, InvalidFrameFieldError, TruncatedFrameError, UnknownFrameTypeError } from './btp-errors.js'
export type { BtpDecodeError } from './btp-errors.js'
export { fromGeneralizedTime, toGeneralizedTime } from './generalized-time.js'
export { consoleLogger, silentLogger } from './logger.js'
export type { BtpLogger } from './logger.js'
