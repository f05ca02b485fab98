import { decodeReply, encodePrepare, type IlpPrepare, type IlpReply } from '@stack/ilp-core'
import { createMemoryLinkPair, type Link } from '@stack/channel-core'
import { Connector, type ConnectorOptions } from '../src/connector.js'
import { type PeerConfig } from '../src/peer-config.js'
import { FakeClock, recordingLogger, StaticRoutes } from './fixtures.js'

/** A connected memory link pair. */
export async function linkPair(): Promise<[Link, Link]> {
  const [a, b] = createMemoryLinkPair()
  await a.connect()
  await b.connect()
  return [a, b]
}

/** Sends a Prepare over a link and decodes the reply, as a plain (non-connector) node does. */
export async function send(link: Link, prepare: IlpPrepare): Promise<IlpReply> {
  return decodeReply(await link.request(encodePrepare(prepare)))
}

export function connector(options: Partial<ConnectorOptions> & { address: string; clock: FakeClock; routes?: ConnectorOptions['routes'] }): Connector {
  return new Connector({ routes: new StaticRoutes({}), logger: recordingLogger(), ...options })
}

/** Adds `config` to the connector with a fresh link; returns the far end (the peer's side). */
export async function attach(node: Connector, config: Omit<PeerConfig, 'link'>): Promise<Link> {
  const [ours, theirs] = await linkPair()
  node.addPeer({ ...config, link: ours })
  return theirs
}
