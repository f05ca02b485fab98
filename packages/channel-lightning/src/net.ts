import { connect, createServer, type Server, type Socket } from 'node:net'
import * as ldk from 'lightningdevkit'
import { InvalidPeerError, LdkCallError } from './errors.js'

/**
 * BOLT 8 transport over TCP for an LDK PeerManager: each socket gets a SocketDescriptor; bytes
 * read go to `read_event`, bytes LDK sends are written to the socket (node buffers them all, so
 * every send is taken whole). LDK asks for reads to pause when its buffers fill.
 */
export class PeerSockets {
  readonly #sockets = new Map<bigint, Socket>()
  #nextId = 1n
  #server: Server | undefined

  constructor(readonly peers: ldk.PeerManager, readonly onActivity: () => void) {}

  /** Accepts peers on loopback; resolves with the port. */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer((socket) => this.#inbound(socket))
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new InvalidPeerError('the listening socket has no port')
    return address.port
  }

  /** Opens a connection to a peer (node id: 33-byte compressed public key) and starts the BOLT 8 handshake. */
  async connect(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    if (nodeId.length !== 33) throw new InvalidPeerError(`a node id is 33 bytes, got ${nodeId.length}`)
    const socket = connect(port, host)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const descriptor = this.#attach(socket)
    const first = this.peers.new_outbound_connection(nodeId, descriptor, ldk.Option_SocketAddressZ.constructor_none())
    if (!(first instanceof ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
      socket.destroy()
      throw new LdkCallError('new_outbound_connection', 'refused')
    }
    socket.write(first.res)
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.values()) socket.destroy()
    this.#sockets.clear()
    const server = this.#server
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  #inbound(socket: Socket): void {
    const descriptor = this.#attach(socket)
    const accepted = this.peers.new_inbound_connection(descriptor, ldk.Option_SocketAddressZ.constructor_none())
    if (!(accepted instanceof ldk.Result_NonePeerHandleErrorZ_OK)) socket.destroy()
  }

  #attach(socket: Socket): ldk.SocketDescriptor {
    const id = this.#nextId++
    this.#sockets.set(id, socket)
    socket.setNoDelay(true)
    // Set when LDK itself ends the connection: it must not hear of it again (socket_disconnected).
    let endedByLdk = false
    const descriptor = ldk.SocketDescriptor.new_impl({
      send_data: (data: Uint8Array, resumeRead: boolean): number => {
        if (socket.destroyed) return 0
        if (data.length > 0) socket.write(Uint8Array.from(data))
        if (resumeRead) socket.resume()
        return data.length
      },
      disconnect_socket: (): void => {
        endedByLdk = true
        socket.destroy()
      },
      eq: (other: ldk.SocketDescriptor): boolean => other.hash() === id,
      hash: (): bigint => id
    })
    socket.on('data', (data: Buffer) => {
      const read = this.peers.read_event(descriptor, new Uint8Array(data))
      if (read instanceof ldk.Result_boolPeerHandleErrorZ_OK) {
        if (read.res) socket.pause()
      } else {
        endedByLdk = true
        socket.destroy()
      }
      this.onActivity()
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      this.#sockets.delete(id)
      if (!endedByLdk) this.peers.socket_disconnected(descriptor)
      this.onActivity()
    })
    return descriptor
  }
}
