import { BtpType, ContentType, encodeBtpFrame } from '@stack/channel-btp'
import { encodePrepare, ildcpRequest } from '@stack/ilp-core'
import { fail, inGroup, NotApplicableError, pass, UnexpectedAnswerError, type Check, type CheckInfo, type CheckRow, type Evidence, type Verdict } from '../check.js'
import { authFrame, describeAnswer, ilpMessage, RawBtp, type RawAnswer } from '../raw-btp.js'
import type { Session } from '../session.js'

// BTP 2.0 (RFC 0023) on raw WebSocket frames, each check on a connection of its own.

const requestId = (): number => Math.floor(Math.random() * 0xffff_fff0) + 1

interface Credentials {
  url: string
  username: string
  token: string
}

function credentials(session: Session): Credentials {
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

/** What a one-frame check has at hand to judge the answer: the socket is still open. */
interface Answered {
  answer: RawAnswer
  /** The requestId the frame carried. */
  id: number
  raw: RawBtp
  session: Session
  evidence: Evidence
}

/** A check that sends one frame on a socket of its own (authenticated first, with `auth`) and judges the one answer. */
interface OneFrame extends CheckInfo {
  auth: boolean
  /** The frame, and the line of evidence that shows it. */
  frame(id: number, credentials: Credentials): { bytes: Uint8Array; shown: string }
  judge(answered: Answered): Promise<Verdict>
}

function oneFrame({ auth, frame, judge, ...info }: OneFrame): CheckRow<Session> {
  return {
    ...info,
    async run(session, evidence) {
      const given = credentials(session)
      const raw = await open(session, evidence, auth)
      try {
        const id = requestId()
        const sent = frame(id, given)
        raw.send(sent.bytes)
        evidence.sent.push(sent.shown)
        const answer = await raw.next(session.target.timeoutMs)
        evidence.received.push(describeAnswer(answer))
        return await judge({ answer, id, raw, session, evidence })
      } finally {
        raw.close()
      }
    },
  }
}

/** RFC 0023 §Authentication: an Error, then the connection closed. */
const refused =
  (what: string) =>
  ({ answer, raw, session, evidence }: Answered): Promise<Verdict> =>
    refusalVerdict(raw, answer, evidence, session.target.timeoutMs, what)

/** An Error or a close, never a Response, and a new connection still authenticates. */
const refusedAndServing =
  (accepted: string, unanswered: string) =>
  async ({ answer, raw, session, evidence }: Answered): Promise<Verdict> => {
    raw.close()
    if (!(await stillServes(session, evidence))) return fail('the node no longer accepts connections')
    if (answer.kind === 'frame' && answer.frame.type === BtpType.Response) return fail(accepted)
    if (answer.kind === 'timeout') return fail(unanswered)
    return pass(`refused (${describeAnswer(answer)}), and a new connection authenticates`)
  }

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8')

export const btpChecks: Check<Session>[] = inGroup('BTP', [
  oneFrame({
    id: 'btp.auth-wrong-token',
    source: 'RFC 0023 §Authentication',
    level: 'MUST',
    title: 'a wrong auth_token is answered with an Error and the connection closed',
    sends: 'one auth Message with the given username and a wrong token',
    auth: false,
    frame: (id, { username, token }) => ({ bytes: authFrame(id, username, `${token}-wrong`), shown: `BTP Message requestId=${id} auth_username=${username} auth_token=<given token>-wrong` }),
    judge: refused('a wrong token'),
  }),
  oneFrame({
    id: 'btp.auth-first',
    source: 'RFC 0023 §Authentication',
    level: 'SHOULD',
    title: 'a Message before auth is answered with an Error and the connection closed',
    sends: 'one ILP Message (an ILDCP request) before any auth',
    auth: false,
    frame: (id) => ({ bytes: ilpMessage(id, encodePrepare(ildcpRequest())), shown: `BTP Message requestId=${id} ilp=<ILDCP request>, unauthenticated` }),
    judge: refused('an unauthenticated Message'),
  }),
  oneFrame({
    id: 'btp.auth-duplicate-subprotocol',
    source: 'RFC 0023 §Authentication (two sub-protocols with the same name)',
    level: 'MUST',
    title: 'an auth Message with auth_token twice is answered with an Error and the connection closed',
    sends: 'one auth Message with the right token given twice',
    auth: false,
    frame: (id, { username, token }) => ({
      bytes: encodeBtpFrame({
        type: BtpType.Message,
        requestId: id,
        protocolData: [
          { protocolName: 'auth', contentType: ContentType.ApplicationOctetStream, data: new Uint8Array(0) },
          { protocolName: 'auth_username', contentType: ContentType.TextPlainUtf8, data: utf8(username) },
          { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: utf8(token) },
          { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: utf8(token) },
        ],
      }),
      shown: `BTP Message requestId=${id} auth with auth_token twice (the right token)`,
    }),
    judge: refused('two auth_token entries'),
  }),
  {
    id: 'btp.request-id',
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
  oneFrame({
    id: 'btp.error-answer',
    source: 'RFC 0023 §Error',
    level: 'MUST',
    title: 'a Message whose ilp data is not ILP gets an answer with its requestId (an Error with code, name, triggeredAt, or an ILP Reject)',
    sends: 'one Message whose ilp entry is 3 bytes of garbage',
    auth: true,
    frame: (id) => ({ bytes: ilpMessage(id, new Uint8Array([0xff, 0x01, 0x00])), shown: `BTP Message requestId=${id} ilp=ff0100` }),
    async judge({ answer, id }) {
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
    },
  }),
  oneFrame({
    id: 'btp.frame-limit',
    source: 'RFC 0023 §Error (F01); RFC 0027 §ILP Prepare (data ≤ 32767 bytes)',
    level: 'SHOULD',
    title: 'a 2 MiB frame is refused (Error or close) and the node keeps serving',
    sends: 'one 2 MiB Message (sub-protocol "conformance"), then one auth on a new connection',
    auth: true,
    frame(id) {
      const bytes = encodeBtpFrame({ type: BtpType.Message, requestId: id, protocolData: [{ protocolName: 'conformance', contentType: ContentType.ApplicationOctetStream, data: new Uint8Array(2 << 20) }] })
      return { bytes, shown: `BTP Message requestId=${id} of ${bytes.length} bytes` }
    },
    judge: refusedAndServing('the node accepted a 2 MiB frame', 'no answer to the 2 MiB frame'),
  }),
  oneFrame({
    id: 'btp.malformed-frame',
    source: 'RFC 0023 §Error (F01 InvalidFieldsError)',
    level: 'SHOULD',
    title: 'bytes that are not a BTP frame are refused (Error or close) and the node keeps serving',
    sends: 'one 16-byte frame of garbage, then one auth on a new connection',
    auth: true,
    frame: () => ({ bytes: new Uint8Array([6, 0xde, 0xad, 0xbe, 0xef, 0x7f, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5]), shown: '16 bytes: 06deadbeef7fffffffff000102030405' }),
    judge: refusedAndServing('the node answered garbage with a Response', 'no answer to the garbage frame'),
  }),
])
