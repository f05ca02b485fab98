import { randomBytes } from 'node:crypto'
import { BtpClient } from '@stack/channel-btp'
import type { Link } from '@stack/channel-core'
import { HttpLink } from '@stack/channel-http'
import {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  ccpFulfill,
  decodeIldcpInfo,
  decodePrepare,
  decodeReply,
  encodePrepare,
  encodeReply,
  ildcpRequest,
  IlpPacketType,
  parentAddress,
  type IldcpInfo,
  type IlpPrepare,
  type IlpReply,
} from '@stack/ilp-core'
import { Budget } from './budget.js'
import { NotApplicableError, type Evidence } from './check.js'
import { describeError, describePrepare, describeReply } from './describe.js'

/** What the operator pointed the suite at. */
export interface Target {
  /** `btp+ws://user:token@host:port` or an ILP-over-HTTP URL (with `token`). */
  readonly url: string
  /** Bearer token for an ILP-over-HTTP URL. */
  readonly token?: string
  /** A second account on the same node (BTP URL), for checks that need a receiving end. */
  readonly second?: string
  /** SPSP endpoint or payment pointer of a receiver, for the STREAM and SPSP checks. */
  readonly spsp?: string
  /** How the node sees the first account: a child gets ILDCP; a peer exchanges CCP routes. */
  readonly relation: 'child' | 'peer'
  /** The node's own ILP address, when ILDCP cannot tell it (a peer account). */
  readonly nodeAddress?: string
  readonly timeoutMs: number
  /** How long to wait for the node's first CCP route update. */
  readonly ccpWaitMs: number
}

export type PrepareAnswer = (prepare: IlpPrepare) => IlpReply | Promise<IlpReply>

/** One account at the node: sends Prepares (recorded as evidence) and answers what the node sends it. */
export class Account {
  /** Prepares the node sent us, in order. */
  readonly received: IlpPrepare[] = []
  #answer: PrepareAnswer | undefined

  constructor(
    readonly label: string,
    readonly link: Link,
    private readonly budget: Budget,
    private readonly timeoutMs: number,
    incoming: boolean,
  ) {
    if (incoming) {
      link.setRequestHandler(async (bytes) => {
        const prepare = decodePrepare(bytes)
        this.received.push(prepare)
        return encodeReply(await (this.#answer ?? refuse)(prepare))
      })
    }
  }

  /** How the next Prepares from the node are answered (default: F99, never fulfilled). */
  answerWith(answer: PrepareAnswer | undefined): void {
    this.#answer = answer
  }

  /** Sends a Prepare; the reply, or the link error when no ILP reply came back. */
  async send(prepare: IlpPrepare, evidence: Evidence): Promise<IlpReply | Error> {
    const bytes = encodePrepare(prepare)
    evidence.sent.push(`${this.label}: ${describePrepare(prepare)}`)
    return this.sendBytes(bytes, evidence)
  }

  /** Sends ILP bytes as they are (a malformed packet); decodes the reply. */
  async sendBytes(bytes: Uint8Array, evidence: Evidence, what?: string): Promise<IlpReply | Error> {
    if (what !== undefined) evidence.sent.push(`${this.label}: ${what}`)
    this.budget.packet()
    try {
      const reply = decodeReply(await this.link.request(bytes, { timeoutMs: this.timeoutMs }))
      evidence.received.push(`${this.label}: ${describeReply(reply)}`)
      return reply
    } catch (error) {
      evidence.received.push(`${this.label}: no ILP reply (${describeError(error)})`)
      return error instanceof Error ? error : new Error(String(error))
    }
  }
}

/** CCP requests are acknowledged (so the node's updates can be read); everything else gets F99. */
const refuse = (prepare: IlpPrepare): IlpReply =>
  prepare.destination === CCP_UPDATE_DESTINATION || prepare.destination === CCP_CONTROL_DESTINATION
    ? { type: IlpPacketType.Fulfill, ...ccpFulfill() }
    : {
        type: IlpPacketType.Reject,
        code: 'F99',
        triggeredBy: '',
        message: `stack-conformance does not accept payments (${prepare.destination})`,
        data: new Uint8Array(0),
      }

/** A Prepare nobody can fulfill (random condition): it can never move value. */
export function probePrepare(destination: string, amount: bigint, expiresInMs: number, data = new Uint8Array(0)): IlpPrepare {
  return { amount, destination, executionCondition: randomBytes(32), expiresAt: new Date(Date.now() + expiresInMs), data }
}

/** The connections one run uses, opened on first use and closed at the end. */
export class Session {
  readonly budget: Budget
  #primary: Promise<Account> | undefined
  #second: Promise<Account> | undefined
  #primaryInfo: Promise<IldcpInfo | undefined> | undefined
  #secondInfo: Promise<IldcpInfo | undefined> | undefined
  readonly #links: Link[] = []

  constructor(
    readonly target: Target,
    budget: Budget,
  ) {
    this.budget = budget
  }

  get isBtp(): boolean {
    return /^btp\+wss?:/.test(this.target.url)
  }

  primary(): Promise<Account> {
    this.#primary ??= this.#open('account', this.target.url, this.target.token)
    return this.#primary.then(connected)
  }

  /** The second account, or NotApplicableError when none was given. */
  second(): Promise<Account> {
    const url = this.target.second
    if (url === undefined) return Promise.reject(new NotApplicableError('needs a second account (--second)'))
    this.#second ??= this.#open('second', url)
    return this.#second.then(connected)
  }

  /** ILDCP of the first account (undefined when the node does not answer it). */
  primaryInfo(): Promise<IldcpInfo | undefined> {
    this.#primaryInfo ??= this.primary().then((a) => ildcpOf(a))
    return this.#primaryInfo
  }

  /** The second account's address, by ILDCP. */
  async secondAddress(): Promise<string> {
    const account = await this.second()
    this.#secondInfo ??= ildcpOf(account)
    const info = await this.#secondInfo
    if (info === undefined) throw new NotApplicableError('the second account did not answer ILDCP, so its address is unknown')
    return info.clientAddress
  }

  /** The node's address: --node-address, else the parent of our ILDCP address (RFC 0034 §Link Relations). */
  async nodeAddress(): Promise<string> {
    if (this.target.nodeAddress !== undefined) return this.target.nodeAddress
    const info = await this.primaryInfo()
    const parent = info === undefined ? undefined : parentAddress(info.clientAddress)
    if (parent === undefined) throw new NotApplicableError('the node\'s address is unknown (no ILDCP answer): give --node-address')
    return parent
  }

  /** Closes every connection; the next use opens them again. */
  async close(): Promise<void> {
    for (const link of this.#links.splice(0)) await link.close().catch(() => undefined)
    this.#primary = this.#second = this.#primaryInfo = this.#secondInfo = undefined
  }

  async #open(label: string, url: string, token?: string): Promise<Account> {
    const btp = /^btp\+wss?:/.test(url)
    const link: Link = btp ? new BtpClient({ url, reconnect: false }) : new HttpLink({ url, token: token ?? '', timeoutMs: this.target.timeoutMs })
    this.#links.push(link)
    // Over ILP-over-HTTP the node could only reach us at a URL of ours: no incoming Prepares here.
    const account = new Account(label, link, this.budget, this.target.timeoutMs, btp)
    await link.connect()
    return account
  }
}

/**
 * The account's link, connected again if the node dropped it: the raw BTP checks log in with the
 * same account, and a node that keeps one connection per account closes the older one.
 */
async function connected(account: Account): Promise<Account> {
  if (account.link.state !== 'connected') await account.link.connect()
  return account
}

async function ildcpOf(account: Account): Promise<IldcpInfo | undefined> {
  const reply = await account.send(ildcpRequest(new Date(Date.now() + 30_000)), { sent: [], received: [] })
  if (reply instanceof Error || reply.type !== IlpPacketType.Fulfill) return undefined
  try {
    return decodeIldcpInfo(reply.data)
  } catch {
    return undefined
  }
}
