import { BtpType, ContentType, encodeBtpFrame } from '@stack/channel-btp'
import { encodePrepare, ildcpRequest } from '@stack/ilp-core'
import { fail, NotApplicableError, pass, UnexpectedAnswerError, type Check, type Evidence, type Verdict } from '../check.js'
import { authFrame, describeAnswer, ilpMessage, RawBtp, type RawAnswer } from '../raw-btp.js'
import type { Session } from '../session.js'

// BTP 2.0 (RFC 0023) on raw WebSocket frames, each check on a connection of its own.

const requestId = (): number => Math.floor(Math.random() * 0xffff_fff0) + 1

function credentials(session: Session): { url: string; username: string; token: string } {
  if (!session.isBtp) throw new NotApplicableError('the node was given as ILP-over-HTTP, not BTP')
  const url = new URL(session.target.url)
  return { url: session.target.url, username: decodeURIComponent(url.username), token: decodeURIComponent(url.password) }
}

/** Opens a raw socket; with `auth`, authenticates it first (failing the check if that does not work). */
async function open(session: Session, evidence: Evidence, auth: boolean): Promise<RawBtp> {
  const { url, username, token } = credentials(session)
  const raw = await RawBtp.open(url, session.budget)
  if (auth) {
    const id = requestId()
    raw.send(authFrame(id, username, token))
    evidence.sent.push(`BTP Message requestId=${id} auth (the right token)`)
    const answer = await raw.next(session.target.timeoutMs)
    evidence.received.push(describeAnswer(answer))
    if (answer.kind !== 'frame' || answer.frame.type !== BtpType.Response) {
      raw.close()
      throw new UnexpectedAnswerError(`authentication with the given token failed: ${describeAnswer(answer)}`)
    }
  }
  return raw
}

/** After `answer`, the socket's end: RFC 0023 says an Error on auth is followed by a close. */
async function refusalVerdict(raw: RawBtp, answer: RawAnswer, evidence: Evidence, timeoutMs: number, what: string): Promise<Verdict> {
  if (answer.kind === 'frame' && answer.frame.type === BtpType.Response) return fail(`the node accepted ${what} (Response)`)
  if (answer.kind === 'frame' && answer.frame.type === BtpType.Error) {
    const after = await raw.next(timeoutMs)
    evidence.received.push(describeAnswer(after))
    return after.kind === 'closed' ? pass(`Error ${answer.frame.code}, then the connection closed`) : fail(`Error ${answer.frame.code}, but the connection stayed open`)
  }
  if (answer.kind === 'closed') return fail('closed the connection without an Error')
  return fail(`expected an Error, got ${describeAnswer(answer)}`)
}

/** A fresh connection still authenticates: the node survived what was sent before. */
async function stillServes(session: Session, evidence: Evidence): Promise<boolean> {
  try {
    const raw = await open(session, evidence, true)
    raw.close()
    return true
  } catch {
    return false
  }
}

export const btpChecks: Check<Session>[] = [
  {
    id: 'btp.auth-wrong-token',
    group: 'BTP',
    source: 'RFC 0023 §Authentication',
    level: 'MUST',
    title: 'a wrong auth_token is answered with an Error and the connection closed',
    sends: 'one auth Message with the given username and a wrong token',
    async run(session, evidence) {
      const { username, token } = credentials(session)
      const raw = await open(session, evidence, false)
      try {
        const id = requestId()
        raw.send(authFrame(id, username, `${token}-wrong`))
        evidence.sent.push(`BTP Message requestId=${id} auth_username=${username} auth_token=<given token>-wrong`)
        const answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
        return await refusalVerdict(raw, answer, evidence, session.target.timeoutMs, 'a wrong token')
      } finally {
        raw.close()
      }
    },
  },
  {
    id: 'btp.auth-first',
    group: 'BTP',
    source: 'RFC 0023 §Authentication',
    level: 'SHOULD',
    title: 'a Message before auth is answered with an Error and the connection closed',
    sends: 'one ILP Message (an ILDCP request) before any auth',
    async run(session, evidence) {
      const raw = await open(session, evidence, false)
      try {
        const id = requestId()
        raw.send(ilpMessage(id, encodePrepare(ildcpRequest())))
        evidence.sent.push(`BTP Message requestId=${id} ilp=<ILDCP request>, unauthenticated`)
        const answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
        return await refusalVerdict(raw, answer, evidence, session.target.timeoutMs, 'an unauthenticated Message')
      } finally {
        raw.close()
      }
    },
  },
  {
    id: 'btp.auth-duplicate-subprotocol',
    group: 'BTP',
    source: 'RFC 0023 §Authentication (two sub-protocols with the same name)',
    level: 'MUST',
    title: 'an auth Message with auth_token twice is answered with an Error and the connection closed',
    sends: 'one auth Message with the right token given twice',
    async run(session, evidence) {
      const { username, token } = credentials(session)
      const raw = await open(session, evidence, false)
      try {
        const id = requestId()
        const utf8 = (t: string): Uint8Array => Buffer.from(t, 'utf8')
        raw.send(
          encodeBtpFrame({
            type: BtpType.Message,
            requestId: id,
            protocolData: [
              { protocolName: 'auth', contentType: ContentType.ApplicationOctetStream, data: new Uint8Array(0) },
              { protocolName: 'auth_username', contentType: ContentType.TextPlainUtf8, data: utf8(username) },
              { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: utf8(token) },
              { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: utf8(token) },
            ],
          }),
        )
        evidence.sent.push(`BTP Message requestId=${id} auth with auth_token twice (the right token)`)
        const answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
        return await refusalVerdict(raw, answer, evidence, session.target.timeoutMs, 'two auth_token entries')
      } finally {
        raw.close()
      }
    },
  },
  {
    id: 'btp.request-id',
    group: 'BTP',
    source: 'RFC 0023 §Flow; RFC 0034 §Links',
    level: 'MUST',
    title: 'each answer carries the requestId of its request',
    sends: 'two ILDCP request Messages with random requestIds, back to back',
    async run(session, evidence) {
      const raw = await open(session, evidence, true)
      try {
        const ids = [requestId(), requestId()]
        for (const id of ids) {
          raw.send(ilpMessage(id, encodePrepare(ildcpRequest())))
          evidence.sent.push(`BTP Message requestId=${id} ilp=<ILDCP request>`)
        }
        const answered: number[] = []
        for (let i = 0; i < ids.length; i++) {
          const answer = await raw.next(session.target.timeoutMs)
          evidence.received.push(describeAnswer(answer))
          if (answer.kind !== 'frame') return fail(`expected two answers, got ${describeAnswer(answer)}`)
          answered.push(answer.frame.requestId)
        }
        const ok = ids.every((id) => answered.includes(id))
        return ok ? pass(`answers carried ${answered.join(', ')}`) : fail(`sent ${ids.join(', ')}, answers carried ${answered.join(', ')}`)
      } finally {
        raw.close()
      }
    },
  },
  {
    id: 'btp.error-answer',
    group: 'BTP',
    source: 'RFC 0023 §Error',
    level: 'MUST',
    title: 'a Message whose ilp data is not ILP gets an answer with its requestId (an Error with code, name, triggeredAt, or an ILP Reject)',
    sends: 'one Message whose ilp entry is 3 bytes of garbage',
    async run(session, evidence) {
      const raw = await open(session, evidence, true)
      try {
        const id = requestId()
        raw.send(ilpMessage(id, new Uint8Array([0xff, 0x01, 0x00])))
        evidence.sent.push(`BTP Message requestId=${id} ilp=ff0100`)
        const answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
        if (answer.kind !== 'frame') return fail(`no answer: ${describeAnswer(answer)}`)
        if (answer.frame.requestId !== id) return fail(`the answer carried requestId ${answer.frame.requestId}`)
        if (answer.frame.type === BtpType.Error) {
          const { code, name, triggeredAt } = answer.frame
          return /^[FTR]\d\d$/.test(code) && name !== '' && /^\d{14}(\.\d+)?Z$/.test(triggeredAt)
            ? pass(`Error ${code} ${name}`)
            : fail(`malformed Error: code=${code} name=${name} triggeredAt=${triggeredAt}`)
        }
        if (answer.frame.type === BtpType.Response && answer.frame.protocolData.some((p) => p.protocolName === 'ilp')) return pass('Response with an ILP packet')
        return fail(`expected an Error, got ${describeAnswer(answer)}`)
      } finally {
        raw.close()
      }
    },
  },
  {
    id: 'btp.frame-limit',
    group: 'BTP',
    source: 'RFC 0023 §Error (F01); RFC 0027 §ILP Prepare (data ≤ 32767 bytes)',
    level: 'SHOULD',
    title: 'a 2 MiB frame is refused (Error or close) and the node keeps serving',
    sends: 'one 2 MiB Message (sub-protocol "conformance"), then one auth on a new connection',
    async run(session, evidence) {
      const raw = await open(session, evidence, true)
      let answer: RawAnswer
      try {
        const id = requestId()
        const big = encodeBtpFrame({ type: BtpType.Message, requestId: id, protocolData: [{ protocolName: 'conformance', contentType: ContentType.ApplicationOctetStream, data: new Uint8Array(2 << 20) }] })
        raw.send(big)
        evidence.sent.push(`BTP Message requestId=${id} of ${big.length} bytes`)
        answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
      } finally {
        raw.close()
      }
      if (!(await stillServes(session, evidence))) return fail('the node no longer accepts connections')
      if (answer.kind === 'frame' && answer.frame.type === BtpType.Response) return fail('the node accepted a 2 MiB frame')
      if (answer.kind === 'timeout') return fail('no answer to the 2 MiB frame')
      return pass(`refused (${describeAnswer(answer)}), and a new connection authenticates`)
    },
  },
  {
    id: 'btp.malformed-frame',
    group: 'BTP',
    source: 'RFC 0023 §Error (F01 InvalidFieldsError)',
    level: 'SHOULD',
    title: 'bytes that are not a BTP frame are refused (Error or close) and the node keeps serving',
    sends: 'one 16-byte frame of garbage, then one auth on a new connection',
    async run(session, evidence) {
      const raw = await open(session, evidence, true)
      let answer: RawAnswer
      try {
        raw.send(new Uint8Array([6, 0xde, 0xad, 0xbe, 0xef, 0x7f, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5]))
        evidence.sent.push('16 bytes: 06deadbeef7fffffffff000102030405')
        answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
      } finally {
        raw.close()
      }
      if (!(await stillServes(session, evidence))) return fail('the node no longer accepts connections')
      if (answer.kind === 'frame' && answer.frame.type === BtpType.Response) return fail('the node answered garbage with a Response')
      if (answer.kind === 'timeout') return fail('no answer to the garbage frame')
      return pass(`refused (${describeAnswer(answer)}), and a new connection authenticates`)
    },
  },
]
